/* Unit tests of csrc/core/proto/demux.c: the first-byte sort of RFC 7983 at
 * every range boundary (STUN, ZRTP, DTLS, TURN channel, RTP/RTCP), RTCP by its
 * second byte (RFC 5761 §4, marker bit set or not), and the empty and
 * one-byte datagrams. Run from test/unit/c. */
#include "proto/demux.h"

#include <stdint.h>

#include "check.h"

static lcc_demux_kind first(uint8_t b0, uint8_t b1, size_t len) {
  const uint8_t buf[2] = {b0, b1};
  return lcc_demux_kind_of(buf, len);
}

int main(void) {
  CHECK_EQ_INT(lcc_demux_kind_of(NULL, 0), LCC_DEMUX_DROP);
  CHECK_EQ_INT(first(0, 1, 2), LCC_DEMUX_DROP);    /* STUN binding request */
  CHECK_EQ_INT(first(3, 0, 2), LCC_DEMUX_DROP);
  CHECK_EQ_INT(first(19, 0, 2), LCC_DEMUX_DROP);   /* ZRTP */
  CHECK_EQ_INT(first(20, 0, 2), LCC_DEMUX_DTLS);   /* change_cipher_spec */
  CHECK_EQ_INT(first(22, 0xfe, 2), LCC_DEMUX_DTLS); /* handshake */
  CHECK_EQ_INT(first(63, 0, 1), LCC_DEMUX_DTLS);
  CHECK_EQ_INT(first(64, 0, 2), LCC_DEMUX_DROP);   /* TURN channel */
  CHECK_EQ_INT(first(127, 0, 2), LCC_DEMUX_DROP);
  CHECK_EQ_INT(first(128, 111, 2), LCC_DEMUX_RTP); /* Opus */
  CHECK_EQ_INT(first(0x90, 96 | 0x80, 2), LCC_DEMUX_RTP); /* VP8 with the marker */
  CHECK_EQ_INT(first(0x80, 200, 2), LCC_DEMUX_RTCP); /* SR */
  CHECK_EQ_INT(first(0x81, 201, 2), LCC_DEMUX_RTCP); /* RR */
  CHECK_EQ_INT(first(0x80, 192, 2), LCC_DEMUX_RTCP); /* first RTCP type */
  CHECK_EQ_INT(first(0x80, 223, 2), LCC_DEMUX_RTCP); /* last */
  CHECK_EQ_INT(first(0x80, 224, 2), LCC_DEMUX_RTP);
  CHECK_EQ_INT(first(0x80, 191, 2), LCC_DEMUX_RTP);
  CHECK_EQ_INT(first(0x80, 200, 1), LCC_DEMUX_RTP); /* one byte: RTP, too short to tell */
  CHECK_EQ_INT(first(191, 200, 2), LCC_DEMUX_RTCP);
  CHECK_EQ_INT(first(192, 200, 2), LCC_DEMUX_DROP);
  CHECK_EQ_INT(first(255, 0, 2), LCC_DEMUX_DROP);
  return check_done("demux_test");
}
