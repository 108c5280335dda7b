/* The leg's statistics as JSON for getStats() and the call summary.
 * Thread: the media thread only. */
#include <cjson/cJSON.h>

#include "leg_internal.h"

static cJSON *pair_json(lcc_leg *leg) {
  lcc_ice_pair p;
  if (!leg->ice || !lcc_ice_selected_pair(leg->ice, &p)) return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  cJSON *l = cJSON_AddObjectToObject(o, "local");
  cJSON_AddStringToObject(l, "address", p.local_addr);
  cJSON_AddNumberToObject(l, "port", p.local_port);
  cJSON_AddStringToObject(l, "type", p.local_type);
  cJSON_AddStringToObject(l, "protocol", p.protocol);
  cJSON *r = cJSON_AddObjectToObject(o, "remote");
  cJSON_AddStringToObject(r, "address", p.remote_addr);
  cJSON_AddNumberToObject(r, "port", p.remote_port);
  cJSON_AddStringToObject(r, "type", p.remote_type);
  cJSON_AddStringToObject(r, "protocol", p.protocol);
  return o;
}

static cJSON *media_json(const lcc_leg_media *m) {
  if (!m->active) return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  uint64_t lost = lcc_rtp_rx_lost(&m->rx);
  uint64_t expected = lost + m->rx.received;
  cJSON_AddStringToObject(o, "mid", m->mid);
  cJSON_AddNumberToObject(o, "payloadType", m->pt);
  cJSON_AddNumberToObject(o, "packetsIn", (double)m->packets_in);
  cJSON_AddNumberToObject(o, "bytesIn", (double)m->bytes_in);
  cJSON_AddNumberToObject(o, "packetsOut", (double)m->packets_out);
  cJSON_AddNumberToObject(o, "bytesOut", (double)m->bytes_out);
  cJSON_AddNumberToObject(o, "packetsLost", (double)lost);
  cJSON_AddNumberToObject(o, "lossRate", expected ? (double)lost / (double)expected : 0.0);
  cJSON_AddNumberToObject(o, "jitterMs", lcc_rtp_rx_jitter_ms(&m->rx));
  cJSON_AddNumberToObject(o, "remotePacketsLost", m->remote_cumulative_lost);
  cJSON_AddNumberToObject(o, "remoteFractionLost", m->remote_fraction_lost / 256.0);
  cJSON_AddNumberToObject(o, "remoteJitterMs", m->remote_jitter_ms);
  if (m->rtt_ms >= 0) cJSON_AddNumberToObject(o, "rttMs", m->rtt_ms);
  else cJSON_AddNullToObject(o, "rttMs");
  cJSON_AddNumberToObject(o, "nacksIn", (double)m->nacks_in);
  cJSON_AddNumberToObject(o, "plisIn", (double)m->plis_in);
  cJSON_AddNumberToObject(o, "firsIn", (double)m->firs_in);
  return o;
}

static double leg_rtt(const lcc_leg *leg) {
  for (int s = 0; s < LCC_SLOT_COUNT; s++)
    if (leg->media[s].active && leg->media[s].rtt_ms >= 0) return leg->media[s].rtt_ms;
  return -1;
}

void *lcc_leg_stats_json(lcc_leg *leg, bool summary) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "state", lcc_leg_state_name(leg->state));
  if (leg->connected_at_ms) cJSON_AddNumberToObject(o, "connectedAt", (double)leg->connected_at_ms);
  else cJSON_AddNullToObject(o, "connectedAt");
  if (!summary) {
    cJSON_AddItemToObject(o, "selectedCandidatePair", pair_json(leg));
    cJSON_AddStringToObject(o, "iceRole", leg->controlling ? "controlling" : "controlled");
    if (leg->dtls) cJSON_AddStringToObject(o, "dtlsRole", leg->dtls_active ? "client" : "server");
    else cJSON_AddNullToObject(o, "dtlsRole");
  }
  if (leg->srtp) cJSON_AddStringToObject(o, "srtpProfile", lcc_srtp_profile_name(leg->srtp_profile));
  else cJSON_AddNullToObject(o, "srtpProfile");
  double rtt = leg_rtt(leg);
  if (rtt >= 0) cJSON_AddNumberToObject(o, "rttMs", rtt);
  else cJSON_AddNullToObject(o, "rttMs");
  cJSON_AddItemToObject(o, "audio", media_json(&leg->media[LCC_SLOT_AUDIO]));
  cJSON_AddItemToObject(o, "video", media_json(&leg->media[LCC_SLOT_VIDEO]));
  cJSON_AddNumberToObject(o, "srtpErrors", (double)leg->srtp_errors);
  return o;
}
