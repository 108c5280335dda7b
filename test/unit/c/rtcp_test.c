/* Unit tests of csrc/core/rtcp.c: validation and iteration of compound
 * packets captured between two GStreamer rtpbin peers and of hand-built
 * reduced-size ones (test/fixtures/rtp/README.md), parsing of SR, RR, NACK,
 * PLI, FIR and BYE, malformed packets, every builder (checked against the
 * captured bytes where rtpbin sent the same packet) and NACK packing.
 * Run from test/unit/c. */
#include "proto/rtcp.h"

#include <stdint.h>

#include "check.h"

/* Validates fixture `name` and stores its packets (at most max) in out;
 * returns the packet count, or -1 if iteration failed. The buffer is kept
 * in *buf for the caller to free. */
static int walk(const char *name, uint8_t **buf, lcc_rtcp_pkt *out, int max) {
  size_t len;
  *buf = check_load_rtp_fixture(name, &len);
  if (!*buf) return -1;
  CHECK_EQ_INT(lcc_rtcp_validate(*buf, len), LCC_OK);
  CHECK(lcc_rtp_is_rtcp(*buf, len));
  lcc_rtcp_iter it;
  lcc_rtcp_iter_init(&it, *buf, len);
  int n = 0;
  lcc_rtcp_pkt p;
  while (lcc_rtcp_next(&it, &p))
    if (n < max) out[n++] = p;
  return it.bad ? -1 : n;
}

static void check_rb(const lcc_rtcp_rb *rb, uint32_t ssrc, uint8_t fraction, int32_t cum,
                     uint32_t ext, uint32_t jitter, uint32_t lsr, uint32_t dlsr) {
  CHECK_EQ_INT(rb->ssrc, ssrc);
  CHECK_EQ_INT(rb->fraction_lost, fraction);
  CHECK_EQ_INT(rb->cumulative_lost, cum);
  CHECK_EQ_INT(rb->ext_highest_seq, ext);
  CHECK_EQ_INT(rb->jitter, jitter);
  CHECK_EQ_INT(rb->lsr, lsr);
  CHECK_EQ_INT(rb->dlsr, dlsr);
}

static void test_sr_with_block(void) {
  uint8_t *b;
  lcc_rtcp_pkt p[4];
  lcc_rtcp_sr sr;
  CHECK_EQ_INT(walk("rtcp_sr_rb_sdes.bin", &b, p, 4), 2);
  CHECK_EQ_INT(p[0].pt, LCC_RTCP_SR);
  CHECK_EQ_INT(p[0].count, 1);
  CHECK_EQ_INT(p[0].len, 52);
  CHECK_EQ_INT(p[0].body_len, 48);
  CHECK(p[0].pkt == b && p[0].body == b + 4);
  CHECK_EQ_INT(p[1].pt, LCC_RTCP_SDES);
  CHECK_EQ_INT(p[1].len, 52);
  CHECK(p[1].pkt == b + 52);
  CHECK_EQ_INT(lcc_rtcp_parse_sr(&p[0], &sr), LCC_OK);
  CHECK_EQ_INT(sr.ssrc, 0x10AAB701u);
  CHECK_EQ_INT(sr.ntp, 0xEEB09B4C2E2834D2u);
  CHECK_EQ_INT(sr.rtp_ts, 0xE7EF3AF9u);
  CHECK_EQ_INT(sr.packets, 12);
  CHECK_EQ_INT(sr.octets, 2092);
  CHECK_EQ_INT(sr.n_blocks, 1);
  /* rtpbin's cumulative lost 0xFFFFFF is -1: a duplicate. */
  check_rb(&sr.blocks[0], 0xEABAC9A7u, 0, -1, 28615, 27, 0x9B4BF93Fu, 13526);
  CHECK_EQ_INT(lcc_rtcp_sender_ssrc(&p[0]), 0x10AAB701u);
  CHECK_EQ_INT(lcc_rtcp_sender_ssrc(&p[1]), 0); /* SDES: none */
  lcc_rtcp_rr rr;
  CHECK_EQ_INT(lcc_rtcp_parse_rr(&p[0], &rr), LCC_ERR_PACKET_INVALID);
  /* Rebuilding the SR gives rtpbin's bytes. */
  uint8_t out[64];
  CHECK_EQ_INT(lcc_rtcp_write_sr(out, sizeof out, &sr), 52);
  CHECK(memcmp(out, b, 52) == 0);
  CHECK_EQ_INT(lcc_rtcp_write_sr(out, 51, &sr), 0);
  /* RC 2: one report block more than the length holds. */
  lcc_rtcp_pkt more = p[0];
  more.count = 2;
  CHECK_EQ_INT(lcc_rtcp_parse_sr(&more, &sr), LCC_ERR_PACKET_INVALID);
  free(b);
}

static void test_sr_rr_plain(void) {
  uint8_t *b;
  lcc_rtcp_pkt p[4];
  lcc_rtcp_sr sr;
  lcc_rtcp_rr rr;
  CHECK_EQ_INT(walk("rtcp_sr_sdes.bin", &b, p, 4), 2);
  CHECK_EQ_INT(lcc_rtcp_parse_sr(&p[0], &sr), LCC_OK);
  CHECK_EQ_INT(sr.ssrc, 0xC3AE65FEu);
  CHECK_EQ_INT(sr.ntp, 0xEEB09B4C273ECCC4u);
  CHECK_EQ_INT(sr.rtp_ts, 0x3FDDDAC8u);
  CHECK_EQ_INT(sr.packets, 10);
  CHECK_EQ_INT(sr.octets, 10227);
  CHECK_EQ_INT(sr.n_blocks, 0);
  /* Too short for the sender info. */
  lcc_rtcp_pkt cut = p[0];
  cut.body_len = 23;
  CHECK_EQ_INT(lcc_rtcp_parse_sr(&cut, &sr), LCC_ERR_PACKET_INVALID);
  free(b);

  CHECK_EQ_INT(walk("rtcp_rr_rb_sdes.bin", &b, p, 4), 2);
  CHECK_EQ_INT(p[0].pt, LCC_RTCP_RR);
  CHECK_EQ_INT(lcc_rtcp_parse_rr(&p[0], &rr), LCC_OK);
  CHECK_EQ_INT(rr.ssrc, 0x5A93FD4Bu);
  CHECK_EQ_INT(rr.n_blocks, 1);
  check_rb(&rr.blocks[0], 0xC3AE65FEu, 0, -1, 8305, 31, 0x9B4C273Eu, 29315);
  CHECK_EQ_INT(lcc_rtcp_sender_ssrc(&p[0]), 0x5A93FD4Bu);
  CHECK_EQ_INT(lcc_rtcp_parse_sr(&p[0], &sr), LCC_ERR_PACKET_INVALID);
  uint8_t out[64];
  CHECK_EQ_INT(lcc_rtcp_write_rr(out, sizeof out, &rr), 32);
  CHECK(memcmp(out, b, 32) == 0);
  /* RC 2 claims 48 bytes of blocks in a 28-byte body. */
  lcc_rtcp_pkt more = p[0];
  more.count = 2;
  CHECK_EQ_INT(lcc_rtcp_parse_rr(&more, &rr), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(rr.n_blocks, 0);
  free(b);

  CHECK_EQ_INT(walk("rtcp_rr_sdes.bin", &b, p, 4), 2);
  CHECK_EQ_INT(lcc_rtcp_parse_rr(&p[0], &rr), LCC_OK);
  CHECK_EQ_INT(rr.n_blocks, 0);
  CHECK_EQ_INT(lcc_rtcp_write_rr(out, sizeof out, &rr), 8);
  CHECK(memcmp(out, b, 8) == 0);
  free(b);
}

static void test_nack(void) {
  uint8_t *b;
  lcc_rtcp_pkt p[4];
  lcc_rtcp_nack nack;
  uint16_t seqs[32];
  CHECK_EQ_INT(walk("rtcp_rr_sdes_nack.bin", &b, p, 4), 3);
  CHECK_EQ_INT(p[2].pt, LCC_RTCP_RTPFB);
  CHECK_EQ_INT(p[2].count, 1);
  CHECK_EQ_INT(lcc_rtcp_parse_nack(&p[2], &nack), LCC_OK);
  CHECK_EQ_INT(nack.sender_ssrc, 0x5A93FD4Bu);
  CHECK_EQ_INT(nack.media_ssrc, 0xC3AE65FEu);
  CHECK_EQ_INT(nack.n, 1);
  CHECK_EQ_INT(lcc_rtcp_nack_to_seqs(&nack, seqs, 32), 1);
  CHECK_EQ_INT(seqs[0], 8342);
  CHECK_EQ_INT(lcc_rtcp_sender_ssrc(&p[2]), 0x5A93FD4Bu);
  /* The same NACK built from its sequence number is rtpbin's packet. */
  uint8_t out[64];
  lcc_rtcp_nack built = {.sender_ssrc = 0x5A93FD4Bu, .media_ssrc = 0xC3AE65FEu};
  lcc_rtcp_nack_from_seqs(&built, seqs, 1);
  CHECK_EQ_INT(lcc_rtcp_write_nack(out, sizeof out, &built), 16);
  CHECK(memcmp(out, p[2].pkt, 16) == 0);
  CHECK_EQ_INT(lcc_rtcp_write_nack(out, 15, &built), 0);
  lcc_rtcp_keyframe_req kf;
  CHECK_EQ_INT(lcc_rtcp_parse_pli(&p[2], &kf), LCC_ERR_PACKET_INVALID);
  free(b);

  /* rtpbin NACKing 8 packets: PID 10557, BLP 0x007F. */
  CHECK_EQ_INT(walk("rtcp_sr_sdes_nack.bin", &b, p, 4), 3);
  CHECK_EQ_INT(lcc_rtcp_parse_nack(&p[2], &nack), LCC_OK);
  CHECK_EQ_INT(nack.pid[0], 10557);
  CHECK_EQ_INT(nack.blp[0], 0x007F);
  CHECK_EQ_INT(lcc_rtcp_nack_to_seqs(&nack, seqs, 32), 8);
  for (int i = 0; i < 8; i++) CHECK_EQ_INT(seqs[i], 10557 + i);
  CHECK_EQ_INT(lcc_rtcp_nack_to_seqs(&nack, seqs, 3), 3); /* max respected */
  lcc_rtcp_nack_from_seqs(&built,
                          (uint16_t[]){10564, 10557, 10560, 10558, 10559, 10561, 10563, 10562}, 8);
  built.sender_ssrc = nack.sender_ssrc;
  built.media_ssrc = nack.media_ssrc;
  CHECK_EQ_INT(lcc_rtcp_write_nack(out, sizeof out, &built), 16);
  CHECK(memcmp(out, p[2].pkt, 16) == 0);
  /* A NACK without FCI. */
  lcc_rtcp_pkt empty = p[2];
  empty.body_len = 8;
  CHECK_EQ_INT(lcc_rtcp_parse_nack(&empty, &nack), LCC_ERR_PACKET_INVALID);
  free(b);
}

static void test_keyframe_requests(void) {
  uint8_t *b;
  lcc_rtcp_pkt p[4];
  lcc_rtcp_keyframe_req kf;
  uint8_t out[64];
  CHECK_EQ_INT(walk("rtcp_rr_sdes_pli.bin", &b, p, 4), 3);
  CHECK_EQ_INT(p[2].pt, LCC_RTCP_PSFB);
  CHECK_EQ_INT(p[2].count, 1);
  CHECK_EQ_INT(lcc_rtcp_parse_pli(&p[2], &kf), LCC_OK);
  CHECK_EQ_INT(kf.sender_ssrc, 0xE5779D9Fu);
  CHECK_EQ_INT(kf.media_ssrc, 0x3B369BF2u);
  CHECK_EQ_INT(lcc_rtcp_parse_fir(&p[2], &kf), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_rtcp_write_pli(out, sizeof out, 0xE5779D9Fu, 0x3B369BF2u), 12);
  CHECK(memcmp(out, p[2].pkt, 12) == 0);
  CHECK_EQ_INT(lcc_rtcp_write_pli(out, 11, 1, 2), 0);
  free(b);

  CHECK_EQ_INT(walk("rtcp_rr_sdes_fir.bin", &b, p, 4), 3);
  CHECK_EQ_INT(p[2].count, 4);
  CHECK_EQ_INT(lcc_rtcp_parse_fir(&p[2], &kf), LCC_OK);
  CHECK_EQ_INT(kf.sender_ssrc, 0x5A93FD4Bu);
  CHECK_EQ_INT(kf.media_ssrc, 0xC3AE65FEu); /* from the FCI */
  CHECK_EQ_INT(kf.fir_seq, 1);
  CHECK_EQ_INT(lcc_rtcp_parse_pli(&p[2], &kf), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_rtcp_write_fir(out, sizeof out, 0x5A93FD4Bu, 0xC3AE65FEu, 1), 20);
  CHECK(memcmp(out, p[2].pkt, 20) == 0);
  CHECK_EQ_INT(lcc_rtcp_write_fir(out, 19, 1, 2, 3), 0);
  lcc_rtcp_pkt no_fci = p[2];
  no_fci.body_len = 8;
  CHECK_EQ_INT(lcc_rtcp_parse_fir(&no_fci, &kf), LCC_ERR_PACKET_INVALID);
  free(b);

  /* FIR then NACK in one compound; the FIR's seq nr has moved on. */
  lcc_rtcp_nack nack;
  CHECK_EQ_INT(walk("rtcp_rr_sdes_fir_nack.bin", &b, p, 4), 4);
  CHECK_EQ_INT(lcc_rtcp_parse_fir(&p[2], &kf), LCC_OK);
  CHECK_EQ_INT(kf.fir_seq, 2);
  CHECK_EQ_INT(lcc_rtcp_parse_nack(&p[3], &nack), LCC_OK);
  CHECK_EQ_INT(nack.pid[0], 8342);
  free(b);

  CHECK_EQ_INT(walk("rtcp_rr_sdes_pli_nack.bin", &b, p, 4), 4);
  CHECK_EQ_INT(lcc_rtcp_parse_pli(&p[2], &kf), LCC_OK);
  CHECK_EQ_INT(lcc_rtcp_parse_nack(&p[3], &nack), LCC_OK);
  CHECK_EQ_INT(nack.pid[0], 19048);
  free(b);
}

static void test_bye_and_sdes(void) {
  uint8_t *b;
  lcc_rtcp_pkt p[4];
  uint32_t ssrcs[4];
  uint8_t out[64];
  lcc_rtcp_sr sr;
  CHECK_EQ_INT(walk("rtcp_sr_sdes_bye.bin", &b, p, 4), 3);
  CHECK_EQ_INT(lcc_rtcp_parse_sr(&p[0], &sr), LCC_OK);
  CHECK_EQ_INT(sr.packets, 337);
  CHECK_EQ_INT(sr.octets, 324495);
  CHECK_EQ_INT(p[2].pt, LCC_RTCP_BYE);
  CHECK_EQ_INT(lcc_rtcp_parse_bye(&p[2], ssrcs, 4), 1);
  CHECK_EQ_INT(ssrcs[0], 0xC3AE65FEu);
  CHECK_EQ_INT(lcc_rtcp_parse_bye(&p[2], ssrcs, 0), 0);
  CHECK_EQ_INT(lcc_rtcp_parse_bye(&p[0], ssrcs, 4), 0); /* not a BYE */
  CHECK_EQ_INT(lcc_rtcp_sender_ssrc(&p[2]), 0);
  CHECK_EQ_INT(lcc_rtcp_write_bye(out, sizeof out, ssrcs, 1), 8);
  CHECK(memcmp(out, p[2].pkt, 8) == 0);
  lcc_rtcp_pkt sc2 = p[2];
  sc2.count = 2;
  CHECK_EQ_INT(lcc_rtcp_parse_bye(&sc2, ssrcs, 4), 0); /* SC overruns */
  free(b);

  /* rtpbin's SDES with only a CNAME (28 chars): 4 + 2 + 28 + 2 nulls = 36. */
  CHECK_EQ_INT(walk("rtcp_rr_sdes_fir.bin", &b, p, 4), 3);
  CHECK_EQ_INT(p[1].pt, LCC_RTCP_SDES);
  CHECK_EQ_INT(
      lcc_rtcp_write_sdes_cname(out, sizeof out, 0x5A93FD4Bu, "user2383821758@host-61f1ebfa"), 40);
  CHECK(memcmp(out, p[1].pkt, 40) == 0);
  CHECK_EQ_INT(lcc_rtcp_write_sdes_cname(out, 39, 0x5A93FD4Bu, "user2383821758@host-61f1ebfa"), 0);
  free(b);
}

/* §6.5: the item list ends with at least one null, then nulls to 32 bits. */
static void test_sdes_padding(void) {
  static const struct {
    const char *cname;
    size_t len;
  } cases[] = {{"", 12}, {"a", 12}, {"ab", 16}, {"abcde", 16}, {"abcdef", 20}};
  uint8_t out[300];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memset(out, 0xEE, sizeof out);
    size_t n = lcc_rtcp_write_sdes_cname(out, sizeof out, 7, cases[i].cname);
    CHECK_EQ_INT(n, cases[i].len);
    CHECK_EQ_INT(lcc_rtcp_validate(out, n), LCC_OK);
    size_t cl = strlen(cases[i].cname);
    CHECK_EQ_INT(out[8], 1); /* CNAME */
    CHECK_EQ_INT(out[9], cl);
    CHECK(memcmp(out + 10, cases[i].cname, cl) == 0);
    for (size_t j = 10 + cl; j < n; j++) CHECK_EQ_INT(out[j], 0);
    CHECK_EQ_INT(out[n], 0xEE); /* nothing past the packet */
  }
  char long_name[257];
  memset(long_name, 'x', 256);
  long_name[256] = 0;
  CHECK_EQ_INT(lcc_rtcp_write_sdes_cname(out, sizeof out, 7, long_name), 0);
  long_name[255] = 0;
  CHECK_EQ_INT(lcc_rtcp_write_sdes_cname(out, sizeof out, 7, long_name), 268);
  CHECK_EQ_INT(lcc_rtcp_write_sdes_cname(out, sizeof out, 7, NULL), 0);
}

/* RFC 5506: a lone feedback packet is a valid RTCP packet. */
static void test_reduced_size(void) {
  uint8_t *b;
  lcc_rtcp_pkt p[4];
  lcc_rtcp_nack nack;
  lcc_rtcp_keyframe_req kf;
  uint16_t seqs[32];
  CHECK_EQ_INT(walk("rtcp_rsize_nack.bin", &b, p, 4), 1);
  CHECK_EQ_INT(lcc_rtcp_parse_nack(&p[0], &nack), LCC_OK);
  CHECK_EQ_INT(nack.n, 2);
  CHECK_EQ_INT(lcc_rtcp_nack_to_seqs(&nack, seqs, 32), 7);
  static const uint16_t want[] = {65530, 65531, 0, 10, 20, 21, 22};
  for (int i = 0; i < 7; i++) CHECK_EQ_INT(seqs[i], want[i]);
  /* Packing them again, in any order, gives the same bytes. */
  static const uint16_t shuffled[] = {21, 0, 65531, 22, 10, 65530, 20};
  lcc_rtcp_nack built = {.sender_ssrc = nack.sender_ssrc, .media_ssrc = nack.media_ssrc};
  lcc_rtcp_nack_from_seqs(&built, shuffled, 7);
  uint8_t out[64];
  CHECK_EQ_INT(lcc_rtcp_write_nack(out, sizeof out, &built), 20);
  CHECK(memcmp(out, b, 20) == 0);
  free(b);

  CHECK_EQ_INT(walk("rtcp_rsize_pli.bin", &b, p, 4), 1);
  CHECK_EQ_INT(lcc_rtcp_parse_pli(&p[0], &kf), LCC_OK);
  CHECK_EQ_INT(kf.media_ssrc, 0xC3AE65FEu);
  free(b);
  CHECK_EQ_INT(walk("rtcp_rsize_fir.bin", &b, p, 4), 1);
  CHECK_EQ_INT(lcc_rtcp_parse_fir(&p[0], &kf), LCC_OK);
  CHECK_EQ_INT(kf.fir_seq, 7);
  CHECK_EQ_INT(lcc_rtcp_write_fir(out, sizeof out, kf.sender_ssrc, kf.media_ssrc, 7), 20);
  CHECK(memcmp(out, b, 20) == 0);
  free(b);
  /* REMB is PSFB FMT 15: walked over, neither PLI nor FIR. */
  CHECK_EQ_INT(walk("rtcp_rsize_remb.bin", &b, p, 4), 1);
  CHECK_EQ_INT(p[0].count, 15);
  CHECK_EQ_INT(lcc_rtcp_parse_pli(&p[0], &kf), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_rtcp_parse_fir(&p[0], &kf), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_rtcp_sender_ssrc(&p[0]), 0x5A93FD4Bu);
  free(b);
}

static void test_padding(void) {
  uint8_t *b;
  lcc_rtcp_pkt p[4];
  uint32_t ssrcs[4];
  /* BYE with a reason and 4 bytes of padding: 20 bytes, body 16 - 4. */
  CHECK_EQ_INT(walk("rtcp_rsize_bye_padded.bin", &b, p, 4), 1);
  CHECK(p[0].padding);
  CHECK_EQ_INT(p[0].len, 20);
  CHECK_EQ_INT(p[0].body_len, 12);
  CHECK_EQ_INT(lcc_rtcp_parse_bye(&p[0], ssrcs, 4), 1);
  CHECK_EQ_INT(ssrcs[0], 0xC3AE65FEu);
  b[19] = 0; /* padding count 0 */
  CHECK_EQ_INT(lcc_rtcp_validate(b, 20), LCC_ERR_PACKET_INVALID);
  b[19] = 17; /* more than the 16-byte body */
  CHECK_EQ_INT(lcc_rtcp_validate(b, 20), LCC_ERR_PACKET_INVALID);
  b[19] = 16; /* the whole body */
  CHECK_EQ_INT(lcc_rtcp_validate(b, 20), LCC_OK);
  free(b);

  /* Padding on the last packet of a compound. */
  CHECK_EQ_INT(walk("rtcp_rr_sdes_padded.bin", &b, p, 4), 2);
  CHECK(!p[0].padding);
  CHECK(p[1].padding);
  CHECK_EQ_INT(p[1].len, 56);
  CHECK_EQ_INT(p[1].body_len, 48);
  free(b);

  /* Padding on the first of two packets is not allowed (RFC 3550 A.2). */
  uint8_t c[64];
  lcc_rtcp_rr rr = {.ssrc = 9};
  size_t n = lcc_rtcp_write_rr(c, sizeof c, &rr);
  c[0] |= 0x20;
  c[3] = 2;
  memcpy(c + n, "\0\0\0\x04", 4);
  n += 4;
  n += lcc_rtcp_write_pli(c + n, sizeof c - n, 9, 10);
  CHECK_EQ_INT(n, 24);
  CHECK_EQ_INT(lcc_rtcp_validate(c, n), LCC_ERR_PACKET_INVALID);
  lcc_rtcp_iter it;
  lcc_rtcp_iter_init(&it, c, n);
  CHECK(lcc_rtcp_next(&it, &p[0]) && p[0].body_len == 4 && lcc_rtcp_next(&it, &p[1]));
  CHECK(!lcc_rtcp_next(&it, &p[2]) && !it.bad);
  /* Alone, the padded RR is the last packet, where padding is allowed. */
  CHECK_EQ_INT(lcc_rtcp_validate(c, 12), LCC_OK);
}

static void test_malformed(void) {
  size_t len;
  uint8_t *b = check_load_rtp_fixture("rtcp_rr_sdes_pli_nack.bin", &len);
  uint8_t c[128];
  CHECK_EQ_INT(len, 76);
  memcpy(c, b, len);
  CHECK_EQ_INT(lcc_rtcp_validate(c, len), LCC_OK);
  CHECK_EQ_INT(lcc_rtcp_validate(c, 0), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_rtcp_validate(c, len - 4), LCC_ERR_PACKET_INVALID); /* last length overruns */
  CHECK_EQ_INT(lcc_rtcp_validate(c, len - 1), LCC_ERR_PACKET_INVALID); /* not 32-bit */
  memset(c + len, 0, 4);
  CHECK_EQ_INT(lcc_rtcp_validate(c, len + 4), LCC_ERR_PACKET_INVALID); /* trailing version 0 */
  c[48] = 0x41;                                                        /* version 1 on the PLI */
  CHECK_EQ_INT(lcc_rtcp_validate(c, len), LCC_ERR_PACKET_INVALID);
  lcc_rtcp_iter it;
  lcc_rtcp_pkt p;
  lcc_rtcp_iter_init(&it, c, len);
  CHECK(lcc_rtcp_next(&it, &p) && lcc_rtcp_next(&it, &p));
  CHECK(!lcc_rtcp_next(&it, &p));
  CHECK(it.bad);
  CHECK(!lcc_rtcp_next(&it, &p)); /* stays stopped */
  memcpy(c, b, len);
  c[11] = 10; /* SDES claims 44 bytes: lengths no longer tile */
  CHECK_EQ_INT(lcc_rtcp_validate(c, len), LCC_ERR_PACKET_INVALID);
  memcpy(c, b, len);
  c[1] = 111; /* an RTP packet, not RTCP */
  CHECK_EQ_INT(lcc_rtcp_validate(c, len), LCC_ERR_PACKET_INVALID);
  c[1] = 192; /* RFC 5761 range: accepted */
  CHECK_EQ_INT(lcc_rtcp_validate(c, len), LCC_OK);
  free(b);
}

static void check_rb_eq(const lcc_rtcp_rb *a, const lcc_rtcp_rb *b) {
  check_rb(a, b->ssrc, b->fraction_lost, b->cumulative_lost, b->ext_highest_seq, b->jitter, b->lsr,
           b->dlsr);
}

static void test_builders_roundtrip(void) {
  uint8_t out[1024];
  lcc_rtcp_sr sr = {
      .ssrc = 1, .ntp = 0x0102030405060708u, .rtp_ts = 9, .packets = 10, .octets = 11};
  sr.n_blocks = 3;
  sr.blocks[0] = (lcc_rtcp_rb){0xA, 255, -5, 65536 + 7, 100, 0xDEADBEEF, 65536};
  sr.blocks[1] = (lcc_rtcp_rb){0xB, 1, 0x7FFFFF, 0, 0, 0, 0};
  sr.blocks[2] = (lcc_rtcp_rb){0xC, 0, -0x800000, 1, 2, 3, 4};
  size_t n = lcc_rtcp_write_sr(out, sizeof out, &sr);
  CHECK_EQ_INT(n, 28 + 3 * 24);
  CHECK_EQ_INT(lcc_rtcp_validate(out, n), LCC_OK);
  lcc_rtcp_iter it;
  lcc_rtcp_pkt p;
  lcc_rtcp_iter_init(&it, out, n);
  CHECK(lcc_rtcp_next(&it, &p));
  lcc_rtcp_sr back;
  CHECK_EQ_INT(lcc_rtcp_parse_sr(&p, &back), LCC_OK);
  CHECK_EQ_INT(back.ssrc, 1);
  CHECK_EQ_INT(back.ntp, 0x0102030405060708u);
  CHECK_EQ_INT(back.rtp_ts, 9);
  CHECK_EQ_INT(back.packets, 10);
  CHECK_EQ_INT(back.octets, 11);
  CHECK_EQ_INT(back.n_blocks, 3);
  for (int i = 0; i < 3; i++) check_rb_eq(&back.blocks[i], &sr.blocks[i]);
  CHECK_EQ_INT(back.blocks[0].cumulative_lost, -5);
  CHECK_EQ_INT(back.blocks[2].cumulative_lost, -0x800000);
  sr.n_blocks = 32;
  CHECK_EQ_INT(lcc_rtcp_write_sr(out, sizeof out, &sr), 0);

  lcc_rtcp_rr rr = {.ssrc = 2, .n_blocks = LCC_RTCP_MAX_RB};
  for (int i = 0; i < LCC_RTCP_MAX_RB; i++)
    rr.blocks[i] = (lcc_rtcp_rb){(uint32_t)i, 3, -i, 4, 5, 6, 7};
  n = lcc_rtcp_write_rr(out, sizeof out, &rr);
  CHECK_EQ_INT(n, 8 + 31 * 24);
  lcc_rtcp_rr rr_back;
  lcc_rtcp_iter_init(&it, out, n);
  CHECK(lcc_rtcp_next(&it, &p));
  CHECK_EQ_INT(lcc_rtcp_parse_rr(&p, &rr_back), LCC_OK);
  CHECK_EQ_INT(rr_back.ssrc, 2);
  CHECK_EQ_INT(rr_back.n_blocks, LCC_RTCP_MAX_RB);
  for (int i = 0; i < LCC_RTCP_MAX_RB; i++) check_rb_eq(&rr_back.blocks[i], &rr.blocks[i]);
  CHECK_EQ_INT(lcc_rtcp_write_rr(out, n - 1, &rr), 0);

  uint32_t ssrcs[31];
  for (int i = 0; i < 31; i++) ssrcs[i] = 0x1000u + (uint32_t)i;
  n = lcc_rtcp_write_bye(out, sizeof out, ssrcs, 31);
  CHECK_EQ_INT(n, 128);
  CHECK_EQ_INT(lcc_rtcp_validate(out, n), LCC_OK);
  uint32_t got[31];
  lcc_rtcp_iter_init(&it, out, n);
  CHECK(lcc_rtcp_next(&it, &p));
  CHECK_EQ_INT(lcc_rtcp_parse_bye(&p, got, 31), 31);
  CHECK(memcmp(got, ssrcs, sizeof got) == 0);
  CHECK_EQ_INT(lcc_rtcp_write_bye(out, sizeof out, ssrcs, 32), 0);

  /* A compound of every builder validates and walks back. */
  size_t off = 0;
  off += lcc_rtcp_write_rr(out + off, sizeof out - off, &(lcc_rtcp_rr){.ssrc = 5});
  off += lcc_rtcp_write_sdes_cname(out + off, sizeof out - off, 5, "lcc");
  off += lcc_rtcp_write_pli(out + off, sizeof out - off, 5, 6);
  off += lcc_rtcp_write_fir(out + off, sizeof out - off, 5, 6, 200);
  lcc_rtcp_nack nk = {.sender_ssrc = 5, .media_ssrc = 6, .n = 1, .pid = {1}, .blp = {2}};
  off += lcc_rtcp_write_nack(out + off, sizeof out - off, &nk);
  off += lcc_rtcp_write_bye(out + off, sizeof out - off, ssrcs, 1);
  CHECK_EQ_INT(off, 8 + 16 + 12 + 20 + 16 + 8);
  CHECK_EQ_INT(lcc_rtcp_validate(out, off), LCC_OK);
  static const uint8_t pts[] = {201, 202, 206, 206, 205, 203};
  int count = 0;
  lcc_rtcp_iter_init(&it, out, off);
  while (lcc_rtcp_next(&it, &p)) {
    CHECK_EQ_INT(p.pt, pts[count]);
    count++;
  }
  CHECK_EQ_INT(count, 6);
  CHECK(!it.bad);
}

static void check_nack_roundtrip(const uint16_t *seqs, size_t n, uint8_t items) {
  lcc_rtcp_nack nack = {.sender_ssrc = 1, .media_ssrc = 2};
  lcc_rtcp_nack_from_seqs(&nack, seqs, n);
  CHECK_EQ_INT(nack.n, items);
  uint8_t out[300];
  size_t len = lcc_rtcp_write_nack(out, sizeof out, &nack);
  CHECK_EQ_INT(len, 12 + 4u * items);
  lcc_rtcp_iter it;
  lcc_rtcp_pkt p;
  lcc_rtcp_nack back;
  lcc_rtcp_iter_init(&it, out, len);
  CHECK(lcc_rtcp_next(&it, &p));
  CHECK_EQ_INT(lcc_rtcp_parse_nack(&p, &back), LCC_OK);
  uint16_t got[1200];
  CHECK_EQ_INT(lcc_rtcp_nack_to_seqs(&back, got, 1200), n);
  for (size_t i = 0; i < n; i++) CHECK_EQ_INT(got[i], seqs[i]);
}

static void test_nack_seqs(void) {
  uint16_t s[1200];
  for (int i = 0; i < 40; i++) s[i] = (uint16_t)i;
  check_nack_roundtrip(s, 40, 3); /* 17 + 17 + 6 */
  lcc_rtcp_nack nack;
  lcc_rtcp_nack_from_seqs(&nack, s, 40);
  CHECK_EQ_INT(nack.pid[0], 0);
  CHECK_EQ_INT(nack.blp[0], 0xFFFF);
  CHECK_EQ_INT(nack.pid[1], 17);
  CHECK_EQ_INT(nack.blp[1], 0xFFFF);
  CHECK_EQ_INT(nack.pid[2], 34);
  CHECK_EQ_INT(nack.blp[2], 0x001F);
  /* 40 across the wrap: 65520..65535, 0..23. */
  for (int i = 0; i < 40; i++) s[i] = (uint16_t)(65520 + i);
  check_nack_roundtrip(s, 40, 3);
  lcc_rtcp_nack_from_seqs(&nack, s, 40);
  CHECK_EQ_INT(nack.pid[1], 1);
  /* PID 65535 covers 0..15; 16 starts the next item. */
  check_nack_roundtrip((uint16_t[]){65535, 15}, 2, 1);
  check_nack_roundtrip((uint16_t[]){65535, 16}, 2, 2);
  /* Duplicates collapse. */
  lcc_rtcp_nack_from_seqs(&nack, (uint16_t[]){5, 6, 5, 6}, 4);
  CHECK_EQ_INT(nack.n, 1);
  CHECK_EQ_INT(nack.pid[0], 5);
  CHECK_EQ_INT(nack.blp[0], 1);
  lcc_rtcp_nack_from_seqs(&nack, s, 0);
  CHECK_EQ_INT(nack.n, 0);
  uint8_t out[16];
  CHECK_EQ_INT(lcc_rtcp_write_nack(out, sizeof out, &nack), 0); /* no FCI */
  /* 70 items' worth: the oldest 64 are kept. */
  for (int i = 0; i < 70; i++) s[i] = (uint16_t)(60000 + 20 * i);
  lcc_rtcp_nack_from_seqs(&nack, s, 70);
  CHECK_EQ_INT(nack.n, LCC_RTCP_MAX_NACK);
  CHECK_EQ_INT(nack.pid[0], 60000);
  CHECK_EQ_INT(nack.pid[63], (uint16_t)(60000 + 20 * 63));
  check_nack_roundtrip(s, 64, 64);
  /* 64 full items: 1088 consecutive seqs, the most one packet carries. */
  for (int i = 0; i < 1088; i++) s[i] = (uint16_t)(65000 + i);
  check_nack_roundtrip(s, 1088, 64);
}

int main(void) {
  test_sr_with_block();
  test_sr_rr_plain();
  test_nack();
  test_keyframe_requests();
  test_bye_and_sdes();
  test_sdes_padding();
  test_reduced_size();
  test_padding();
  test_malformed();
  test_builders_roundtrip();
  test_nack_seqs();
  return check_done("rtcp");
}
