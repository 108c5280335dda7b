/* VP8 over RTP (RFC 7741): the payload descriptor parser, the VP8 frame
 * header parser (RFC 6386 §9.1: keyframe bit, keyframe dimensions), and a
 * depacketizer that rebuilds whole frames from the packets of one SSRC in
 * arrival order.
 *
 * Loss: a frame that lost a packet cannot be decoded, and neither can any
 * later delta frame that refers to it, so after any sequence gap (or a frame
 * without its start or end) the depacketizer drops frames until the next
 * complete keyframe and says so on every dropped frame (the caller sends a
 * PLI, RFC 4585 §6.3.1, rate-limited on its side). It also starts in that
 * state: the first frame it gives out is always a keyframe.
 *
 * Leaves to others: RTP header parsing and SRTP, reordering (a packet older
 * than the newest one is ignored as late; a jitter buffer, if ever wanted,
 * goes in front), RTX, the container.
 * Thread: whichever owns the depacketizer (the recorder thread). Allocates
 * only at create (one frame buffer). */
#ifndef LCC_VP8_H
#define LCC_VP8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Largest frame the depacketizer rebuilds; bigger ones are dropped like lost
 * ones. A 1080p keyframe at WebRTC bitrates is a few hundred kB. */
#define LCC_VP8_MAX_FRAME (2u * 1024u * 1024u)

/* RFC 7741 §4.2. Fields whose presence bit is clear are zero. */
typedef struct {
  bool non_ref;        /* N: the frame is not used as a reference */
  bool start;          /* S: first packet of a VP8 partition */
  uint8_t part_id;     /* PID: partition index, 0..7 */
  bool has_picture_id; /* I */
  bool picture_id_15;  /* M: PictureID is 15 bits (else 7) */
  uint16_t picture_id;
  bool has_tl0picidx; /* L */
  uint8_t tl0picidx;
  bool has_tid; /* T */
  uint8_t tid;  /* 0..3 */
  bool layer_sync; /* Y (with T) */
  bool has_keyidx; /* K */
  uint8_t keyidx;  /* 0..31 */
  size_t len;      /* descriptor bytes; the VP8 payload follows */
} lcc_vp8_desc;

/* Parses the descriptor at the start of an RTP payload. A payload must hold
 * at least one byte after it (§4.2: the descriptor is followed by VP8 data).
 * Pure. LCC_ERR_PACKET_INVALID with the reason in *why when malformed. */
lcc_err lcc_vp8_parse_desc(const uint8_t *buf, size_t len, lcc_vp8_desc *d, lcc_why *why);

/* RFC 6386 §9.1 frame tag, plus §9.2 start code and size for keyframes. */
typedef struct {
  bool keyframe;
  uint8_t version; /* 0..3 */
  bool show_frame;
  uint32_t first_part_size;
  uint16_t width, height; /* keyframes only (14 bits each) */
  uint8_t hscale, vscale; /* keyframes only */
} lcc_vp8_frame_hdr;

/* Parses the start of a VP8 frame (not an RTP payload). A keyframe needs its
 * start code and non-zero dimensions. Pure. LCC_ERR_PACKET_INVALID with the
 * reason in *why when malformed or truncated. */
lcc_err lcc_vp8_parse_frame_hdr(const uint8_t *frame, size_t len, lcc_vp8_frame_hdr *h,
                                lcc_why *why);

/* A frame the depacketizer finished. data is borrowed: valid until the next
 * push or destroy. */
typedef struct {
  const uint8_t *data;
  size_t len;
  uint32_t rtp_ts;
  bool keyframe;
  uint16_t width, height; /* keyframes only */
  bool has_picture_id;
  uint16_t picture_id;
} lcc_vp8_frame;

typedef struct {
  uint64_t packets;     /* pushed, including invalid and late ones */
  uint64_t invalid;     /* malformed descriptor or frame header */
  uint64_t late;        /* older than (or the same as) the newest sequence number */
  uint64_t frames;      /* given out */
  uint64_t keyframes;   /* of those, keyframes */
  uint64_t dropped;     /* frames dropped: lost packets, too big, or no keyframe yet */
  uint64_t gaps;        /* sequence gaps seen */
} lcc_vp8_stats;

/* Owns: its frame buffer. Borrows nothing. */
typedef struct lcc_vp8_depack lcc_vp8_depack;

/* Returns (transfer full): free with lcc_vp8_depack_destroy(). NULL when out
 * of memory (LCC_ERR_NO_MEMORY in *why). */
lcc_vp8_depack *lcc_vp8_depack_create(lcc_why *why);
void lcc_vp8_depack_destroy(lcc_vp8_depack *d);

/* Pushes one RTP payload (after SRTP, header and padding removed) with its
 * header's sequence number, timestamp and marker bit. Pass padding-only
 * packets too, with len 0: they take a sequence number, so skipping them
 * would look like loss.
 * *frame_ready is set when this packet completed a frame that is given out in
 * *frame. *need_keyframe is set when this packet ended a frame that was
 * dropped while a keyframe is awaited (send a PLI). Returns LCC_OK also for
 * late packets and dropped frames; LCC_ERR_PACKET_INVALID when this payload
 * was malformed (it is ignored; the frame it belonged to will be dropped). */
lcc_err lcc_vp8_depack_push(lcc_vp8_depack *d, const uint8_t *payload, size_t len, uint16_t seq,
                            uint32_t ts, bool marker, lcc_vp8_frame *frame, bool *frame_ready,
                            bool *need_keyframe, lcc_why *why);

/* True while frames are being dropped until a keyframe arrives. */
bool lcc_vp8_depack_waiting(const lcc_vp8_depack *d);

void lcc_vp8_depack_get_stats(const lcc_vp8_depack *d, lcc_vp8_stats *out);

#endif
