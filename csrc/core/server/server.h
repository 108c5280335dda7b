/* The media server: the core's only entry point for its owner (the N-API glue,
 * C tests, benchmarks).
 *
 * A server owns one media thread running a GMainContext; every call, leg,
 * ICE agent, DTLS and SRTP session lives on that thread and is touched by it
 * alone. Other threads talk to it through two queues under one mutex:
 * commands in (lcc_server_post) and events out (lcc_server_drain). When the
 * event queue goes from empty to non-empty, the media thread calls `notify`
 * (the glue turns that into one napi_threadsafe_function call per batch).
 * Data crossing threads is copied; no pointer into the media thread's objects
 * ever leaves it.
 *
 * Thread: lcc_server_create/destroy on the owner's thread; post, drain and
 * lcc_server_commands_run from any thread. */
#ifndef LCC_SERVER_H
#define LCC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/event.h" /* lcc_event: what the server hands its owner */
#include "transport/ice.h"   /* lcc_ice_server, LCC_MAX_LISTEN, LCC_MAX_ICE_SERVERS */
#include "base/vocab.h" /* lcc_party, lcc_leg_state, LCC_CALL_ID_MAX */

/* The server fills each lower layer's own options from these (lcc_ice_opts,
 * lcc_leg_opts): nothing below the server sees this struct. */
typedef struct {
  lcc_ice_opts ice;                          /* addresses, ports, STUN/TURN: every leg's ICE agent */
  char recordings_dir[1024];
  uint32_t disconnected_after_ms;            /* no packet for this long: 'disconnected' (default 5000) */
  uint32_t dtls_timeout_ms;                  /* handshake deadline after ICE connects (default 15000) */
} lcc_server_opts;

void lcc_server_opts_init(lcc_server_opts *opts); /* fills the defaults */

typedef enum {
  LCC_CMD_CALL_CREATE = 0, /* call_id, record */
  LCC_CMD_ANSWER,          /* call_id, party, text = remote offer  -> reply text = local answer */
  LCC_CMD_OFFER,           /* call_id, party                       -> reply text = local offer */
  LCC_CMD_ACCEPT_ANSWER,   /* call_id, party, text = remote answer */
  LCC_CMD_ADD_CANDIDATE,   /* call_id, party, text = "candidate:..." (NULL = end of candidates), mid, mline_index */
  LCC_CMD_RESTART_ICE,     /* call_id, party                       -> reply text = new local offer */
  LCC_CMD_RESET_LEG,       /* call_id, party: drops the party's leg (a reload); the next answer/offer makes a new one */
  LCC_CMD_STATS,           /* call_id                              -> reply stats = that call (n = 1) */
  LCC_CMD_STATS_ALL,       /* (no call)                            -> reply stats = every live call */
  LCC_CMD_CALL_END,        /* call_id                              -> reply text = summary JSON */
  LCC_CMD_SET_ICE_SERVERS, /* ice_servers: replaces the server list for legs created later */
  LCC_CMD_RECORDING_START, /* call_id: starts recording (no-op when recording) */
  LCC_CMD_RECORDING_PAUSE, /* call_id */
  LCC_CMD_RECORDING_RESUME,/* call_id */
  LCC_CMD_RECORDING_STOP,  /* call_id: ends the recording; LCC_EV_RECORDING follows */
} lcc_cmd_kind;

/* A command for the media thread; lcc_server_post copies it. */
typedef struct {
  lcc_cmd_kind kind;
  uint64_t req; /* echoed in the LCC_EV_REPLY */
  char call_id[LCC_CALL_ID_MAX];
  lcc_party party;
  const char *text; /* borrowed; copied by post */
  char mid[64];
  int mline_index; /* -1 = not given */
  bool record;
  lcc_ice_server ice_servers[LCC_MAX_ICE_SERVERS];
  size_t n_ice_servers;
} lcc_cmd;

typedef struct lcc_server lcc_server;

/* Creates the server and starts its media thread: generates the DTLS
 * certificate, checks the options. `notify` runs on the media thread each time
 * the event queue becomes non-empty; it must not block or call back into the
 * server except lcc_server_drain. Returns (transfer full) or NULL with *err/why. */
lcc_server *lcc_server_create(const lcc_server_opts *opts, void (*notify)(void *ctx), void *ctx,
                              lcc_err *err, lcc_why *why);

/* Ends every call (each still yields LCC_EV_CALL_END), stops and joins the
 * media thread, and frees everything. Undrained events are freed. NULL is a no-op. */
void lcc_server_destroy(lcc_server *s);

/* Queues a command for the media thread (copies it). LCC_ERR_SERVER_CLOSED
 * once destroy has begun. */
lcc_err lcc_server_post(lcc_server *s, const lcc_cmd *cmd);

/* How many commands the media thread has run so far (each is one visit of
 * the owner's to the media thread; a stats request for every call is one). */
uint64_t lcc_server_commands_run(const lcc_server *s);
/* ICE-TCP connections the guard shut for passing no ICE check (tcp_guard.h); any thread. */
uint64_t lcc_server_ice_tcp_shut(const lcc_server *s);

/* Takes every queued event, oldest first (transfer full: lcc_event_free_list). */
lcc_event *lcc_server_drain(lcc_server *s);

/* The sha-256 fingerprint of the server's DTLS certificate ("AB:CD:..."). */
const char *lcc_server_fingerprint(const lcc_server *s);

#endif
