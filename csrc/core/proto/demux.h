/* The first-byte sort of a datagram that reached a leg (RFC 7983 §7): DTLS
 * (20..63), RTP or RTCP (128..191; RTCP when the second byte's payload type
 * is 64..95, RFC 5761 §4), or anything else, which a leg drops (STUN, 0..3,
 * never gets here: libnice takes it first; ZRTP 16..19 and TURN channels
 * 64..79 are not ours). Pure: the leg's receive path asks it, and a fuzz
 * target checks it against the RTP parser. Thread: any. */
#ifndef LCC_DEMUX_H
#define LCC_DEMUX_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  LCC_DEMUX_DROP = 0, /* empty, or a first byte no leg handles */
  LCC_DEMUX_DTLS,
  LCC_DEMUX_RTP,
  LCC_DEMUX_RTCP,
} lcc_demux_kind;

lcc_demux_kind lcc_demux_kind_of(const uint8_t *buf, size_t len);

#endif
