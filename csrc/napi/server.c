/* The native Server class behind a JS MediaServer (js/api/media-server.js).
 *
 *   new Server(options, dispatcher)  options already validated by JS
 *   server.post(cmd)                 queue a command; its reply arrives as an event
 *   server.close()                   deliver queued events, destroy the core server (idempotent)
 *   server.ref() / server.unref()    keep Node alive while calls or requests live
 *   server.fingerprint               "AB:CD:..." (sha-256 of the DTLS certificate)
 *   server.commandsRun               commands the media thread has run (kept after close)
 *   server.iceTcpShut                ICE-TCP connections shut for passing no check (kept after close)
 *
 * After close every method throws ERR_SERVER_CLOSED. The glue re-checks
 * lengths even though JS validated them: it copies into fixed C buffers.
 *
 * If JS drops a MediaServer without close(), the wrapper's finalizer destroys
 * the server. lcc_server_destroy joins the media thread, so the finalizer
 * blocks the JS thread for as long as the loop takes to stop (milliseconds);
 * close() is the way to choose when that happens.
 *
 * Thread: JS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

/* ---- reading JS values into C buffers ------------------------------------ */

/* obj[key], or NULL (no exception) when absent, undefined or null. */
static napi_value get_opt(napi_env env, napi_value obj, const char *key) {
  bool has = false;
  napi_value v;
  napi_valuetype t;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return NULL;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t == napi_undefined || t == napi_null) return NULL;
  return v;
}

static bool bad_option(napi_env env, const char *key, const char *expected) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s must be %s", key, expected);
  lcc_napi_throw(env, "ERR_INVALID_OPTION", msg);
  return false;
}

/* Copies string v into buf (size bytes, NUL-terminated); fails if it does not fit. */
static bool copy_str(napi_env env, napi_value v, const char *key, char *buf, size_t size) {
  size_t len = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return bad_option(env, key, "a string");
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return bad_option(env, key, "a string");
  if (len >= size) {
    char expected[64];
    snprintf(expected, sizeof expected, "at most %zu bytes long", size - 1);
    return bad_option(env, key, expected);
  }
  return napi_get_value_string_utf8(env, v, buf, size, &len) == napi_ok;
}

/* obj[key] into buf; absent leaves buf as it is (unless required). */
static bool get_str(napi_env env, napi_value obj, const char *key, char *buf, size_t size, bool required) {
  napi_value v = get_opt(env, obj, key);
  if (!v) return required ? bad_option(env, key, "a string") : true;
  return copy_str(env, v, key, buf, size);
}

/* A whole JS string, allocated (transfer full: free()); NULL with an exception on failure. */
static char *dup_str(napi_env env, napi_value v, const char *key) {
  size_t len = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string ||
      napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    bad_option(env, key, "a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    lcc_napi_throw_err(env, LCC_ERR_NO_MEMORY, NULL);
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static bool get_u32(napi_env env, napi_value obj, const char *key, uint32_t max, uint32_t *out) {
  napi_value v = get_opt(env, obj, key);
  if (!v) return true;
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > max || d != (double)(uint32_t)d)
    return bad_option(env, key, "a non-negative integer in range");
  *out = (uint32_t)d;
  return true;
}

static bool get_bool(napi_env env, napi_value obj, const char *key, bool *out) {
  napi_value v = get_opt(env, obj, key);
  if (!v) return true;
  if (napi_get_value_bool(env, v, out) != napi_ok) return bad_option(env, key, "a boolean");
  return true;
}

/* ---- options and commands ------------------------------------------------- */

static const struct {
  const char *name;
  lcc_ice_server_kind kind;
} ice_kinds[] = {
    {"stun", LCC_ICE_STUN},
    {"turn-udp", LCC_ICE_TURN_UDP},
    {"turn-tcp", LCC_ICE_TURN_TCP},
    {"turn-tls", LCC_ICE_TURN_TLS},
};

static bool read_ice_server(napi_env env, napi_value o, lcc_ice_server *out) {
  char kind[16] = "";
  uint32_t port = 0;
  memset(out, 0, sizeof *out);
  if (!get_str(env, o, "kind", kind, sizeof kind, true) ||
      !get_str(env, o, "host", out->host, sizeof out->host, true) ||
      !get_u32(env, o, "port", 65535, &port) ||
      !get_str(env, o, "username", out->username, sizeof out->username, false) ||
      !get_str(env, o, "credential", out->credential, sizeof out->credential, false))
    return false;
  out->port = (uint16_t)port;
  for (size_t i = 0; i < sizeof ice_kinds / sizeof ice_kinds[0]; i++) {
    if (strcmp(kind, ice_kinds[i].name) == 0) {
      out->kind = ice_kinds[i].kind;
      return true;
    }
  }
  return bad_option(env, "iceServers[].kind", "'stun', 'turn-udp', 'turn-tcp' or 'turn-tls'");
}

/* obj.iceServers (absent = none) into out[LCC_MAX_ICE_SERVERS]. */
static bool read_ice_servers(napi_env env, napi_value obj, lcc_ice_server *out, size_t *n) {
  napi_value arr = get_opt(env, obj, "iceServers");
  bool is_array = false;
  uint32_t len = 0;
  *n = 0;
  if (!arr) return true;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, arr, &len) != napi_ok)
    return bad_option(env, "iceServers", "an array");
  if (len > LCC_MAX_ICE_SERVERS) return bad_option(env, "iceServers", "at most 8 entries");
  for (uint32_t i = 0; i < len; i++) {
    napi_value el;
    if (napi_get_element(env, arr, i, &el) != napi_ok || !read_ice_server(env, el, &out[i])) return false;
  }
  *n = len;
  return true;
}

static bool read_listen(napi_env env, napi_value obj, lcc_server_opts *opts) {
  napi_value arr = get_opt(env, obj, "listenAddresses");
  bool is_array = false;
  uint32_t len = 0;
  if (!arr) return true;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, arr, &len) != napi_ok)
    return bad_option(env, "listenAddresses", "an array");
  if (len > LCC_MAX_LISTEN) return bad_option(env, "listenAddresses", "at most 8 addresses");
  for (uint32_t i = 0; i < len; i++) {
    napi_value el;
    if (napi_get_element(env, arr, i, &el) != napi_ok ||
        !copy_str(env, el, "listenAddresses[]", opts->ice.listen_addresses[i], sizeof opts->ice.listen_addresses[i]))
      return false;
  }
  opts->ice.n_listen = len;
  return true;
}

static bool read_opts(napi_env env, napi_value obj, lcc_server_opts *opts) {
  uint32_t port_min = opts->ice.port_min, port_max = opts->ice.port_max;
  napi_valuetype t;
  if (napi_typeof(env, obj, &t) != napi_ok || t != napi_object) return bad_option(env, "options", "an object");
  if (!read_listen(env, obj, opts) ||
      !get_str(env, obj, "announcedAddress", opts->ice.announced_address, sizeof opts->ice.announced_address, false) ||
      !get_u32(env, obj, "portMin", 65535, &port_min) || !get_u32(env, obj, "portMax", 65535, &port_max) ||
      !read_ice_servers(env, obj, opts->ice.ice_servers, &opts->ice.n_ice_servers) ||
      !get_str(env, obj, "recordingsDir", opts->recordings_dir, sizeof opts->recordings_dir, false) ||
      !get_u32(env, obj, "disconnectedAfterMs", UINT32_MAX, &opts->disconnected_after_ms) ||
      !get_u32(env, obj, "dtlsTimeoutMs", UINT32_MAX, &opts->dtls_timeout_ms) ||
      !get_bool(env, obj, "iceTcp", &opts->ice.tcp) ||
      !get_bool(env, obj, "denyPrivateCandidates", &opts->ice.deny_private))
    return false;
  opts->ice.port_min = (uint16_t)port_min;
  opts->ice.port_max = (uint16_t)port_max;
  return true;
}

static const struct {
  const char *name;
  lcc_cmd_kind kind;
} cmd_kinds[] = {
    {"callCreate", LCC_CMD_CALL_CREATE}, {"answer", LCC_CMD_ANSWER},
    {"offer", LCC_CMD_OFFER},            {"acceptAnswer", LCC_CMD_ACCEPT_ANSWER},
    {"addCandidate", LCC_CMD_ADD_CANDIDATE}, {"restartIce", LCC_CMD_RESTART_ICE},
    {"resetLeg", LCC_CMD_RESET_LEG},
    {"stats", LCC_CMD_STATS},            {"statsAll", LCC_CMD_STATS_ALL},
    {"callEnd", LCC_CMD_CALL_END},
    {"setIceServers", LCC_CMD_SET_ICE_SERVERS}, {"recordingStart", LCC_CMD_RECORDING_START},
    {"recordingPause", LCC_CMD_RECORDING_PAUSE}, {"recordingResume", LCC_CMD_RECORDING_RESUME},
    {"recordingStop", LCC_CMD_RECORDING_STOP},
};

static bool read_cmd_kind(napi_env env, napi_value obj, lcc_cmd *cmd) {
  char kind[32] = "";
  if (!get_str(env, obj, "kind", kind, sizeof kind, true)) return false;
  for (size_t i = 0; i < sizeof cmd_kinds / sizeof cmd_kinds[0]; i++) {
    if (strcmp(kind, cmd_kinds[i].name) == 0) {
      cmd->kind = cmd_kinds[i].kind;
      return true;
    }
  }
  return bad_option(env, "cmd.kind", "a known command");
}

static bool read_party(napi_env env, napi_value obj, lcc_cmd *cmd) {
  char party[16] = "";
  if (!get_str(env, obj, "party", party, sizeof party, false)) return false;
  if (!party[0]) return true;
  for (int p = 0; p < LCC_PARTY_COUNT; p++) {
    if (strcmp(party, lcc_party_name((lcc_party)p)) == 0) {
      cmd->party = (lcc_party)p;
      return true;
    }
  }
  lcc_napi_throw_err(env, LCC_ERR_INVALID_PARTY, NULL);
  return false;
}

/* req: a Number below 2^53 (JS hands them out); 0 = no reply wanted. */
static bool read_req(napi_env env, napi_value obj, uint64_t *req) {
  napi_value v = get_opt(env, obj, "req");
  double d;
  if (!v) return true;
  if (napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > 9007199254740991.0 || d != (double)(uint64_t)d)
    return bad_option(env, "cmd.req", "an integer below 2^53");
  *req = (uint64_t)d;
  return true;
}

/* Fills cmd from a JS object; *text receives the allocated text (free() it), or NULL. */
static bool read_cmd(napi_env env, napi_value obj, lcc_cmd *cmd, char **text) {
  napi_valuetype t;
  uint32_t mline = 0;
  memset(cmd, 0, sizeof *cmd);
  cmd->mline_index = -1;
  *text = NULL;
  if (napi_typeof(env, obj, &t) != napi_ok || t != napi_object) return bad_option(env, "cmd", "an object");
  if (!read_cmd_kind(env, obj, cmd) || !read_req(env, obj, &cmd->req) ||
      !get_str(env, obj, "callId", cmd->call_id, sizeof cmd->call_id, false) || !read_party(env, obj, cmd) ||
      !get_str(env, obj, "mid", cmd->mid, sizeof cmd->mid, false) || !get_bool(env, obj, "record", &cmd->record) ||
      !read_ice_servers(env, obj, cmd->ice_servers, &cmd->n_ice_servers))
    return false;
  if (get_opt(env, obj, "mlineIndex")) {
    if (!get_u32(env, obj, "mlineIndex", 65535, &mline)) return false;
    cmd->mline_index = (int)mline;
  }
  napi_value v = get_opt(env, obj, "text");
  if (v && !(*text = dup_str(env, v, "cmd.text"))) return false;
  cmd->text = *text;
  return true;
}

/* ---- the class --------------------------------------------------------- */

static void glue_free(lcc_napi_server *g) {
  pthread_mutex_destroy(&g->mu);
  free(g);
}

/* Destroys the core server, then lets go of the tsfn. Idempotent. */
static void glue_shutdown(napi_env env, lcc_napi_server *g) {
  if (!g->server) return;
  pthread_mutex_lock(&g->mu);
  g->tsfn_live = false; /* from here notify no longer touches the tsfn */
  pthread_mutex_unlock(&g->mu);
  lcc_server *s = g->server;
  g->server = NULL;
  g->commands_run = lcc_server_commands_run(s);
  g->ice_tcp_shut = lcc_server_ice_tcp_shut(s);
  lcc_server_destroy(s); /* joins the media thread */
  if (g->tsfn && !g->tsfn_released) {
    napi_release_threadsafe_function(g->tsfn, napi_tsfn_release);
    g->tsfn_released = true;
  }
  if (g->dispatcher) {
    napi_delete_reference(env, g->dispatcher);
    g->dispatcher = NULL;
  }
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  lcc_napi_server *g = data;
  pthread_mutex_lock(&g->mu);
  g->tsfn_live = false;
  g->tsfn = NULL;
  pthread_mutex_unlock(&g->mu);
  g->tsfn_gone = true;
  if (g->wrap_gone) glue_free(g);
}

static void wrap_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  lcc_napi_server *g = data;
  glue_shutdown(env, g); /* no-op after close() */
  if (g->dispatcher) {
    napi_delete_reference(env, g->dispatcher);
    g->dispatcher = NULL;
  }
  g->wrap_gone = true;
  if (g->tsfn_gone) glue_free(g);
}

/* Creates the tsfn (unref'd: an idle server must not keep Node alive). */
static bool glue_start_tsfn(napi_env env, lcc_napi_server *g) {
  napi_value name;
  if (napi_create_string_utf8(env, "livechat-calls:events", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, g, tsfn_finalize, g, lcc_napi_call_js,
                                      &g->tsfn) != napi_ok)
    return false;
  g->tsfn_live = true;
  napi_unref_threadsafe_function(env, g->tsfn);
  return true;
}

/* Undoes glue_start_tsfn after a failed construction; the tsfn's finalizer frees g. */
static void glue_abandon(napi_env env, lcc_napi_server *g) {
  pthread_mutex_lock(&g->mu);
  g->tsfn_live = false;
  pthread_mutex_unlock(&g->mu);
  if (g->dispatcher) napi_delete_reference(env, g->dispatcher);
  g->dispatcher = NULL;
  g->wrap_gone = true;
  napi_release_threadsafe_function(g->tsfn, napi_tsfn_release);
}

static lcc_napi_server *glue_alloc(napi_env env, napi_value dispatcher) {
  lcc_napi_server *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  pthread_mutex_init(&g->mu, NULL);
  if (napi_create_reference(env, dispatcher, 0, &g->dispatcher) != napi_ok) {
    glue_free(g);
    return NULL;
  }
  if (!glue_start_tsfn(env, g)) {
    napi_delete_reference(env, g->dispatcher);
    glue_free(g);
    return NULL;
  }
  return g;
}

static napi_value server_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self, target;
  napi_valuetype t = napi_undefined;
  LCC_NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  LCC_NAPI_CALL(env, napi_get_new_target(env, info, &target));
  if (!target) {
    lcc_napi_throw(env, "ERR_INTERNAL", "Server must be called with new");
    return NULL;
  }
  if (argc < 2 || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    bad_option(env, "dispatcher", "a function");
    return NULL;
  }

  lcc_server_opts opts;
  lcc_server_opts_init(&opts);
  if (!read_opts(env, argv[0], &opts)) return NULL;

  lcc_napi_server *g = glue_alloc(env, argv[1]);
  if (!g) {
    lcc_napi_throw(env, "ERR_INTERNAL", "cannot create the event channel");
    return NULL;
  }
  lcc_err err = LCC_OK;
  lcc_why why = {{0}};
  g->server = lcc_server_create(&opts, lcc_napi_notify, g, &err, &why);
  if (!g->server) {
    glue_abandon(env, g);
    lcc_napi_throw_err(env, err ? err : LCC_ERR_INTERNAL, why.msg);
    return NULL;
  }
  const char *fp = lcc_server_fingerprint(g->server);
  snprintf(g->fingerprint, sizeof g->fingerprint, "%s", fp ? fp : "");
  if (napi_wrap(env, self, g, wrap_finalize, NULL, NULL) != napi_ok) {
    glue_shutdown(env, g);
    g->wrap_gone = true; /* the released tsfn's finalizer frees g */
    lcc_napi_throw(env, "ERR_INTERNAL", "cannot wrap the server");
    return NULL;
  }
  return self;
}

/* this's glue; with open = true, throws ERR_SERVER_CLOSED after close. */
static lcc_napi_server *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, bool open) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok || napi_unwrap(env, self, &data) != napi_ok ||
      !data) {
    lcc_napi_throw(env, "ERR_INTERNAL", "not a Server");
    return NULL;
  }
  lcc_napi_server *g = data;
  if (open && !g->server) {
    lcc_napi_throw_err(env, LCC_ERR_SERVER_CLOSED, NULL);
    return NULL;
  }
  return g;
}

static napi_value server_post(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  lcc_napi_server *g = unwrap(env, info, &argc, argv, true);
  lcc_cmd cmd;
  char *text = NULL;
  if (!g) return NULL;
  if (argc < 1 || !read_cmd(env, argv[0], &cmd, &text)) {
    free(text);
    return NULL;
  }
  lcc_err err = lcc_server_post(g->server, &cmd);
  free(text);
  if (err != LCC_OK) lcc_napi_throw_err(env, err, NULL);
  return NULL;
}

/* Delivers what is already queued (the dispatcher runs once more, synchronously),
 * then destroys the server. Events the destroy itself produces (the end of
 * calls JS did not end first) are freed with it: JS ends its calls first. */
static napi_value server_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  lcc_napi_server *g = unwrap(env, info, &argc, NULL, false);
  if (!g || !g->server) return NULL;
  lcc_napi_call_js(env, NULL, g, NULL);
  glue_shutdown(env, g);
  return NULL;
}

static napi_value server_ref(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  lcc_napi_server *g = unwrap(env, info, &argc, NULL, true);
  if (g && g->tsfn) LCC_NAPI_CALL(env, napi_ref_threadsafe_function(env, g->tsfn));
  return NULL;
}

static napi_value server_unref(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  lcc_napi_server *g = unwrap(env, info, &argc, NULL, true);
  if (g && g->tsfn) LCC_NAPI_CALL(env, napi_unref_threadsafe_function(env, g->tsfn));
  return NULL;
}

static napi_value server_fingerprint(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value result;
  lcc_napi_server *g = unwrap(env, info, &argc, NULL, false);
  if (!g) return NULL;
  LCC_NAPI_CALL(env, napi_create_string_utf8(env, g->fingerprint, NAPI_AUTO_LENGTH, &result));
  return result;
}

/* A count as a Number (exact below 2^53). */
static napi_value count_value(napi_env env, uint64_t n) {
  napi_value result;
  LCC_NAPI_CALL(env, napi_create_double(env, (double)n, &result));
  return result;
}

/* Commands the media thread has run; the count at close once closed. */
static napi_value server_commands_run(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  lcc_napi_server *g = unwrap(env, info, &argc, NULL, false);
  return g ? count_value(env, g->server ? lcc_server_commands_run(g->server) : g->commands_run) : NULL;
}

/* ICE-TCP connections shut for passing no check; the count at close once closed. */
static napi_value server_ice_tcp_shut(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  lcc_napi_server *g = unwrap(env, info, &argc, NULL, false);
  return g ? count_value(env, g->server ? lcc_server_ice_tcp_shut(g->server) : g->ice_tcp_shut) : NULL;
}

napi_value lcc_napi_server_class(napi_env env) {
  const napi_property_descriptor props[] = {
      {"post", NULL, server_post, NULL, NULL, NULL, napi_default_method, NULL},
      {"close", NULL, server_close, NULL, NULL, NULL, napi_default_method, NULL},
      {"ref", NULL, server_ref, NULL, NULL, NULL, napi_default_method, NULL},
      {"unref", NULL, server_unref, NULL, NULL, NULL, napi_default_method, NULL},
      {"fingerprint", NULL, NULL, server_fingerprint, NULL, NULL, napi_enumerable, NULL},
      {"commandsRun", NULL, NULL, server_commands_run, NULL, NULL, napi_enumerable, NULL},
      {"iceTcpShut", NULL, NULL, server_ice_tcp_shut, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value cls;
  LCC_NAPI_CALL(env, napi_define_class(env, "Server", NAPI_AUTO_LENGTH, server_new, NULL,
                                       sizeof props / sizeof props[0], props, &cls));
  return cls;
}
