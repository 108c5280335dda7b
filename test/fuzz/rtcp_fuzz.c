/* Fuzz target for csrc/core/rtcp.c: validates and walks the input as a
 * compound RTCP packet, runs every parser on every packet and checks what
 * they promise (packets tile the input, bodies inside their packet, a parsed
 * packet rebuilt by its builder parses to the same values); then reads the
 * input as a list of sequence numbers through the NACK packing round trip.
 * abort() on a broken promise. Links csrc/core/rtcp.c, rtp.c, err.c, libc. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtcp.h"

#define REQUIRE(c)     \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static uint8_t out[4 + 24 + LCC_RTCP_MAX_RB * 24 + 4 * LCC_RTCP_MAX_NACK + 300];

/* The only packet in out[0..len). */
static lcc_rtcp_pkt reparse(size_t len) {
  REQUIRE(len > 0 && lcc_rtcp_validate(out, len) == LCC_OK);
  lcc_rtcp_iter it;
  lcc_rtcp_pkt p;
  lcc_rtcp_iter_init(&it, out, len);
  REQUIRE(lcc_rtcp_next(&it, &p) && it.off == len);
  return p;
}

static void same_rb(const lcc_rtcp_rb *a, const lcc_rtcp_rb *b) {
  REQUIRE(a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost);
  REQUIRE(a->cumulative_lost == b->cumulative_lost && a->ext_highest_seq == b->ext_highest_seq);
  REQUIRE(a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr);
  REQUIRE(a->cumulative_lost >= -0x800000 && a->cumulative_lost <= 0x7FFFFF);
}

static void fuzz_reports(const lcc_rtcp_pkt *p) {
  lcc_rtcp_sr sr, sr2;
  lcc_rtcp_rr rr, rr2;
  if (lcc_rtcp_parse_sr(p, &sr) == LCC_OK) {
    lcc_rtcp_pkt q = reparse(lcc_rtcp_write_sr(out, sizeof out, &sr));
    REQUIRE(lcc_rtcp_parse_sr(&q, &sr2) == LCC_OK && sr2.n_blocks == sr.n_blocks);
    REQUIRE(sr2.ssrc == sr.ssrc && sr2.ntp == sr.ntp && sr2.rtp_ts == sr.rtp_ts);
    REQUIRE(sr2.packets == sr.packets && sr2.octets == sr.octets);
    for (int i = 0; i < sr.n_blocks; i++) same_rb(&sr.blocks[i], &sr2.blocks[i]);
  }
  if (lcc_rtcp_parse_rr(p, &rr) == LCC_OK) {
    lcc_rtcp_pkt q = reparse(lcc_rtcp_write_rr(out, sizeof out, &rr));
    REQUIRE(lcc_rtcp_parse_rr(&q, &rr2) == LCC_OK && rr2.n_blocks == rr.n_blocks);
    REQUIRE(rr2.ssrc == rr.ssrc);
    for (int i = 0; i < rr.n_blocks; i++) same_rb(&rr.blocks[i], &rr2.blocks[i]);
  }
}

static void fuzz_feedback(const lcc_rtcp_pkt *p) {
  lcc_rtcp_nack nack, nack2;
  lcc_rtcp_keyframe_req kf, kf2;
  if (lcc_rtcp_parse_nack(p, &nack) == LCC_OK) {
    REQUIRE(nack.n >= 1 && nack.n <= LCC_RTCP_MAX_NACK);
    lcc_rtcp_pkt q = reparse(lcc_rtcp_write_nack(out, sizeof out, &nack));
    REQUIRE(lcc_rtcp_parse_nack(&q, &nack2) == LCC_OK && nack2.n == nack.n);
    REQUIRE(memcmp(nack.pid, nack2.pid, sizeof nack.pid) == 0);
    REQUIRE(memcmp(nack.blp, nack2.blp, sizeof nack.blp) == 0);
    uint16_t seqs[LCC_RTCP_MAX_NACK * 17];
    REQUIRE(lcc_rtcp_nack_to_seqs(&nack, seqs, sizeof seqs / sizeof seqs[0]) >= nack.n);
  }
  if (lcc_rtcp_parse_pli(p, &kf) == LCC_OK) {
    lcc_rtcp_pkt q = reparse(lcc_rtcp_write_pli(out, sizeof out, kf.sender_ssrc, kf.media_ssrc));
    REQUIRE(lcc_rtcp_parse_pli(&q, &kf2) == LCC_OK && kf2.media_ssrc == kf.media_ssrc);
  }
  if (lcc_rtcp_parse_fir(p, &kf) == LCC_OK) {
    size_t n = lcc_rtcp_write_fir(out, sizeof out, kf.sender_ssrc, kf.media_ssrc, kf.fir_seq);
    lcc_rtcp_pkt q = reparse(n);
    REQUIRE(lcc_rtcp_parse_fir(&q, &kf2) == LCC_OK && kf2.fir_seq == kf.fir_seq);
    REQUIRE(kf2.sender_ssrc == kf.sender_ssrc && kf2.media_ssrc == kf.media_ssrc);
  }
  uint32_t ssrcs[31];
  size_t n = lcc_rtcp_parse_bye(p, ssrcs, 31);
  if (n > 0) {
    uint32_t back[31];
    lcc_rtcp_pkt q = reparse(lcc_rtcp_write_bye(out, sizeof out, ssrcs, n));
    REQUIRE(lcc_rtcp_parse_bye(&q, back, 31) == n && memcmp(back, ssrcs, 4 * n) == 0);
  }
}

static void fuzz_walk(const uint8_t *data, size_t size) {
  bool valid = lcc_rtcp_validate(data, size) == LCC_OK;
  lcc_rtcp_iter it;
  lcc_rtcp_pkt p;
  lcc_rtcp_iter_init(&it, data, size);
  size_t end = 0;
  while (lcc_rtcp_next(&it, &p)) {
    REQUIRE(p.pkt == data + end && p.len >= 4 && p.len % 4 == 0 && end + p.len <= size);
    REQUIRE(p.body == p.pkt + 4 && p.body_len <= p.len - 4);
    end += p.len;
    (void)lcc_rtcp_sender_ssrc(&p);
    fuzz_reports(&p);
    fuzz_feedback(&p);
  }
  REQUIRE(it.off == end);
  if (valid) REQUIRE(!it.bad && end == size);
}

/* Every seq packed is listed back, nothing else, while 64 items suffice. */
static void fuzz_nack_seqs(const uint8_t *data, size_t size) {
  uint16_t seqs[256], back[LCC_RTCP_MAX_NACK * 17];
  size_t n = size / 2 < 256 ? size / 2 : 256;
  for (size_t i = 0; i < n; i++) seqs[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
  lcc_rtcp_nack nack;
  lcc_rtcp_nack_from_seqs(&nack, seqs, n);
  REQUIRE(nack.n <= LCC_RTCP_MAX_NACK && (n == 0) == (nack.n == 0));
  size_t m = lcc_rtcp_nack_to_seqs(&nack, back, sizeof back / sizeof back[0]);
  for (size_t j = 0; j < m; j++) {
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) found = seqs[i] == back[j];
    REQUIRE(found);
    if (j > 0) REQUIRE(back[j] != back[j - 1]);
  }
  if (nack.n < LCC_RTCP_MAX_NACK) {
    for (size_t i = 0; i < n; i++) {
      bool found = false;
      for (size_t j = 0; j < m && !found; j++) found = seqs[i] == back[j];
      REQUIRE(found);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_walk(data, size);
  fuzz_nack_seqs(data, size);
  if (size > 4) {
    char cname[256];
    size_t n = size - 4 < 255 ? size - 4 : 255;
    memcpy(cname, data + 4, n);
    cname[n] = 0;
    size_t len = lcc_rtcp_write_sdes_cname(out, sizeof out, 1, cname);
    REQUIRE(len % 4 == 0 && len >= 12 && len <= 4 + 4 + 2 + n + 4);
    REQUIRE(lcc_rtcp_validate(out, len) == LCC_OK);
  }
  return 0;
}
