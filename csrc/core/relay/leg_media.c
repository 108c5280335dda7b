/* The leg's packet path: sort each datagram by its first byte (RFC 7983),
 * decrypt, account, hand RTP and feedback to the owner; encrypt and send what
 * the bridge built; build the leg's own RTCP (SR/RR with SDES, NACK, PLI, FIR,
 * BYE). No allocation here: the leg's fixed buffers hold every packet.
 * Thread: the media thread only. */
#include <string.h>

#include "leg_internal.h"
#include "proto/demux.h"
#include "proto/rtcp.h"

#define RTCP_CAP (LCC_LEG_BUF - LCC_SRTP_MAX_TRAILER)

static lcc_leg_media *slot_for_sent_ssrc(lcc_leg *leg, uint32_t ssrc, lcc_slot *slot) {
  for (int s = 0; s < LCC_SLOT_COUNT; s++) {
    lcc_leg_media *m = &leg->media[s];
    if (m->active && (m->send_ssrc == ssrc || m->send_rtx_ssrc == ssrc)) {
      if (slot) *slot = (lcc_slot)s;
      return m;
    }
  }
  return NULL;
}

/* Finds the slot of an incoming packet by SSRC, else by payload type (then
 * learns the SSRC: unsignalled streams and SSRC changes, RFC 8829 §5.10). */
static lcc_leg_media *classify(lcc_leg *leg, const lcc_rtp_hdr *h, lcc_slot *slot, bool *rtx) {
  for (int s = 0; s < LCC_SLOT_COUNT; s++) {
    lcc_leg_media *m = &leg->media[s];
    if (!m->active || !m->can_recv) continue;
    *slot = (lcc_slot)s;
    if (m->rtx_pt >= 0 && h->pt == (uint8_t)m->rtx_pt) {
      m->remote_rtx_ssrc = h->ssrc;
      *rtx = true;
      return m;
    }
    if (h->pt != m->pt) continue;
    if (h->ssrc != m->remote_ssrc || !m->rx.started) {
      if (h->ssrc != m->remote_ssrc) lcc_rtp_rx_init(&m->rx, h->ssrc, m->clock_rate);
      m->remote_ssrc = h->ssrc;
    }
    *rtx = false;
    return m;
  }
  return NULL;
}

/* Parses the header once, finds the slot, accounts, unwraps RTX once, and
 * hands the packet up with its arrival time. */
static void on_rtp(lcc_leg *leg, const uint8_t *pkt, size_t n, uint64_t now) {
  lcc_rtp_in in = {.pkt = pkt, .arrival_us = now};
  if (lcc_rtp_parse(pkt, n, &in.h) != LCC_OK) return;
  lcc_slot slot;
  lcc_leg_media *m = classify(leg, &in.h, &slot, &in.rtx);
  if (!m) return;
  m->packets_in++;
  m->bytes_in += n;
  in.ssrc = in.h.ssrc;
  in.seq = in.h.seq;
  in.payload = pkt + in.h.payload_off;
  in.payload_len = in.h.payload_len;
  if (in.rtx) {
    /* RFC 4588 §4: the original sequence number leads the payload; a packet
     * too short for it is a padding-only probe with nothing to pass on. */
    if (in.payload_len < 2) return;
    in.seq = (uint16_t)((in.payload[0] << 8) | in.payload[1]);
    in.payload += 2;
    in.payload_len -= 2;
    in.ssrc = m->remote_ssrc;
  } else {
    lcc_rtp_rx_update(&m->rx, in.h.seq, in.h.ts, now, in.h.payload_len);
  }
  leg->cb.rtp(leg->cb_ctx, leg, slot, &in);
}

/* What the peer says about what we send: loss, jitter, and RTT from LSR/DLSR
 * (RFC 3550 §6.4.1; our SRs carry our wall clock, so A is our NTP now). */
static void on_report_blocks(lcc_leg *leg, const lcc_rtcp_rb *blocks, size_t n) {
  uint32_t a = lcc_ntp_mid(lcc_ntp_from_unix_us(lcc_wall_us()));
  for (size_t i = 0; i < n; i++) {
    lcc_leg_media *m = slot_for_sent_ssrc(leg, blocks[i].ssrc, NULL);
    if (!m) continue;
    m->remote_fraction_lost = blocks[i].fraction_lost;
    m->remote_cumulative_lost = blocks[i].cumulative_lost;
    if (m->clock_rate) m->remote_jitter_ms = blocks[i].jitter * 1000.0 / m->clock_rate;
    if (blocks[i].lsr) {
      uint32_t rtt = a - blocks[i].lsr - blocks[i].dlsr;
      if (rtt < 0x80000000u) m->rtt_ms = rtt * 1000.0 / 65536.0;
    }
  }
}

static void on_sr(lcc_leg *leg, const lcc_rtcp_pkt *p, uint64_t now) {
  lcc_rtcp_sr sr;
  if (lcc_rtcp_parse_sr(p, &sr) != LCC_OK) return;
  for (int s = 0; s < LCC_SLOT_COUNT; s++) {
    lcc_leg_media *m = &leg->media[s];
    if (!m->active || m->remote_ssrc != sr.ssrc) continue;
    lcc_rtp_rx_sr(&m->rx, sr.ntp, now);
    leg->cb.sender_report(leg->cb_ctx, leg, (lcc_slot)s, sr.rtp_ts, now);
  }
  on_report_blocks(leg, sr.blocks, sr.n_blocks);
}

static void on_feedback(lcc_leg *leg, const lcc_rtcp_pkt *p, uint64_t now) {
  lcc_slot slot;
  if (p->pt == LCC_RTCP_RTPFB && p->count == 1) {
    lcc_rtcp_nack nack;
    uint16_t seqs[LCC_RTCP_MAX_NACK * 17];
    if (lcc_rtcp_parse_nack(p, &nack) != LCC_OK) return;
    lcc_leg_media *m = slot_for_sent_ssrc(leg, nack.media_ssrc, &slot);
    if (!m) return;
    m->nacks_in++;
    size_t n = lcc_rtcp_nack_to_seqs(&nack, seqs, sizeof seqs / sizeof seqs[0]);
    leg->cb.nack(leg->cb_ctx, leg, slot, seqs, n);
  } else if (p->pt == LCC_RTCP_PSFB && (p->count == 1 || p->count == 4)) {
    lcc_rtcp_keyframe_req req;
    lcc_err err = p->count == 1 ? lcc_rtcp_parse_pli(p, &req) : lcc_rtcp_parse_fir(p, &req);
    if (err != LCC_OK) return;
    lcc_leg_media *m = slot_for_sent_ssrc(leg, req.media_ssrc, &slot);
    if (!m) return;
    if (p->count == 1) m->plis_in++;
    else m->firs_in++;
    leg->cb.keyframe_request(leg->cb_ctx, leg, slot, now);
  }
}

static void on_rtcp(lcc_leg *leg, const uint8_t *pkt, size_t n, uint64_t now) {
  if (lcc_rtcp_validate(pkt, n) != LCC_OK) return;
  lcc_rtcp_iter it;
  lcc_rtcp_pkt p;
  lcc_rtcp_iter_init(&it, pkt, n);
  while (lcc_rtcp_next(&it, &p)) {
    if (p.pt == LCC_RTCP_SR) {
      on_sr(leg, &p, now);
    } else if (p.pt == LCC_RTCP_RR) {
      lcc_rtcp_rr rr;
      if (lcc_rtcp_parse_rr(&p, &rr) == LCC_OK) on_report_blocks(leg, rr.blocks, rr.n_blocks);
    } else {
      on_feedback(leg, &p, now);
    }
  }
}

void lcc_leg_on_datagram(lcc_leg *leg, uint8_t *buf, size_t len) {
  lcc_demux_kind kind = lcc_demux_kind_of(buf, len);
  if (kind == LCC_DEMUX_DTLS) {
    lcc_leg_on_dtls(leg, buf, len);
    return;
  }
  if (kind == LCC_DEMUX_DROP || !leg->srtp || len > sizeof leg->rx) return;
  memcpy(leg->rx, buf, len);
  size_t n = len;
  uint64_t now = lcc_now_us();
  bool rtcp = kind == LCC_DEMUX_RTCP;
  lcc_err err = rtcp ? lcc_srtp_unprotect_rtcp(leg->srtp, leg->rx, &n) : lcc_srtp_unprotect_rtp(leg->srtp, leg->rx, &n);
  if (err != LCC_OK) { /* forged, replayed or damaged: dropped, counted */
    leg->srtp_errors++;
    return;
  }
  leg->last_rx_us = now;
  if (leg->state == LCC_STATE_DISCONNECTED) lcc_leg_set_state(leg, LCC_STATE_CONNECTED, LCC_OK, NULL);
  if (rtcp) on_rtcp(leg, leg->rx, n, now);
  else on_rtp(leg, leg->rx, n, now);
}

/* --- sending --- */

uint8_t *lcc_leg_tx_buffer(lcc_leg *leg, size_t *cap) {
  *cap = LCC_LEG_BUF - LCC_SRTP_MAX_TRAILER;
  return leg->tx;
}

void lcc_leg_send_rtp(lcc_leg *leg, lcc_slot slot, size_t len, const lcc_rtp_sent *sent) {
  if (!leg->srtp || len < 12) return;
  lcc_leg_media *m = &leg->media[slot];
  size_t n = len;
  if (lcc_srtp_protect_rtp(leg->srtp, leg->tx, &n, sizeof leg->tx) != LCC_OK) {
    leg->srtp_errors++;
    return;
  }
  if (!lcc_ice_send(leg->ice, leg->tx, n)) return;
  m->packets_out++;
  m->bytes_out += len;
  if (sent->ssrc != m->send_ssrc) return;
  /* The SR clock follows the newest timestamp: a retransmission (unwrapped
   * RTX) carries an old one. */
  if (m->sr_packets++ == 0 || (int32_t)(sent->ts - m->last_ts_out) >= 0) {
    m->last_ts_out = sent->ts;
    m->last_out_us = sent->now_us;
  }
  m->sr_octets += sent->payload_len;
}

void lcc_leg_follow_source_clock(lcc_leg *leg, lcc_slot slot, uint32_t rtp_ts, uint64_t at_us) {
  lcc_leg_media *m = &leg->media[slot];
  m->sr_ref_valid = true;
  m->sr_ref_rtp = rtp_ts;
  m->sr_ref_us = at_us;
}

void lcc_leg_send_rtcp(lcc_leg *leg, size_t len) {
  size_t n = len;
  if (!leg->srtp || !len) return;
  if (lcc_srtp_protect_rtcp(leg->srtp, leg->rtcp_tx, &n, sizeof leg->rtcp_tx) != LCC_OK) {
    leg->srtp_errors++;
    return;
  }
  lcc_ice_send(leg->ice, leg->rtcp_tx, n);
}

/* An empty RR first keeps every feedback packet a valid compound packet for
 * peers that did not negotiate rtcp-rsize (RFC 4585 §3.1). */
static size_t empty_rr(lcc_leg *leg) {
  lcc_rtcp_rr rr = {.ssrc = leg->rtcp_ssrc};
  return lcc_rtcp_write_rr(leg->rtcp_tx, RTCP_CAP, &rr);
}

void lcc_leg_send_nack(lcc_leg *leg, lcc_slot slot, const uint16_t *seqs, size_t n) {
  lcc_leg_media *m = &leg->media[slot];
  if (!m->active || !m->remote_ssrc || !(m->fb & LCC_FB_NACK) || !n) return;
  lcc_rtcp_nack nack = {.sender_ssrc = leg->rtcp_ssrc, .media_ssrc = m->remote_ssrc};
  lcc_rtcp_nack_from_seqs(&nack, seqs, n);
  size_t len = empty_rr(leg);
  len += lcc_rtcp_write_nack(leg->rtcp_tx + len, RTCP_CAP - len, &nack);
  lcc_leg_send_rtcp(leg, len);
}

void lcc_leg_request_keyframe(lcc_leg *leg, lcc_slot slot) {
  lcc_leg_media *m = &leg->media[slot];
  if (!m->active || !m->remote_ssrc || !m->can_recv) return;
  size_t len = empty_rr(leg);
  if (m->fb & LCC_FB_NACK_PLI)
    len += lcc_rtcp_write_pli(leg->rtcp_tx + len, RTCP_CAP - len, leg->rtcp_ssrc, m->remote_ssrc);
  else if (m->fb & LCC_FB_CCM_FIR)
    len += lcc_rtcp_write_fir(leg->rtcp_tx + len, RTCP_CAP - len, leg->rtcp_ssrc, m->remote_ssrc, leg->fir_seq++);
  else
    return;
  lcc_leg_send_rtcp(leg, len);
}

void lcc_leg_send_bye(lcc_leg *leg) {
  uint32_t ssrcs[LCC_SLOT_COUNT * 2];
  size_t n = 0;
  for (int s = 0; s < LCC_SLOT_COUNT; s++)
    if (leg->media[s].active && leg->media[s].packets_out) ssrcs[n++] = leg->media[s].send_ssrc;
  if (!n) ssrcs[n++] = leg->rtcp_ssrc;
  size_t len = empty_rr(leg);
  len += lcc_rtcp_write_bye(leg->rtcp_tx + len, RTCP_CAP - len, ssrcs, n);
  lcc_leg_send_rtcp(leg, len);
}

/* Our estimate of a sending slot's RTP clock now: from the source's SR when
 * the bridge passed one on, else from the last packet sent. */
static uint32_t rtp_now(const lcc_leg_media *m, uint64_t now) {
  uint64_t ref_us = m->sr_ref_valid ? m->sr_ref_us : m->last_out_us;
  uint32_t ref = m->sr_ref_valid ? m->sr_ref_rtp : m->last_ts_out;
  return ref + (uint32_t)((now - ref_us) * m->clock_rate / 1000000u);
}

static void fill_sr(const lcc_leg_media *m, uint64_t now, uint64_t ntp, lcc_rtcp_sr *sr) {
  memset(sr, 0, sizeof *sr);
  sr->ssrc = m->send_ssrc;
  sr->ntp = ntp;
  sr->rtp_ts = rtp_now(m, now);
  sr->packets = (uint32_t)m->sr_packets;
  sr->octets = (uint32_t)m->sr_octets;
}

/* One compound packet a second (RFC 3550 §6.2 for a two-party session):
 * SR or RR with a report block per received stream, more SRs, SDES CNAME. */
void lcc_leg_send_reports(lcc_leg *leg) {
  uint64_t now = lcc_now_us();
  uint64_t ntp = lcc_ntp_from_unix_us(lcc_wall_us());
  lcc_rtcp_rb blocks[LCC_SLOT_COUNT];
  uint8_t n_blocks = 0;
  for (int s = 0; s < LCC_SLOT_COUNT; s++)
    if (leg->media[s].active && leg->media[s].rx.received) lcc_rtp_rx_report(&leg->media[s].rx, now, &blocks[n_blocks++]);
  size_t len = 0;
  uint32_t first_ssrc = leg->rtcp_ssrc;
  bool blocks_sent = false;
  for (int s = 0; s < LCC_SLOT_COUNT; s++) {
    const lcc_leg_media *m = &leg->media[s];
    if (!m->active || !m->packets_out) continue;
    lcc_rtcp_sr sr;
    fill_sr(m, now, ntp, &sr);
    if (!blocks_sent) {
      memcpy(sr.blocks, blocks, n_blocks * sizeof blocks[0]);
      sr.n_blocks = n_blocks;
      first_ssrc = sr.ssrc;
      blocks_sent = true;
    }
    len += lcc_rtcp_write_sr(leg->rtcp_tx + len, RTCP_CAP - len, &sr);
  }
  if (!blocks_sent) {
    lcc_rtcp_rr rr = {.ssrc = leg->rtcp_ssrc, .n_blocks = n_blocks};
    memcpy(rr.blocks, blocks, n_blocks * sizeof blocks[0]);
    len += lcc_rtcp_write_rr(leg->rtcp_tx + len, RTCP_CAP - len, &rr);
  }
  len += lcc_rtcp_write_sdes_cname(leg->rtcp_tx + len, RTCP_CAP - len, first_ssrc, leg->cname);
  lcc_leg_send_rtcp(leg, len);
}
