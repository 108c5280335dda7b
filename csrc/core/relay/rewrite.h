/* The rewrite of one forwarded RTP packet, pure: from a packet as the source
 * leg received it and what each leg negotiated (read-only views), decide what
 * the destination leg sends: its SSRC, payload type, sequence number,
 * timestamp and header extensions, as a primary packet or on its RTX stream
 * (RFC 4588). The only state is the numbering of one forwarded stream
 * (lcc_rewrite), which the caller owns; the time comes in as an argument.
 * No sockets, no clock, no allocation. Thread: any (one stream, one thread). */
#ifndef LCC_REWRITE_H
#define LCC_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leg.h"
#include "proto/rtp.h"

/* Numbering of one forwarded stream (one direction, one slot). */
typedef struct {
  bool started;
  uint32_t src_ssrc;
  uint16_t seq_off;     /* out = in + seq_off: continuous across source SSRC changes */
  uint32_t ts_off;
  uint16_t last_seq;    /* newest sequence number sent, in the destination's numbering */
  uint32_t last_ts;
  uint64_t last_us;
  uint16_t rtx_seq;     /* our own RTX sequence space on the destination */
} lcc_rewrite;

/* What to send: a header, its extensions (their data points into the source
 * packet or the destination's mid), the RTX OSN to put before the payload
 * when sent on the RTX stream, and the payload (in the source packet). */
typedef struct {
  lcc_rtp_hdr_out hdr;
  lcc_rtp_ext exts[LCC_RTP_MAX_EXTS];
  size_t n_exts;
  bool on_rtx;          /* sent on the destination's RTX stream: osn leads the payload */
  uint16_t osn;         /* the original sequence number, in the destination's numbering */
  const uint8_t *payload;
  size_t payload_len;
} lcc_rtp_plan;

void lcc_rewrite_init(lcc_rewrite *rw);

/* Decides how src's packet `in` goes out to dst (both slots of the same kind).
 * A primary packet also advances the stream's numbering; an RTX one (already
 * unwrapped by the source leg) is sent on dst's RTX stream when dst
 * negotiated one, else as the original packet again. Returns false when there
 * is nothing to send: a retransmission of a stream not started yet. */
bool lcc_rewrite_rtp(lcc_rewrite *rw, const lcc_leg_media *src, const lcc_leg_media *dst,
                     const lcc_rtp_in *in, lcc_rtp_plan *out);

/* Writes the planned packet into buf. Returns its length, 0 when it does not fit. */
size_t lcc_rewrite_write(const lcc_rtp_plan *plan, uint8_t *buf, size_t cap);

/* A source RTP timestamp in the destination's numbering (for its SR clock). */
static inline uint32_t lcc_rewrite_ts(const lcc_rewrite *rw, uint32_t src_ts) {
  return src_ts + rw->ts_off;
}

/* Maps sequence numbers the destination asked for (its numbering) back to the
 * source's; returns how many were written to out (at most max). */
size_t lcc_rewrite_nack(const lcc_rewrite *rw, const uint16_t *seqs, size_t n, uint16_t *out,
                        size_t max);

#endif
