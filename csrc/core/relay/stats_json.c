/* Renders base/stats.h's structs as getStats()-shaped JSON (stats_json.h).
 * The keys and null rules match the glue's JS objects (csrc/napi/stats.c):
 * a summary's parties read like getStats()'s. */
#include "stats_json.h"

static void add_num_or_null(cJSON *o, const char *key, double v, bool present) {
  if (present) cJSON_AddNumberToObject(o, key, v);
  else cJSON_AddNullToObject(o, key);
}

static void add_str_or_null(cJSON *o, const char *key, const char *s) {
  if (s && s[0]) cJSON_AddStringToObject(o, key, s);
  else cJSON_AddNullToObject(o, key);
}

static cJSON *endpoint_json(const lcc_stats_endpoint *e) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "address", e->address);
  cJSON_AddNumberToObject(o, "port", e->port);
  cJSON_AddStringToObject(o, "type", e->type);
  cJSON_AddStringToObject(o, "protocol", e->protocol);
  return o;
}

static cJSON *pair_json(const lcc_stats_leg *l) {
  if (!l->has_pair) return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "local", endpoint_json(&l->local));
  cJSON_AddItemToObject(o, "remote", endpoint_json(&l->remote));
  return o;
}

static cJSON *media_json(const lcc_stats_media *m) {
  if (!m->active) return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "mid", m->mid);
  cJSON_AddNumberToObject(o, "payloadType", m->payload_type);
  cJSON_AddNumberToObject(o, "packetsIn", (double)m->packets_in);
  cJSON_AddNumberToObject(o, "bytesIn", (double)m->bytes_in);
  cJSON_AddNumberToObject(o, "packetsOut", (double)m->packets_out);
  cJSON_AddNumberToObject(o, "bytesOut", (double)m->bytes_out);
  cJSON_AddNumberToObject(o, "packetsLost", (double)m->packets_lost);
  cJSON_AddNumberToObject(o, "lossRate", m->loss_rate);
  cJSON_AddNumberToObject(o, "jitterMs", m->jitter_ms);
  cJSON_AddNumberToObject(o, "remotePacketsLost", m->remote_packets_lost);
  cJSON_AddNumberToObject(o, "remoteFractionLost", m->remote_fraction_lost);
  cJSON_AddNumberToObject(o, "remoteJitterMs", m->remote_jitter_ms);
  add_num_or_null(o, "rttMs", m->rtt_ms, m->rtt_ms >= 0);
  cJSON_AddNumberToObject(o, "nacksIn", (double)m->nacks_in);
  cJSON_AddNumberToObject(o, "plisIn", (double)m->plis_in);
  cJSON_AddNumberToObject(o, "firsIn", (double)m->firs_in);
  return o;
}

static cJSON *leg_json(const lcc_stats_leg *l, bool summary) {
  if (!l->present) return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "state", lcc_leg_state_name(l->state));
  add_num_or_null(o, "connectedAt", (double)l->connected_at_ms, l->connected_at_ms != 0);
  if (!summary) {
    cJSON_AddItemToObject(o, "selectedCandidatePair", pair_json(l));
    cJSON_AddStringToObject(o, "iceRole", l->ice_controlling ? "controlling" : "controlled");
    add_str_or_null(o, "dtlsRole", !l->has_dtls ? NULL : l->dtls_client ? "client" : "server");
  }
  add_str_or_null(o, "srtpProfile", l->srtp_profile);
  add_num_or_null(o, "rttMs", l->rtt_ms, l->rtt_ms >= 0);
  cJSON_AddItemToObject(o, "audio", media_json(&l->audio));
  cJSON_AddItemToObject(o, "video", media_json(&l->video));
  cJSON_AddNumberToObject(o, "srtpErrors", (double)l->srtp_errors);
  return o;
}

cJSON *lcc_stats_parties_json(const lcc_stats_call *call, bool summary) {
  cJSON *parties = cJSON_CreateObject();
  if (!parties) return NULL;
  for (int p = 0; p < LCC_PARTY_COUNT; p++)
    cJSON_AddItemToObject(parties, lcc_party_name((lcc_party)p), leg_json(&call->parties[p], summary));
  return parties;
}
