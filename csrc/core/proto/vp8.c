/* VP8 RTP payload descriptor (RFC 7741 §4.2), VP8 frame header (RFC 6386
 * §9.1-9.2) and frame reassembly. See vp8.h for the loss model.
 * Thread: the owner of the depacketizer. */
#include "vp8.h"

#include <stdlib.h>
#include <string.h>

#include "base/rd.h"

lcc_err lcc_vp8_parse_desc(const uint8_t *buf, size_t len, lcc_vp8_desc *d, lcc_why *why) {
  memset(d, 0, sizeof *d);
  lcc_rd r = lcc_rd_init(buf, len);
  uint8_t b0 = lcc_rd_u8(&r);
  /* The R bits (0x40 of the first byte, 0x1F of X) must be ignored by
   * receivers (§4.2), so they are not checked. */
  d->non_ref = b0 & 0x20;
  d->start = b0 & 0x10;
  d->part_id = b0 & 0x0F;
  if (b0 & 0x80) {
    uint8_t x = lcc_rd_u8(&r);
    d->has_picture_id = x & 0x80;
    d->has_tl0picidx = x & 0x40;
    d->has_tid = x & 0x20;
    d->has_keyidx = x & 0x10;
    if (d->has_picture_id) {
      uint8_t p = lcc_rd_u8(&r);
      d->picture_id_15 = p & 0x80;
      d->picture_id = p & 0x7F;
      if (d->picture_id_15) d->picture_id = (uint16_t)((d->picture_id << 8) | lcc_rd_u8(&r));
    }
    if (d->has_tl0picidx) d->tl0picidx = lcc_rd_u8(&r);
    /* T and K share one byte: TID(2) Y(1) KEYIDX(5), present if either is set. */
    if (d->has_tid || d->has_keyidx) {
      uint8_t t = lcc_rd_u8(&r);
      if (d->has_tid) {
        d->tid = t >> 6;
        d->layer_sync = t & 0x20;
      }
      if (d->has_keyidx) d->keyidx = t & 0x1F;
    }
  }
  if (r.bad) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 descriptor truncated (%zu bytes)", len);
  /* PID is 3 bits in RFC 7741 (the fourth bit is reserved there); a larger
   * value is a descriptor from something else. */
  if (d->part_id > 7)
    return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 partition index %u out of range", d->part_id);
  if (lcc_rd_left(&r) == 0) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 payload empty");
  d->len = r.off;
  return LCC_OK;
}

lcc_err lcc_vp8_parse_frame_hdr(const uint8_t *frame, size_t len, lcc_vp8_frame_hdr *h,
                                lcc_why *why) {
  memset(h, 0, sizeof *h);
  lcc_rd r = lcc_rd_init(frame, len);
  /* The frame tag is a little-endian 24-bit field (§9.1); lcc_rd is big-endian. */
  const uint8_t *t = lcc_rd_bytes(&r, 3);
  if (!t) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 frame tag truncated (%zu bytes)", len);
  uint32_t tag = (uint32_t)t[0] | ((uint32_t)t[1] << 8) | ((uint32_t)t[2] << 16);
  h->keyframe = !(tag & 1);
  h->version = (tag >> 1) & 7;
  h->show_frame = (tag >> 4) & 1;
  h->first_part_size = tag >> 5;
  if (h->version > 3)
    return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 version %u not defined", h->version);
  if (h->keyframe) {
    const uint8_t *k = lcc_rd_bytes(&r, 7);
    if (!k) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 keyframe header truncated");
    if (k[0] != 0x9d || k[1] != 0x01 || k[2] != 0x2a)
      return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 keyframe start code missing");
    uint16_t w = (uint16_t)(k[3] | (k[4] << 8)), hh = (uint16_t)(k[5] | (k[6] << 8));
    h->width = w & 0x3FFF;
    h->hscale = (uint8_t)(w >> 14);
    h->height = hh & 0x3FFF;
    h->vscale = (uint8_t)(hh >> 14);
    if (h->width == 0 || h->height == 0)
      return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 keyframe size %ux%u", h->width, h->height);
  }
  /* The first partition follows the header inside the frame (§9.1). */
  if (h->first_part_size > lcc_rd_left(&r))
    return lcc_fail(why, LCC_ERR_PACKET_INVALID, "VP8 first partition (%u bytes) past frame end",
                    h->first_part_size);
  return LCC_OK;
}

struct lcc_vp8_depack {
  bool have_seq;
  uint16_t last_seq;
  bool waiting_key; /* drop frames until a complete keyframe */
  bool in_frame;
  bool frame_ok; /* started at S=1/PID=0 and nothing missing so far */
  uint32_t frame_ts;
  bool has_picture_id;
  uint16_t picture_id;
  size_t len;
  lcc_vp8_stats stats;
  uint8_t buf[LCC_VP8_MAX_FRAME];
};

lcc_vp8_depack *lcc_vp8_depack_create(lcc_why *why) {
  lcc_vp8_depack *d = calloc(1, sizeof *d);
  if (!d) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "VP8 frame buffer");
    return NULL;
  }
  d->waiting_key = true; /* the first frame given out is a keyframe */
  return d;
}

void lcc_vp8_depack_destroy(lcc_vp8_depack *d) { free(d); }

bool lcc_vp8_depack_waiting(const lcc_vp8_depack *d) { return d->waiting_key; }

void lcc_vp8_depack_get_stats(const lcc_vp8_depack *d, lcc_vp8_stats *out) { *out = d->stats; }

static void drop_frame(lcc_vp8_depack *d, bool *need_keyframe) {
  d->in_frame = false;
  d->stats.dropped++;
  d->waiting_key = true;
  *need_keyframe = true;
}

/* Sequence bookkeeping: false for a late or duplicate packet. A gap means a
 * lost packet, which belonged to this frame or to one this stream will
 * reference, so decoding can only resume at a keyframe. */
static bool track_seq(lcc_vp8_depack *d, uint16_t seq) {
  if (d->have_seq) {
    int16_t diff = (int16_t)(uint16_t)(seq - d->last_seq);
    if (diff <= 0) {
      d->stats.late++;
      return false;
    }
    if (diff > 1) {
      d->stats.gaps++;
      d->waiting_key = true;
      d->frame_ok = false;
    }
  }
  d->have_seq = true;
  d->last_seq = seq;
  return true;
}

static void begin_frame(lcc_vp8_depack *d, const lcc_vp8_desc *desc, uint32_t ts) {
  d->in_frame = true;
  d->frame_ts = ts;
  d->len = 0;
  /* A frame whose first packet we did not see cannot be used. */
  d->frame_ok = desc->start && desc->part_id == 0;
  if (!d->frame_ok) d->waiting_key = true;
  d->has_picture_id = desc->has_picture_id;
  d->picture_id = desc->picture_id;
}

/* The marker packet arrived: give the frame out, or drop it. */
static lcc_err end_frame(lcc_vp8_depack *d, lcc_vp8_frame *frame, bool *frame_ready,
                         bool *need_keyframe, lcc_why *why) {
  if (!d->frame_ok) {
    drop_frame(d, need_keyframe);
    return LCC_OK;
  }
  lcc_vp8_frame_hdr h;
  lcc_err e = lcc_vp8_parse_frame_hdr(d->buf, d->len, &h, why);
  if (e != LCC_OK) {
    d->stats.invalid++;
    drop_frame(d, need_keyframe);
    return e;
  }
  if (d->waiting_key && !h.keyframe) {
    drop_frame(d, need_keyframe);
    return LCC_OK;
  }
  d->in_frame = false;
  d->waiting_key = false;
  d->stats.frames++;
  if (h.keyframe) d->stats.keyframes++;
  *frame = (lcc_vp8_frame){.data = d->buf,
                           .len = d->len,
                           .rtp_ts = d->frame_ts,
                           .keyframe = h.keyframe,
                           .width = h.width,
                           .height = h.height,
                           .has_picture_id = d->has_picture_id,
                           .picture_id = d->picture_id};
  *frame_ready = true;
  return LCC_OK;
}

lcc_err lcc_vp8_depack_push(lcc_vp8_depack *d, const uint8_t *payload, size_t len, uint16_t seq,
                            uint32_t ts, bool marker, lcc_vp8_frame *frame, bool *frame_ready,
                            bool *need_keyframe, lcc_why *why) {
  *frame_ready = false;
  *need_keyframe = false;
  d->stats.packets++;
  if (!track_seq(d, seq)) return LCC_OK;
  if (len == 0) return LCC_OK; /* padding only */
  lcc_vp8_desc desc;
  lcc_err e = lcc_vp8_parse_desc(payload, len, &desc, why);
  if (e != LCC_OK) {
    d->stats.invalid++;
    d->frame_ok = false;
    return e;
  }
  bool starts = desc.start && desc.part_id == 0;
  /* A new timestamp or a new start while a frame is open: that frame lost
   * its marker packet. */
  if (d->in_frame && (ts != d->frame_ts || starts)) drop_frame(d, need_keyframe);
  if (!d->in_frame) begin_frame(d, &desc, ts);
  size_t n = len - desc.len;
  if (d->frame_ok && n > sizeof d->buf - d->len) d->frame_ok = false; /* too big: dropped */
  if (d->frame_ok) {
    memcpy(d->buf + d->len, payload + desc.len, n);
    d->len += n;
  }
  if (!marker) return LCC_OK;
  return end_frame(d, frame, frame_ready, need_keyframe, why);
}
