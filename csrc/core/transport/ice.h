/* ICE for one leg with libnice (RFC 8445, trickle RFC 8838, consent freshness
 * RFC 7675): one stream, one component (rtcp-mux + BUNDLE), full ICE.
 * Candidates gathered before the SDP is written are held for it
 * (lcc_ice_take_candidates); later ones trickle out through the callback.
 * Thread: the media thread (the agent runs on the server's GMainContext).
 * Owns: the NiceAgent. Borrows: cb/cb_ctx. */
#ifndef LCC_ICE_H
#define LCC_ICE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "transport/tcp_guard.h"

typedef enum {
  LCC_ICE_STUN = 0,
  LCC_ICE_TURN_UDP,
  LCC_ICE_TURN_TCP,
  LCC_ICE_TURN_TLS
} lcc_ice_server_kind;

/* One STUN or TURN server; host is a numeric IP (the JS layer resolves names,
 * so the media thread never blocks on DNS). */
typedef struct {
  lcc_ice_server_kind kind;
  char host[64];
  uint16_t port;
  char username[256];
  char credential[256];
} lcc_ice_server;

#define LCC_MAX_LISTEN 8
#define LCC_MAX_ICE_SERVERS 8

/* Where an agent gathers and whom it asks (the server fills it from its options). */
typedef struct {
  char listen_addresses[LCC_MAX_LISTEN][64]; /* numeric IPs; none = all non-loopback */
  size_t n_listen;
  char announced_address[64];                /* "" = none; replaces host candidate IPs */
  uint16_t port_min, port_max;               /* 0, 0 = any */
  lcc_ice_server ice_servers[LCC_MAX_ICE_SERVERS];
  size_t n_ice_servers;
  /* ICE over TCP (RFC 6544): off unless asked. libnice's passive TCP socket
   * accepts every connection and never closes an idle one (the server's
   * tcp_guard caps and times out those that pass no check), so it is opt-in;
   * most deployments reach TCP-only parties through TURN over TCP/TLS. */
  bool tcp;
  /* Remote candidates in private ranges (10/8, 172.16/12, 192.168/16,
   * 100.64/10, fc00::/7) are ignored: for a server whose network holds
   * private hosts a party must not make it talk to (false, the zero value,
   * checks them: parties on the operator's LAN, NAT tests). */
  bool deny_private;
} lcc_ice_opts;

typedef enum { LCC_ICE_NEW = 0, LCC_ICE_CHECKING, LCC_ICE_CONNECTED, LCC_ICE_FAILED } lcc_ice_state;

typedef struct {
  /* A local candidate ("candidate:...") to trickle, or NULL when gathering is done. */
  void (*candidate)(void *ctx, const char *cand);
  void (*state)(void *ctx, lcc_ice_state st);
  /* A datagram that is not STUN (libnice answers STUN itself). */
  void (*recv)(void *ctx, uint8_t *buf, size_t len);
} lcc_ice_cb;

typedef struct lcc_ice lcc_ice;

#define LCC_ICE_MAX_HELD 32

/* Creates the agent and its stream, binds to the listen addresses
 * and port range, sets STUN/TURN servers, and starts gathering. NULL on
 * failure, with *err (LCC_ERR_NO_DESCRIPTORS when fewer than 64 file
 * descriptors are left, LCC_ERR_INVALID_OPTION for a listen address that is not
 * an IP, else LCC_ERR_ICE_FAILED) and why. */
lcc_ice *lcc_ice_create(GMainContext *ctx, const lcc_ice_opts *opts, bool controlling,
                        const lcc_ice_cb *cb, void *cb_ctx, lcc_err *err, lcc_why *why);
void lcc_ice_destroy(lcc_ice *ice);

void lcc_ice_local_credentials(lcc_ice *ice, char ufrag[64], char pwd[64]);
/* Copies the candidates held so far into out (at most max), and switches to
 * trickling every later one. *done tells whether gathering already ended. */
size_t lcc_ice_take_candidates(lcc_ice *ice, char (*out)[256], size_t max, bool *done);

lcc_err lcc_ice_set_remote_credentials(lcc_ice *ice, const char *ufrag, const char *pwd,
                                       lcc_why *why);
/* Adds one remote candidate ("candidate:..." with or without "a="). Accepted
 * and ignored (never checked): mDNS (.local) candidates, which cannot be
 * resolved here (peer-reflexive discovery covers them); TCP ones when ICE-TCP
 * is off; and addresses the server must not be pointed at: loopback and
 * link-local unless a listen address is such, multicast, broadcast and
 * unspecified always, private ranges unless allowed. Ignoring rather than
 * refusing: a browser legitimately gathers some of these. */
lcc_err lcc_ice_add_remote_candidate(lcc_ice *ice, const char *line, lcc_why *why);
void lcc_ice_remote_gathering_done(lcc_ice *ice);
/* ICE restart (RFC 8445 §9): new local credentials, remote state cleared. */
lcc_err lcc_ice_restart(lcc_ice *ice, bool controlling, lcc_why *why);
lcc_ice_state lcc_ice_get_state(const lcc_ice *ice);

/* Sends one datagram on the selected pair; false if it could not be sent. */
bool lcc_ice_send(lcc_ice *ice, const uint8_t *buf, size_t len);

typedef struct {
  char local_addr[64], remote_addr[64];
  uint16_t local_port, remote_port;
  char local_type[8], remote_type[8]; /* host, srflx, prflx, relay */
  char protocol[4];                   /* udp, tcp */
} lcc_ice_pair;

bool lcc_ice_selected_pair(lcc_ice *ice, lcc_ice_pair *out);

/* With ICE-TCP on, judges the connections the guard's sweep found on this
 * agent's passive TCP candidates (tcp_guard.h); returns how many it shut.
 * Nothing without ICE-TCP. */
size_t lcc_ice_guard_tcp(lcc_ice *ice, lcc_tcp_guard *g);

#endif
