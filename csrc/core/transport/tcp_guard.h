/* A cap and a time limit on ICE-TCP connections that have not passed an ICE
 * check (RFC 6544 passive candidates, only with ICE-TCP on).
 *
 * libnice accepts every connection to a passive TCP candidate and keeps it
 * until the peer closes it: with no hook at accept time, anyone who knows a
 * leg's port could hold file descriptors without end. The guard sweeps the
 * process's accepted TCP sockets on a timer (one /proc/self/fd walk for all
 * legs); each ICE agent then judges the connections to its own passive
 * candidates: one whose peer is none of the agent's remote candidates (a
 * checked peer becomes one: libnice learns it from an authenticated request)
 * is shut down when a second sweep still finds it so, or at once when its
 * port already holds `max_unchecked` such connections. shutdown(2), not
 * close(2): the descriptor stays libnice's, which sees end-of-file, drops
 * the connection and closes it.
 * Thread: the media thread (the sweep and libnice's sockets). Owns: its
 * tables. */
#ifndef LCC_TCP_GUARD_H
#define LCC_TCP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>


/* Connections to one passive candidate that have not passed a check, at most. */
#define LCC_TCP_GUARD_MAX_UNCHECKED 8
/* The sweep's period: an unchecked connection lives one to two of them. */
#define LCC_TCP_GUARD_INTERVAL_MS 2000

typedef struct lcc_tcp_guard lcc_tcp_guard;

lcc_tcp_guard *lcc_tcp_guard_new(void);
void lcc_tcp_guard_free(lcc_tcp_guard *g);

/* Starts a sweep: lists the accepted (connected, not listening) TCP sockets
 * of the process. Returns how many it found; -1 if /proc/self/fd could not
 * be read (the sweep then judges nothing). */
int lcc_tcp_guard_begin(lcc_tcp_guard *g);

/* Whether a peer has passed an ICE check (the agent's judgement). */
typedef bool (*lcc_tcp_checked_fn)(void *ctx, const struct sockaddr *peer);

/* Judges the connections whose local address is `local` (a passive
 * candidate's): shuts down those not checked that the previous sweep saw
 * unchecked too, and those beyond max_unchecked. Returns how many it shut. */
size_t lcc_tcp_guard_port(lcc_tcp_guard *g, const struct sockaddr *local, lcc_tcp_checked_fn checked,
                          void *ctx, size_t max_unchecked);

/* Ends the sweep: the unchecked connections found now are the ones the next
 * sweep shuts down if still unchecked. */
void lcc_tcp_guard_end(lcc_tcp_guard *g);

/* Connections shut down since the guard was made (a counter for stats). */
uint64_t lcc_tcp_guard_shut_total(const lcc_tcp_guard *g);

#endif
