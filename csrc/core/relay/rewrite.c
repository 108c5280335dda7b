/* The rewrite of one forwarded RTP packet. See rewrite.h. Pure. */
#include "rewrite.h"

#include <string.h>

#include "base/rd.h"

void lcc_rewrite_init(lcc_rewrite *rw) { memset(rw, 0, sizeof *rw); }

/* Keeps the outgoing numbering continuous when the source changes its SSRC:
 * the new stream continues after the last packet sent (as mediasoup's
 * RtpStreamSend does), with the timestamp advanced by the time elapsed. */
static void track_source(lcc_rewrite *rw, const lcc_rtp_in *in, uint32_t clock_rate) {
  const lcc_rtp_hdr *h = &in->h;
  if (!rw->started) {
    rw->started = true;
    rw->src_ssrc = h->ssrc;
    rw->last_seq = (uint16_t)(h->seq - 1);
    rw->last_ts = h->ts;
    rw->last_us = in->arrival_us;
  } else if (h->ssrc != rw->src_ssrc) {
    uint32_t elapsed = (uint32_t)((in->arrival_us - rw->last_us) * clock_rate / 1000000u);
    rw->seq_off = (uint16_t)(rw->last_seq + 1 - h->seq);
    rw->ts_off = rw->last_ts + (elapsed ? elapsed : 1) - h->ts;
    rw->src_ssrc = h->ssrc;
  }
  uint16_t out_seq = (uint16_t)(h->seq + rw->seq_off);
  if (lcc_seq_newer(out_seq, rw->last_seq)) {
    rw->last_seq = out_seq;
    rw->last_ts = h->ts + rw->ts_off;
    rw->last_us = in->arrival_us;
  }
}

/* Maps the source's header extensions to the destination's ids; the mid
 * extension carries the destination's mid (RFC 8843 §15.2); others are dropped. */
static size_t map_extensions(const lcc_leg_media *src, const lcc_leg_media *dst,
                             const lcc_rtp_in *in, lcc_rtp_ext *out) {
  lcc_rtp_ext listed[LCC_RTP_MAX_EXTS];
  size_t n_in = in->h.extension ? lcc_rtp_ext_list(in->pkt, &in->h, listed, LCC_RTP_MAX_EXTS) : 0;
  size_t n = 0;
  for (size_t i = 0; i < n_in; i++) {
    for (int k = LCC_EXT_MID + 1; k < LCC_EXT_COUNT && n < LCC_RTP_MAX_EXTS; k++) {
      if (src->ext_id[k] != listed[i].id || !dst->ext_id[k]) continue;
      out[n] = listed[i];
      out[n++].id = dst->ext_id[k];
    }
  }
  size_t mid_len = strlen(dst->mid);
  if (dst->ext_id[LCC_EXT_MID] && mid_len > 0 && mid_len <= 16 && n < LCC_RTP_MAX_EXTS)
    out[n++] = (lcc_rtp_ext){dst->ext_id[LCC_EXT_MID], (uint8_t)mid_len, (const uint8_t *)dst->mid};
  return n;
}

bool lcc_rewrite_rtp(lcc_rewrite *rw, const lcc_leg_media *src, const lcc_leg_media *dst,
                     const lcc_rtp_in *in, lcc_rtp_plan *out) {
  if (in->rtx && !rw->started) return false; /* nothing of the stream was sent: no numbering to repair */
  if (!in->rtx) track_source(rw, in, src->clock_rate);
  uint16_t seq = (uint16_t)(in->seq + rw->seq_off);
  bool on_rtx = in->rtx && dst->rtx_pt >= 0; /* else the original packet again */
  out->hdr = (lcc_rtp_hdr_out){
      .marker = in->h.marker,
      .pt = on_rtx ? (uint8_t)dst->rtx_pt : dst->pt,
      .seq = on_rtx ? rw->rtx_seq++ : seq,
      .ts = lcc_rewrite_ts(rw, in->h.ts),
      .ssrc = on_rtx ? dst->send_rtx_ssrc : dst->send_ssrc,
  };
  out->on_rtx = on_rtx;
  out->osn = seq;
  out->n_exts = map_extensions(src, dst, in, out->exts);
  out->payload = in->payload;
  out->payload_len = in->payload_len;
  return true;
}

size_t lcc_rewrite_write(const lcc_rtp_plan *plan, uint8_t *buf, size_t cap) {
  size_t hl = lcc_rtp_write_header(buf, cap, &plan->hdr, plan->exts, plan->n_exts);
  size_t osn_len = plan->on_rtx ? 2 : 0;
  if (!hl || hl + osn_len + plan->payload_len > cap) return 0;
  if (plan->on_rtx) lcc_put_u16(buf + hl, plan->osn);
  memcpy(buf + hl + osn_len, plan->payload, plan->payload_len);
  return hl + osn_len + plan->payload_len;
}

size_t lcc_rewrite_nack(const lcc_rewrite *rw, const uint16_t *seqs, size_t n, uint16_t *out,
                        size_t max) {
  if (!rw->started) return 0;
  size_t m = 0;
  for (size_t i = 0; i < n && m < max; i++) out[m++] = (uint16_t)(seqs[i] - rw->seq_off);
  return m;
}
