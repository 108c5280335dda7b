/* Bounded byte reader and writer for network byte order.
 *
 * Every parser reads received bytes through lcc_rd: each read checks what
 * remains; an overrun sets `bad`, after which every read returns zero, so a
 * parser checks `bad` once at the end. lcc_wr is the mirror for building
 * packets into a caller's buffer. Header-only, no allocation. Thread: any. */
#ifndef LCC_RD_H
#define LCC_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  const uint8_t *p;
  size_t len;
  size_t off;
  bool bad;
} lcc_rd;

static inline lcc_rd lcc_rd_init(const uint8_t *p, size_t len) {
  lcc_rd r = {p, len, 0, false};
  return r;
}

static inline size_t lcc_rd_left(const lcc_rd *r) { return r->bad ? 0 : r->len - r->off; }

/* Marks the reader bad unless n bytes remain. */
static inline bool lcc_rd_need(lcc_rd *r, size_t n) {
  if (r->bad || r->len - r->off < n) {
    r->bad = true;
    return false;
  }
  return true;
}

static inline uint8_t lcc_rd_u8(lcc_rd *r) {
  if (!lcc_rd_need(r, 1)) return 0;
  return r->p[r->off++];
}

static inline uint16_t lcc_rd_u16(lcc_rd *r) {
  if (!lcc_rd_need(r, 2)) return 0;
  uint16_t v = (uint16_t)((r->p[r->off] << 8) | r->p[r->off + 1]);
  r->off += 2;
  return v;
}

static inline uint32_t lcc_rd_u24(lcc_rd *r) {
  if (!lcc_rd_need(r, 3)) return 0;
  uint32_t v = ((uint32_t)r->p[r->off] << 16) | ((uint32_t)r->p[r->off + 1] << 8) | r->p[r->off + 2];
  r->off += 3;
  return v;
}

static inline uint32_t lcc_rd_u32(lcc_rd *r) {
  if (!lcc_rd_need(r, 4)) return 0;
  uint32_t v = ((uint32_t)r->p[r->off] << 24) | ((uint32_t)r->p[r->off + 1] << 16) |
               ((uint32_t)r->p[r->off + 2] << 8) | r->p[r->off + 3];
  r->off += 4;
  return v;
}

static inline uint64_t lcc_rd_u64(lcc_rd *r) {
  uint64_t hi = lcc_rd_u32(r);
  return (hi << 32) | lcc_rd_u32(r);
}

static inline void lcc_rd_skip(lcc_rd *r, size_t n) {
  if (lcc_rd_need(r, n)) r->off += n;
}

/* Returns a pointer to the next n bytes and consumes them, or NULL. */
static inline const uint8_t *lcc_rd_bytes(lcc_rd *r, size_t n) {
  if (!lcc_rd_need(r, n)) return NULL;
  const uint8_t *b = r->p + r->off;
  r->off += n;
  return b;
}

typedef struct {
  uint8_t *p;
  size_t cap;
  size_t off;
  bool bad;
} lcc_wr;

static inline lcc_wr lcc_wr_init(uint8_t *p, size_t cap) {
  lcc_wr w = {p, cap, 0, false};
  return w;
}

static inline bool lcc_wr_need(lcc_wr *w, size_t n) {
  if (w->bad || w->cap - w->off < n) {
    w->bad = true;
    return false;
  }
  return true;
}

static inline void lcc_wr_u8(lcc_wr *w, uint8_t v) {
  if (lcc_wr_need(w, 1)) w->p[w->off++] = v;
}

static inline void lcc_wr_u16(lcc_wr *w, uint16_t v) {
  if (!lcc_wr_need(w, 2)) return;
  w->p[w->off++] = (uint8_t)(v >> 8);
  w->p[w->off++] = (uint8_t)v;
}

static inline void lcc_wr_u24(lcc_wr *w, uint32_t v) {
  if (!lcc_wr_need(w, 3)) return;
  w->p[w->off++] = (uint8_t)(v >> 16);
  w->p[w->off++] = (uint8_t)(v >> 8);
  w->p[w->off++] = (uint8_t)v;
}

static inline void lcc_wr_u32(lcc_wr *w, uint32_t v) {
  if (!lcc_wr_need(w, 4)) return;
  w->p[w->off++] = (uint8_t)(v >> 24);
  w->p[w->off++] = (uint8_t)(v >> 16);
  w->p[w->off++] = (uint8_t)(v >> 8);
  w->p[w->off++] = (uint8_t)v;
}

static inline void lcc_wr_u64(lcc_wr *w, uint64_t v) {
  lcc_wr_u32(w, (uint32_t)(v >> 32));
  lcc_wr_u32(w, (uint32_t)v);
}

static inline void lcc_wr_bytes(lcc_wr *w, const void *src, size_t n) {
  if (!lcc_wr_need(w, n)) return;
  if (n) memcpy(w->p + w->off, src, n);
  w->off += n;
}

/* Big-endian stores into a buffer the caller has already bounds-checked. */
static inline void lcc_put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void lcc_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#endif
