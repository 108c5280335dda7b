/* Fuzz target for csrc/core/rtp.c: parses the input as an RTP packet and
 * checks what the parser promises (offsets inside the packet, extension
 * elements inside the block, write_header -> parse round trip); then reads
 * the input as 8-byte records (seq, ts, arrival step) through the receive
 * statistics and checks the report block's ranges. abort() on a broken
 * promise. Links csrc/core/rtp.c, err.c and libc only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtp.h"

#define REQUIRE(c)     \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static void check_exts(const uint8_t *data, size_t size, const lcc_rtp_hdr *h, const lcc_rtp_ext *e,
                       size_t n) {
  for (size_t i = 0; i < n; i++) {
    REQUIRE(e[i].id != 0);
    REQUIRE(e[i].data >= data + h->ext_off);
    REQUIRE(e[i].data + e[i].len <= data + h->ext_off + h->ext_len);
    REQUIRE(h->ext_off + h->ext_len <= size);
    if (h->ext_profile == 0xBEDE) REQUIRE(e[i].id < 15 && e[i].len >= 1 && e[i].len <= 16);
  }
}

/* Writing the parsed fields and elements and parsing that gives them back. */
static void check_roundtrip(const lcc_rtp_hdr *h, const uint8_t *data, const lcc_rtp_ext *e,
                            size_t n) {
  uint32_t csrcs[15];
  for (uint8_t i = 0; i < h->csrc_count; i++) {
    const uint8_t *p = data + 12 + 4 * i;
    csrcs[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  }
  lcc_rtp_hdr_out o = {h->marker, h->pt, h->seq, h->ts, h->ssrc, csrcs, h->csrc_count};
  static uint8_t out[12 + 60 + 4 + LCC_RTP_MAX_EXTS * 257 + 3];
  size_t w = lcc_rtp_write_header(out, sizeof out, &o, e, n);
  REQUIRE(w > 0);
  lcc_rtp_hdr b;
  lcc_rtp_ext e2[LCC_RTP_MAX_EXTS];
  REQUIRE(lcc_rtp_parse(out, w, &b) == LCC_OK);
  REQUIRE(b.header_len == w && b.payload_len == 0);
  REQUIRE(b.marker == h->marker && b.pt == h->pt && b.seq == h->seq && b.ts == h->ts);
  REQUIRE(b.ssrc == h->ssrc && b.csrc_count == h->csrc_count);
  REQUIRE(memcmp(out + 12, data + 12, 4u * h->csrc_count) == 0);
  REQUIRE(lcc_rtp_ext_list(out, &b, e2, LCC_RTP_MAX_EXTS) == n);
  for (size_t i = 0; i < n; i++) {
    REQUIRE(e2[i].id == e[i].id && e2[i].len == e[i].len);
    REQUIRE(memcmp(e2[i].data, e[i].data, e[i].len) == 0);
  }
}

static void fuzz_parse(const uint8_t *data, size_t size) {
  lcc_rtp_hdr h;
  if (lcc_rtp_parse(data, size, &h) != LCC_OK) return;
  REQUIRE(h.header_len >= 12 && h.header_len <= size);
  REQUIRE(h.payload_off == h.header_len);
  REQUIRE(h.payload_off + h.payload_len + h.padding_len == size);
  REQUIRE(!h.padding || h.padding_len >= 1);
  REQUIRE(lcc_rtp_is_rtp_or_rtcp(data, size));
  lcc_rtp_ext e[LCC_RTP_MAX_EXTS];
  size_t n = lcc_rtp_ext_list(data, &h, e, LCC_RTP_MAX_EXTS);
  REQUIRE(n <= LCC_RTP_MAX_EXTS);
  check_exts(data, size, &h, e, n);
  check_roundtrip(&h, data, e, n);
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void fuzz_rx(const uint8_t *data, size_t size) {
  lcc_rtp_rx rx;
  lcc_rtcp_rb rb;
  lcc_rtp_rx_init(&rx, 1, size % 2 ? 90000 : 48000);
  if (size % 3 == 0) rx.probation = LCC_RTP_MIN_SEQUENTIAL;
  uint64_t at = 1;
  for (size_t off = 0; off + 8 <= size; off += 8) {
    const uint8_t *p = data + off;
    at += (uint64_t)(p[6] << 8 | p[7]) * 16;
    lcc_rtp_rx_update(&rx, (uint16_t)(p[0] << 8 | p[1]), be32(p + 2), at, p[7]);
    if (p[6] == 0xFF) lcc_rtp_rx_sr(&rx, (uint64_t)be32(p) << 32 | be32(p + 4), at);
    if (p[6] == 0xFE) {
      lcc_rtp_rx_report(&rx, at + p[7], &rb);
      REQUIRE(rb.cumulative_lost >= -0x800000 && rb.cumulative_lost <= 0x7FFFFF);
    }
  }
  REQUIRE(rx.jitter >= 0.0 && lcc_rtp_rx_jitter_ms(&rx) >= 0.0);
  (void)lcc_rtp_rx_lost(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_parse(data, size);
  (void)lcc_rtp_is_rtcp(data, size);
  fuzz_rx(data, size);
  return 0;
}
