/* Fuzz target for csrc/core/vp8.c: parses the input as a payload descriptor
 * and as a VP8 frame header and checks what the parsers promise (the
 * descriptor lies inside the input and leaves payload; keyframe sizes are
 * non-zero 14-bit values; the first partition fits). Then splits the input
 * into packets (a 4-byte record: length, sequence step, marker, timestamp
 * step; then the payload) and pushes them through the depacketizer: every
 * frame given out must parse as a VP8 frame, fit the frame buffer, and the
 * first one (and the first after any drop) must be a keyframe.
 * abort() on a broken promise. Links csrc/core/vp8.c, err.c and libc only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/vp8.h"

#define REQUIRE(c)     \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static void check_parsers(const uint8_t *data, size_t size) {
  lcc_vp8_desc d;
  if (lcc_vp8_parse_desc(data, size, &d, NULL) == LCC_OK) {
    REQUIRE(d.len >= 1 && d.len <= 6 && d.len < size);
    REQUIRE(d.part_id <= 7 && d.tid <= 3 && d.keyidx <= 31);
    REQUIRE(d.picture_id_15 ? d.picture_id <= 0x7FFF : d.picture_id <= 0x7F);
  }
  lcc_vp8_frame_hdr h;
  if (lcc_vp8_parse_frame_hdr(data, size, &h, NULL) == LCC_OK) {
    REQUIRE(h.first_part_size <= size - (h.keyframe ? 10 : 3));
    if (h.keyframe) REQUIRE(h.width > 0 && h.width <= 0x3FFF && h.height > 0 && h.height <= 0x3FFF);
  }
}

static void check_depack(const uint8_t *data, size_t size) {
  lcc_vp8_depack *dp = lcc_vp8_depack_create(NULL);
  if (!dp) return;
  uint16_t seq = 0;
  uint32_t ts = 0;
  bool expect_key = true;
  size_t off = 0;
  while (size - off >= 4) {
    const uint8_t *rec = data + off;
    size_t len = rec[0];
    off += 4;
    if (len > size - off) len = size - off;
    seq = (uint16_t)(seq + (rec[1] & 0x0F) - 2); /* steps -2..13: late, duplicate, gap */
    ts += (uint32_t)(rec[3] & 0x03) * 3000;
    lcc_vp8_frame f;
    bool ready = false, need = false;
    lcc_vp8_stats before, after;
    lcc_vp8_depack_get_stats(dp, &before);
    lcc_vp8_depack_push(dp, data + off, len, seq, ts, rec[2] & 1, &f, &ready, &need, NULL);
    lcc_vp8_depack_get_stats(dp, &after);
    off += len;
    /* After a drop or any sequence gap, only a keyframe may come out. */
    if (need || after.gaps != before.gaps) expect_key = true;
    if (ready) {
      lcc_vp8_frame_hdr h;
      REQUIRE(f.len <= LCC_VP8_MAX_FRAME);
      REQUIRE(lcc_vp8_parse_frame_hdr(f.data, f.len, &h, NULL) == LCC_OK);
      REQUIRE(h.keyframe == f.keyframe);
      if (expect_key) REQUIRE(f.keyframe);
      expect_key = false;
      REQUIRE(!lcc_vp8_depack_waiting(dp));
    }
  }
  lcc_vp8_stats st;
  lcc_vp8_depack_get_stats(dp, &st);
  REQUIRE(st.keyframes <= st.frames && st.frames <= st.packets);
  lcc_vp8_depack_destroy(dp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_parsers(data, size);
  check_depack(data, size);
  return 0;
}
