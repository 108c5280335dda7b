/* A test peer: acts like a browser toward one lcc_server call leg, built only
 * from the core's own modules (lcc_ice on a GMainContext the test iterates,
 * its own lcc_dtls_cert + lcc_dtls, lcc_srtp, lcc_sdp_* to write its offer or
 * answer and read the server's, lcc_rtp_* / lcc_rtcp_* for packets). It sends
 * whatever RTP and RTCP a test builds, and logs everything it receives,
 * decrypted and parsed. Two of them (visitor and agent) test the bridge; the
 * relay benchmark drives many calls with them.
 *
 * Also here: peer_server, which drives a real lcc_server for peers: commands
 * with bounded waits, the server's trickled candidates routed to the peer of
 * their leg, the legs' states, and the whole set-up of a call.
 *
 * Cheap by design: the peer keeps no SDP after negotiation (only what was
 * negotiated per slot), no send history, and logging can be turned off
 * (counters only).
 * Thread: whichever thread iterates ctx (peers and peer_server never run on
 * their own; every wait iterates ctx with a deadline). */
#ifndef LCC_TEST_PEER_H
#define LCC_TEST_PEER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "relay/leg.h"
#include "proto/rtcp.h"
#include "proto/rtp.h"
#include "proto/sdp.h"
#include "server/server.h"

typedef struct peer peer;

/* Choices for the peer's own description; zero values take lcc_sdp_offer's
 * (or, when answering, the offer's) values. */
typedef struct {
  uint8_t opus_pt, vp8_pt, rtx_pt; /* offer only: payload types */
  uint8_t ext_id[LCC_EXT_COUNT];   /* offer only: header extension ids by kind */
  char mid[LCC_SLOT_COUNT][16];    /* offer only: mids of the audio and video sections */
  bool no_rtx;                     /* neither offer nor accept rtx */
  uint32_t ssrc[LCC_SLOT_COUNT];   /* SSRCs the peer signals and sends with; 0: random */
  uint32_t rtx_ssrc;               /* video rtx SSRC; 0: random */
  bool no_log;                     /* count received packets without logging them */
  bool no_reports;                 /* no RR + SDES every second */
} peer_opts;

/* What was negotiated for one slot, from the peer's side. */
typedef struct {
  bool active;
  char mid[64];
  uint8_t pt;
  int rtx_pt; /* -1: none */
  uint32_t clock_rate;
  uint32_t fb;                     /* LCC_FB_* of the codec */
  uint8_t ext_id[LCC_EXT_COUNT];   /* 0: not negotiated */
  uint32_t ssrc, rtx_ssrc;         /* the peer's */
  uint32_t remote_ssrc, remote_rtx_ssrc; /* the server's, from its SDP (a=ssrc, FID) */
} peer_media;

#define PEER_MAX_PAYLOAD 1200
#define PEER_MAX_EXTS 8

typedef struct {
  uint8_t id, len;
  uint8_t data[32]; /* the first 32 bytes */
} peer_ext;

/* One received RTP packet, decrypted. */
typedef struct {
  uint64_t at_us;      /* monotonic */
  int slot;            /* by payload type: LCC_SLOT_*, -1 unknown */
  bool rtx;            /* the slot's rtx payload type */
  uint8_t marker, pt;
  uint16_t seq;
  uint32_t ts, ssrc;
  size_t len;          /* decrypted datagram */
  size_t payload_len;  /* stored up to PEER_MAX_PAYLOAD */
  uint8_t payload[PEER_MAX_PAYLOAD];
  peer_ext ext[PEER_MAX_EXTS];
  size_t n_ext;
} peer_rtp_rx;

/* One packet of a received compound RTCP packet; the member that matches
 * pt/fmt is filled. */
typedef struct {
  uint64_t at_us;
  size_t index;        /* its position in the compound packet */
  uint8_t pt, fmt;
  lcc_rtcp_sr sr;                /* LCC_RTCP_SR */
  lcc_rtcp_rr rr;                /* LCC_RTCP_RR */
  lcc_rtcp_nack nack;            /* LCC_RTCP_RTPFB, fmt 1 */
  lcc_rtcp_keyframe_req kf;      /* LCC_RTCP_PSFB, fmt 1 (PLI) or 4 (FIR) */
  size_t rtp_before;   /* how many RTP packets had been received when it arrived */
} peer_rtcp_rx;

/* Slots are told by payload type (rtx counts in its slot). */
typedef struct {
  uint64_t rtp_in, rtcp_in, bytes_in; /* bytes: decrypted datagrams */
  uint64_t rtp_in_slot[LCC_SLOT_COUNT], bytes_in_slot[LCC_SLOT_COUNT], payload_in_slot[LCC_SLOT_COUNT];
  uint64_t rtp_out, rtcp_out, bytes_out; /* bytes: before encryption */
  uint64_t rtp_out_slot[LCC_SLOT_COUNT], bytes_out_slot[LCC_SLOT_COUNT];
  uint64_t srtp_errors, rtcp_invalid, dropped;
} peer_counters;

/* Returns (transfer full) or NULL with why. Borrows ctx (must outlive the peer). */
peer *peer_create(GMainContext *ctx, const char *name, const peer_opts *opts, lcc_why *why);
/* Closes DTLS, frees everything. NULL is a no-op. */
void peer_destroy(peer *p);
const char *peer_name(const peer *p);

/* The peer's offer, all candidates included (waits for gathering, bounded).
 * Returns (transfer full, g_free) or NULL with why. */
char *peer_offer(peer *p, lcc_why *why);
/* Applies the server's answer to peer_offer's offer. */
lcc_err peer_take_answer(peer *p, const char *answer, lcc_why *why);
/* Answers the server's offer (setup active). Returns (transfer full, g_free) or NULL. */
char *peer_answer(peer *p, const char *offer, lcc_why *why);
/* A trickled remote candidate ("candidate:..."); NULL: end of candidates.
 * Held until the remote description is known. */
lcc_err peer_add_remote_candidate(peer *p, const char *cand, lcc_why *why);

/* DTLS done and SRTP keyed. */
bool peer_connected(const peer *p);
/* ICE or DTLS failed (why in peer_failure). */
bool peer_failed(const peer *p);
const char *peer_failure(const peer *p);
const peer_media *peer_media_slot(const peer *p, lcc_slot slot);

/* One RTP packet to send. */
typedef struct {
  uint8_t pt;
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
  bool marker;
  const uint8_t *payload;
  size_t len;
  const lcc_rtp_ext *exts;
  size_t n_exts;
} peer_rtp;

/* Writes, encrypts and sends one packet. False when not connected, the packet
 * does not fit, or the send failed. */
bool peer_send_rtp(peer *p, const peer_rtp *pkt);
/* Encrypts a compound RTCP packet (raw bytes, as built by the test) and sends it. */
bool peer_send_rtcp(peer *p, const uint8_t *rtcp, size_t len);
/* Builds and encrypts without sending (for tests that damage, truncate or
 * replay it). Returns the length, 0 on failure. */
size_t peer_protect_rtp(peer *p, const peer_rtp *pkt, uint8_t *out, size_t cap);
size_t peer_protect_rtcp(peer *p, const uint8_t *rtcp, size_t len, uint8_t *out, size_t cap);
/* Encrypts an RTP packet the test wrote byte by byte (0 when libsrtp refuses it). */
size_t peer_protect_rtp_raw(peer *p, const uint8_t *plain, size_t len, uint8_t *out, size_t cap);
/* Sends a datagram as is on the selected pair. */
bool peer_send_raw(peer *p, const uint8_t *buf, size_t len);

/* Drops the next arriving RTP packet with this SSRC and sequence number
 * before decryption (simulated loss). */
void peer_drop_incoming(peer *p, uint32_t ssrc, uint16_t seq);

size_t peer_rtp_count(const peer *p);
const peer_rtp_rx *peer_rtp_at(const peer *p, size_t i);
size_t peer_rtcp_count(const peer *p);
const peer_rtcp_rx *peer_rtcp_at(const peer *p, size_t i);
void peer_clear_log(peer *p);
const peer_counters *peer_stats(const peer *p);

/* --- driving an lcc_server for peers --- */

typedef struct peer_server peer_server;

/* Starts a server listening on 127.0.0.1 (opts NULL) or with opts; its
 * events wake ctx. Returns (transfer full) or NULL with why. */
peer_server *peer_server_create(GMainContext *ctx, const lcc_server_opts *opts, lcc_why *why);
/* Destroys the server (ending its calls), then frees the rest. */
void peer_server_destroy(peer_server *s);
lcc_server *peer_server_lcc(peer_server *s);

/* Posts a command and iterates ctx until its reply (at most timeout_ms).
 * Returns the reply's error (LCC_ERR_TIMEOUT without one); *text (may be
 * NULL) receives the reply text (transfer full, free()). */
lcc_err peer_server_command(peer_server *s, lcc_cmd *c, int timeout_ms, char **text, lcc_why *why);
/* The peer playing (call_id, party): its leg's trickled candidates go to it. */
void peer_server_attach(peer_server *s, const char *call_id, lcc_party party, peer *p);
/* The last state event of a leg (LCC_STATE_NEW if none); *failures counts
 * 'failed' events (may be NULL). */
lcc_leg_state peer_server_state(peer_server *s, const char *call_id, lcc_party party,
                                int *failures);
/* Iterates ctx and routes events until done(arg) (NULL: never) or timeout_ms.
 * Returns whether done became true. */
bool peer_server_run(peer_server *s, int timeout_ms, bool (*done)(void *arg), void *arg);
/* Creates call_id; the visitor offers (server answers); the server offers to
 * the agent (agent answers). Waits until both peers and both legs are
 * connected. False with why on any failure or after timeout_ms. */
bool peer_server_connect_call(peer_server *s, const char *call_id, peer *visitor, peer *agent,
                              int timeout_ms, lcc_why *why);
/* getStats() of a call (LCC_CMD_STATS), rendered as getStats()-shaped JSON
 * by the relay's renderer: the text (transfer full, free()) or NULL. */
char *peer_server_stats(peer_server *s, const char *call_id);
/* Every live call's statistics (LCC_CMD_STATS_ALL): the snapshot (transfer
 * full, free()) or NULL. */
lcc_stats_snapshot *peer_server_stats_all(peer_server *s);

#endif
