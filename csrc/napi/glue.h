/* The N-API glue between JS (js/api/) and the media core (csrc/core/server/server.h).
 *
 * The glue is thin on purpose: JS validates options and keeps the table of
 * calls by id; the glue copies JS values into lcc_server_opts / lcc_cmd,
 * turns drained lcc_events into plain JS objects, and turns lcc_err into JS
 * Errors with a `code`. It never keeps a pointer into the core other than the
 * lcc_server itself, which it stops using (server = NULL) once destroyed.
 *
 * Named glue.h, not server.h, so that it is never taken for the core's
 * server/server.h.
 *
 * Thread: everything here runs on the JS thread, except lcc_napi_notify,
 * which the core calls on the media thread. */
#ifndef LCC_NAPI_GLUE_H
#define LCC_NAPI_GLUE_H

#include <node_api.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/err.h"
#include "server/server.h"

/* One native Server object (one per JS MediaServer).
 * Owns: server (until close or finalize), tsfn (until released), dispatcher
 * (a weak reference: the JS MediaServer keeps the function alive; a strong one
 * would make the wrapper unreachable for the GC forever).
 * Freed when both the JS wrapper is finalized and the tsfn is finalized,
 * whichever comes last (both run on the JS thread). */
typedef struct lcc_napi_server {
  lcc_server *server;             /* NULL once closed */
  napi_threadsafe_function tsfn;  /* NULL once finalized */
  bool tsfn_released;             /* released by close: no more ref/unref */
  napi_ref dispatcher;            /* weak; NULL once closed */
  /* The media thread's notify reads tsfn_live under mu: the JS thread clears
   * it under mu before the tsfn can go away, so notify never calls a released
   * or freed tsfn. */
  pthread_mutex_t mu;
  bool tsfn_live;
  bool wrap_gone, tsfn_gone;
  char fingerprint[160];          /* copied at creation; survives close */
  uint64_t commands_run;          /* the core's count, kept at close */
  uint64_t ice_tcp_shut;          /* the core's ICE-TCP guard count, kept at close */
} lcc_napi_server;

/* errors.c: JS Errors with a stable `code`. */
napi_value lcc_napi_error(napi_env env, const char *code, const char *msg);
/* Throws unless an exception is already pending (e.g. from a failed napi_* call). */
void lcc_napi_throw(napi_env env, const char *code, const char *msg);
/* Throws the Error for err; why (may be NULL or "") replaces the default message. */
void lcc_napi_throw_err(napi_env env, lcc_err err, const char *why);
/* JS: errors() -> [{code, message}] for every entry of the C table. */
napi_value lcc_napi_errors(napi_env env, napi_callback_info info);

/* events.c: the threadsafe function's two ends. */
void lcc_napi_notify(void *ctx); /* media thread */
void lcc_napi_call_js(napi_env env, napi_value js_cb, void *context, void *data);

/* stats.c: a stats snapshot as an array of getStats()-shaped objects (NULL on failure). */
napi_value lcc_napi_stats_to_js(napi_env env, const lcc_stats_snapshot *snap);

/* server.c: the Server class. */
napi_value lcc_napi_server_class(napi_env env);

/* Evaluates a napi_* call; on failure throws (unless something is pending)
 * and returns NULL from the calling napi_callback. */
#define LCC_NAPI_CALL(env, call)                                              \
  do {                                                                        \
    if ((call) != napi_ok) {                                                  \
      lcc_napi_throw((env), "ERR_INTERNAL", "N-API call failed: " #call);     \
      return NULL;                                                            \
    }                                                                         \
  } while (0)

#endif
