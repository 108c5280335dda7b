/* Stats snapshots (base/stats.h) as JS objects, on the JS thread: the media
 * thread only copied counters into plain structs; the objects are built here.
 * The shape is getStats()'s (docs/api.md), with times as epoch milliseconds
 * (js/api turns them into ISO strings), the same keys and nulls as the
 * summary's JSON (csrc/core/relay/stats_json.c).
 * Thread: JS. */
#include <string.h>

#include "glue.h"

/* Each setter returns false when an N-API call failed (an exception may be pending). */
static bool set(napi_env env, napi_value o, const char *key, napi_value v) {
  return v && napi_set_named_property(env, o, key, v) == napi_ok;
}

static napi_value null_value(napi_env env) {
  napi_value v;
  return napi_get_null(env, &v) == napi_ok ? v : NULL;
}

static napi_value str(napi_env env, const char *s, size_t max) {
  napi_value v;
  return napi_create_string_utf8(env, s, strnlen(s, max), &v) == napi_ok ? v : NULL;
}

/* A string, or null when empty. */
static napi_value str_or_null(napi_env env, const char *s, size_t max) {
  return s && s[0] ? str(env, s, max) : null_value(env);
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  return napi_create_double(env, d, &v) == napi_ok ? v : NULL;
}

static napi_value num_or_null(napi_env env, double d, bool present) {
  return present ? num(env, d) : null_value(env);
}

static napi_value object(napi_env env) {
  napi_value o;
  return napi_create_object(env, &o) == napi_ok ? o : NULL;
}

#define STR(s) str(env, (s), sizeof(s))

static napi_value endpoint_js(napi_env env, const lcc_stats_endpoint *e) {
  napi_value o = object(env);
  bool ok = o && set(env, o, "address", STR(e->address)) && set(env, o, "port", num(env, e->port)) &&
            set(env, o, "type", STR(e->type)) && set(env, o, "protocol", STR(e->protocol));
  return ok ? o : NULL;
}

static napi_value pair_js(napi_env env, const lcc_stats_leg *l) {
  if (!l->has_pair) return null_value(env);
  napi_value o = object(env);
  bool ok = o && set(env, o, "local", endpoint_js(env, &l->local)) && set(env, o, "remote", endpoint_js(env, &l->remote));
  return ok ? o : NULL;
}

static napi_value media_js(napi_env env, const lcc_stats_media *m) {
  if (!m->active) return null_value(env);
  napi_value o = object(env);
  bool ok = o && set(env, o, "mid", STR(m->mid)) && set(env, o, "payloadType", num(env, m->payload_type)) &&
            set(env, o, "packetsIn", num(env, (double)m->packets_in)) &&
            set(env, o, "bytesIn", num(env, (double)m->bytes_in)) &&
            set(env, o, "packetsOut", num(env, (double)m->packets_out)) &&
            set(env, o, "bytesOut", num(env, (double)m->bytes_out)) &&
            set(env, o, "packetsLost", num(env, (double)m->packets_lost)) &&
            set(env, o, "lossRate", num(env, m->loss_rate)) && set(env, o, "jitterMs", num(env, m->jitter_ms)) &&
            set(env, o, "remotePacketsLost", num(env, m->remote_packets_lost)) &&
            set(env, o, "remoteFractionLost", num(env, m->remote_fraction_lost)) &&
            set(env, o, "remoteJitterMs", num(env, m->remote_jitter_ms)) &&
            set(env, o, "rttMs", num_or_null(env, m->rtt_ms, m->rtt_ms >= 0)) &&
            set(env, o, "nacksIn", num(env, (double)m->nacks_in)) &&
            set(env, o, "plisIn", num(env, (double)m->plis_in)) && set(env, o, "firsIn", num(env, (double)m->firs_in));
  return ok ? o : NULL;
}

static napi_value leg_js(napi_env env, const lcc_stats_leg *l) {
  if (!l->present) return null_value(env);
  napi_value o = object(env);
  const char *dtls_role = !l->has_dtls ? NULL : l->dtls_client ? "client" : "server";
  bool ok = o && set(env, o, "state", str(env, lcc_leg_state_name(l->state), SIZE_MAX)) &&
            set(env, o, "connectedAt", num_or_null(env, (double)l->connected_at_ms, l->connected_at_ms != 0)) &&
            set(env, o, "selectedCandidatePair", pair_js(env, l)) &&
            set(env, o, "iceRole", str(env, l->ice_controlling ? "controlling" : "controlled", SIZE_MAX)) &&
            set(env, o, "dtlsRole", str_or_null(env, dtls_role, SIZE_MAX)) &&
            set(env, o, "srtpProfile", str_or_null(env, l->srtp_profile, sizeof l->srtp_profile)) &&
            set(env, o, "rttMs", num_or_null(env, l->rtt_ms, l->rtt_ms >= 0)) &&
            set(env, o, "audio", media_js(env, &l->audio)) && set(env, o, "video", media_js(env, &l->video)) &&
            set(env, o, "srtpErrors", num(env, (double)l->srtp_errors));
  return ok ? o : NULL;
}

static napi_value call_js(napi_env env, const lcc_stats_call *c) {
  napi_value o = object(env), parties = object(env);
  bool ok = o && parties && set(env, o, "id", STR(c->id)) && set(env, o, "startedAt", num(env, (double)c->started_at_ms));
  for (int p = 0; ok && p < LCC_PARTY_COUNT; p++)
    ok = set(env, parties, lcc_party_name((lcc_party)p), leg_js(env, &c->parties[p]));
  return ok && set(env, o, "parties", parties) ? o : NULL;
}

napi_value lcc_napi_stats_to_js(napi_env env, const lcc_stats_snapshot *snap) {
  napi_value arr;
  if (napi_create_array_with_length(env, snap->n, &arr) != napi_ok) return NULL;
  for (size_t i = 0; i < snap->n; i++) {
    napi_value c = call_js(env, &snap->calls[i]);
    if (!c || napi_set_element(env, arr, (uint32_t)i, c) != napi_ok) return NULL;
  }
  return arr;
}
