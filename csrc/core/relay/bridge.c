/* The relay between two legs. See bridge.h. Thread: the media thread only. */
#include "bridge.h"

#include <string.h>

#include "base/clock.h"
#include "base/rd.h"

#define KEYFRAME_REQ_MIN_US 300000 /* at most ~3 keyframe requests a second reach a sender */

void lcc_bridge_init(lcc_bridge *b) { memset(b, 0, sizeof *b); }

/* Keeps the outgoing numbering continuous when the source changes its SSRC:
 * the new stream continues after the last packet sent (as mediasoup's
 * RtpStreamSend does), with the timestamp advanced by the time elapsed. */
static void track_source(lcc_rewrite *rw, const lcc_rtp_hdr *h, uint32_t clock, uint64_t now) {
  if (!rw->started) {
    rw->started = true;
    rw->src_ssrc = h->ssrc;
    rw->last_seq = (uint16_t)(h->seq - 1);
    rw->last_ts = h->ts;
    rw->last_us = now;
  } else if (h->ssrc != rw->src_ssrc) {
    uint32_t elapsed = (uint32_t)((now - rw->last_us) * clock / 1000000u);
    rw->seq_off = (uint16_t)(rw->last_seq + 1 - h->seq);
    rw->ts_off = rw->last_ts + (elapsed ? elapsed : 1) - h->ts;
    rw->src_ssrc = h->ssrc;
  }
  uint16_t out_seq = (uint16_t)(h->seq + rw->seq_off);
  if (lcc_seq_newer(out_seq, rw->last_seq)) {
    rw->last_seq = out_seq;
    rw->last_ts = h->ts + rw->ts_off;
    rw->last_us = now;
  }
}

/* Maps the source's header extensions to the destination's ids; the mid
 * extension carries the destination's mid (RFC 8843 §15.2); others are dropped. */
static size_t map_extensions(const lcc_leg_media *sm, const lcc_leg_media *dm, const uint8_t *pkt,
                             const lcc_rtp_hdr *h, lcc_rtp_ext *out) {
  lcc_rtp_ext in[LCC_RTP_MAX_EXTS];
  size_t n_in = h->extension ? lcc_rtp_ext_list(pkt, h, in, LCC_RTP_MAX_EXTS) : 0, n = 0;
  for (size_t i = 0; i < n_in; i++) {
    for (int k = LCC_EXT_MID + 1; k < LCC_EXT_COUNT; k++) {
      if (sm->ext_id[k] != in[i].id || !dm->ext_id[k]) continue;
      out[n] = in[i];
      out[n++].id = dm->ext_id[k];
    }
  }
  size_t mid_len = strlen(dm->mid);
  if (dm->ext_id[LCC_EXT_MID] && mid_len > 0 && mid_len <= 16 && n < LCC_RTP_MAX_EXTS)
    out[n++] = (lcc_rtp_ext){dm->ext_id[LCC_EXT_MID], (uint8_t)mid_len, (const uint8_t *)dm->mid};
  return n;
}

void lcc_bridge_forward_rtp(lcc_bridge *b, lcc_leg *src, lcc_leg *dst, lcc_slot slot, bool rtx,
                            const uint8_t *pkt, size_t len, const lcc_rtp_hdr *h) {
  (void)len;
  lcc_leg_media *sm = lcc_leg_media_slot(src, slot), *dm = lcc_leg_media_slot(dst, slot);
  if (!lcc_leg_ready(dst) || !dm->active || !dm->can_send) return;
  lcc_rewrite *rw = &b->rw[lcc_leg_party(src)][slot];
  const uint8_t *payload = pkt + h->payload_off;
  size_t plen = h->payload_len;
  uint16_t osn = 0;
  if (rtx) {
    if (plen < 2 || !rw->started) return; /* padding-only probes carry nothing to forward */
    osn = (uint16_t)((payload[0] << 8) | payload[1]);
    payload += 2;
    plen -= 2;
  } else {
    track_source(rw, h, sm->clock_rate, lcc_now_us());
  }
  bool as_rtx = rtx && dm->rtx_pt >= 0; /* else unwrap into the original packet */
  lcc_rtp_hdr_out o = {.marker = h->marker, .ts = h->ts + rw->ts_off};
  o.pt = as_rtx ? (uint8_t)dm->rtx_pt : dm->pt;
  o.ssrc = as_rtx ? dm->send_rtx_ssrc : dm->send_ssrc;
  o.seq = as_rtx ? rw->rtx_seq++ : (uint16_t)((rtx ? osn : h->seq) + rw->seq_off);
  lcc_rtp_ext exts[LCC_RTP_MAX_EXTS];
  size_t n_exts = map_extensions(sm, dm, pkt, h, exts);
  size_t cap;
  uint8_t *out = lcc_leg_tx_buffer(dst, &cap);
  size_t hl = lcc_rtp_write_header(out, cap, &o, exts, n_exts);
  if (!hl || hl + 2 + plen > cap) return;
  if (as_rtx) {
    lcc_put_u16(out + hl, (uint16_t)(osn + rw->seq_off));
    hl += 2;
  }
  memcpy(out + hl, payload, plen);
  b->forwarded[lcc_leg_party(src)][slot]++;
  lcc_leg_send_rtp(dst, slot, hl + plen);
}

void lcc_bridge_route_keyframe(lcc_bridge *b, lcc_leg *receiver, lcc_leg *source, lcc_slot slot) {
  /* Only a request that is sent, for a receiver that can get the keyframe,
   * counts against the limit: otherwise the requests made when the first leg
   * connects silence those made when the second one does, ms later. */
  if (!lcc_leg_ready(source) || !lcc_leg_ready(receiver)) return;
  lcc_rewrite *rw = &b->rw[lcc_leg_party(source)][slot];
  uint64_t now = lcc_now_us();
  if (rw->last_keyframe_req_us && now - rw->last_keyframe_req_us < KEYFRAME_REQ_MIN_US) return;
  rw->last_keyframe_req_us = now;
  lcc_leg_request_keyframe(source, slot);
}

void lcc_bridge_route_nack(lcc_bridge *b, lcc_leg *source, lcc_slot slot, const uint16_t *seqs,
                           size_t n) {
  const lcc_rewrite *rw = &b->rw[lcc_leg_party(source)][slot];
  if (!rw->started || !lcc_leg_ready(source)) return;
  uint16_t src_seqs[256];
  size_t m = 0;
  for (size_t i = 0; i < n && m < sizeof src_seqs / sizeof src_seqs[0]; i++)
    src_seqs[m++] = (uint16_t)(seqs[i] - rw->seq_off);
  lcc_leg_send_nack(source, slot, src_seqs, m);
}

void lcc_bridge_sender_report(lcc_bridge *b, lcc_leg *source, lcc_leg *receiver, lcc_slot slot,
                              uint32_t rtp_ts, uint64_t arrival_us) {
  const lcc_rewrite *rw = &b->rw[lcc_leg_party(source)][slot];
  if (!rw->started) return;
  lcc_leg_media *dm = lcc_leg_media_slot(receiver, slot);
  dm->sr_ref_valid = true;
  dm->sr_ref_rtp = rtp_ts + rw->ts_off;
  dm->sr_ref_us = arrival_us;
}
