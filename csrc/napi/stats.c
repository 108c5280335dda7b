/* Stats snapshots (base/stats.h) as JS objects, on the JS thread: the media
 * thread only copied counters into plain structs; the objects are built here.
 * The shape is getStats()'s (docs/api.md), with times as epoch milliseconds
 * (js/api turns them into ISO strings), the same keys and nulls as the
 * summary's JSON (csrc/core/relay/stats_json.c).
 * Thread: JS. */
#include <string.h>

#include "glue.h"

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

/* A plain object with these properties (one N-API call for all of them);
 * NULL when a value could not be made (an exception may be pending). */
static napi_value object_of(napi_env env, const napi_property_descriptor *props, size_t n) {
  napi_value o;
  for (size_t i = 0; i < n; i++)
    if (!props[i].value) return NULL;
  if (napi_create_object(env, &o) != napi_ok || napi_define_properties(env, o, n, props) != napi_ok) return NULL;
  return o;
}

/* An enumerable, writable, configurable data property, as `{key: value}` makes. */
#define PROP(key, value) {(key), NULL, NULL, NULL, NULL, (value), napi_default_jsproperty, NULL}
#define OBJECT(env, props) object_of((env), (props), sizeof(props) / sizeof((props)[0]))
#define STR(s) str(env, (s), sizeof(s))

static napi_value endpoint_js(napi_env env, const lcc_stats_endpoint *e) {
  const napi_property_descriptor props[] = {
      PROP("address", STR(e->address)), PROP("port", num(env, e->port)),
      PROP("type", STR(e->type)), PROP("protocol", STR(e->protocol)),
  };
  return OBJECT(env, props);
}

static napi_value pair_js(napi_env env, const lcc_stats_leg *l) {
  if (!l->has_pair) return null_value(env);
  const napi_property_descriptor props[] = {
      PROP("local", endpoint_js(env, &l->local)), PROP("remote", endpoint_js(env, &l->remote)),
  };
  return OBJECT(env, props);
}

static napi_value media_js(napi_env env, const lcc_stats_media *m) {
  if (!m->active) return null_value(env);
  const napi_property_descriptor props[] = {
      PROP("mid", STR(m->mid)),
      PROP("payloadType", num(env, m->payload_type)),
      PROP("packetsIn", num(env, (double)m->packets_in)),
      PROP("bytesIn", num(env, (double)m->bytes_in)),
      PROP("packetsOut", num(env, (double)m->packets_out)),
      PROP("bytesOut", num(env, (double)m->bytes_out)),
      PROP("packetsLost", num(env, (double)m->packets_lost)),
      PROP("lossRate", num(env, m->loss_rate)),
      PROP("jitterMs", num(env, m->jitter_ms)),
      PROP("remotePacketsLost", num(env, m->remote_packets_lost)),
      PROP("remoteFractionLost", num(env, m->remote_fraction_lost)),
      PROP("remoteJitterMs", num(env, m->remote_jitter_ms)),
      PROP("rttMs", num_or_null(env, m->rtt_ms, m->rtt_ms >= 0)),
      PROP("nacksIn", num(env, (double)m->nacks_in)),
      PROP("plisIn", num(env, (double)m->plis_in)),
      PROP("firsIn", num(env, (double)m->firs_in)),
  };
  return OBJECT(env, props);
}

static napi_value leg_js(napi_env env, const lcc_stats_leg *l) {
  if (!l->present) return null_value(env);
  const char *dtls_role = !l->has_dtls ? NULL : l->dtls_client ? "client" : "server";
  const napi_property_descriptor props[] = {
      PROP("state", str(env, lcc_leg_state_name(l->state), SIZE_MAX)),
      PROP("connectedAt", num_or_null(env, (double)l->connected_at_ms, l->connected_at_ms != 0)),
      PROP("selectedCandidatePair", pair_js(env, l)),
      PROP("iceRole", str(env, l->ice_controlling ? "controlling" : "controlled", SIZE_MAX)),
      PROP("dtlsRole", str_or_null(env, dtls_role, SIZE_MAX)),
      PROP("srtpProfile", str_or_null(env, l->srtp_profile, sizeof l->srtp_profile)),
      PROP("rttMs", num_or_null(env, l->rtt_ms, l->rtt_ms >= 0)),
      PROP("audio", media_js(env, &l->audio)),
      PROP("video", media_js(env, &l->video)),
      PROP("srtpErrors", num(env, (double)l->srtp_errors)),
  };
  return OBJECT(env, props);
}

static napi_value call_js(napi_env env, const lcc_stats_call *c) {
  const napi_property_descriptor parties[] = {
      PROP("visitor", leg_js(env, &c->parties[LCC_PARTY_VISITOR])),
      PROP("agent", leg_js(env, &c->parties[LCC_PARTY_AGENT])),
  };
  const napi_property_descriptor props[] = {
      PROP("id", STR(c->id)),
      PROP("startedAt", num(env, (double)c->started_at_ms)),
      PROP("parties", OBJECT(env, parties)),
  };
  return OBJECT(env, props);
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
