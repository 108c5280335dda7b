/* The leg's private state, shared by leg.c (negotiation, ICE, DTLS, state),
 * leg_media.c (packets in and out, RTCP) and leg_stats.c. Not for other modules.
 * Thread: the media thread only. */
#ifndef LCC_LEG_INTERNAL_H
#define LCC_LEG_INTERNAL_H

#include "base/clock.h"
#include "transport/dtls.h"
#include "transport/ice.h"
#include "leg.h"
#include "proto/sdp.h"
#include "transport/srtp.h"

/* A description the leg sent, kept small: its text and what the leg reads of
 * it between negotiations (a parsed lcc_sdp is ~700 KB). */
typedef struct {
  char *text;                 /* as sent, owned; NULL: none */
  uint64_t session_id, session_version; /* its o= line */
  char mids[LCC_SDP_MAX_MEDIA][64]; /* every m-section's mid, for trickled candidates */
  size_t n_mids;
  int first_accepted;         /* index of the first accepted m-section, -1: none */
} lcc_leg_desc;

struct lcc_leg {
  lcc_leg_env env;
  char call_id[LCC_CALL_ID_MAX];
  lcc_leg_cb cb;
  void *cb_ctx;
  lcc_leg_state state;

  lcc_ice *ice;
  lcc_dtls *dtls;
  lcc_srtp *srtp;
  lcc_srtp_profile srtp_profile;
  bool dtls_active;      /* we are the DTLS client */
  bool controlling;
  char remote_fp_alg[16], remote_fp[200];
  char remote_ufrag[256];

  /* What negotiation decided lives in the slots (media[]: payload types,
   * extension ids, SSRCs, directions), remote_fp* (the peer's DTLS
   * fingerprint) and remote_ufrag (its ICE credentials, held by the agent).
   * Of the descriptions themselves the leg keeps the text it sent: the next
   * offer is built from the last one (RFC 8829 §5.2.2), parsed into a
   * temporary then, and an answer is checked against the offer parsed back. */
  lcc_leg_desc local;         /* the last local description (offer or answer) */
  lcc_leg_desc pending_offer; /* our offer awaiting its answer */
  char bundle_mid[64];
  int bundle_mline;

  lcc_leg_media media[LCC_SLOT_COUNT];
  uint32_t rtcp_ssrc;    /* sender SSRC of reports when we send nothing */
  char cname[64];
  char stream_id[64];

  GSource *dtls_timer;
  GSource *tick;         /* 1 s: RTCP reports, the disconnected watchdog */
  uint64_t ice_connected_us;
  uint64_t last_rx_us;
  uint64_t connected_at_ms; /* wall clock, 0 = never */
  uint8_t fir_seq;
  uint64_t dtls_failures, srtp_errors;

  uint8_t rx[LCC_LEG_BUF];
  uint8_t tx[LCC_LEG_BUF];
  uint8_t rtcp_tx[LCC_LEG_BUF];
};

void lcc_leg_set_state(lcc_leg *leg, lcc_leg_state st, lcc_err err, const char *why);
/* leg.c: a DTLS datagram from the peer */
void lcc_leg_on_dtls(lcc_leg *leg, const uint8_t *buf, size_t len);
/* leg_media.c */
void lcc_leg_on_datagram(lcc_leg *leg, uint8_t *buf, size_t len);
void lcc_leg_send_reports(lcc_leg *leg);
void lcc_leg_send_bye(lcc_leg *leg);
void lcc_leg_send_rtcp(lcc_leg *leg, size_t len);

#endif
