/* Unit tests of csrc/core/transport/tcp_guard.c: the cap and the time limit
 * on ICE-TCP connections that have not passed a check. The test plays
 * libnice's part (a listening socket on loopback, connections it accepted)
 * and runs the sweeps by hand, so each one's effect is exact: which accepted
 * sockets were shut down (the client then reads end-of-file), which stay. */
#include "transport/tcp_guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include "check.h"

#define N 20

typedef struct {
  int client[N], accepted[N];
  struct sockaddr_in local;
  int listener;
} rig;

static void rig_open(rig *r, int n) {
  r->listener = socket(AF_INET, SOCK_STREAM, 0);
  r->local = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof r->local;
  CHECK(bind(r->listener, (struct sockaddr *)&r->local, len) == 0);
  CHECK(listen(r->listener, 64) == 0);
  CHECK(getsockname(r->listener, (struct sockaddr *)&r->local, &len) == 0);
  for (int i = 0; i < n; i++) {
    r->client[i] = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(r->client[i], (struct sockaddr *)&r->local, sizeof r->local) == 0);
    r->accepted[i] = accept(r->listener, NULL, NULL);
    CHECK(r->accepted[i] >= 0);
  }
}

static void rig_close(rig *r, int n) {
  for (int i = 0; i < n; i++) {
    close(r->client[i]);
    close(r->accepted[i]);
  }
  close(r->listener);
}

/* Whether the server side shut this connection: the client reads end-of-file. */
static bool shut(const rig *r, int i) {
  struct pollfd p = {.fd = r->client[i], .events = POLLIN};
  if (poll(&p, 1, 0) != 1) return false;
  char b;
  return recv(r->client[i], &b, 1, MSG_DONTWAIT) == 0;
}

static int count_shut(const rig *r, int n) {
  int k = 0;
  for (int i = 0; i < n; i++) k += shut(r, i);
  return k;
}

/* The "agent": peers whose client port is in this set passed a check. */
typedef struct {
  uint16_t ports[N];
  int n;
} checked_set;

static bool is_checked(void *ctx, const struct sockaddr *peer) {
  const checked_set *s = ctx;
  uint16_t port = ntohs(((const struct sockaddr_in *)peer)->sin_port);
  for (int i = 0; i < s->n; i++)
    if (s->ports[i] == port) return true;
  return false;
}

static uint16_t client_port(const rig *r, int i) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  getsockname(r->client[i], (struct sockaddr *)&a, &len);
  return ntohs(a.sin_port);
}

static size_t sweep(lcc_tcp_guard *g, const rig *r, checked_set *s) {
  CHECK(lcc_tcp_guard_begin(g) >= 0);
  size_t n = lcc_tcp_guard_port(g, (const struct sockaddr *)&r->local, is_checked, s, LCC_TCP_GUARD_MAX_UNCHECKED);
  lcc_tcp_guard_end(g);
  return n;
}

/* 20 unchecked connections: the first sweep keeps the cap's worth and shuts
 * the rest; the second shuts those it had kept (still unchecked). */
static void test_cap_then_timeout(void) {
  rig r;
  rig_open(&r, N);
  lcc_tcp_guard *g = lcc_tcp_guard_new();
  checked_set none = {.n = 0};
  CHECK_EQ_INT(sweep(g, &r, &none), N - LCC_TCP_GUARD_MAX_UNCHECKED);
  CHECK_EQ_INT(count_shut(&r, N), N - LCC_TCP_GUARD_MAX_UNCHECKED);
  CHECK_EQ_INT(sweep(g, &r, &none), LCC_TCP_GUARD_MAX_UNCHECKED);
  CHECK_EQ_INT(count_shut(&r, N), N);
  CHECK_EQ_INT(lcc_tcp_guard_shut_total(g), N);
  lcc_tcp_guard_free(g);
  rig_close(&r, N);
}

/* Checked connections are never shut, nor counted against the cap; one that
 * passes its check between two sweeps is kept. */
static void test_checked_kept(void) {
  rig r;
  rig_open(&r, 12);
  lcc_tcp_guard *g = lcc_tcp_guard_new();
  checked_set s = {.n = 0};
  for (int i = 0; i < 4; i++) s.ports[s.n++] = client_port(&r, i);
  CHECK_EQ_INT(sweep(g, &r, &s), 0); /* 8 unchecked: at the cap, not above */
  s.ports[s.n++] = client_port(&r, 4); /* passes its check now */
  CHECK_EQ_INT(sweep(g, &r, &s), 7);
  for (int i = 0; i < 5; i++) CHECK(!shut(&r, i));
  for (int i = 5; i < 12; i++) CHECK(shut(&r, i));
  CHECK_EQ_INT(sweep(g, &r, &s), 0);
  lcc_tcp_guard_free(g);
  rig_close(&r, 12);
}

/* A connection made after a sweep gets a whole period before it is judged
 * stale; other ports (another leg's) are untouched by this port's judgement. */
static void test_new_connection_and_other_ports(void) {
  rig a, b;
  rig_open(&a, 1);
  lcc_tcp_guard *g = lcc_tcp_guard_new();
  checked_set none = {.n = 0};
  CHECK_EQ_INT(sweep(g, &a, &none), 0);
  rig_open(&b, 2); /* another passive candidate, not judged below */
  CHECK_EQ_INT(sweep(g, &a, &none), 1); /* a's connection: seen unchecked twice */
  CHECK(shut(&a, 0));
  CHECK(!shut(&b, 0) && !shut(&b, 1));
  CHECK_EQ_INT(sweep(g, &b, &none), 0); /* first time b's are judged */
  CHECK_EQ_INT(sweep(g, &b, &none), 2);
  lcc_tcp_guard_free(g);
  rig_close(&a, 1);
  rig_close(&b, 2);
}

/* Nothing to judge: no connections, a listener alone, a port nobody uses. */
static void test_empty(void) {
  lcc_tcp_guard *g = lcc_tcp_guard_new();
  rig r;
  rig_open(&r, 0);
  checked_set none = {.n = 0};
  CHECK_EQ_INT(sweep(g, &r, &none), 0);
  struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = r.local.sin_port, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  CHECK(lcc_tcp_guard_begin(g) >= 0);
  CHECK_EQ_INT(lcc_tcp_guard_port(g, (struct sockaddr *)&v6, is_checked, &none, 0), 0);
  lcc_tcp_guard_end(g);
  lcc_tcp_guard_free(g);
  lcc_tcp_guard_free(NULL);
  rig_close(&r, 0);
}

int main(void) {
  test_cap_then_timeout();
  test_checked_kept();
  test_new_connection_and_other_ports();
  test_empty();
  return check_done("tcp_guard");
}
