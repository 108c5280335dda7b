/* The SPSC ring: order, full-ring drops, and a producer and a consumer thread
 * racing over 100,000 packets (also run under ASan and valgrind). */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "check.h"
#include "record/ring.h"

static void test_order_and_full(void) {
  lcc_ring r;
  CHECK(lcc_ring_init(&r, 5)); /* rounded up to 8 */
  CHECK_EQ_INT(r.mask, 7);
  for (int i = 0; i < 8; i++) {
    lcc_ring_packet *p = lcc_ring_reserve(&r);
    CHECK(p != NULL);
    if (!p) return;
    p->seq = (uint16_t)i;
    lcc_ring_commit(&r);
  }
  CHECK(lcc_ring_reserve(&r) == NULL);
  CHECK_EQ_INT(atomic_load(&r.dropped), 1);
  for (int i = 0; i < 8; i++) {
    const lcc_ring_packet *p = lcc_ring_peek(&r);
    CHECK(p && p->seq == i);
    lcc_ring_pop(&r);
  }
  CHECK(lcc_ring_peek(&r) == NULL);
  lcc_ring_free(&r);
}

#define N 100000

static void *produce(void *arg) {
  lcc_ring *r = arg;
  for (uint32_t i = 0; i < N;) {
    lcc_ring_packet *p = lcc_ring_reserve(r);
    if (!p) { sched_yield(); continue; } /* a real producer drops; here we retry to check every value arrives */
    p->ts = i;
    p->len = 4;
    memcpy(p->data, &i, 4);
    lcc_ring_commit(r);
    i++;
  }
  return NULL;
}

static void test_threads(void) {
  lcc_ring r;
  CHECK(lcc_ring_init(&r, 64));
  pthread_t t;
  pthread_create(&t, NULL, produce, &r);
  uint32_t expect = 0;
  bool ok = true;
  while (expect < N) {
    const lcc_ring_packet *p = lcc_ring_peek(&r);
    if (!p) { sched_yield(); continue; }
    uint32_t v;
    memcpy(&v, p->data, 4);
    if (p->ts != expect || v != expect) ok = false;
    lcc_ring_pop(&r);
    expect++;
  }
  pthread_join(t, NULL);
  CHECK(ok);
  CHECK_EQ_INT(expect, N);
  lcc_ring_free(&r);
}

int main(void) {
  test_order_and_full();
  test_threads();
  return check_done("ring");
}
