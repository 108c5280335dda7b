/* Unit tests of csrc/core/rtp.c: header parsing on captured GStreamer packets
 * and hand-built RFC 8285 extension packets (test/fixtures/rtp/README.md),
 * malformed headers, header writing, and the RFC 3550 A.1/A.3/A.8 receive
 * statistics on synthetic and captured streams. Run from test/unit/c. */
#include "proto/rtp.h"

#include <math.h>
#include <stdint.h>

#include "check.h"
#include "proto/rtcp.h"

static void test_captured_headers(void) {
  size_t len;
  lcc_rtp_hdr h;
  uint8_t *b = check_load_rtp_fixture("opus_rtp.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.pt, 111);
  CHECK_EQ_INT(h.marker, 1);
  CHECK_EQ_INT(h.seq, 10550);
  CHECK_EQ_INT(h.ts, 3891203449u);
  CHECK_EQ_INT(h.ssrc, 0x10AAB701u);
  CHECK_EQ_INT(h.padding | h.extension | h.csrc_count, 0);
  CHECK_EQ_INT(h.header_len, 12);
  CHECK_EQ_INT(h.payload_off, 12);
  CHECK_EQ_INT(h.payload_len, 253);
  CHECK(!lcc_rtp_is_rtcp(b, len));
  CHECK(lcc_rtp_is_rtp_or_rtcp(b, len));
  free(b);

  b = check_load_rtp_fixture("vp8_rtp.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.pt, 96);
  CHECK_EQ_INT(h.marker, 0);
  CHECK_EQ_INT(h.seq, 8283);
  CHECK_EQ_INT(h.ts, 1071484801u);
  CHECK_EQ_INT(h.ssrc, 0xC3AE65FEu);
  CHECK_EQ_INT(h.payload_len, 1388);
  free(b);

  b = check_load_rtp_fixture("vp8_rtp_marker.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.marker, 1);
  CHECK_EQ_INT(h.seq, 8286);
  CHECK_EQ_INT(h.ts, 1071484801u); /* same frame as vp8_rtp.bin */
  CHECK_EQ_INT(h.payload_len, 1079);
  free(b);
}

static void test_csrc_and_padding(void) {
  size_t len;
  lcc_rtp_hdr h;
  uint8_t *b = check_load_rtp_fixture("rtp_csrc.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.csrc_count, 2);
  CHECK_EQ_INT(h.header_len, 20);
  CHECK_EQ_INT(h.payload_len, 253);
  CHECK_EQ_INT(b[h.payload_off], 0xF8); /* first Opus TOC byte */
  free(b);

  b = check_load_rtp_fixture("rtp_padding.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.padding, 1);
  CHECK_EQ_INT(h.padding_len, 4);
  CHECK_EQ_INT(h.payload_off, 12);
  CHECK_EQ_INT(h.payload_len, 253);
  free(b);
}

static void check_ext(const lcc_rtp_ext *e, uint8_t id, uint8_t len, const char *data) {
  CHECK_EQ_INT(e->id, id);
  CHECK_EQ_INT(e->len, len);
  CHECK(e->data != NULL && memcmp(e->data, data, len) == 0);
}

static void test_ext_one_byte(void) {
  size_t len;
  lcc_rtp_hdr h;
  lcc_rtp_ext e[LCC_RTP_MAX_EXTS];
  uint8_t *b = check_load_rtp_fixture("rtp_ext_one_byte.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.extension, 1);
  CHECK_EQ_INT(h.ext_profile, 0xBEDE);
  CHECK_EQ_INT(h.ext_off, 16);
  CHECK_EQ_INT(h.ext_len, 12);
  CHECK_EQ_INT(h.header_len, 28);
  CHECK_EQ_INT(h.payload_len, 253);
  CHECK_EQ_INT(lcc_rtp_ext_list(b, &h, e, LCC_RTP_MAX_EXTS), 3);
  check_ext(&e[0], 1, 1, "\xaa");
  check_ext(&e[1], 2, 3, "\x12\x34\x56");
  check_ext(&e[2], 3, 2, "\x00\x2a");
  CHECK_EQ_INT(lcc_rtp_ext_list(b, &h, e, 2), 2); /* max respected */
  free(b);

  b = check_load_rtp_fixture("rtp_ext_one_byte_id15.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(lcc_rtp_ext_list(b, &h, e, LCC_RTP_MAX_EXTS), 1);
  check_ext(&e[0], 1, 1, "\xaa");
  free(b);

  /* 0x01: ID 0 with a length, not a padding byte (found by rtp_fuzz). */
  b = check_load_rtp_fixture("rtp_ext_one_byte_id0.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(lcc_rtp_ext_list(b, &h, e, LCC_RTP_MAX_EXTS), 1);
  check_ext(&e[0], 1, 1, "\xaa");
  free(b);
}

static void test_ext_two_byte(void) {
  size_t len;
  lcc_rtp_hdr h;
  lcc_rtp_ext e[LCC_RTP_MAX_EXTS];
  uint8_t *b = check_load_rtp_fixture("rtp_ext_two_byte.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.ext_profile, 0x1003);
  CHECK_EQ_INT(h.ext_len, 28);
  CHECK_EQ_INT(h.header_len, 44);
  CHECK_EQ_INT(lcc_rtp_ext_list(b, &h, e, LCC_RTP_MAX_EXTS), 3);
  CHECK_EQ_INT(e[0].id, 1);
  CHECK_EQ_INT(e[0].len, 0);
  check_ext(&e[1], 16, 3, "abc");
  check_ext(&e[2], 2, 17, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11");
  /* An unknown profile is opaque: no elements. */
  b[12] = 0x12;
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(lcc_rtp_ext_list(b, &h, e, LCC_RTP_MAX_EXTS), 0);
  free(b);
}

/* An element overrunning the block ends the list (one-byte form). */
static void test_ext_element_overrun(void) {
  static const uint8_t pkt[] = {
      0x90, 111, 0,    1,    0, 0, 0,    1,    0,    0,
      0,    2,   0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0x2F, 0x01}; /* id 2 claims 16 bytes */
  lcc_rtp_hdr h;
  lcc_rtp_ext e[4];
  CHECK_EQ_INT(lcc_rtp_parse(pkt, sizeof pkt, &h), LCC_OK);
  CHECK_EQ_INT(lcc_rtp_ext_list(pkt, &h, e, 4), 1);
}

static void test_malformed(void) {
  size_t len;
  lcc_rtp_hdr h;
  uint8_t *b = check_load_rtp_fixture("rtp_ext_one_byte.bin", &len);
  CHECK_EQ_INT(lcc_rtp_parse(b, 11, &h), LCC_ERR_PACKET_INVALID); /* short */
  CHECK_EQ_INT(lcc_rtp_parse(b, 0, &h), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_rtp_parse(b, 14, &h), LCC_ERR_PACKET_INVALID); /* ext header cut */
  CHECK_EQ_INT(lcc_rtp_parse(b, 27, &h), LCC_ERR_PACKET_INVALID); /* ext block cut */
  CHECK_EQ_INT(lcc_rtp_parse(b, 28, &h), LCC_OK);                 /* empty payload */
  CHECK_EQ_INT(h.payload_len, 0);
  b[15] = 0xFF; /* extension length 255 words */
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_ERR_PACKET_INVALID);
  b[15] = 3;
  b[0] = 0x50; /* version 1 */
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_ERR_PACKET_INVALID);
  b[0] = 0xD0; /* version 3 */
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_ERR_PACKET_INVALID);
  b[0] = 0x8F; /* 15 CSRCs = 60 bytes, fits in 281 */
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(lcc_rtp_parse(b, 71, &h), LCC_ERR_PACKET_INVALID); /* CSRC overrun */
  free(b);

  b = check_load_rtp_fixture("rtp_padding.bin", &len);
  b[len - 1] = 0; /* padding count 0 */
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_ERR_PACKET_INVALID);
  b[len - 1] = 255; /* within the 257 bytes after the header */
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &h), LCC_OK);
  CHECK_EQ_INT(h.payload_len, 2);
  CHECK_EQ_INT(lcc_rtp_parse(b, 16, &h), LCC_ERR_PACKET_INVALID); /* last byte 0x7d > 4 */
  b[15] = 4;                                                      /* the whole payload is padding */
  CHECK_EQ_INT(lcc_rtp_parse(b, 16, &h), LCC_OK);
  CHECK_EQ_INT(h.payload_len, 0);
  b[15] = 5; /* more than is there */
  CHECK_EQ_INT(lcc_rtp_parse(b, 16, &h), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_rtp_parse(b, 12, &h), LCC_ERR_PACKET_INVALID); /* P set, no bytes */
  free(b);
}

static void test_demux(void) {
  static const uint8_t stun[] = {0x00, 0x01, 0x00, 0x00};
  static const uint8_t dtls[] = {22, 0xfe, 0xfd, 0x00};
  static const uint8_t rtcp_sr[] = {0x80, 200, 0, 6};
  static const uint8_t rtp_pt72[] = {0x80, 72, 0, 1}; /* would clash: RFC 5761 §4 */
  CHECK(!lcc_rtp_is_rtp_or_rtcp(stun, sizeof stun));
  CHECK(!lcc_rtp_is_rtp_or_rtcp(dtls, sizeof dtls));
  CHECK(!lcc_rtp_is_rtp_or_rtcp(stun, 0));
  CHECK(lcc_rtp_is_rtcp(rtcp_sr, sizeof rtcp_sr));
  CHECK(!lcc_rtp_is_rtcp(rtcp_sr, 1));
  CHECK(lcc_rtp_is_rtcp(rtp_pt72, sizeof rtp_pt72));
  CHECK(!lcc_rtp_is_rtcp(stun, sizeof stun));
}

/* Writing the captured header's fields gives the captured bytes. */
static void test_write_plain(void) {
  size_t len;
  uint8_t *b = check_load_rtp_fixture("opus_rtp.bin", &len);
  uint8_t out[64];
  lcc_rtp_hdr_out o = {1, 111, 10550, 3891203449u, 0x10AAB701u, NULL, 0};
  CHECK_EQ_INT(lcc_rtp_write_header(out, sizeof out, &o, NULL, 0), 12);
  CHECK(memcmp(out, b, 12) == 0);
  CHECK_EQ_INT(lcc_rtp_write_header(out, 11, &o, NULL, 0), 0);
  free(b);

  static const uint32_t csrcs[] = {0xCAFE0001u, 0xCAFE0002u};
  o.csrcs = csrcs;
  o.csrc_count = 2;
  b = check_load_rtp_fixture("rtp_csrc.bin", &len);
  CHECK_EQ_INT(lcc_rtp_write_header(out, sizeof out, &o, NULL, 0), 20);
  CHECK(memcmp(out, b, 20) == 0);
  CHECK_EQ_INT(lcc_rtp_write_header(out, 19, &o, NULL, 0), 0);
  o.csrc_count = 16;
  CHECK_EQ_INT(lcc_rtp_write_header(out, sizeof out, &o, NULL, 0), 0);
  o.csrc_count = 0;
  o.pt = 128;
  CHECK_EQ_INT(lcc_rtp_write_header(out, sizeof out, &o, NULL, 0), 0);
  free(b);
}

/* Writes h's fields with the extensions of fixture `name`, parses the result
 * and checks every field and element comes back. Returns the profile used. */
static uint16_t roundtrip_exts(const char *name, size_t want_len) {
  size_t len;
  lcc_rtp_hdr in, back;
  lcc_rtp_ext e[LCC_RTP_MAX_EXTS], e2[LCC_RTP_MAX_EXTS];
  uint8_t *b = check_load_rtp_fixture(name, &len);
  uint8_t out[128];
  CHECK_EQ_INT(lcc_rtp_parse(b, len, &in), LCC_OK);
  size_t n = lcc_rtp_ext_list(b, &in, e, LCC_RTP_MAX_EXTS);
  lcc_rtp_hdr_out o = {1, in.pt, in.seq, in.ts, in.ssrc, NULL, 0};
  size_t w = lcc_rtp_write_header(out, sizeof out, &o, e, n);
  CHECK_EQ_INT(w, want_len);
  CHECK_EQ_INT(lcc_rtp_parse(out, w, &back), LCC_OK);
  CHECK_EQ_INT(back.header_len, w);
  CHECK_EQ_INT(back.payload_len, 0);
  CHECK_EQ_INT(back.marker, 1);
  CHECK_EQ_INT(back.pt, in.pt);
  CHECK_EQ_INT(back.seq, in.seq);
  CHECK_EQ_INT(back.ts, in.ts);
  CHECK_EQ_INT(back.ssrc, in.ssrc);
  CHECK_EQ_INT(lcc_rtp_ext_list(out, &back, e2, LCC_RTP_MAX_EXTS), n);
  for (size_t i = 0; i < n; i++) check_ext(&e2[i], e[i].id, e[i].len, (const char *)e[i].data);
  CHECK_EQ_INT(lcc_rtp_write_header(out, w - 1, &o, e, n), 0);
  free(b);
  return back.ext_profile;
}

static void test_write_extensions(void) {
  /* 1+1, 1+3, 1+2 bytes: 9, padded to 12, after 12 + 4 header bytes. */
  CHECK_EQ_INT(roundtrip_exts("rtp_ext_one_byte.bin", 28), 0xBEDE);
  /* 2+0, 2+3, 2+17 bytes: 26, padded to 28. */
  CHECK_EQ_INT(roundtrip_exts("rtp_ext_two_byte.bin", 44), 0x1000);

  uint8_t out[64];
  lcc_rtp_hdr_out o = {0, 96, 1, 2, 3, NULL, 0};
  lcc_rtp_ext id0 = {0, 1, (const uint8_t *)"x"};
  CHECK_EQ_INT(lcc_rtp_write_header(out, sizeof out, &o, &id0, 1), 0);
  /* id 15 cannot be one-byte: two-byte form. */
  lcc_rtp_ext id15 = {15, 1, (const uint8_t *)"x"};
  lcc_rtp_hdr h;
  CHECK_EQ_INT(lcc_rtp_write_header(out, sizeof out, &o, &id15, 1), 20);
  CHECK_EQ_INT(lcc_rtp_parse(out, 20, &h), LCC_OK);
  CHECK_EQ_INT(h.ext_profile, 0x1000);
  /* Exactly 4 bytes of elements need no padding word. */
  lcc_rtp_ext three = {5, 3, (const uint8_t *)"abc"};
  CHECK_EQ_INT(lcc_rtp_write_header(out, sizeof out, &o, &three, 1), 20);
  CHECK_EQ_INT(out[14], 0);
  CHECK_EQ_INT(out[15], 1);
  CHECK_EQ_INT(out[16], 0x52);
}

/* ---- Receive statistics ---- */

#define OPUS_STEP_US 20000u
#define OPUS_STEP_TS 960u

static void feed(lcc_rtp_rx *rx, uint16_t seq, uint32_t i) {
  CHECK(lcc_rtp_rx_update(rx, seq, 1000u + i * OPUS_STEP_TS, 5000000u + (uint64_t)i * OPUS_STEP_US,
                          100));
}

static void test_rx_in_order(void) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 0x1234, 48000);
  lcc_rtp_rx_report(&rx, 0, &rb); /* nothing yet */
  CHECK_EQ_INT(rb.ssrc, 0x1234);
  CHECK_EQ_INT(rb.cumulative_lost, 0);
  CHECK_EQ_INT(rb.ext_highest_seq, 0);
  CHECK_EQ_INT(lcc_rtp_rx_lost(&rx), 0);
  for (uint32_t i = 0; i < 100; i++) feed(&rx, (uint16_t)(1000 + i), i);
  CHECK_EQ_INT(rx.received, 100);
  CHECK_EQ_INT(rx.bytes, 10000);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.fraction_lost, 0);
  CHECK_EQ_INT(rb.cumulative_lost, 0);
  CHECK_EQ_INT(rb.ext_highest_seq, 1099);
  CHECK_EQ_INT(rb.jitter, 0); /* constant transit time */
  CHECK(rx.jitter == 0.0);
  CHECK_EQ_INT(rb.lsr, 0);
  CHECK_EQ_INT(rb.dlsr, 0);
}

/* Every 20th packet lost: 25 of 500 per interval, (25 << 8) / 500 = 12. */
static void test_rx_loss(void) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 1, 48000);
  for (uint32_t i = 0; i < 1000; i++) {
    if (i == 500) {
      lcc_rtp_rx_report(&rx, 0, &rb);
      CHECK_EQ_INT(rb.fraction_lost, 12);
      CHECK_EQ_INT(rb.cumulative_lost, 25);
      CHECK_EQ_INT(rb.ext_highest_seq, 40499);
    }
    if (i % 20 != 10) feed(&rx, (uint16_t)(40000 + i), i);
  }
  CHECK_EQ_INT(lcc_rtp_rx_lost(&rx), 50);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.fraction_lost, 12);
  CHECK_EQ_INT(rb.cumulative_lost, 50);
  CHECK_EQ_INT(rb.ext_highest_seq, 40999);
  lcc_rtp_rx_report(&rx, 0, &rb); /* an empty interval */
  CHECK_EQ_INT(rb.fraction_lost, 0);
  CHECK_EQ_INT(rb.cumulative_lost, 50);
  /* 3 of the next 10 lost: (3 << 8) / 10 = 76. */
  for (uint32_t i = 1000; i < 1010; i++)
    if (i != 1001 && i != 1004 && i != 1007) feed(&rx, (uint16_t)(40000 + i), i);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.fraction_lost, 76);
  CHECK_EQ_INT(rb.cumulative_lost, 53);
}

static void test_rx_reorder_duplicate(void) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  static const uint16_t order[] = {1, 2, 4, 3, 5};
  lcc_rtp_rx_init(&rx, 1, 48000);
  for (uint32_t i = 0; i < 5; i++) feed(&rx, order[i], order[i]);
  CHECK_EQ_INT(rx.max_seq, 5);
  CHECK_EQ_INT(lcc_rtp_rx_lost(&rx), 0);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.cumulative_lost, 0);
  CHECK_EQ_INT(rb.fraction_lost, 0);
  CHECK_EQ_INT(rb.ext_highest_seq, 5);
  /* A duplicate: received 6 of 5 expected, cumulative lost -1 (§6.4.1). */
  feed(&rx, 5, 5);
  CHECK_EQ_INT(rx.received, 6);
  CHECK_EQ_INT(lcc_rtp_rx_lost(&rx), 0);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.cumulative_lost, -1);
  CHECK_EQ_INT(rb.fraction_lost, 0);
  /* Late by 50 (< MAX_MISORDER 100) still counts; late by 200 is a jump. */
  for (uint32_t i = 6; i <= 300; i++) feed(&rx, (uint16_t)i, i);
  feed(&rx, 250, 250);
  CHECK(!lcc_rtp_rx_update(&rx, 100, 0, 0, 0));
  CHECK_EQ_INT(rx.max_seq, 300);
}

static void test_rx_wrap(void) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 1, 48000);
  for (uint32_t i = 0; i < 12; i++) feed(&rx, (uint16_t)(65530 + i), i); /* 65530..5 */
  CHECK_EQ_INT(rx.cycles, 65536);
  CHECK_EQ_INT(rx.max_seq, 5);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.ext_highest_seq, 65536 + 5);
  CHECK_EQ_INT(rb.cumulative_lost, 0);
  /* Reordered across the wrap: 65534, 0, 65535, 1. */
  lcc_rtp_rx_init(&rx, 1, 48000);
  static const uint16_t order[] = {65534, 0, 65535, 1};
  for (uint32_t i = 0; i < 4; i++) feed(&rx, order[i], i);
  CHECK_EQ_INT(rx.cycles, 65536);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.ext_highest_seq, 65537);
  CHECK_EQ_INT(rb.cumulative_lost, 0);
}

/* A.1: a jump beyond MAX_DROPOUT is believed only when the next follows. */
static void test_rx_restart(void) {
  lcc_rtp_rx rx;
  lcc_rtp_rx_init(&rx, 1, 48000);
  feed(&rx, 100, 0);
  feed(&rx, 101, 1);
  CHECK(!lcc_rtp_rx_update(&rx, 5000, 0, 0, 0));
  CHECK(!lcc_rtp_rx_update(&rx, 7000, 0, 0, 0));
  CHECK(lcc_rtp_rx_update(&rx, 7001, 0, 0, 0));
  CHECK_EQ_INT(rx.base_seq, 7001);
  CHECK_EQ_INT(rx.received, 1);
  CHECK_EQ_INT(lcc_rtp_rx_lost(&rx), 0);
  feed(&rx, 7002, 2);
  CHECK_EQ_INT(rx.received, 2);
}

static void test_rx_probation(void) {
  lcc_rtp_rx rx;
  lcc_rtp_rx_init(&rx, 1, 48000);
  CHECK(lcc_rtp_rx_update(&rx, 9, 0, 0, 0)); /* default: the first counts */
  CHECK_EQ_INT(rx.received, 1);

  lcc_rtp_rx_init(&rx, 1, 48000);
  rx.probation = LCC_RTP_MIN_SEQUENTIAL;
  CHECK(!lcc_rtp_rx_update(&rx, 65535, 0, 0, 0));
  CHECK(!lcc_rtp_rx_update(&rx, 3, 0, 0, 0)); /* out of sequence: restart */
  CHECK_EQ_INT(rx.probation, 1);
  CHECK(lcc_rtp_rx_update(&rx, 4, 0, 0, 0));
  CHECK_EQ_INT(rx.probation, 0);
  CHECK_EQ_INT(rx.base_seq, 4);
  CHECK_EQ_INT(rx.received, 1);

  lcc_rtp_rx_init(&rx, 1, 48000);
  rx.probation = LCC_RTP_MIN_SEQUENTIAL;
  CHECK(!lcc_rtp_rx_update(&rx, 65535, 0, 0, 0));
  CHECK(lcc_rtp_rx_update(&rx, 0, 0, 0, 0)); /* in sequence across the wrap */
  CHECK_EQ_INT(rx.cycles, 0);
  CHECK_EQ_INT(rx.base_seq, 0);
}

/* Transit alternating by 10 ms (480 ticks at 48 kHz): |D| = 480 every
 * packet, so after 9 differences J = 480 (1 - (15/16)^9) = 211.476. */
static void test_rx_jitter(void) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 1, 48000);
  for (uint32_t i = 0; i < 10; i++) {
    uint64_t at = 7000000u + (uint64_t)i * OPUS_STEP_US + (i % 2 ? 10000u : 0u);
    CHECK(lcc_rtp_rx_update(&rx, (uint16_t)i, 0xFFFFF000u + i * OPUS_STEP_TS, at, 10));
  }
  CHECK(fabs(rx.jitter - 211.4762) < 0.001);
  CHECK(fabs(lcc_rtp_rx_jitter_ms(&rx) - 4.4058) < 0.001);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.jitter, 211);
}

/* LSR = middle 32 bits of the SR's NTP time; DLSR 0.5 s = 32768/65536 s. */
static void test_rx_lsr_dlsr(void) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 1, 90000);
  feed(&rx, 1, 0);
  lcc_rtp_rx_sr(&rx, 0xEEB09B4C2E2834D2u, 3000000);
  lcc_rtp_rx_report(&rx, 3500000, &rb);
  CHECK_EQ_INT(rb.lsr, 0x9B4C2E28u);
  CHECK_EQ_INT(rb.dlsr, 32768);
  lcc_rtp_rx_report(&rx, 3000001, &rb);
  CHECK_EQ_INT(rb.dlsr, 0); /* 1 µs = 0.065 units */
  lcc_rtp_rx_report(&rx, 5000000 + 15625, &rb);
  CHECK_EQ_INT(rb.dlsr, 2 * 65536 + 1024); /* 2.015625 s */
}

static void test_rx_clamp(void) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 1, 48000);
  /* Steps of 2999 (< MAX_DROPOUT): 2998 lost per step. */
  uint16_t seq = 0;
  for (uint32_t i = 0; i < 2800; i++, seq = (uint16_t)(seq + 2999)) feed(&rx, seq, i);
  CHECK_EQ_INT(lcc_rtp_rx_lost(&rx), 2799u * 2998u);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.cumulative_lost, 0x7FFFFF);
  CHECK_EQ_INT(rb.fraction_lost, (2799u * 2998u << 8) / (2799u * 2999u + 1));
  rx.received += 20000000u; /* as if that many duplicates came */
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.cumulative_lost, -0x800000);
}

/* Records of opus_stream.rtpcap: 8-byte arrival µs, 2-byte length, packet. */
static void test_rx_captured_stream(void) {
  size_t len, off = 0, n = 0;
  uint8_t *b = check_load_rtp_fixture("opus_stream.rtpcap", &len);
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 0x10AAB701u, 48000);
  while (b && off + 10 <= len) {
    uint64_t at = 0;
    for (int i = 0; i < 8; i++) at = at << 8 | b[off + i];
    size_t plen = (size_t)b[off + 8] << 8 | b[off + 9];
    lcc_rtp_hdr h;
    CHECK_EQ_INT(lcc_rtp_parse(b + off + 10, plen, &h), LCC_OK);
    CHECK_EQ_INT(h.ssrc, 0x10AAB701u);
    CHECK(lcc_rtp_rx_update(&rx, h.seq, h.ts, at, h.payload_len));
    off += 10 + plen;
    n++;
  }
  CHECK_EQ_INT(off, len);
  /* Seqs 10550..11048; the tap dropped 10609, 10629, ... 11029 (22). */
  CHECK_EQ_INT(n, 477);
  CHECK_EQ_INT(rx.bytes, 76957);
  CHECK_EQ_INT(lcc_rtp_rx_lost(&rx), 22);
  lcc_rtp_rx_report(&rx, 0, &rb);
  CHECK_EQ_INT(rb.ext_highest_seq, 11048);
  CHECK_EQ_INT(rb.cumulative_lost, 22);
  CHECK_EQ_INT(rb.fraction_lost, (22 << 8) / 499); /* 11 */
  /* A.8 over the capture, computed independently in Python: 135.79. */
  CHECK_EQ_INT(rb.jitter, 135);
  CHECK(fabs(rx.jitter - 135.7931) < 0.001);
  free(b);
}

static void test_ntp(void) {
  CHECK_EQ_INT(lcc_ntp_from_unix_us(0), (uint64_t)2208988800u << 32);
  /* 2024-01-01T00:00:00.25Z: 1704067200 s + 0x40000000 / 2^32. */
  CHECK_EQ_INT(lcc_ntp_from_unix_us(1704067200250000u), (uint64_t)3913056000u << 32 | 0x40000000u);
  CHECK_EQ_INT(lcc_ntp_from_unix_us(1500000), (uint64_t)2208988801u << 32 | 0x80000000u);
  CHECK_EQ_INT(lcc_ntp_from_unix_us(1) & 0xFFFFFFFFu, 4294);             /* 2^32 / 10^6 */
  CHECK_EQ_INT(lcc_ntp_mid(lcc_ntp_from_unix_us(1500000)), 0x7E818000u); /* 0x83AA7E81.80000000 */
}

int main(void) {
  test_captured_headers();
  test_csrc_and_padding();
  test_ext_one_byte();
  test_ext_two_byte();
  test_ext_element_overrun();
  test_malformed();
  test_demux();
  test_write_plain();
  test_write_extensions();
  test_rx_in_order();
  test_rx_loss();
  test_rx_reorder_duplicate();
  test_rx_wrap();
  test_rx_restart();
  test_rx_probation();
  test_rx_jitter();
  test_rx_lsr_dlsr();
  test_rx_clamp();
  test_rx_captured_stream();
  test_ntp();
  return check_done("rtp");
}
