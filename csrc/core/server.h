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
 * request from any thread. */
#ifndef LCC_SERVER_H
#define LCC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum { LCC_PARTY_VISITOR = 0, LCC_PARTY_AGENT = 1, LCC_PARTY_COUNT = 2 } lcc_party;

/* The state of one party's leg, as JS sees it (RTCPeerConnectionState-like). */
typedef enum {
  LCC_STATE_NEW = 0,
  LCC_STATE_CONNECTING,
  LCC_STATE_CONNECTED,
  LCC_STATE_DISCONNECTED,
  LCC_STATE_FAILED,
  LCC_STATE_CLOSED
} lcc_leg_state;

const char *lcc_party_name(lcc_party p);            /* "visitor", "agent" */
const char *lcc_leg_state_name(lcc_leg_state s);    /* "new", "connecting", ... */

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
#define LCC_CALL_ID_MAX 128

typedef struct {
  char listen_addresses[LCC_MAX_LISTEN][64]; /* numeric IPs; none = all non-loopback */
  size_t n_listen;
  char announced_address[64];                /* "" = none; replaces host candidate IPs */
  uint16_t port_min, port_max;               /* 0, 0 = any */
  lcc_ice_server ice_servers[LCC_MAX_ICE_SERVERS];
  size_t n_ice_servers;
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
  LCC_CMD_STATS,           /* call_id                              -> reply text = stats JSON */
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

typedef enum {
  LCC_EV_REPLY = 0, /* req, err/why, text */
  LCC_EV_CANDIDATE, /* call_id, party, text = "candidate:..." or NULL = gathering done, mid, mline_index */
  LCC_EV_STATE,     /* call_id, party, state, err/why when failed */
  LCC_EV_CALL_END,  /* call_id, text = summary JSON (also sent for calls ended by lcc_server_destroy) */
  LCC_EV_RECORDING, /* call_id, text = the recording's sidecar JSON: it ended (err OK) or failed
                       (err LCC_ERR_RECORDING_FAILED, why); from the recorder thread */
} lcc_event_kind;

/* An event from the media thread. Owned by whoever drained it. */
typedef struct lcc_event {
  lcc_event_kind kind;
  uint64_t req;
  char call_id[LCC_CALL_ID_MAX];
  lcc_party party;
  lcc_err err;
  char why[256];
  char *text; /* owned, may be NULL */
  char mid[64];
  int mline_index;
  lcc_leg_state state;
  struct lcc_event *next;
} lcc_event;

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

/* Posts a command and waits for its reply (for synchronous getStats()). The
 * media thread never waits on the caller, so this cannot deadlock; it gives
 * up with LCC_ERR_TIMEOUT after timeout_ms. *text receives the reply text
 * (transfer full, free()). */
lcc_err lcc_server_request(lcc_server *s, const lcc_cmd *cmd, uint32_t timeout_ms, char **text,
                           lcc_why *why);

/* Takes every queued event, oldest first (transfer full: lcc_event_free_list). */
lcc_event *lcc_server_drain(lcc_server *s);
void lcc_event_free_list(lcc_event *ev);

/* The sha-256 fingerprint of the server's DTLS certificate ("AB:CD:..."). */
const char *lcc_server_fingerprint(const lcc_server *s);

#endif
