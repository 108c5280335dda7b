/* A single-producer single-consumer ring of packets: the media thread copies
 * each packet the recorder wants into the next free slot (no allocation, no
 * lock: one atomic store), the recorder thread takes them in order. When the
 * ring is full the producer drops and counts, so the relay never waits.
 * Thread: one producer thread and one consumer thread. */
#ifndef LCC_RING_H
#define LCC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LCC_RING_DATA 1500

typedef struct {
  uint8_t party;      /* lcc_party */
  uint8_t kind;       /* 0 audio, 1 video */
  uint8_t marker;
  uint8_t pt;
  uint16_t seq;
  uint16_t len;
  uint32_t ts;
  uint32_t ssrc;
  uint64_t arrival_us;
  uint8_t data[LCC_RING_DATA]; /* the RTP payload */
} lcc_ring_packet;

typedef struct {
  lcc_ring_packet *slots;
  size_t mask;             /* capacity - 1 (a power of two) */
  _Atomic size_t head;     /* next slot the producer writes */
  _Atomic size_t tail;     /* next slot the consumer reads */
  _Atomic uint64_t dropped;
} lcc_ring;

/* capacity is rounded up to a power of two. false when out of memory. */
bool lcc_ring_init(lcc_ring *r, size_t capacity);
void lcc_ring_free(lcc_ring *r);

/* Producer: a slot to fill, or NULL when full (the drop is counted). */
lcc_ring_packet *lcc_ring_reserve(lcc_ring *r);
/* Producer: publishes the slot returned by reserve. */
void lcc_ring_commit(lcc_ring *r);

/* Consumer: the oldest packet, or NULL when empty. */
const lcc_ring_packet *lcc_ring_peek(lcc_ring *r);
/* Consumer: releases the packet returned by peek. */
void lcc_ring_pop(lcc_ring *r);

#endif
