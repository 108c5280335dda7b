/* SPSC packet ring. See ring.h. Release/acquire pairs order the slot's
 * contents before the index that publishes it. */
#include "ring.h"

#include <stdlib.h>

bool lcc_ring_init(lcc_ring *r, size_t capacity) {
  size_t cap = 1;
  while (cap < capacity) cap <<= 1;
  r->slots = calloc(cap, sizeof *r->slots);
  r->mask = cap - 1;
  atomic_init(&r->head, 0);
  atomic_init(&r->tail, 0);
  atomic_init(&r->dropped, 0);
  return r->slots != NULL;
}

void lcc_ring_free(lcc_ring *r) {
  free(r->slots);
  r->slots = NULL;
}

lcc_ring_packet *lcc_ring_reserve(lcc_ring *r) {
  size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
  if (head - tail > r->mask) {
    atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
    return NULL;
  }
  return &r->slots[head & r->mask];
}

void lcc_ring_commit(lcc_ring *r) {
  size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

const lcc_ring_packet *lcc_ring_peek(lcc_ring *r) {
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
  return tail == head ? NULL : &r->slots[tail & r->mask];
}

void lcc_ring_pop(lcc_ring *r) {
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}
