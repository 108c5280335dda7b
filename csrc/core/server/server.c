/* The media server: its media thread (a GMainContext + GMainLoop), the command
 * queue in, the event queue out, and the table of calls.
 *
 * Everything below "media thread" runs on that thread only; the queues are
 * the only state shared with other threads, under `mu` (plus the count of
 * commands run, an atomic). Leaves ICE/DTLS/relay to call.c and its legs.
 * Thread: see server.h. */
#include "server.h"

#include <glib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "relay/call.h"
#include "transport/dtls.h"
#include "transport/tcp_guard.h"
#include "record/recorder.h"

typedef struct cmd_node {
  lcc_cmd cmd;
  char *text; /* owned copy of cmd.text */
  struct cmd_node *next;
} cmd_node;

/* What a command answers: text (SDP, a summary) or a stats snapshot. Owned
 * until handed to the reply event. */
typedef struct {
  char *text;
  lcc_stats_snapshot *stats;
} reply_data;

struct lcc_server {
  lcc_server_opts opts; /* ice_servers changed by the media thread only */
  lcc_leg_opts leg_opts; /* what the legs see of opts (leg_opts_from), kept in step with it */
  GMainContext *ctx;
  GMainLoop *loop;
  GThread *thread;
  lcc_dtls_cert *cert;
  lcc_rec_thread *rec;
  GHashTable *calls; /* media thread: id -> lcc_call* */
  lcc_tcp_guard *tcp_guard; /* media thread; with ICE-TCP on only */

  _Atomic uint64_t commands_run; /* written by the media thread, read by any */
  _Atomic uint64_t ice_tcp_shut; /* the guard's count, copied by the media thread; read by any */

  GMutex mu; /* guards everything below */
  cmd_node *cmd_head, *cmd_tail;
  lcc_event *ev_head, *ev_tail;
  bool closing;

  void (*notify)(void *ctx);
  void *notify_ctx;
};

void lcc_server_opts_init(lcc_server_opts *o) {
  memset(o, 0, sizeof *o);
  o->disconnected_after_ms = 5000;
  o->dtls_timeout_ms = 15000;
}

/* The legs' (and their ICE agents') options, from the server's. */
static void leg_opts_from(lcc_leg_opts *l, const lcc_server_opts *o) {
  memset(l, 0, sizeof *l);
  l->ice = o->ice;
  l->disconnected_after_ms = o->disconnected_after_ms;
  l->dtls_timeout_ms = o->dtls_timeout_ms;
}

/* --- the event queue (media thread -> owner) --- */

/* Queues an event for the owner. */
static void server_emit(void *ctx, lcc_event *ev) {
  lcc_server *s = ctx;
  if (!ev) return;
  g_mutex_lock(&s->mu);
  bool was_empty = s->ev_head == NULL;
  if (s->ev_tail) s->ev_tail->next = ev;
  else s->ev_head = ev;
  s->ev_tail = ev;
  g_mutex_unlock(&s->mu);
  if (was_empty && s->notify) s->notify(s->notify_ctx);
}

lcc_event *lcc_server_drain(lcc_server *s) {
  g_mutex_lock(&s->mu);
  lcc_event *head = s->ev_head;
  s->ev_head = s->ev_tail = NULL;
  g_mutex_unlock(&s->mu);
  return head;
}

/* Queues the reply to cmd; it takes over out's text and stats. */
static void emit_reply(lcc_server *s, const lcc_cmd *cmd, lcc_err err, const lcc_why *why,
                       reply_data *out) {
  lcc_event *ev = lcc_event_new(LCC_EV_REPLY, cmd->call_id, cmd->party);
  if (!ev) {
    free(out->text);
    free(out->stats);
    return;
  }
  ev->req = cmd->req;
  ev->err = err;
  if (err != LCC_OK)
    g_strlcpy(ev->why, why && why->msg[0] ? why->msg : lcc_err_message(err), sizeof ev->why);
  ev->text = out->text;
  ev->stats = out->stats;
  server_emit(s, ev);
}

/* Runs fn(data) once on the media thread (thread-safe: g_source_attach wakes
 * the loop). destroy frees data whether or not fn ran (a destroyed server). */
static void on_media_thread(lcc_server *s, GSourceFunc fn, gpointer data, GDestroyNotify destroy) {
  GSource *src = g_idle_source_new();
  g_source_set_priority(src, G_PRIORITY_HIGH_IDLE);
  g_source_set_callback(src, fn, data, destroy);
  g_source_attach(src, s->ctx);
  g_source_unref(src);
}

typedef struct {
  lcc_server *s;
  lcc_event *ev;
} rec_report;

static gboolean emit_rec_report(gpointer data) {
  rec_report *rr = data;
  server_emit(rr->s, rr->ev);
  rr->ev = NULL;
  return G_SOURCE_REMOVE;
}

static void free_rec_report(gpointer data) {
  rec_report *rr = data;
  lcc_event_free_list(rr->ev); /* not emitted: the server was destroyed first */
  g_free(rr);
}

/* The recorder thread reports the end (or failure) of a recording. The event
 * goes out through the media thread, so it always follows the replies and
 * events the media thread already queued for that call (a recording that
 * fails at once still comes after the call's creation). */
static void on_recording(void *ctx, const char *call_id, lcc_err err, const char *why, char *sidecar) {
  lcc_server *s = ctx;
  lcc_event *ev = lcc_event_new(LCC_EV_RECORDING, call_id, LCC_PARTY_VISITOR);
  if (!ev) {
    free(sidecar);
    return;
  }
  ev->err = err;
  if (why) g_strlcpy(ev->why, why, sizeof ev->why);
  ev->text = sidecar;
  rec_report *rr = g_new0(rec_report, 1);
  rr->s = s;
  rr->ev = ev;
  on_media_thread(s, emit_rec_report, rr, free_rec_report);
}

typedef struct {
  lcc_server *s;
  char call_id[LCC_CALL_ID_MAX];
  lcc_party party;
} keyframe_req;

static gboolean run_keyframe_req(gpointer data) {
  keyframe_req *k = data;
  lcc_call *c = g_hash_table_lookup(k->s->calls, k->call_id);
  if (c) lcc_call_request_keyframe(c, k->party);
  return G_SOURCE_REMOVE;
}

/* The recorder needs a video keyframe: the media thread asks the party (PLI). */
static void on_recording_keyframe(void *ctx, const char *call_id, lcc_party party) {
  lcc_server *s = ctx;
  keyframe_req *k = g_new0(keyframe_req, 1);
  k->s = s;
  g_strlcpy(k->call_id, call_id, sizeof k->call_id);
  k->party = party;
  on_media_thread(s, run_keyframe_req, k, g_free);
}

/* --- commands (media thread) --- */

static void end_call(lcc_server *s, lcc_call *c, const char *id, char **summary_out) {
  lcc_call_begin_command(c); /* the legs' 'closed' states come out when the call ends */
  char *summary = lcc_call_end(c);
  lcc_event *ev = lcc_event_new(LCC_EV_CALL_END, id, LCC_PARTY_VISITOR);
  if (ev) {
    ev->text = summary ? strdup(summary) : NULL;
    server_emit(s, ev);
  }
  if (summary_out) *summary_out = summary;
  else free(summary);
}

static lcc_err run_call_create(lcc_server *s, const lcc_cmd *cmd, lcc_why *why) {
  if (!cmd->call_id[0]) return lcc_fail(why, LCC_ERR_INVALID_OPTION, "call id is empty");
  if (cmd->record && !s->opts.recordings_dir[0])
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "record: true needs a recordings directory");
  if (g_hash_table_contains(s->calls, cmd->call_id))
    return lcc_fail(why, LCC_ERR_CALL_EXISTS, "call '%s' exists", cmd->call_id);
  lcc_call_env env = {s->ctx, s->cert, &s->leg_opts, s->opts.recordings_dir, s->rec, server_emit, s};
  lcc_call *c = lcc_call_create(&env, cmd->call_id, cmd->record);
  if (!c) return lcc_fail(why, LCC_ERR_NO_MEMORY, "cannot create call");
  g_hash_table_insert(s->calls, g_strdup(cmd->call_id), c);
  return LCC_OK;
}

/* One call's statistics, as a snapshot of one. */
static lcc_err stats_of_call(lcc_call *c, lcc_stats_snapshot **out, lcc_why *why) {
  lcc_stats_snapshot *snap = lcc_stats_snapshot_new(1);
  if (!snap) return lcc_fail(why, LCC_ERR_NO_MEMORY, "cannot allocate the stats snapshot");
  lcc_call_stats_read(c, &snap->calls[0]);
  *out = snap;
  return LCC_OK;
}

/* Every live call's statistics in one visit: one allocation, then copying. */
static lcc_err stats_of_all(lcc_server *s, lcc_stats_snapshot **out, lcc_why *why) {
  lcc_stats_snapshot *snap = lcc_stats_snapshot_new(g_hash_table_size(s->calls));
  if (!snap) return lcc_fail(why, LCC_ERR_NO_MEMORY, "cannot allocate the stats snapshot");
  GHashTableIter it;
  gpointer val;
  size_t i = 0;
  g_hash_table_iter_init(&it, s->calls);
  while (g_hash_table_iter_next(&it, NULL, &val) && i < snap->n) lcc_call_stats_read(val, &snap->calls[i++]);
  *out = snap;
  return LCC_OK;
}

static lcc_err run_on_call(lcc_server *s, lcc_call *c, const cmd_node *n, reply_data *out,
                           lcc_why *why) {
  const lcc_cmd *cmd = &n->cmd;
  if ((unsigned)cmd->party >= LCC_PARTY_COUNT) return lcc_fail(why, LCC_ERR_INVALID_PARTY, "bad party");
  switch (cmd->kind) {
    case LCC_CMD_ANSWER: return lcc_call_answer(c, cmd->party, n->text ? n->text : "", &out->text, why);
    case LCC_CMD_OFFER: return lcc_call_offer(c, cmd->party, &out->text, why);
    case LCC_CMD_ACCEPT_ANSWER: return lcc_call_accept_answer(c, cmd->party, n->text ? n->text : "", why);
    case LCC_CMD_ADD_CANDIDATE:
      return lcc_call_add_candidate(c, cmd->party, n->text, cmd->mid, cmd->mline_index, why);
    case LCC_CMD_RESTART_ICE: return lcc_call_restart_ice(c, cmd->party, &out->text, why);
    case LCC_CMD_RESET_LEG: return lcc_call_reset_leg(c, cmd->party, why);
    case LCC_CMD_STATS: return stats_of_call(c, &out->stats, why);
    case LCC_CMD_RECORDING_START: return lcc_call_recording(c, LCC_REC_START, why);
    case LCC_CMD_RECORDING_PAUSE: return lcc_call_recording(c, LCC_REC_PAUSE, why);
    case LCC_CMD_RECORDING_RESUME: return lcc_call_recording(c, LCC_REC_RESUME, why);
    case LCC_CMD_RECORDING_STOP: return lcc_call_recording(c, LCC_REC_STOP, why);
    case LCC_CMD_CALL_END:
      g_hash_table_steal(s->calls, cmd->call_id); /* key freed below */
      end_call(s, c, cmd->call_id, &out->text);
      return LCC_OK;
    default: return lcc_fail(why, LCC_ERR_INTERNAL, "unknown command %d", (int)cmd->kind);
  }
}

static void run_command(lcc_server *s, cmd_node *n) {
  const lcc_cmd *cmd = &n->cmd;
  lcc_why why = {{0}};
  reply_data out = {0};
  lcc_err err = LCC_OK;
  atomic_fetch_add_explicit(&s->commands_run, 1, memory_order_relaxed);
  if (cmd->kind == LCC_CMD_CALL_CREATE) {
    err = run_call_create(s, cmd, &why);
  } else if (cmd->kind == LCC_CMD_STATS_ALL) {
    err = stats_of_all(s, &out.stats, &why);
  } else if (cmd->kind == LCC_CMD_SET_ICE_SERVERS) {
    size_t n_srv = cmd->n_ice_servers < LCC_MAX_ICE_SERVERS ? cmd->n_ice_servers : LCC_MAX_ICE_SERVERS;
    memcpy(s->opts.ice.ice_servers, cmd->ice_servers, n_srv * sizeof cmd->ice_servers[0]);
    s->opts.ice.n_ice_servers = n_srv;
    leg_opts_from(&s->leg_opts, &s->opts);
  } else {
    gpointer key = NULL, val = NULL;
    if (!g_hash_table_lookup_extended(s->calls, cmd->call_id, &key, &val))
      err = lcc_fail(&why, LCC_ERR_CALL_NOT_FOUND, "no call '%s'", cmd->call_id);
    else {
      lcc_call_begin_command(val); /* its events wait for the reply (lcc_call_after_command) */
      err = run_on_call(s, val, n, &out, &why);
    }
    if (cmd->kind == LCC_CMD_CALL_END && key) {
      g_free(key);
      val = NULL; /* freed by the end */
    }
    emit_reply(s, cmd, err, &why, &out);
    if (val) lcc_call_after_command(val);
    return;
  }
  emit_reply(s, cmd, err, &why, &out);
}

static gboolean run_commands(gpointer data) {
  lcc_server *s = data;
  g_mutex_lock(&s->mu);
  cmd_node *n = s->cmd_head;
  s->cmd_head = s->cmd_tail = NULL;
  g_mutex_unlock(&s->mu);
  while (n) {
    cmd_node *next = n->next;
    run_command(s, n);
    free(n->text);
    free(n);
    n = next;
  }
  return G_SOURCE_REMOVE;
}

/* Ends every call and stops the loop (the last thing the media thread does). */
static gboolean run_shutdown(gpointer data) {
  lcc_server *s = data;
  run_commands(s); /* commands posted before close still get replies */
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init(&it, s->calls);
  while (g_hash_table_iter_next(&it, &key, &val)) {
    g_hash_table_iter_steal(&it);
    end_call(s, val, key, NULL);
    g_free(key);
  }
  g_main_loop_quit(s->loop);
  return G_SOURCE_REMOVE;
}

/* One sweep of the ICE-TCP guard over every leg (tcp_guard.h). */
static gboolean run_tcp_guard(gpointer data) {
  lcc_server *s = data;
  if (lcc_tcp_guard_begin(s->tcp_guard) < 0) return G_SOURCE_CONTINUE;
  GHashTableIter it;
  gpointer val;
  g_hash_table_iter_init(&it, s->calls);
  while (g_hash_table_iter_next(&it, NULL, &val)) lcc_call_guard_tcp(val, s->tcp_guard);
  lcc_tcp_guard_end(s->tcp_guard);
  atomic_store_explicit(&s->ice_tcp_shut, lcc_tcp_guard_shut_total(s->tcp_guard), memory_order_relaxed);
  return G_SOURCE_CONTINUE;
}

static gpointer media_thread(gpointer data) {
  lcc_server *s = data;
  g_main_context_push_thread_default(s->ctx);
  GSource *guard = NULL;
  if (s->opts.ice.tcp && (s->tcp_guard = lcc_tcp_guard_new()) != NULL) {
    guard = g_timeout_source_new(LCC_TCP_GUARD_INTERVAL_MS);
    g_source_set_callback(guard, run_tcp_guard, s, NULL);
    g_source_attach(guard, s->ctx);
  }
  g_main_loop_run(s->loop);
  if (guard) {
    g_source_destroy(guard);
    g_source_unref(guard);
  }
  lcc_tcp_guard_free(s->tcp_guard);
  s->tcp_guard = NULL;
  g_main_context_pop_thread_default(s->ctx);
  return NULL;
}


/* --- the owner's side --- */

static cmd_node *copy_command(const lcc_cmd *cmd) {
  cmd_node *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->cmd = *cmd;
  n->cmd.call_id[sizeof n->cmd.call_id - 1] = 0;
  n->cmd.mid[sizeof n->cmd.mid - 1] = 0;
  if (cmd->text && !(n->text = strdup(cmd->text))) {
    free(n);
    return NULL;
  }
  n->cmd.text = NULL;
  return n;
}

static lcc_err enqueue(lcc_server *s, cmd_node *n) {
  g_mutex_lock(&s->mu);
  if (s->closing) {
    g_mutex_unlock(&s->mu);
    free(n->text);
    free(n);
    return LCC_ERR_SERVER_CLOSED;
  }
  bool was_empty = s->cmd_head == NULL;
  if (s->cmd_tail) s->cmd_tail->next = n;
  else s->cmd_head = n;
  s->cmd_tail = n;
  g_mutex_unlock(&s->mu);
  if (was_empty) on_media_thread(s, run_commands, s, NULL);
  return LCC_OK;
}

lcc_err lcc_server_post(lcc_server *s, const lcc_cmd *cmd) {
  cmd_node *n = copy_command(cmd);
  if (!n) return LCC_ERR_NO_MEMORY;
  return enqueue(s, n);
}

uint64_t lcc_server_ice_tcp_shut(const lcc_server *s) {
  return atomic_load_explicit(&s->ice_tcp_shut, memory_order_relaxed);
}

uint64_t lcc_server_commands_run(const lcc_server *s) {
  return atomic_load_explicit(&s->commands_run, memory_order_relaxed);
}

static lcc_err check_opts(const lcc_server_opts *o, lcc_why *why) {
  if (o->ice.port_min > o->ice.port_max)
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "ports.min %u > ports.max %u", o->ice.port_min, o->ice.port_max);
  if (o->ice.n_listen > LCC_MAX_LISTEN || o->ice.n_ice_servers > LCC_MAX_ICE_SERVERS)
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "too many listen addresses or ICE servers");
  return LCC_OK;
}

lcc_server *lcc_server_create(const lcc_server_opts *opts, void (*notify)(void *ctx), void *ctx,
                              lcc_err *err, lcc_why *why) {
  lcc_err e = check_opts(opts, why);
  if (e != LCC_OK) goto fail_early;
  lcc_server *s = calloc(1, sizeof *s);
  if (!s) {
    e = lcc_fail(why, LCC_ERR_NO_MEMORY, "out of memory");
    goto fail_early;
  }
  s->opts = *opts;
  leg_opts_from(&s->leg_opts, &s->opts);
  s->notify = notify;
  s->notify_ctx = ctx;
  g_mutex_init(&s->mu);
  s->cert = lcc_dtls_cert_create(why);
  if (!s->cert) {
    e = LCC_ERR_DTLS_FAILED;
    goto fail;
  }
  s->rec = lcc_rec_thread_create(on_recording, on_recording_keyframe, s);
  s->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->ctx = g_main_context_new();
  s->loop = g_main_loop_new(s->ctx, FALSE);
  s->thread = g_thread_new("lcc-media", media_thread, s);
  return s;
fail:
  g_mutex_clear(&s->mu);
  free(s);
fail_early:
  if (err) *err = e;
  return NULL;
}

void lcc_server_destroy(lcc_server *s) {
  if (!s) return;
  g_mutex_lock(&s->mu);
  s->closing = true;
  g_mutex_unlock(&s->mu);
  on_media_thread(s, run_shutdown, s, NULL);
  g_thread_join(s->thread);
  lcc_rec_thread_destroy(s->rec); /* finishes the recordings the ended calls stopped */
  /* Drop sources still attached (timers of freed legs were removed by them). */
  g_main_loop_unref(s->loop);
  g_main_context_unref(s->ctx);
  g_hash_table_destroy(s->calls);
  lcc_dtls_cert_destroy(s->cert);
  lcc_event_free_list(s->ev_head);
  g_mutex_clear(&s->mu);
  free(s);
}

const char *lcc_server_fingerprint(const lcc_server *s) { return lcc_dtls_cert_fingerprint(s->cert); }
