/* One party's connection to the server: ICE + DTLS + SRTP + the negotiated
 * media (one audio and one video slot, BUNDLEd on one transport).
 *
 * The leg terminates the transport: it negotiates SDP, runs ICE and DTLS,
 * decrypts what arrives, keeps receive statistics, answers RTCP with its own
 * receiver/sender reports, and hands decrypted RTP and feedback up through
 * callbacks. What to do with media (forwarding, rewriting) is the bridge's.
 * Thread: the media thread only.
 * Owns: the ICE agent, DTLS and SRTP sessions, timers, packet buffers.
 * Borrows: the server's certificate, the options, cb/cb_ctx. */
#ifndef LCC_LEG_H
#define LCC_LEG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "transport/dtls.h"
#include "transport/ice.h"
#include "proto/rtp.h"
#include "proto/sdp.h"
#include "base/stats.h"
#include "base/vocab.h"

typedef enum { LCC_SLOT_AUDIO = 0, LCC_SLOT_VIDEO = 1, LCC_SLOT_COUNT = 2 } lcc_slot;

#define LCC_LEG_BUF 1600 /* > any datagram on a 1500-byte MTU path, plus the SRTP trailer */

/* One slot of a leg: what negotiation decided and the counters of its
 * packets. Every field is the leg's: negotiation (leg.c) writes the first
 * group, the packet path (leg_media.c) the rest. Other modules read a slot
 * through lcc_leg_media_slot's const view and ask the leg for changes. */
typedef struct {
  bool active;          /* an accepted m-section of this kind */
  char mid[64];
  int mline_index;
  bool can_send, can_recv; /* from the server's point of view */
  uint8_t pt;
  int rtx_pt;           /* -1: no rtx */
  uint32_t clock_rate;
  uint32_t fb;          /* LCC_FB_* accepted for this codec */
  uint8_t ext_id[LCC_EXT_COUNT]; /* 0: not negotiated */
  uint32_t send_ssrc, send_rtx_ssrc;     /* ours */
  uint32_t remote_ssrc, remote_rtx_ssrc; /* the peer's; 0 until known */
  lcc_rtp_rx rx;        /* primary stream's receive statistics */
  uint64_t packets_in, bytes_in, packets_out, bytes_out;
  /* What our SRs count (RFC 3550 §6.4.1): packets and payload octets sent
   * with send_ssrc (not the rtx SSRC's, a stream of its own). */
  uint64_t sr_packets, sr_octets;
  uint32_t last_ts_out;
  uint64_t last_out_us;
  /* The source's clock for our sender reports (lcc_leg_follow_source_clock,
   * from the source's SR): rtp timestamp in our numbering at local time ref_us. */
  bool sr_ref_valid;
  uint32_t sr_ref_rtp;
  uint64_t sr_ref_us;
  /* What the peer reports about what we send. */
  uint8_t remote_fraction_lost;
  int32_t remote_cumulative_lost;
  double remote_jitter_ms;
  double rtt_ms;        /* < 0: unknown */
  uint64_t nacks_in, plis_in, firs_in;
} lcc_leg_media;

typedef struct lcc_leg lcc_leg;

/* One decrypted RTP packet as the leg hands it up: its header parsed once,
 * RTX unwrapped once (RFC 4588 §4), stamped with the one clock reading taken
 * when it arrived. Valid during the callback only. */
typedef struct {
  const uint8_t *pkt;     /* the whole packet (its header extensions are read from it) */
  lcc_rtp_hdr h;          /* its header, as received */
  bool rtx;               /* it came on the RTX stream */
  uint32_t ssrc;          /* the primary stream's SSRC (for RTX: the stream it repairs; 0: not seen yet) */
  uint16_t seq;           /* the primary sequence number (for RTX: the OSN) */
  const uint8_t *payload; /* the media payload (for RTX: after the OSN) */
  size_t payload_len;
  uint64_t arrival_us;    /* monotonic */
} lcc_rtp_in;

/* What the leg needs to know of an RTP packet it is asked to send, so that it
 * does not parse again the header its caller just wrote. */
typedef struct {
  uint32_t ssrc;
  uint32_t ts;
  size_t payload_len;
  uint64_t now_us;        /* monotonic: the arrival time of the packet it relays */
} lcc_rtp_sent;

typedef struct {
  void (*candidate)(void *ctx, lcc_leg *leg, const char *cand); /* NULL: gathering done */
  void (*state)(void *ctx, lcc_leg *leg, lcc_leg_state st, lcc_err err, const char *why);
  /* Decrypted RTP of a slot; padding-only RTX probes never reach it. */
  void (*rtp)(void *ctx, lcc_leg *leg, lcc_slot slot, const lcc_rtp_in *in);
  void (*keyframe_request)(void *ctx, lcc_leg *leg, lcc_slot slot, uint64_t arrival_us);
  void (*nack)(void *ctx, lcc_leg *leg, lcc_slot slot, const uint16_t *seqs, size_t n);
  void (*sender_report)(void *ctx, lcc_leg *leg, lcc_slot slot, uint32_t rtp_ts, uint64_t arrival_us);
} lcc_leg_cb;

/* The leg's options (the server fills them from its own). */
typedef struct {
  lcc_ice_opts ice;
  uint32_t disconnected_after_ms; /* no packet for this long: 'disconnected' */
  uint32_t dtls_timeout_ms;       /* handshake deadline after ICE connects */
} lcc_leg_opts;

typedef struct {
  GMainContext *ctx;
  lcc_dtls_cert *cert;
  const lcc_leg_opts *opts;
  lcc_party party;
  const char *call_id; /* for the cname and stream id */
} lcc_leg_env;

lcc_leg *lcc_leg_create(const lcc_leg_env *env, const lcc_leg_cb *cb, void *cb_ctx);
/* Ends the leg gracefully: RTCP BYE, DTLS close_notify, state 'closed'.
 * Counters stay readable until destroy. */
void lcc_leg_close(lcc_leg *leg);
/* Closes if needed, stops everything, frees. NULL is a no-op. */
void lcc_leg_destroy(lcc_leg *leg);

lcc_err lcc_leg_answer(lcc_leg *leg, const char *offer, char **answer, lcc_why *why);
lcc_err lcc_leg_offer(lcc_leg *leg, char **offer, lcc_why *why);
lcc_err lcc_leg_accept_answer(lcc_leg *leg, const char *answer, lcc_why *why);
lcc_err lcc_leg_add_candidate(lcc_leg *leg, const char *cand, const char *mid, int mline_index,
                              lcc_why *why);
lcc_err lcc_leg_restart_ice(lcc_leg *leg, char **offer, lcc_why *why);

lcc_leg_state lcc_leg_get_state(const lcc_leg *leg);
lcc_party lcc_leg_party(const lcc_leg *leg);
/* The mid and m-line index candidates are signalled with (the BUNDLE tag). */
const char *lcc_leg_candidate_mid(const lcc_leg *leg, int *mline_index);
const lcc_leg_media *lcc_leg_media_slot(const lcc_leg *leg, lcc_slot slot);
/* Media can be sent: DTLS done, SRTP keyed. */
bool lcc_leg_ready(const lcc_leg *leg);

/* The buffer the bridge builds an outgoing packet in (LCC_LEG_BUF bytes, with
 * room for the SRTP trailer after LCC_LEG_BUF - LCC_SRTP_MAX_TRAILER). */
uint8_t *lcc_leg_tx_buffer(lcc_leg *leg, size_t *cap);
/* Encrypts and sends the packet of len bytes built in the tx buffer. */
void lcc_leg_send_rtp(lcc_leg *leg, lcc_slot slot, size_t len, const lcc_rtp_sent *sent);
/* The source of what this slot sends had RTP time rtp_ts (in this slot's
 * numbering) at at_us: the clock our sender reports follow. */
void lcc_leg_follow_source_clock(lcc_leg *leg, lcc_slot slot, uint32_t rtp_ts, uint64_t at_us);
void lcc_leg_send_nack(lcc_leg *leg, lcc_slot slot, const uint16_t *seqs, size_t n);
void lcc_leg_request_keyframe(lcc_leg *leg, lcc_slot slot);

/* Copies this leg's statistics (leg_stats.c). */
void lcc_leg_stats_read(lcc_leg *leg, lcc_stats_leg *out);
uint64_t lcc_leg_connected_at_ms(const lcc_leg *leg);
/* The ICE-TCP guard's judgement of this leg's connections (lcc_ice_guard_tcp). */
size_t lcc_leg_guard_tcp(lcc_leg *leg, lcc_tcp_guard *g);

#endif
