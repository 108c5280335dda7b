/* The relay between two legs. See bridge.h. Thread: the media thread only. */
#include "bridge.h"

#include <string.h>

#define KEYFRAME_REQ_MIN_US 300000 /* at most ~3 keyframe requests a second reach a sender */

void lcc_bridge_init(lcc_bridge *b) {
  memset(b, 0, sizeof *b);
  for (int p = 0; p < LCC_PARTY_COUNT; p++)
    for (int s = 0; s < LCC_SLOT_COUNT; s++) lcc_rewrite_init(&b->rw[p][s]);
}

void lcc_bridge_forward_rtp(lcc_bridge *b, lcc_leg *src, lcc_leg *dst, lcc_slot slot,
                            const lcc_rtp_in *in) {
  const lcc_leg_media *dm = lcc_leg_media_slot(dst, slot);
  if (!lcc_leg_ready(dst) || !dm->active || !dm->can_send) return;
  lcc_rtp_plan plan;
  lcc_rewrite *rw = &b->rw[lcc_leg_party(src)][slot];
  if (!lcc_rewrite_rtp(rw, lcc_leg_media_slot(src, slot), dm, in, &plan)) return;
  size_t cap;
  uint8_t *buf = lcc_leg_tx_buffer(dst, &cap);
  size_t len = lcc_rewrite_write(&plan, buf, cap);
  if (!len) return;
  lcc_rtp_sent sent = {plan.hdr.ssrc, plan.hdr.ts, plan.payload_len, in->arrival_us};
  lcc_leg_send_rtp(dst, slot, len, &sent);
}

void lcc_bridge_route_keyframe(lcc_bridge *b, lcc_leg *receiver, lcc_leg *source, lcc_slot slot,
                               uint64_t now_us) {
  /* Only a request that is sent, for a receiver that can get the keyframe,
   * counts against the limit: otherwise the requests made when the first leg
   * connects silence those made when the second one does, ms later. */
  if (!lcc_leg_ready(source) || !lcc_leg_ready(receiver)) return;
  uint64_t *last = &b->last_keyframe_req_us[lcc_leg_party(source)][slot];
  if (*last && now_us - *last < KEYFRAME_REQ_MIN_US) return;
  *last = now_us;
  lcc_leg_request_keyframe(source, slot);
}

void lcc_bridge_route_nack(lcc_bridge *b, lcc_leg *source, lcc_slot slot, const uint16_t *seqs,
                           size_t n) {
  if (!lcc_leg_ready(source)) return;
  uint16_t src_seqs[256];
  size_t m = lcc_rewrite_nack(&b->rw[lcc_leg_party(source)][slot], seqs, n, src_seqs,
                              sizeof src_seqs / sizeof src_seqs[0]);
  if (m) lcc_leg_send_nack(source, slot, src_seqs, m);
}

void lcc_bridge_sender_report(lcc_bridge *b, lcc_leg *source, lcc_leg *receiver, lcc_slot slot,
                              uint32_t rtp_ts, uint64_t arrival_us) {
  const lcc_rewrite *rw = &b->rw[lcc_leg_party(source)][slot];
  if (!rw->started) return;
  lcc_leg_follow_source_clock(receiver, slot, lcc_rewrite_ts(rw, rtp_ts), arrival_us);
}
