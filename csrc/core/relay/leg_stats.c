/* The leg's statistics, copied into a plain lcc_stats_leg for getStats()
 * and the call summary: the only place that reads the leg's counters for
 * them. Copying is all it does (no JSON, no allocation), so a stats request
 * costs the media thread a few hundred bytes of copying per leg.
 * Thread: the media thread only. */
#include <glib.h>
#include <string.h>

#include "leg_internal.h"

static void copy_pair(lcc_leg *leg, lcc_stats_leg *out) {
  lcc_ice_pair p;
  out->has_pair = leg->ice && lcc_ice_selected_pair(leg->ice, &p);
  if (!out->has_pair) return;
  g_strlcpy(out->local.address, p.local_addr, sizeof out->local.address);
  g_strlcpy(out->local.type, p.local_type, sizeof out->local.type);
  g_strlcpy(out->local.protocol, p.protocol, sizeof out->local.protocol);
  out->local.port = p.local_port;
  g_strlcpy(out->remote.address, p.remote_addr, sizeof out->remote.address);
  g_strlcpy(out->remote.type, p.remote_type, sizeof out->remote.type);
  g_strlcpy(out->remote.protocol, p.protocol, sizeof out->remote.protocol);
  out->remote.port = p.remote_port;
}

static void copy_media(const lcc_leg_media *m, lcc_stats_media *out) {
  memset(out, 0, sizeof *out);
  out->active = m->active;
  if (!m->active) return;
  uint64_t lost = lcc_rtp_rx_lost(&m->rx);
  uint64_t expected = lost + m->rx.received;
  g_strlcpy(out->mid, m->mid, sizeof out->mid);
  out->payload_type = m->pt;
  out->packets_in = m->packets_in;
  out->bytes_in = m->bytes_in;
  out->packets_out = m->packets_out;
  out->bytes_out = m->bytes_out;
  out->packets_lost = lost;
  out->loss_rate = expected ? (double)lost / (double)expected : 0.0;
  out->jitter_ms = lcc_rtp_rx_jitter_ms(&m->rx);
  out->remote_packets_lost = m->remote_cumulative_lost;
  out->remote_fraction_lost = m->remote_fraction_lost / 256.0;
  out->remote_jitter_ms = m->remote_jitter_ms;
  out->rtt_ms = m->rtt_ms;
  out->nacks_in = m->nacks_in;
  out->plis_in = m->plis_in;
  out->firs_in = m->firs_in;
}

/* The leg's RTT: the first medium that has one. */
static double leg_rtt(const lcc_leg *leg) {
  for (int s = 0; s < LCC_SLOT_COUNT; s++)
    if (leg->media[s].active && leg->media[s].rtt_ms >= 0) return leg->media[s].rtt_ms;
  return -1;
}

void lcc_leg_stats_read(lcc_leg *leg, lcc_stats_leg *out) {
  memset(out, 0, sizeof *out);
  out->present = true;
  out->state = leg->state;
  out->connected_at_ms = leg->connected_at_ms;
  copy_pair(leg, out);
  out->ice_controlling = leg->controlling;
  out->has_dtls = leg->dtls != NULL;
  out->dtls_client = leg->dtls_active;
  if (leg->srtp) g_strlcpy(out->srtp_profile, lcc_srtp_profile_name(leg->srtp_profile), sizeof out->srtp_profile);
  out->rtt_ms = leg_rtt(leg);
  copy_media(&leg->media[LCC_SLOT_AUDIO], &out->audio);
  copy_media(&leg->media[LCC_SLOT_VIDEO], &out->video);
  out->srtp_errors = leg->srtp_errors;
}
