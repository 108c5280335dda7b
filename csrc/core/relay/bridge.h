/* The relay between the two legs of a call: forwards each decrypted RTP
 * packet to the other leg as rewrite.h decides (SSRC, payload type, sequence
 * number, timestamp, header extensions, RTX); routes NACK, PLI and FIR back
 * to the party that sends the media; gives the receiving leg the source's
 * sender-report clock. The bridge owns the numbering of each forwarded stream
 * and reads the legs' negotiated media through read-only views; it writes no
 * leg state (a leg's fields are the leg's: the bridge asks it through
 * leg.h). Per packet: no allocation, no locks, no clock read (the arrival
 * time comes with the packet), one header write and one memcpy.
 * Thread: the media thread only. Owns nothing; legs are borrowed per call. */
#ifndef LCC_BRIDGE_H
#define LCC_BRIDGE_H

#include <stdint.h>

#include "leg.h"
#include "rewrite.h"

typedef struct {
  lcc_rewrite rw[LCC_PARTY_COUNT][LCC_SLOT_COUNT]; /* [source party][slot] */
  uint64_t last_keyframe_req_us[LCC_PARTY_COUNT][LCC_SLOT_COUNT]; /* [source party][slot] */
} lcc_bridge;

void lcc_bridge_init(lcc_bridge *b);
/* Forwards src's packet to dst (dropped when dst cannot take it). */
void lcc_bridge_forward_rtp(lcc_bridge *b, lcc_leg *src, lcc_leg *dst, lcc_slot slot,
                            const lcc_rtp_in *in);
/* receiver asked (at now_us) for a keyframe of what source sends. */
void lcc_bridge_route_keyframe(lcc_bridge *b, lcc_leg *receiver, lcc_leg *source, lcc_slot slot,
                               uint64_t now_us);
/* The other leg lost `seqs` (in its numbering) of what source sends: ask source. */
void lcc_bridge_route_nack(lcc_bridge *b, lcc_leg *source, lcc_slot slot, const uint16_t *seqs,
                           size_t n);
/* source sent an SR: give the receiver's outgoing stream the source's clock. */
void lcc_bridge_sender_report(lcc_bridge *b, lcc_leg *source, lcc_leg *receiver, lcc_slot slot,
                              uint32_t rtp_ts, uint64_t arrival_us);

#endif
