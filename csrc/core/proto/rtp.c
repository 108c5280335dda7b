/* RTP headers (RFC 3550 §5.1) and header extensions (RFC 8285): parse in
 * place, list extension elements, write headers; and the per-SSRC receive
 * statistics of RFC 3550 Appendix A.1 (sequence validation), A.3 (loss) and
 * A.8 (jitter) from which report blocks are built.
 *
 * Leaves to others: SRTP (srtp.c runs before parse on receive and after
 * write on send), RTCP packet layout (rtcp.c), what to do with a packet the
 * statistics reject (the caller). Pure, no allocation. Thread: any; one
 * lcc_rtp_rx is used by one thread at a time. */
#include "rtp.h"

#include "base/rd.h"

#define RTP_SEQ_MOD 65536u
/* RFC 3550 A.1's suggested values. */
#define RTP_MAX_DROPOUT 3000u
#define RTP_MAX_MISORDER 100u

#define EXT_ONE_BYTE 0xBEDEu
/* RFC 8285 §4.3: 0x100 in the top 12 bits, "appbits" in the low 4. */
#define EXT_TWO_BYTE_MASK 0xFFF0u
#define EXT_TWO_BYTE 0x1000u

/* The extension block: 16-bit profile, 16-bit length in words (RFC 3550 §5.3.1). */
static void parse_ext_block(lcc_rd *r, lcc_rtp_hdr *out) {
  out->ext_profile = lcc_rd_u16(r);
  size_t words = lcc_rd_u16(r);
  out->ext_off = r->off;
  out->ext_len = words * 4;
  lcc_rd_skip(r, out->ext_len);
}

lcc_err lcc_rtp_parse(const uint8_t *buf, size_t len, lcc_rtp_hdr *out) {
  memset(out, 0, sizeof *out);
  lcc_rd r = lcc_rd_init(buf, len);
  uint8_t b0 = lcc_rd_u8(&r);
  uint8_t b1 = lcc_rd_u8(&r);
  out->seq = lcc_rd_u16(&r);
  out->ts = lcc_rd_u32(&r);
  out->ssrc = lcc_rd_u32(&r);
  if (r.bad || b0 >> 6 != 2) return LCC_ERR_PACKET_INVALID;
  out->padding = (b0 >> 5) & 1;
  out->extension = (b0 >> 4) & 1;
  out->csrc_count = b0 & 0x0f;
  out->marker = b1 >> 7;
  out->pt = b1 & 0x7f;
  lcc_rd_skip(&r, (size_t)out->csrc_count * 4);
  if (out->extension) parse_ext_block(&r, out);
  if (r.bad) return LCC_ERR_PACKET_INVALID;
  out->header_len = r.off;
  size_t rest = len - r.off;
  if (out->padding) {
    /* §5.1: the last octet counts the padding, itself included. */
    if (rest == 0) return LCC_ERR_PACKET_INVALID;
    lcc_rd_skip(&r, rest - 1);
    uint8_t pad = lcc_rd_u8(&r);
    if (pad == 0 || pad > rest) return LCC_ERR_PACKET_INVALID;
    out->padding_len = pad;
    rest -= pad;
  }
  out->payload_off = out->header_len;
  out->payload_len = rest;
  return LCC_OK;
}

bool lcc_rtp_is_rtp_or_rtcp(const uint8_t *buf, size_t len) {
  return len >= 1 && buf[0] >= 128 && buf[0] <= 191;
}

bool lcc_rtp_is_rtcp(const uint8_t *buf, size_t len) {
  if (len < 2 || !lcc_rtp_is_rtp_or_rtcp(buf, len)) return false;
  uint8_t pt = buf[1] & 0x7f;
  return pt >= 64 && pt <= 95;
}

/* RFC 8285 §4.2: a zero byte is padding; ID 15 ends the block. ID 0 with a
 * length is neither padding nor an element: stop there too (as libwebrtc). */
static size_t ext_list_one_byte(lcc_rd *r, lcc_rtp_ext *out, size_t max) {
  size_t n = 0;
  while (n < max && lcc_rd_left(r) > 0) {
    uint8_t b = lcc_rd_u8(r);
    if (b == 0) continue;
    uint8_t id = b >> 4;
    if (id == 15 || id == 0) break;
    uint8_t len = (uint8_t)((b & 0x0f) + 1);
    const uint8_t *data = lcc_rd_bytes(r, len);
    if (!data) break;
    out[n++] = (lcc_rtp_ext){id, len, data};
  }
  return n;
}

/* RFC 8285 §4.3: ID 0 is a padding byte; length may be 0. */
static size_t ext_list_two_byte(lcc_rd *r, lcc_rtp_ext *out, size_t max) {
  size_t n = 0;
  while (n < max && lcc_rd_left(r) > 0) {
    uint8_t id = lcc_rd_u8(r);
    if (id == 0) continue;
    uint8_t len = lcc_rd_u8(r);
    const uint8_t *data = lcc_rd_bytes(r, len);
    if (r->bad) break;
    out[n++] = (lcc_rtp_ext){id, len, data};
  }
  return n;
}

size_t lcc_rtp_ext_list(const uint8_t *buf, const lcc_rtp_hdr *h, lcc_rtp_ext *out, size_t max) {
  if (!h->extension) return 0;
  lcc_rd r = lcc_rd_init(buf + h->ext_off, h->ext_len);
  if (h->ext_profile == EXT_ONE_BYTE) return ext_list_one_byte(&r, out, max);
  if ((h->ext_profile & EXT_TWO_BYTE_MASK) == EXT_TWO_BYTE) return ext_list_two_byte(&r, out, max);
  return 0;
}

/* Chooses the form (RFC 8285 §4.1: one-byte unless an element needs more)
 * and returns the unpadded length of the elements, or 0 if none can be
 * written (ID 0 is padding in both forms). */
static size_t ext_elements_len(const lcc_rtp_ext *exts, size_t n, bool *one_byte) {
  size_t one = 0, two = 0;
  *one_byte = true;
  for (size_t i = 0; i < n; i++) {
    if (exts[i].id == 0) return 0;
    if (exts[i].id > 14 || exts[i].len < 1 || exts[i].len > 16) *one_byte = false;
    one += 1u + exts[i].len;
    two += 2u + exts[i].len;
  }
  return *one_byte ? one : two;
}

static void write_ext_block(lcc_wr *w, const lcc_rtp_ext *exts, size_t n, bool one_byte,
                            size_t words) {
  lcc_wr_u16(w, one_byte ? EXT_ONE_BYTE : EXT_TWO_BYTE);
  lcc_wr_u16(w, (uint16_t)words);
  size_t start = w->off;
  for (size_t i = 0; i < n; i++) {
    if (one_byte) {
      lcc_wr_u8(w, (uint8_t)(exts[i].id << 4 | (exts[i].len - 1)));
    } else {
      lcc_wr_u8(w, exts[i].id);
      lcc_wr_u8(w, exts[i].len);
    }
    lcc_wr_bytes(w, exts[i].data, exts[i].len);
  }
  while (!w->bad && w->off - start < words * 4) lcc_wr_u8(w, 0);
}

size_t lcc_rtp_write_header(uint8_t *out, size_t cap, const lcc_rtp_hdr_out *h,
                            const lcc_rtp_ext *exts, size_t n_exts) {
  if (h->pt > 127 || h->csrc_count > 15) return 0;
  bool one_byte = true;
  size_t words = 0;
  if (n_exts > 0) {
    size_t ext_len = ext_elements_len(exts, n_exts, &one_byte);
    words = (ext_len + 3) / 4;
    if (ext_len == 0 || words > 0xFFFF) return 0;
  }
  lcc_wr w = lcc_wr_init(out, cap);
  lcc_wr_u8(&w, (uint8_t)(0x80 | (n_exts > 0 ? 0x10 : 0) | h->csrc_count));
  lcc_wr_u8(&w, (uint8_t)((h->marker ? 0x80 : 0) | h->pt));
  lcc_wr_u16(&w, h->seq);
  lcc_wr_u32(&w, h->ts);
  lcc_wr_u32(&w, h->ssrc);
  for (uint8_t i = 0; i < h->csrc_count; i++) lcc_wr_u32(&w, h->csrcs[i]);
  if (n_exts > 0) write_ext_block(&w, exts, n_exts, one_byte, words);
  return w.bad ? 0 : w.off;
}

/* ---- Receive statistics ---- */

void lcc_rtp_rx_init(lcc_rtp_rx *rx, uint32_t ssrc, uint32_t clock_rate) {
  memset(rx, 0, sizeof *rx);
  rx->ssrc = ssrc;
  rx->clock_rate = clock_rate;
}

/* RFC 3550 A.1 init_seq. */
static void rx_init_seq(lcc_rtp_rx *rx, uint16_t seq) {
  rx->base_seq = seq;
  rx->max_seq = seq;
  rx->bad_seq = RTP_SEQ_MOD + 1; /* so seq == bad_seq is false */
  rx->cycles = 0;
  rx->received = 0;
  rx->received_prior = 0;
  rx->expected_prior = 0;
}

/* RFC 3550 A.1 update_seq, with the sequence arithmetic made explicit in
 * 16 bits (the RFC's `seq == s->max_seq + 1` never holds across the wrap). */
static bool rx_update_seq(lcc_rtp_rx *rx, uint16_t seq) {
  uint16_t udelta = (uint16_t)(seq - rx->max_seq);
  if (rx->probation) {
    bool in_sequence = seq == (uint16_t)(rx->max_seq + 1);
    rx->max_seq = seq;
    if (!in_sequence) {
      rx->probation = LCC_RTP_MIN_SEQUENTIAL - 1;
      return false;
    }
    if (--rx->probation > 0) return false;
    rx_init_seq(rx, seq);
  } else if (udelta < RTP_MAX_DROPOUT) {
    if (seq < rx->max_seq) rx->cycles += RTP_SEQ_MOD; /* wrapped */
    rx->max_seq = seq;
  } else if (udelta <= RTP_SEQ_MOD - RTP_MAX_MISORDER) {
    /* A very large jump: believe it only when the next packet follows it,
     * as after a sender restart. */
    if (seq != rx->bad_seq) {
      rx->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
      return false;
    }
    rx_init_seq(rx, seq);
  }
  /* else: duplicate or reordered, counted below */
  rx->received++;
  return true;
}

/* Arrival time in timestamp units, modulo 2^32 like an RTP timestamp
 * (split so that µs × clock rate cannot overflow 64 bits). */
static uint32_t rx_arrival_ts(uint64_t arrival_us, uint32_t clock_rate) {
  uint64_t whole = (arrival_us / 1000000u) * clock_rate;
  uint64_t part = (arrival_us % 1000000u) * clock_rate / 1000000u;
  return (uint32_t)(whole + part);
}

/* RFC 3550 A.8: J += (|D| - J) / 16, D the change in relative transit time. */
static void rx_update_jitter(lcc_rtp_rx *rx, uint32_t ts, uint64_t arrival_us) {
  if (rx->clock_rate == 0) return;
  uint32_t transit = rx_arrival_ts(arrival_us, rx->clock_rate) - ts;
  if (rx->have_transit) {
    uint32_t diff = transit - (uint32_t)rx->transit;
    /* The wrapped difference as a signed value, then its magnitude. */
    double d = diff < 0x80000000u ? (double)diff : 4294967296.0 - (double)diff;
    rx->jitter += (d - rx->jitter) / 16.0;
  }
  rx->transit = transit;
  rx->have_transit = true;
}

bool lcc_rtp_rx_update(lcc_rtp_rx *rx, uint16_t seq, uint32_t ts, uint64_t arrival_us,
                       size_t payload_bytes) {
  if (!rx->started) {
    /* A.1: a new source. With probation 0 (the default, see rtp.h) the
     * first packet already counts; otherwise max_seq = seq - 1 so that
     * this packet is the first in-sequence one of the probation. */
    uint32_t probation = rx->probation;
    rx_init_seq(rx, seq);
    rx->probation = probation;
    if (probation) rx->max_seq = (uint16_t)(seq - 1);
    rx->started = true;
  }
  if (!rx_update_seq(rx, seq)) return false;
  rx->bytes += payload_bytes;
  rx_update_jitter(rx, ts, arrival_us);
  return true;
}

void lcc_rtp_rx_sr(lcc_rtp_rx *rx, uint64_t ntp, uint64_t arrival_us) {
  rx->last_sr_ntp_mid = lcc_ntp_mid(ntp);
  rx->last_sr_at_us = arrival_us;
}

/* A.3: packets expected since the first valid one; 0 before then. */
static int64_t rx_expected(const lcc_rtp_rx *rx) {
  if (!rx->started || rx->probation) return 0;
  return (int64_t)rx->cycles + rx->max_seq - rx->base_seq + 1;
}

uint64_t lcc_rtp_rx_lost(const lcc_rtp_rx *rx) {
  int64_t lost = rx_expected(rx) - (int64_t)rx->received;
  return lost > 0 ? (uint64_t)lost : 0;
}

double lcc_rtp_rx_jitter_ms(const lcc_rtp_rx *rx) {
  return rx->clock_rate ? rx->jitter * 1000.0 / rx->clock_rate : 0.0;
}

/* A.3: the fraction lost in this interval, in 1/256, 0 when duplicates
 * outnumber losses. */
static uint8_t rx_fraction(lcc_rtp_rx *rx, int64_t expected) {
  /* The priors are 32-bit: take the interval counts modulo 2^32. */
  uint32_t expected_interval = (uint32_t)expected - rx->expected_prior;
  uint32_t received_interval = (uint32_t)rx->received - rx->received_prior;
  rx->expected_prior = (uint32_t)expected;
  rx->received_prior = (uint32_t)rx->received;
  int64_t lost_interval = (int64_t)expected_interval - received_interval;
  if (expected_interval == 0 || lost_interval <= 0) return 0;
  int64_t f = (lost_interval << 8) / expected_interval;
  return (uint8_t)(f > 255 ? 255 : f);
}

/* §6.4.1: DLSR in 1/65536 s since the last SR arrived, 0 if none. */
static uint32_t rx_dlsr(const lcc_rtp_rx *rx, uint64_t now_us) {
  if (rx->last_sr_at_us == 0 || now_us < rx->last_sr_at_us) return 0;
  uint64_t d = now_us - rx->last_sr_at_us;
  uint64_t units = (d / 1000000u) * 65536u + (d % 1000000u) * 65536u / 1000000u;
  return units > UINT32_MAX ? UINT32_MAX : (uint32_t)units;
}

void lcc_rtp_rx_report(lcc_rtp_rx *rx, uint64_t now_us, lcc_rtcp_rb *out) {
  int64_t expected = rx_expected(rx);
  int64_t lost = expected - (int64_t)rx->received;
  /* §6.4.1: cumulative lost is a 24-bit signed field. */
  if (lost > 0x7FFFFF) lost = 0x7FFFFF;
  if (lost < -0x800000) lost = -0x800000;
  out->ssrc = rx->ssrc;
  out->fraction_lost = rx_fraction(rx, expected);
  out->cumulative_lost = (int32_t)lost;
  out->ext_highest_seq = expected ? rx->cycles + rx->max_seq : 0;
  out->jitter = (uint32_t)rx->jitter;
  out->lsr = rx->last_sr_at_us ? rx->last_sr_ntp_mid : 0;
  out->dlsr = rx_dlsr(rx, now_us);
}

/* Seconds from 1900 to 1970 (RFC 5905 §6). The 32-bit seconds wrap in 2036
 * into NTP era 1, which LSR/DLSR arithmetic tolerates. */
#define NTP_UNIX_OFFSET 2208988800u

uint64_t lcc_ntp_from_unix_us(uint64_t unix_us) {
  uint64_t secs = unix_us / 1000000u + NTP_UNIX_OFFSET;
  uint64_t frac = ((unix_us % 1000000u) << 32) / 1000000u;
  return ((secs & 0xFFFFFFFFu) << 32) | frac;
}
