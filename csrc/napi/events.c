/* Events from the media thread to JS, through ONE napi_threadsafe_function
 * per server.
 *
 * The core calls lcc_napi_notify on the media thread when its event queue goes
 * from empty to non-empty; that makes one non-blocking tsfn call. On the JS
 * thread, lcc_napi_call_js drains the whole queue and calls the JS dispatcher
 * once with an array of plain objects:
 *   {kind: 'reply'|'candidate'|'state'|'end'|'recording', req, callId, party, code,
 *    message, text, mid, mlineIndex, state, stats}
 * (absent values are null; stats is the array stats.c builds, in the reply to
 * a stats command). Finding the call by id, and dropping events for
 * calls JS already ended, is the dispatcher's job (js/api/media-server.js).
 *
 * Thread: notify on the media thread; everything else on the JS thread. */
#include <stdint.h>
#include <string.h>

#include "glue.h"

void lcc_napi_notify(void *ctx) {
  lcc_napi_server *g = ctx;
  pthread_mutex_lock(&g->mu);
  /* Non-blocking: napi_queue_full cannot happen (unbounded queue) and
   * napi_closing only means JS is shutting down; either way the events stay
   * queued in the core and destroy frees them. */
  if (g->tsfn_live) (void)napi_call_threadsafe_function(g->tsfn, NULL, napi_tsfn_nonblocking);
  pthread_mutex_unlock(&g->mu);
}

static const char *kind_name(lcc_event_kind k) {
  switch (k) {
    case LCC_EV_REPLY: return "reply";
    case LCC_EV_CANDIDATE: return "candidate";
    case LCC_EV_STATE: return "state";
    case LCC_EV_CALL_END: return "end";
    case LCC_EV_RECORDING: return "recording";
  }
  return "unknown";
}

/* Sets obj[key] to the string (at most max bytes of buf), or null when s is NULL. */
static bool set_str(napi_env env, napi_value obj, const char *key, const char *s, size_t max) {
  napi_value v;
  napi_status st = s ? napi_create_string_utf8(env, s, strnlen(s, max), &v) : napi_get_null(env, &v);
  return st == napi_ok && napi_set_named_property(env, obj, key, v) == napi_ok;
}

static bool set_num(napi_env env, napi_value obj, const char *key, double n, bool present) {
  napi_value v;
  napi_status st = present ? napi_create_double(env, n, &v) : napi_get_null(env, &v);
  return st == napi_ok && napi_set_named_property(env, obj, key, v) == napi_ok;
}

static bool set_stats(napi_env env, napi_value obj, const lcc_stats_snapshot *snap) {
  napi_value v;
  if (snap) v = lcc_napi_stats_to_js(env, snap);
  else if (napi_get_null(env, &v) != napi_ok) v = NULL;
  return v && napi_set_named_property(env, obj, "stats", v) == napi_ok;
}

static napi_value event_to_js(napi_env env, const lcc_event *ev) {
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  bool failed = ev->err != LCC_OK;
  bool has_party = ev->kind == LCC_EV_CANDIDATE || ev->kind == LCC_EV_STATE;
  const char *message = !failed ? NULL : ev->why[0] ? ev->why : lcc_err_message(ev->err);
  /* req is a uint64 in C; JS only hands out ids below 2^53, so a double is exact. */
  bool ok = set_str(env, o, "kind", kind_name(ev->kind), SIZE_MAX) &&
            set_num(env, o, "req", (double)ev->req, true) &&
            set_str(env, o, "callId", ev->call_id[0] ? ev->call_id : NULL, sizeof ev->call_id) &&
            set_str(env, o, "party", has_party ? lcc_party_name(ev->party) : NULL, SIZE_MAX) &&
            set_str(env, o, "code", failed ? lcc_err_code(ev->err) : NULL, SIZE_MAX) &&
            set_str(env, o, "message", message, sizeof ev->why) &&
            set_str(env, o, "text", ev->text, SIZE_MAX) &&
            set_str(env, o, "mid", ev->mid[0] ? ev->mid : NULL, sizeof ev->mid) &&
            set_num(env, o, "mlineIndex", ev->mline_index, ev->mline_index >= 0) &&
            set_str(env, o, "state", ev->kind == LCC_EV_STATE ? lcc_leg_state_name(ev->state) : NULL, SIZE_MAX) &&
            set_stats(env, o, ev->stats);
  return ok ? o : NULL;
}

static napi_value events_to_js(napi_env env, const lcc_event *list) {
  napi_value arr;
  if (napi_create_array(env, &arr) != napi_ok) return NULL;
  uint32_t i = 0;
  for (const lcc_event *ev = list; ev; ev = ev->next) {
    napi_value o = event_to_js(env, ev);
    if (!o || napi_set_element(env, arr, i++, o) != napi_ok) return NULL;
  }
  return arr;
}

/* An exception escaping the dispatcher (it catches listener errors itself, so
 * this is a bug in the glue or JS) becomes an uncaught exception, as it would
 * in any other Node callback. */
static void rethrow_pending(napi_env env) {
  bool pending = false;
  napi_value exc;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &exc) == napi_ok)
    napi_fatal_exception(env, exc);
}

void lcc_napi_call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)js_cb;
  (void)data;
  lcc_napi_server *g = context;
  /* env is NULL while the tsfn is being torn down; server is NULL after
   * close (calls queued before close still arrive here). */
  if (!env || !g->server) return;
  lcc_event *list = lcc_server_drain(g->server);
  if (!list) return;
  napi_value fn = NULL, arr, undefined, result;
  if (g->dispatcher) napi_get_reference_value(env, g->dispatcher, &fn);
  if (fn && (arr = events_to_js(env, list)) && napi_get_undefined(env, &undefined) == napi_ok)
    napi_call_function(env, undefined, fn, 1, &arr, &result);
  /* Everything the dispatcher keeps was copied into JS strings. */
  lcc_event_free_list(list);
  rethrow_pending(env);
}
