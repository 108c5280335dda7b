/* RTCP: validate and walk a compound (or RFC 5506 reduced-size) packet, parse
 * SR, RR, BYE, generic NACK, PLI and FIR, build SR, RR, SDES CNAME, BYE,
 * NACK, PLI and FIR, and convert between lost sequence numbers and NACK items.
 *
 * Leaves to others: SRTCP (srtp.c), the numbers in reports (lcc_rtp_rx in
 * rtp.c), deciding what to send and where (leg.c, bridge.c). SDES items, APP,
 * XR and REMB are walked over but not parsed. Pure, no allocation.
 * Thread: any. */
#include "rtcp.h"

#include "base/rd.h"

#define RTCP_HDR_LEN 4
#define RTCP_RB_LEN 24
#define RTCP_SR_INFO_LEN 24 /* sender SSRC + sender info (§6.4.1) */
#define RTCP_FB_LEN 8       /* sender SSRC + media SSRC (RFC 4585 §6.1) */
#define RTCP_FIR_FCI_LEN 8  /* SSRC, seq nr, 3 reserved (RFC 5104 §4.3.1.1) */
#define RTCP_SDES_CNAME 1
#define RTCP_FMT_NACK 1
#define RTCP_FMT_PLI 1
#define RTCP_FMT_FIR 4

void lcc_rtcp_iter_init(lcc_rtcp_iter *it, const uint8_t *buf, size_t len) {
  it->buf = buf;
  it->len = len;
  it->off = 0;
  it->bad = false;
}

/* One packet: version 2, its length field (§6.4.1: words minus one) within
 * what remains, and, with P set, a padding count of 1..body (§6.4.1). */
static bool rtcp_read_pkt(lcc_rd *r, lcc_rtcp_pkt *out) {
  size_t start = r->off;
  uint8_t b0 = lcc_rd_u8(r);
  out->pt = lcc_rd_u8(r);
  size_t len = ((size_t)lcc_rd_u16(r) + 1) * 4;
  if (r->bad || b0 >> 6 != 2) return false;
  const uint8_t *body = lcc_rd_bytes(r, len - RTCP_HDR_LEN);
  if (!body) return false;
  out->count = b0 & 0x1f;
  out->padding = (b0 >> 5) & 1;
  out->pkt = r->p + start;
  out->len = len;
  out->body = body;
  out->body_len = len - RTCP_HDR_LEN;
  if (out->padding) {
    lcc_rd pr = lcc_rd_init(body, out->body_len);
    lcc_rd_skip(&pr, out->body_len - 1);
    uint8_t pad = lcc_rd_u8(&pr);
    if (pad == 0 || pad > out->body_len) return false;
    out->body_len -= pad;
  }
  return true;
}

bool lcc_rtcp_next(lcc_rtcp_iter *it, lcc_rtcp_pkt *out) {
  if (it->bad || it->off >= it->len) return false;
  lcc_rd r = lcc_rd_init(it->buf, it->len);
  r.off = it->off;
  if (!rtcp_read_pkt(&r, out)) {
    it->bad = true;
    return false;
  }
  it->off = r.off;
  return true;
}

/* RFC 3550 A.2, relaxed for RFC 5506 §3.1: the first packet need not be an
 * SR or RR but must have an RTCP type (RFC 5761 §4: 192..223); every packet
 * is version 2; the lengths tile the buffer; only the last may be padded. */
lcc_err lcc_rtcp_validate(const uint8_t *buf, size_t len) {
  if (len < RTCP_HDR_LEN || len % 4 != 0) return LCC_ERR_PACKET_INVALID;
  lcc_rtcp_iter it;
  lcc_rtcp_pkt p;
  lcc_rtcp_iter_init(&it, buf, len);
  size_t n = 0;
  while (lcc_rtcp_next(&it, &p)) {
    if (n++ == 0 && (p.pt < 192 || p.pt > 223)) return LCC_ERR_PACKET_INVALID;
    if (p.padding && it.off != len) return LCC_ERR_PACKET_INVALID;
  }
  return it.bad ? LCC_ERR_PACKET_INVALID : LCC_OK;
}

/* §6.4.1 report block; cumulative lost is 24-bit two's complement. */
static void read_rb(lcc_rd *r, lcc_rtcp_rb *rb) {
  rb->ssrc = lcc_rd_u32(r);
  rb->fraction_lost = lcc_rd_u8(r);
  uint32_t cum = lcc_rd_u24(r);
  rb->cumulative_lost = (cum & 0x800000u) ? (int32_t)cum - 0x1000000 : (int32_t)cum;
  rb->ext_highest_seq = lcc_rd_u32(r);
  rb->jitter = lcc_rd_u32(r);
  rb->lsr = lcc_rd_u32(r);
  rb->dlsr = lcc_rd_u32(r);
}

/* Reads RC blocks after checking they fit; profile extensions after them
 * (§6.4.1) are ignored. */
static lcc_err read_rbs(lcc_rd *r, uint8_t count, lcc_rtcp_rb *blocks, uint8_t *n) {
  *n = 0;
  if (lcc_rd_left(r) < (size_t)count * RTCP_RB_LEN) return LCC_ERR_PACKET_INVALID;
  for (uint8_t i = 0; i < count; i++) read_rb(r, &blocks[i]);
  if (r->bad) return LCC_ERR_PACKET_INVALID;
  *n = count;
  return LCC_OK;
}

lcc_err lcc_rtcp_parse_sr(const lcc_rtcp_pkt *p, lcc_rtcp_sr *out) {
  memset(out, 0, sizeof *out);
  if (p->pt != LCC_RTCP_SR) return LCC_ERR_PACKET_INVALID;
  lcc_rd r = lcc_rd_init(p->body, p->body_len);
  out->ssrc = lcc_rd_u32(&r);
  out->ntp = lcc_rd_u64(&r);
  out->rtp_ts = lcc_rd_u32(&r);
  out->packets = lcc_rd_u32(&r);
  out->octets = lcc_rd_u32(&r);
  if (r.bad) return LCC_ERR_PACKET_INVALID;
  return read_rbs(&r, p->count, out->blocks, &out->n_blocks);
}

lcc_err lcc_rtcp_parse_rr(const lcc_rtcp_pkt *p, lcc_rtcp_rr *out) {
  memset(out, 0, sizeof *out);
  if (p->pt != LCC_RTCP_RR) return LCC_ERR_PACKET_INVALID;
  lcc_rd r = lcc_rd_init(p->body, p->body_len);
  out->ssrc = lcc_rd_u32(&r);
  if (r.bad) return LCC_ERR_PACKET_INVALID;
  return read_rbs(&r, p->count, out->blocks, &out->n_blocks);
}

/* The common feedback header (RFC 4585 §6.1) of a given type and FMT. */
static bool read_fb(lcc_rd *r, const lcc_rtcp_pkt *p, uint8_t pt, uint8_t fmt, uint32_t *sender,
                    uint32_t *media) {
  if (p->pt != pt || p->count != fmt) return false;
  *sender = lcc_rd_u32(r);
  *media = lcc_rd_u32(r);
  return !r->bad;
}

/* RFC 4585 §6.2.1: at least one FCI item; items past LCC_RTCP_MAX_NACK are
 * dropped. */
lcc_err lcc_rtcp_parse_nack(const lcc_rtcp_pkt *p, lcc_rtcp_nack *out) {
  memset(out, 0, sizeof *out);
  lcc_rd r = lcc_rd_init(p->body, p->body_len);
  if (!read_fb(&r, p, LCC_RTCP_RTPFB, RTCP_FMT_NACK, &out->sender_ssrc, &out->media_ssrc))
    return LCC_ERR_PACKET_INVALID;
  size_t items = lcc_rd_left(&r) / 4;
  if (items == 0 || lcc_rd_left(&r) % 4 != 0) return LCC_ERR_PACKET_INVALID;
  if (items > LCC_RTCP_MAX_NACK) items = LCC_RTCP_MAX_NACK;
  for (size_t i = 0; i < items; i++) {
    out->pid[i] = lcc_rd_u16(&r);
    out->blp[i] = lcc_rd_u16(&r);
  }
  out->n = (uint8_t)items;
  return LCC_OK;
}

/* RFC 4585 §6.3.1: no FCI. */
lcc_err lcc_rtcp_parse_pli(const lcc_rtcp_pkt *p, lcc_rtcp_keyframe_req *out) {
  memset(out, 0, sizeof *out);
  lcc_rd r = lcc_rd_init(p->body, p->body_len);
  if (!read_fb(&r, p, LCC_RTCP_PSFB, RTCP_FMT_PLI, &out->sender_ssrc, &out->media_ssrc))
    return LCC_ERR_PACKET_INVALID;
  return LCC_OK;
}

/* RFC 5104 §4.3.1: the media SSRC field is unused; the target is in the FCI. */
lcc_err lcc_rtcp_parse_fir(const lcc_rtcp_pkt *p, lcc_rtcp_keyframe_req *out) {
  memset(out, 0, sizeof *out);
  lcc_rd r = lcc_rd_init(p->body, p->body_len);
  uint32_t unused;
  if (!read_fb(&r, p, LCC_RTCP_PSFB, RTCP_FMT_FIR, &out->sender_ssrc, &unused))
    return LCC_ERR_PACKET_INVALID;
  if (lcc_rd_left(&r) < RTCP_FIR_FCI_LEN || lcc_rd_left(&r) % RTCP_FIR_FCI_LEN != 0)
    return LCC_ERR_PACKET_INVALID;
  out->media_ssrc = lcc_rd_u32(&r);
  out->fir_seq = lcc_rd_u8(&r);
  return LCC_OK;
}

/* §6.6: SC SSRCs, then an optional reason. 0 when they overrun the body. */
size_t lcc_rtcp_parse_bye(const lcc_rtcp_pkt *p, uint32_t *ssrcs, size_t max) {
  if (p->pt != LCC_RTCP_BYE || (size_t)p->count * 4 > p->body_len) return 0;
  lcc_rd r = lcc_rd_init(p->body, p->body_len);
  size_t n = p->count < max ? p->count : max;
  for (size_t i = 0; i < n; i++) ssrcs[i] = lcc_rd_u32(&r);
  return n;
}

uint32_t lcc_rtcp_sender_ssrc(const lcc_rtcp_pkt *p) {
  switch (p->pt) {
    case LCC_RTCP_SR:
    case LCC_RTCP_RR:
    case LCC_RTCP_RTPFB:
    case LCC_RTCP_PSFB: {
      lcc_rd r = lcc_rd_init(p->body, p->body_len);
      uint32_t ssrc = lcc_rd_u32(&r);
      return r.bad ? 0 : ssrc;
    }
    default:
      return 0;
  }
}

/* ---- Builders ---- */

/* The common header; len is the whole packet in bytes, a multiple of 4. */
static void write_hdr(lcc_wr *w, uint8_t count, uint8_t pt, size_t len) {
  lcc_wr_u8(w, (uint8_t)(0x80 | count));
  lcc_wr_u8(w, pt);
  lcc_wr_u16(w, (uint16_t)(len / 4 - 1));
}

static void write_rb(lcc_wr *w, const lcc_rtcp_rb *rb) {
  lcc_wr_u32(w, rb->ssrc);
  lcc_wr_u8(w, rb->fraction_lost);
  lcc_wr_u24(w, (uint32_t)rb->cumulative_lost & 0xFFFFFFu);
  lcc_wr_u32(w, rb->ext_highest_seq);
  lcc_wr_u32(w, rb->jitter);
  lcc_wr_u32(w, rb->lsr);
  lcc_wr_u32(w, rb->dlsr);
}

/* Returns the length written, or 0 (and the caller's buffer is left as it
 * was, since every builder checks the total length up front). */
static size_t finish(const lcc_wr *w, size_t len) { return !w->bad && w->off == len ? len : 0; }

size_t lcc_rtcp_write_sr(uint8_t *out, size_t cap, const lcc_rtcp_sr *sr) {
  if (sr->n_blocks > LCC_RTCP_MAX_RB) return 0;
  size_t len = RTCP_HDR_LEN + RTCP_SR_INFO_LEN + (size_t)sr->n_blocks * RTCP_RB_LEN;
  if (cap < len) return 0;
  lcc_wr w = lcc_wr_init(out, cap);
  write_hdr(&w, sr->n_blocks, LCC_RTCP_SR, len);
  lcc_wr_u32(&w, sr->ssrc);
  lcc_wr_u64(&w, sr->ntp);
  lcc_wr_u32(&w, sr->rtp_ts);
  lcc_wr_u32(&w, sr->packets);
  lcc_wr_u32(&w, sr->octets);
  for (uint8_t i = 0; i < sr->n_blocks; i++) write_rb(&w, &sr->blocks[i]);
  return finish(&w, len);
}

size_t lcc_rtcp_write_rr(uint8_t *out, size_t cap, const lcc_rtcp_rr *rr) {
  if (rr->n_blocks > LCC_RTCP_MAX_RB) return 0;
  size_t len = RTCP_HDR_LEN + 4 + (size_t)rr->n_blocks * RTCP_RB_LEN;
  if (cap < len) return 0;
  lcc_wr w = lcc_wr_init(out, cap);
  write_hdr(&w, rr->n_blocks, LCC_RTCP_RR, len);
  lcc_wr_u32(&w, rr->ssrc);
  for (uint8_t i = 0; i < rr->n_blocks; i++) write_rb(&w, &rr->blocks[i]);
  return finish(&w, len);
}

/* §6.5: one chunk (SSRC, CNAME item), its item list ended by at least one
 * null octet and padded with nulls to the next 32-bit boundary. */
size_t lcc_rtcp_write_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname) {
  if (!cname) return 0;
  size_t n = strlen(cname);
  if (n > 255) return 0;
  size_t chunk = 4 + 2 + n + 1;
  size_t len = RTCP_HDR_LEN + (chunk + 3) / 4 * 4;
  if (cap < len) return 0;
  lcc_wr w = lcc_wr_init(out, cap);
  write_hdr(&w, 1, LCC_RTCP_SDES, len);
  lcc_wr_u32(&w, ssrc);
  lcc_wr_u8(&w, RTCP_SDES_CNAME);
  lcc_wr_u8(&w, (uint8_t)n);
  lcc_wr_bytes(&w, cname, n);
  while (w.off < len && !w.bad) lcc_wr_u8(&w, 0);
  return finish(&w, len);
}

size_t lcc_rtcp_write_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, size_t n) {
  if (n > 31) return 0; /* SC is 5 bits */
  size_t len = RTCP_HDR_LEN + n * 4;
  if (cap < len) return 0;
  lcc_wr w = lcc_wr_init(out, cap);
  write_hdr(&w, (uint8_t)n, LCC_RTCP_BYE, len);
  for (size_t i = 0; i < n; i++) lcc_wr_u32(&w, ssrcs[i]);
  return finish(&w, len);
}

size_t lcc_rtcp_write_nack(uint8_t *out, size_t cap, const lcc_rtcp_nack *nack) {
  if (nack->n == 0 || nack->n > LCC_RTCP_MAX_NACK) return 0;
  size_t len = RTCP_HDR_LEN + RTCP_FB_LEN + (size_t)nack->n * 4;
  if (cap < len) return 0;
  lcc_wr w = lcc_wr_init(out, cap);
  write_hdr(&w, RTCP_FMT_NACK, LCC_RTCP_RTPFB, len);
  lcc_wr_u32(&w, nack->sender_ssrc);
  lcc_wr_u32(&w, nack->media_ssrc);
  for (uint8_t i = 0; i < nack->n; i++) {
    lcc_wr_u16(&w, nack->pid[i]);
    lcc_wr_u16(&w, nack->blp[i]);
  }
  return finish(&w, len);
}

size_t lcc_rtcp_write_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc) {
  size_t len = RTCP_HDR_LEN + RTCP_FB_LEN;
  if (cap < len) return 0;
  lcc_wr w = lcc_wr_init(out, cap);
  write_hdr(&w, RTCP_FMT_PLI, LCC_RTCP_PSFB, len);
  lcc_wr_u32(&w, sender_ssrc);
  lcc_wr_u32(&w, media_ssrc);
  return finish(&w, len);
}

/* RFC 5104 §4.3.1.1: media SSRC 0, one FCI entry naming the target. */
size_t lcc_rtcp_write_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                          uint8_t seq) {
  size_t len = RTCP_HDR_LEN + RTCP_FB_LEN + RTCP_FIR_FCI_LEN;
  if (cap < len) return 0;
  lcc_wr w = lcc_wr_init(out, cap);
  write_hdr(&w, RTCP_FMT_FIR, LCC_RTCP_PSFB, len);
  lcc_wr_u32(&w, sender_ssrc);
  lcc_wr_u32(&w, 0);
  lcc_wr_u32(&w, media_ssrc);
  lcc_wr_u8(&w, seq);
  lcc_wr_u24(&w, 0);
  return finish(&w, len);
}

/* ---- NACK items <-> sequence numbers ---- */

/* The oldest of the list in 16-bit wrap order (exact while the list spans
 * less than half the sequence space). */
static uint16_t seqs_oldest(const uint16_t *seqs, size_t n) {
  uint16_t m = seqs[0];
  for (size_t i = 1; i < n; i++)
    if (lcc_seq_newer(m, seqs[i])) m = seqs[i];
  return m;
}

/* The smallest offset from base that is >= from; false if none. */
static bool seqs_next_offset(const uint16_t *seqs, size_t n, uint16_t base, uint32_t from,
                             uint32_t *off) {
  bool found = false;
  for (size_t i = 0; i < n; i++) {
    uint32_t o = (uint16_t)(seqs[i] - base);
    if (o >= from && (!found || o < *off)) {
      *off = o;
      found = true;
    }
  }
  return found;
}

/* RFC 4585 §6.2.1: each item names a PID and, in BLP bit i, PID + i + 1.
 * Items go oldest first; past LCC_RTCP_MAX_NACK items the newest are left
 * out. Works on offsets from the oldest so the wrap at 65535 needs no care. */
void lcc_rtcp_nack_from_seqs(lcc_rtcp_nack *nack, const uint16_t *seqs, size_t n) {
  nack->n = 0;
  if (n == 0) return;
  uint16_t base = seqs_oldest(seqs, n);
  uint32_t from = 0, pid_off = 0;
  while (nack->n < LCC_RTCP_MAX_NACK && seqs_next_offset(seqs, n, base, from, &pid_off)) {
    uint16_t blp = 0;
    for (size_t i = 0; i < n; i++) {
      uint32_t o = (uint16_t)(seqs[i] - base);
      if (o > pid_off && o <= pid_off + 16) blp |= (uint16_t)(1u << (o - pid_off - 1));
    }
    nack->pid[nack->n] = (uint16_t)(base + pid_off);
    nack->blp[nack->n] = blp;
    nack->n++;
    from = pid_off + 17;
  }
}

size_t lcc_rtcp_nack_to_seqs(const lcc_rtcp_nack *nack, uint16_t *seqs, size_t max) {
  size_t n = 0;
  for (uint8_t i = 0; i < nack->n && i < LCC_RTCP_MAX_NACK; i++) {
    if (n < max) seqs[n++] = nack->pid[i];
    for (unsigned b = 0; b < 16 && n < max; b++)
      if (nack->blp[i] & (1u << b)) seqs[n++] = (uint16_t)(nack->pid[i] + b + 1);
  }
  return n;
}
