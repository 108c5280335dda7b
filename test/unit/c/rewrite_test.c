/* Unit tests of csrc/core/relay/rewrite.c, the relay's per-packet rewrite,
 * without sockets or legs: packets are built with the RTP writer, handed in as
 * the leg would (header parsed, RTX unwrapped, arrival time given), and what
 * the rewrite plans is written and parsed back. relay_test.c checks the same
 * behaviour end to end between two peers. Run from test/unit/c. */
#include "relay/rewrite.h"

#include "check.h"

#define OPUS_PT 111
#define CLOCK 48000u

/* A slot as a leg would have negotiated it. */
static lcc_leg_media slot_view(uint8_t pt, int rtx_pt, uint32_t ssrc, uint32_t rtx_ssrc, const char *mid) {
  lcc_leg_media m = {.active = true, .can_send = true, .can_recv = true, .pt = pt, .rtx_pt = rtx_pt,
                     .clock_rate = CLOCK, .send_ssrc = ssrc, .send_rtx_ssrc = rtx_ssrc};
  snprintf(m.mid, sizeof m.mid, "%s", mid);
  return m;
}

typedef struct {
  uint8_t buf[1500];
  lcc_rtp_in in;
} packet;

/* Builds a received packet and fills lcc_rtp_in as the leg does. For RTX
 * (rtx_osn >= 0) the payload is the OSN followed by `payload`. */
static void make_packet(packet *p, const lcc_rtp_hdr_out *h, const lcc_rtp_ext *exts, size_t n_exts,
                        const char *payload, int rtx_osn, uint64_t arrival_us) {
  memset(p->buf, 0, sizeof p->buf);
  size_t hl = lcc_rtp_write_header(p->buf, sizeof p->buf, h, exts, n_exts);
  size_t off = hl;
  if (rtx_osn >= 0) {
    p->buf[off++] = (uint8_t)(rtx_osn >> 8);
    p->buf[off++] = (uint8_t)rtx_osn;
  }
  size_t plen = strlen(payload);
  memcpy(p->buf + off, payload, plen);
  memset(&p->in, 0, sizeof p->in);
  CHECK_EQ_INT(lcc_rtp_parse(p->buf, off + plen, &p->in.h), LCC_OK);
  p->in.pkt = p->buf;
  p->in.rtx = rtx_osn >= 0;
  p->in.ssrc = h->ssrc;
  p->in.seq = rtx_osn >= 0 ? (uint16_t)rtx_osn : h->seq;
  p->in.payload = p->buf + off;
  p->in.payload_len = plen;
  p->in.arrival_us = arrival_us;
}

static void make_audio(packet *p, uint32_t ssrc, uint16_t seq, uint32_t ts, uint64_t at_us) {
  lcc_rtp_hdr_out h = {.pt = OPUS_PT, .seq = seq, .ts = ts, .ssrc = ssrc};
  make_packet(p, &h, NULL, 0, "opus", -1, at_us);
}

/* Rewrites, writes and parses back what the destination would send. */
static size_t forward(lcc_rewrite *rw, const lcc_leg_media *src, const lcc_leg_media *dst, const packet *p,
                      uint8_t *out, lcc_rtp_hdr *oh) {
  lcc_rtp_plan plan;
  if (!lcc_rewrite_rtp(rw, src, dst, &p->in, &plan)) return 0;
  size_t len = lcc_rewrite_write(&plan, out, 1500);
  CHECK(len > 0);
  CHECK_EQ_INT(lcc_rtp_parse(out, len, oh), LCC_OK);
  return len;
}

static void test_primary(void) {
  lcc_leg_media src = slot_view(OPUS_PT, -1, 0, 0, "0");
  lcc_leg_media dst = slot_view(109, -1, 0xAAAA0001u, 0, "audio");
  lcc_rewrite rw;
  lcc_rewrite_init(&rw);
  packet p;
  make_audio(&p, 0x1234u, 500, 96000, 1000000);
  p.buf[1] |= 0x80; /* marker */
  p.in.h.marker = 1;
  uint8_t before[sizeof p.buf];
  memcpy(before, p.buf, sizeof before);
  uint8_t out[1500];
  lcc_rtp_hdr oh;
  size_t len = forward(&rw, &src, &dst, &p, out, &oh);
  CHECK_EQ_INT(oh.pt, 109);
  CHECK_EQ_INT(oh.ssrc, 0xAAAA0001u);
  CHECK_EQ_INT(oh.seq, 500); /* the first stream keeps its numbers */
  CHECK_EQ_INT(oh.ts, 96000);
  CHECK_EQ_INT(oh.marker, 1);
  CHECK_EQ_INT(oh.payload_len, 4);
  CHECK(memcmp(out + oh.payload_off, "opus", 4) == 0);
  CHECK_EQ_INT(len, 12 + 4);
  CHECK(memcmp(before, p.buf, sizeof before) == 0); /* the source packet is read, never written */
}

/* RFC 8285 ids differ per leg: each known extension takes the destination's
 * id, the mid takes the destination's mid, the rest is dropped. */
static void test_extensions(void) {
  lcc_leg_media src = slot_view(OPUS_PT, -1, 0, 0, "0");
  src.ext_id[LCC_EXT_MID] = 4;
  src.ext_id[LCC_EXT_AUDIO_LEVEL] = 1;
  src.ext_id[LCC_EXT_ABS_SEND_TIME] = 2;
  lcc_leg_media dst = slot_view(OPUS_PT, -1, 7, 0, "audio");
  dst.ext_id[LCC_EXT_MID] = 9;
  dst.ext_id[LCC_EXT_AUDIO_LEVEL] = 3;
  /* abs-send-time: not negotiated with the destination */
  const uint8_t level[1] = {0x9A}, ast[3] = {1, 2, 3}, mid[1] = {'0'}, unknown[2] = {0xAB, 0xCD};
  lcc_rtp_ext exts[] = {{1, 1, level}, {2, 3, ast}, {4, 1, mid}, {12, 2, unknown}};
  lcc_rtp_hdr_out h = {.pt = OPUS_PT, .seq = 1, .ts = 10, .ssrc = 5};
  packet p;
  make_packet(&p, &h, exts, 4, "opus", -1, 0);
  lcc_rewrite rw;
  lcc_rewrite_init(&rw);
  uint8_t out[1500];
  lcc_rtp_hdr oh;
  forward(&rw, &src, &dst, &p, out, &oh);
  lcc_rtp_ext got[LCC_RTP_MAX_EXTS];
  size_t n = lcc_rtp_ext_list(out, &oh, got, LCC_RTP_MAX_EXTS);
  CHECK_EQ_INT(n, 2);
  CHECK_EQ_INT(got[0].id, 3);
  CHECK_EQ_INT(got[0].len, 1);
  CHECK_EQ_INT(got[0].data[0], 0x9A);
  CHECK_EQ_INT(got[1].id, 9);
  CHECK_EQ_INT(got[1].len, 5);
  CHECK(memcmp(got[1].data, "audio", 5) == 0);
  CHECK(memcmp(out + oh.payload_off, "opus", 4) == 0);
}

/* A new source SSRC (the browser restarted its sender) continues the
 * destination's numbering: the next sequence number, the timestamp advanced by
 * the time elapsed since the last packet. */
static void test_ssrc_change(void) {
  lcc_leg_media src = slot_view(OPUS_PT, -1, 0, 0, "0"), dst = slot_view(OPUS_PT, -1, 7, 0, "0");
  lcc_rewrite rw;
  lcc_rewrite_init(&rw);
  packet p;
  uint8_t out[1500];
  lcc_rtp_hdr oh;
  for (int i = 0; i < 5; i++) {
    make_audio(&p, 0x1111u, (uint16_t)(65534 + i), 1000u + 960u * (uint32_t)i, 20000u * (uint64_t)i);
    forward(&rw, &src, &dst, &p, out, &oh);
    CHECK_EQ_INT(oh.seq, (uint16_t)(65534 + i)); /* wraps with the source */
  }
  /* 120 ms after the last packet (at 80 ms) a new SSRC starts from its own numbers. */
  make_audio(&p, 0x2222u, 7000, 555555, 200000);
  forward(&rw, &src, &dst, &p, out, &oh);
  CHECK_EQ_INT(oh.seq, 3); /* 65534 + 5, wrapped */
  CHECK_EQ_INT(oh.ts, 1000u + 960u * 4 + 48u * 120);
  CHECK_EQ_INT(oh.ssrc, 7);
  make_audio(&p, 0x2222u, 7001, 555555 + 960, 220000);
  forward(&rw, &src, &dst, &p, out, &oh);
  CHECK_EQ_INT(oh.seq, 4);
  CHECK_EQ_INT(oh.ts, 1000u + 960u * 5 + 48u * 120);
  CHECK_EQ_INT(lcc_rewrite_ts(&rw, 555555 + 1920), 1000u + 960u * 6 + 48u * 120);
  /* A late packet of the new stream keeps its place and does not move the numbering back. */
  make_audio(&p, 0x2222u, 6999, 555555 - 960, 230000);
  forward(&rw, &src, &dst, &p, out, &oh);
  CHECK_EQ_INT(oh.seq, 2);
  make_audio(&p, 0x2222u, 7002, 555555 + 1920, 240000);
  forward(&rw, &src, &dst, &p, out, &oh);
  CHECK_EQ_INT(oh.seq, 5);
  /* A NACK for the destination's numbers asks the source for its own. */
  uint16_t asked[] = {4, 5}, mapped[2];
  CHECK_EQ_INT(lcc_rewrite_nack(&rw, asked, 2, mapped, 2), 2);
  CHECK_EQ_INT(mapped[0], 7001);
  CHECK_EQ_INT(mapped[1], 7002);
  CHECK_EQ_INT(lcc_rewrite_nack(&rw, asked, 2, mapped, 1), 1); /* bounded by the output */
}

/* RTX (RFC 4588): a destination that negotiated RTX gets the repair on its
 * RTX stream, in its own RTX numbering, with the OSN in its primary numbering;
 * one that did not gets the original packet again. */
static void test_rtx(void) {
  lcc_leg_media src = slot_view(96, 97, 0, 0, "1");
  src.clock_rate = 90000;
  lcc_leg_media with_rtx = slot_view(100, 101, 0xB0, 0xB1, "1");
  lcc_leg_media without_rtx = slot_view(100, -1, 0xC0, 0, "1");
  with_rtx.clock_rate = without_rtx.clock_rate = 90000;
  lcc_rewrite rw_a, rw_b;
  lcc_rewrite_init(&rw_a);
  lcc_rewrite_init(&rw_b);
  packet p;
  uint8_t out[1500];
  lcc_rtp_hdr oh;
  lcc_rtp_hdr_out rtx_h = {.pt = 97, .seq = 40, .ts = 3000, .ssrc = 0x5151u};

  /* A repair before any packet of the stream was forwarded: nothing to send. */
  make_packet(&p, &rtx_h, NULL, 0, "vp8-frame", 10, 0);
  lcc_rtp_plan plan;
  CHECK(!lcc_rewrite_rtp(&rw_a, &src, &with_rtx, &p.in, &plan));

  lcc_rtp_hdr_out h = {.pt = 96, .seq = 10, .ts = 3000, .ssrc = 0x5050u};
  make_packet(&p, &h, NULL, 0, "vp8-frame", -1, 0);
  forward(&rw_a, &src, &with_rtx, &p, out, &oh);
  forward(&rw_b, &src, &without_rtx, &p, out, &oh);

  for (int i = 0; i < 2; i++) {
    rtx_h.seq = (uint16_t)(40 + i);
    make_packet(&p, &rtx_h, NULL, 0, "vp8-frame", 10, 1000);
    size_t len = forward(&rw_a, &src, &with_rtx, &p, out, &oh);
    CHECK_EQ_INT(oh.pt, 101);
    CHECK_EQ_INT(oh.ssrc, 0xB1);
    CHECK_EQ_INT(oh.seq, i); /* our own RTX sequence space */
    CHECK_EQ_INT(oh.ts, 3000);
    CHECK_EQ_INT(oh.payload_len, 2 + 9);
    CHECK_EQ_INT((out[oh.payload_off] << 8) | out[oh.payload_off + 1], 10);
    CHECK(memcmp(out + oh.payload_off + 2, "vp8-frame", 9) == 0);
    CHECK_EQ_INT(len, 12 + 2 + 9);
  }
  make_packet(&p, &rtx_h, NULL, 0, "vp8-frame", 10, 1000);
  forward(&rw_b, &src, &without_rtx, &p, out, &oh);
  CHECK_EQ_INT(oh.pt, 100);
  CHECK_EQ_INT(oh.ssrc, 0xC0);
  CHECK_EQ_INT(oh.seq, 10);
  CHECK_EQ_INT(oh.payload_len, 9);
  CHECK(memcmp(out + oh.payload_off, "vp8-frame", 9) == 0);
}

static void test_write_bounds(void) {
  lcc_leg_media src = slot_view(OPUS_PT, -1, 0, 0, "0"), dst = slot_view(OPUS_PT, -1, 7, 0, "0");
  lcc_rewrite rw;
  lcc_rewrite_init(&rw);
  packet p;
  make_audio(&p, 1, 1, 1, 0);
  lcc_rtp_plan plan;
  CHECK(lcc_rewrite_rtp(&rw, &src, &dst, &p.in, &plan));
  uint8_t out[16];
  CHECK_EQ_INT(lcc_rewrite_write(&plan, out, 11), 0); /* not even the header */
  CHECK_EQ_INT(lcc_rewrite_write(&plan, out, 15), 0); /* the header but not the payload */
  CHECK_EQ_INT(lcc_rewrite_write(&plan, out, 16), 16);
  uint16_t none[1];
  lcc_rewrite fresh;
  lcc_rewrite_init(&fresh);
  CHECK_EQ_INT(lcc_rewrite_nack(&fresh, none, 0, none, 1), 0);
}

int main(void) {
  test_primary();
  test_extensions();
  test_ssrc_change();
  test_rtx();
  test_write_bounds();
  return check_done("rewrite");
}
