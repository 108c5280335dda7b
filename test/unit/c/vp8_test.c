/* Unit tests of csrc/core/vp8.c: the RFC 7741 payload descriptor on every
 * optional field (X, I with 7- and 15-bit PictureID, L, T, K) and on
 * truncated or malformed input; the RFC 6386 frame header (keyframe bit,
 * start code, size); and the depacketizer on hand-built streams (a frame
 * split over packets, a start on a delta frame, a lost middle packet, a lost
 * marker, late and padding packets, sequence wrap, an oversized frame) and on
 * generated streams, byte-compared with what was sent: with no loss every
 * frame comes back; with random loss every frame given out is intact and
 * decoding resumes only at a keyframe. Run from test/unit/c. */
#include "proto/vp8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_desc(void) {
  lcc_vp8_desc d;
  lcc_why why = {{0}};
  const uint8_t plain[] = {0x10, 0xAA};
  CHECK_EQ_INT(lcc_vp8_parse_desc(plain, sizeof plain, &d, &why), LCC_OK);
  CHECK(d.start && d.part_id == 0 && !d.has_picture_id && d.len == 1);

  const uint8_t pid7[] = {0x90, 0x80, 0x05, 0xAA};
  CHECK_EQ_INT(lcc_vp8_parse_desc(pid7, sizeof pid7, &d, &why), LCC_OK);
  CHECK(d.has_picture_id && !d.picture_id_15 && d.picture_id == 5 && d.len == 3);

  const uint8_t pid15[] = {0x90, 0x80, 0x81, 0x23, 0xAA};
  CHECK_EQ_INT(lcc_vp8_parse_desc(pid15, sizeof pid15, &d, &why), LCC_OK);
  CHECK(d.picture_id_15 && d.picture_id == 0x0123 && d.len == 4);

  /* Every field: N, PID 3, 15-bit PictureID 0x7FFF, TL0PICIDX, TID 2 + Y, KEYIDX 26. */
  const uint8_t all[] = {0xA3, 0xF0, 0xFF, 0xFF, 0x12, 0xBA, 0xAA};
  CHECK_EQ_INT(lcc_vp8_parse_desc(all, sizeof all, &d, &why), LCC_OK);
  CHECK(d.non_ref && !d.start && d.part_id == 3);
  CHECK(d.picture_id == 0x7FFF && d.has_tl0picidx && d.tl0picidx == 0x12);
  CHECK(d.has_tid && d.tid == 2 && d.layer_sync && d.has_keyidx && d.keyidx == 26);
  CHECK_EQ_INT(d.len, 6);

  /* K alone still brings the TID/Y/KEYIDX byte; TID is then not reported. */
  const uint8_t konly[] = {0x80, 0x10, 0xC5, 0xAA};
  CHECK_EQ_INT(lcc_vp8_parse_desc(konly, sizeof konly, &d, &why), LCC_OK);
  CHECK(!d.has_tid && d.tid == 0 && d.keyidx == 5 && d.len == 3);
  const uint8_t tonly[] = {0x80, 0x20, 0x40, 0xAA};
  CHECK_EQ_INT(lcc_vp8_parse_desc(tonly, sizeof tonly, &d, &why), LCC_OK);
  CHECK(d.has_tid && d.tid == 1 && !d.has_keyidx && d.len == 3);
  const uint8_t lonly[] = {0x80, 0x40, 0x07, 0xAA};
  CHECK_EQ_INT(lcc_vp8_parse_desc(lonly, sizeof lonly, &d, &why), LCC_OK);
  CHECK(d.has_tl0picidx && d.tl0picidx == 7 && d.len == 3);

  const uint8_t *bad[] = {(const uint8_t *)"\x10", (const uint8_t *)"\x80",
                          (const uint8_t *)"\x90\x80", (const uint8_t *)"\x90\x80\x81",
                          (const uint8_t *)"\x90\x80\x81\x01", (const uint8_t *)"\x80\x60\x01",
                          (const uint8_t *)"\x18\xAA"};
  const size_t bad_len[] = {1, 1, 2, 3, 4, 3, 2};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    why.msg[0] = 0;
    CHECK_EQ_INT(lcc_vp8_parse_desc(bad[i], bad_len[i], &d, &why), LCC_ERR_PACKET_INVALID);
    CHECK(why.msg[0] != 0);
  }
  CHECK_EQ_INT(lcc_vp8_parse_desc(NULL, 0, &d, &why), LCC_ERR_PACKET_INVALID);
}

/* A VP8 frame with a valid header (RFC 6386 §9.1) and filler bytes. */
static size_t make_frame(uint8_t *out, size_t size, bool key, int w, int h, unsigned seed) {
  size_t hdr = key ? 10 : 3;
  if (size < hdr + 1) size = hdr + 1;
  uint32_t first = (uint32_t)(size - hdr) / 2;
  uint32_t tag = (key ? 0 : 1) | (0u << 1) | (1u << 4) | (first << 5);
  out[0] = (uint8_t)tag;
  out[1] = (uint8_t)(tag >> 8);
  out[2] = (uint8_t)(tag >> 16);
  if (key) {
    out[3] = 0x9d, out[4] = 0x01, out[5] = 0x2a;
    out[6] = (uint8_t)w, out[7] = (uint8_t)(w >> 8);
    out[8] = (uint8_t)h, out[9] = (uint8_t)(h >> 8);
  }
  for (size_t i = hdr; i < size; i++) out[i] = (uint8_t)(seed * 31 + i * 7);
  return size;
}

static void test_frame_hdr(void) {
  uint8_t f[64];
  lcc_vp8_frame_hdr h;
  lcc_why why;
  size_t n = make_frame(f, sizeof f, true, 640, 360, 1);
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, n, &h, &why), LCC_OK);
  CHECK(h.keyframe && h.show_frame && h.width == 640 && h.height == 360 && h.version == 0);
  n = make_frame(f, sizeof f, false, 0, 0, 1);
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, n, &h, &why), LCC_OK);
  CHECK(!h.keyframe && h.width == 0);
  /* Scale bits are kept apart from the 14-bit size. */
  n = make_frame(f, sizeof f, true, 320 | 0x4000, 240 | 0x8000, 1);
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, n, &h, &why), LCC_OK);
  CHECK(h.width == 320 && h.hscale == 1 && h.height == 240 && h.vscale == 2);

  n = make_frame(f, sizeof f, true, 640, 360, 1);
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, 9, &h, &why), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, 2, &h, &why), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, 20, &h, &why), LCC_ERR_PACKET_INVALID); /* partition past end */
  f[4] = 0x02;
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, n, &h, &why), LCC_ERR_PACKET_INVALID); /* start code */
  n = make_frame(f, sizeof f, true, 0, 360, 1);
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, n, &h, &why), LCC_ERR_PACKET_INVALID);
  n = make_frame(f, sizeof f, false, 0, 0, 1);
  f[0] |= 0x0E; /* version 7 */
  CHECK_EQ_INT(lcc_vp8_parse_frame_hdr(f, n, &h, &why), LCC_ERR_PACKET_INVALID);
}

/* One RTP payload: a descriptor with a 15-bit PictureID, then a piece. */
static size_t make_payload(uint8_t *out, const uint8_t *piece, size_t n, bool start,
                           uint16_t pic) {
  out[0] = (uint8_t)(0x80 | (start ? 0x10 : 0));
  out[1] = 0x80;
  out[2] = (uint8_t)(0x80 | (pic >> 8));
  out[3] = (uint8_t)pic;
  memcpy(out + 4, piece, n);
  return n + 4;
}

typedef struct {
  lcc_vp8_depack *d;
  lcc_vp8_frame f;
  int ready, need;
  lcc_err last;
} rx;

static void push(rx *r, const uint8_t *p, size_t n, uint16_t seq, uint32_t ts, bool m) {
  bool ready, need;
  lcc_why why;
  r->last = lcc_vp8_depack_push(r->d, p, n, seq, ts, m, &r->f, &ready, &need, &why);
  r->ready += ready;
  r->need += need;
}

/* Sends frame in pieces of at most mtu bytes; skip: index of a piece to lose (-1: none). */
static uint16_t send_frame(rx *r, const uint8_t *frame, size_t len, size_t mtu, uint16_t seq,
                           uint32_t ts, int skip) {
  uint8_t pl[1600];
  int i = 0;
  for (size_t off = 0; off < len; off += mtu, i++) {
    size_t n = len - off < mtu ? len - off : mtu;
    size_t pn = make_payload(pl, frame + off, n, off == 0, (uint16_t)(ts / 3000));
    if (i != skip) push(r, pl, pn, seq, ts, off + n == len);
    seq++;
  }
  return seq;
}

static void test_depack_basic(void) {
  rx r = {0};
  r.d = lcc_vp8_depack_create(NULL);
  CHECK(r.d != NULL);
  CHECK(lcc_vp8_depack_waiting(r.d));
  static uint8_t key[3000], delta[500];
  size_t kn = make_frame(key, sizeof key, true, 640, 360, 2);
  size_t dn = make_frame(delta, sizeof delta, false, 0, 0, 3);

  /* A delta frame first: dropped, keyframe asked for. */
  uint16_t seq = send_frame(&r, delta, dn, 1200, 100, 1000, -1);
  CHECK_EQ_INT(r.ready, 0);
  CHECK_EQ_INT(r.need, 1);
  /* The keyframe in three packets comes back whole. */
  seq = send_frame(&r, key, kn, 1200, seq, 4000, -1);
  CHECK_EQ_INT(r.ready, 1);
  CHECK(r.f.keyframe && r.f.width == 640 && r.f.height == 360 && r.f.rtp_ts == 4000);
  CHECK(r.f.len == kn && memcmp(r.f.data, key, kn) == 0);
  CHECK(r.f.has_picture_id && r.f.picture_id == 4000 / 3000);
  CHECK(!lcc_vp8_depack_waiting(r.d));
  /* A padding-only packet takes a sequence number without being a gap. */
  push(&r, NULL, 0, seq++, 5000, false);
  seq = send_frame(&r, delta, dn, 1200, seq, 7000, -1);
  CHECK_EQ_INT(r.ready, 2);
  CHECK(!r.f.keyframe && r.f.len == dn);
  /* A late duplicate changes nothing. */
  uint8_t pl[1600];
  size_t pn = make_payload(pl, delta, dn, true, 0);
  push(&r, pl, pn, (uint16_t)(seq - 1), 7000, true);
  CHECK_EQ_INT(r.ready, 2);

  /* Losing the middle packet of a keyframe drops it and the deltas after it. */
  int need0 = r.need;
  seq = send_frame(&r, key, kn, 1200, seq, 10000, 1);
  CHECK_EQ_INT(r.ready, 2);
  CHECK_EQ_INT(r.need, need0 + 1);
  seq = send_frame(&r, delta, dn, 1200, seq, 13000, -1);
  CHECK_EQ_INT(r.ready, 2);
  CHECK_EQ_INT(r.need, need0 + 2);
  seq = send_frame(&r, key, kn, 1200, seq, 16000, -1);
  CHECK_EQ_INT(r.ready, 3);
  CHECK(r.f.keyframe);

  /* A lost marker packet: the next frame's start ends the broken frame. */
  need0 = r.need;
  seq = send_frame(&r, key, kn, 1200, seq, 19000, 2);
  CHECK_EQ_INT(r.need, need0);
  seq = send_frame(&r, delta, dn, 1200, seq, 22000, -1);
  CHECK_EQ_INT(r.ready, 3);
  CHECK(r.need >= need0 + 1);
  CHECK(lcc_vp8_depack_waiting(r.d));

  /* A frame without its first packet, across the 16-bit sequence wrap. */
  for (uint16_t step = 20000; step <= 60000; step += 20000) push(&r, NULL, 0, step, 24000, false);
  seq = 65534;
  seq = send_frame(&r, key, kn, 1200, seq, 25000, 0);
  CHECK_EQ_INT(r.ready, 3);
  seq = send_frame(&r, key, kn, 1200, seq, 28000, -1);
  CHECK_EQ_INT(r.ready, 4);
  CHECK(seq < 100);

  /* Malformed payload: reported, and its frame is dropped. */
  push(&r, (const uint8_t *)"\x90\x80", 2, seq++, 31000, false);
  CHECK_EQ_INT(r.last, LCC_ERR_PACKET_INVALID);
  lcc_vp8_stats st;
  lcc_vp8_depack_get_stats(r.d, &st);
  CHECK_EQ_INT(st.frames, 4);
  CHECK_EQ_INT(st.keyframes, 3);
  CHECK_EQ_INT(st.late, 1);
  CHECK(st.invalid >= 1 && st.gaps >= 3 && st.dropped >= 5);
  lcc_vp8_depack_destroy(r.d);
  lcc_vp8_depack_destroy(NULL);
}

static void test_depack_oversize(void) {
  rx r = {0};
  r.d = lcc_vp8_depack_create(NULL);
  size_t big = LCC_VP8_MAX_FRAME + 5000;
  uint8_t *f = malloc(big);
  size_t n = make_frame(f, big, true, 640, 360, 9);
  uint16_t seq = send_frame(&r, f, n, 1200, 1, 3000, -1);
  CHECK_EQ_INT(r.ready, 0);
  CHECK_EQ_INT(r.need, 1);
  n = make_frame(f, 5000, true, 640, 360, 9);
  send_frame(&r, f, n, 1200, seq, 6000, -1);
  CHECK_EQ_INT(r.ready, 1);
  free(f);
  lcc_vp8_depack_destroy(r.d);
}

/* Generated streams: frames of random sizes, a keyframe every 15, random
 * MTUs; with loss_pct of packets lost at random. */
static void run_generated(unsigned seed, int loss_pct) {
  srand(seed);
  rx r = {0};
  r.d = lcc_vp8_depack_create(NULL);
  static uint8_t frames[300][9000];
  static size_t lens[300];
  uint8_t pl[1600];
  uint16_t seq = (uint16_t)rand();
  uint32_t ts0 = (uint32_t)rand() * 2654435761u;
  int out = 0, bad = 0, lost_any = 0;
  bool expect_key = true;
  for (int i = 0; i < 300; i++) {
    bool key = i % 15 == 0;
    lens[i] = make_frame(frames[i], 20 + (size_t)rand() % 8900, key, 1280, 720, (unsigned)i);
    size_t mtu = 200 + (size_t)rand() % 1000;
    uint32_t ts = ts0 + (uint32_t)i * 3000;
    bool lost = false;
    for (size_t off = 0; off < lens[i]; off += mtu) {
      size_t n = lens[i] - off < mtu ? lens[i] - off : mtu;
      size_t pn = make_payload(pl, frames[i] + off, n, off == 0, (uint16_t)i);
      if (rand() % 100 < loss_pct) {
        lost = true;
        lost_any = true;
      } else {
        int before = r.ready;
        push(&r, pl, pn, seq, ts, off + n == lens[i]);
        if (r.ready != before) {
          out++;
          if (r.f.len != lens[i] || memcmp(r.f.data, frames[i], lens[i]) != 0 || r.f.rtp_ts != ts)
            bad++;
          if (expect_key && !r.f.keyframe) bad++;
          expect_key = false;
        }
      }
      seq++;
    }
    if (lost) expect_key = true;
  }
  CHECK_EQ_INT(bad, 0);
  if (loss_pct == 0) CHECK_EQ_INT(out, 300);
  else CHECK(lost_any && out > 0 && out < 300);
  lcc_vp8_depack_destroy(r.d);
}

int main(void) {
  test_desc();
  test_frame_hdr();
  test_depack_basic();
  test_depack_oversize();
  for (unsigned s = 1; s <= 5; s++) {
    run_generated(s, 0);
    run_generated(s + 100, 2);
  }
  return check_done("vp8_test");
}
