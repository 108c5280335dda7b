/* The ICE-TCP guard. See tcp_guard.h. */
#include "tcp_guard.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  int fd;
  struct sockaddr_storage local, peer;
} conn;

/* An unchecked connection as a sweep saw it: the same descriptor with the
 * same peer at the next sweep is the same connection. */
typedef struct {
  int fd;
  struct sockaddr_storage peer;
} seen;

typedef struct {
  void *items;
  size_t n, cap, size;
} vec;

struct lcc_tcp_guard {
  vec conns;  /* this sweep's accepted sockets, sorted by local port */
  vec before; /* the previous sweep's unchecked ones, sorted by fd */
  vec now;    /* this sweep's unchecked ones */
  uint64_t shut_total;
};

static void *vec_push(vec *v) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    void *items = realloc(v->items, cap * v->size);
    if (!items) return NULL;
    v->items = items;
    v->cap = cap;
  }
  return (char *)v->items + v->n++ * v->size;
}

static uint16_t port_of(const struct sockaddr *a) {
  if (a->sa_family == AF_INET) return ntohs(((const struct sockaddr_in *)a)->sin_port);
  if (a->sa_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
  return 0;
}

/* Same family, address and port (IPv6 flow and scope ids aside). */
static bool same_endpoint(const struct sockaddr *a, const struct sockaddr *b) {
  if (a->sa_family != b->sa_family || port_of(a) != port_of(b)) return false;
  if (a->sa_family == AF_INET)
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr == ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  if (a->sa_family == AF_INET6)
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
                  sizeof(struct in6_addr)) == 0;
  return false;
}

static int by_local_port(const void *a, const void *b) {
  uint16_t pa = port_of((const struct sockaddr *)&((const conn *)a)->local);
  uint16_t pb = port_of((const struct sockaddr *)&((const conn *)b)->local);
  return (pa > pb) - (pa < pb);
}

static int by_fd(const void *a, const void *b) {
  int fa = ((const seen *)a)->fd, fb = ((const seen *)b)->fd;
  return (fa > fb) - (fa < fb);
}

lcc_tcp_guard *lcc_tcp_guard_new(void) {
  lcc_tcp_guard *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->conns.size = sizeof(conn);
  g->before.size = g->now.size = sizeof(seen);
  return g;
}

void lcc_tcp_guard_free(lcc_tcp_guard *g) {
  if (!g) return;
  free(g->conns.items);
  free(g->before.items);
  free(g->now.items);
  free(g);
}

/* An accepted, established TCP socket of IPv4 or IPv6, with both ends; false
 * otherwise (one already shut down is past ESTABLISHED and not judged again
 * while libnice has yet to close it). */
static bool accepted_tcp(int fd, conn *c) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return false;
  len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening) return false;
  struct tcp_info info;
  len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || info.tcpi_state != TCP_ESTABLISHED) return false;
  socklen_t ll = sizeof c->local, pl = sizeof c->peer;
  if (getsockname(fd, (struct sockaddr *)&c->local, &ll) != 0 || getpeername(fd, (struct sockaddr *)&c->peer, &pl) != 0)
    return false; /* not connected (yet, or any more) */
  int family = c->local.ss_family;
  if ((family != AF_INET && family != AF_INET6) || c->peer.ss_family != family) return false;
  c->fd = fd;
  return true;
}

int lcc_tcp_guard_begin(lcc_tcp_guard *g) {
  g->conns.n = 0;
  g->now.n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int own = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char *end;
    long fd = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd < 0 || fd == own || fd > 1 << 30) continue;
    conn c;
    if (!accepted_tcp((int)fd, &c)) continue;
    conn *slot = vec_push(&g->conns);
    if (!slot) break; /* out of memory: judge what was listed */
    *slot = c;
  }
  closedir(d);
  if (g->conns.n > 1) qsort(g->conns.items, g->conns.n, sizeof(conn), by_local_port);
  return (int)g->conns.n;
}

static bool seen_before(const lcc_tcp_guard *g, const conn *c) {
  if (g->before.n == 0) return false;
  seen key = {.fd = c->fd};
  const seen *s = bsearch(&key, g->before.items, g->before.n, sizeof(seen), by_fd);
  return s && same_endpoint((const struct sockaddr *)&s->peer, (const struct sockaddr *)&c->peer);
}

size_t lcc_tcp_guard_port(lcc_tcp_guard *g, const struct sockaddr *local, lcc_tcp_checked_fn checked,
                          void *ctx, size_t max_unchecked) {
  if (g->conns.n == 0) return 0;
  const conn *all = g->conns.items;
  size_t lo = 0, hi = g->conns.n;
  uint16_t port = port_of(local);
  while (lo < hi) { /* the first connection on this port */
    size_t mid = lo + (hi - lo) / 2;
    if (port_of((const struct sockaddr *)&all[mid].local) < port) lo = mid + 1;
    else hi = mid;
  }
  size_t shut = 0, unchecked = 0;
  for (size_t i = lo; i < g->conns.n && port_of((const struct sockaddr *)&all[i].local) == port; i++) {
    const conn *c = &all[i];
    if (!same_endpoint((const struct sockaddr *)&c->local, local)) continue;
    if (checked(ctx, (const struct sockaddr *)&c->peer)) continue;
    if (++unchecked > max_unchecked || seen_before(g, c)) {
      if (shutdown(c->fd, SHUT_RDWR) == 0) shut++;
      continue;
    }
    seen *s = vec_push(&g->now);
    if (s) *s = (seen){.fd = c->fd, .peer = c->peer};
  }
  g->shut_total += shut;
  return shut;
}

void lcc_tcp_guard_end(lcc_tcp_guard *g) {
  vec t = g->before;
  g->before = g->now;
  g->now = t;
  g->now.n = 0;
  if (g->before.n > 1) qsort(g->before.items, g->before.n, sizeof(seen), by_fd);
}

uint64_t lcc_tcp_guard_shut_total(const lcc_tcp_guard *g) { return g->shut_total; }
