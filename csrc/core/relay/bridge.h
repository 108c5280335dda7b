/* The relay between the two legs of a call: forwards each decrypted RTP
 * packet to the other leg with its SSRC, payload type, sequence number,
 * timestamp and header extensions rewritten into that leg's negotiated
 * values; unwraps or rewrites RTX (RFC 4588); routes NACK, PLI and FIR back to
 * the party that sends the media; carries the source's sender-report clock.
 * Per packet: no allocation, no locks, one header write and one memcpy.
 * Thread: the media thread only. Owns nothing; legs are borrowed per call. */
#ifndef LCC_BRIDGE_H
#define LCC_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "leg.h"

/* Numbering of one forwarded stream (one direction, one slot). */
typedef struct {
  bool started;
  uint32_t src_ssrc;
  uint16_t seq_off;     /* out = in + seq_off: continuous across source SSRC changes */
  uint32_t ts_off;
  uint16_t last_seq;
  uint32_t last_ts;
  uint64_t last_us;
  uint16_t rtx_seq;     /* our own RTX sequence space on the destination */
  uint64_t last_keyframe_req_us;
} lcc_rewrite;

typedef struct {
  lcc_rewrite rw[LCC_PARTY_COUNT][LCC_SLOT_COUNT]; /* [source party][slot] */
  uint64_t forwarded[LCC_PARTY_COUNT][LCC_SLOT_COUNT];
} lcc_bridge;

void lcc_bridge_init(lcc_bridge *b);
/* Forwards a packet from src to dst (dropped when dst cannot take it). */
void lcc_bridge_forward_rtp(lcc_bridge *b, lcc_leg *src, lcc_leg *dst, lcc_slot slot, bool rtx,
                            const uint8_t *pkt, size_t len, const lcc_rtp_hdr *h);
/* receiver asked for a keyframe of what source sends. */
void lcc_bridge_route_keyframe(lcc_bridge *b, lcc_leg *receiver, lcc_leg *source, lcc_slot slot);
/* The other leg lost `seqs` (in its numbering) of what source sends: ask source. */
void lcc_bridge_route_nack(lcc_bridge *b, lcc_leg *source, lcc_slot slot, const uint16_t *seqs,
                           size_t n);
/* source sent an SR: give the receiver's outgoing stream the source's clock. */
void lcc_bridge_sender_report(lcc_bridge *b, lcc_leg *source, lcc_leg *receiver, lcc_slot slot,
                              uint32_t rtp_ts, uint64_t arrival_us);

#endif
