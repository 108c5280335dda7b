/* Fuzz target for csrc/core/proto/demux.c, the first-byte sort every
 * datagram that reaches a leg goes through (RFC 7983 §7): the kind must
 * follow the first byte's range exactly (DTLS 20..63, RTP/RTCP 128..191,
 * RTCP only with a second byte whose payload type is 64..95, everything else
 * and the empty datagram dropped), depend on the first two bytes only, and
 * agree with the RTP parser: a packet lcc_rtp_parse accepts is never sorted as
 * DTLS or dropped. abort() on a broken promise. Links proto/demux.c, rtp.c
 * and base/err.c. */
#include <stdint.h>
#include <stdlib.h>

#include "proto/demux.h"
#include "proto/rtp.h"

#define REQUIRE(c)     \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static lcc_demux_kind expected_kind(const uint8_t *data, size_t size) {
  if (size == 0) return LCC_DEMUX_DROP;
  uint8_t b = data[0];
  if (b >= 20 && b <= 63) return LCC_DEMUX_DTLS;
  if (b < 128 || b > 191) return LCC_DEMUX_DROP;
  if (size >= 2 && (data[1] & 0x7f) >= 64 && (data[1] & 0x7f) <= 95) return LCC_DEMUX_RTCP;
  return LCC_DEMUX_RTP;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lcc_demux_kind kind = lcc_demux_kind_of(data, size);
  REQUIRE(kind == expected_kind(data, size));
  /* The first two bytes decide: any prefix of at least two bytes sorts alike. */
  if (size >= 2) REQUIRE(lcc_demux_kind_of(data, 2) == kind);
  lcc_rtp_hdr h;
  if (lcc_rtp_parse(data, size, &h) == LCC_OK) REQUIRE(kind == LCC_DEMUX_RTP || kind == LCC_DEMUX_RTCP);
  if (kind == LCC_DEMUX_RTCP) REQUIRE(lcc_rtp_is_rtcp(data, size));
  return 0;
}
