/* The test peer and the server driver. See peer.h.
 *
 * The peer is a small browser: ICE (controlling when it offers, RFC 8445
 * §6.1.1), DTLS (passive when it offered actpass and the server answered
 * active; active when it answers, RFC 8842 §5.3), SRTP keyed from DTLS, and
 * an RTP/RTCP receive path that logs. It leaves every decision about what to
 * send to the test. Thread: the one iterating ctx. */
#include "peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/dtls.h"
#include "transport/ice.h"
#include "base/rd.h"
#include "transport/srtp.h"
#include "relay/stats_json.h"

#define PEER_BUF 1600            /* as LCC_LEG_BUF: a datagram plus the SRTP trailer */
#define PEER_GATHER_MS 5000      /* host candidates on loopback take milliseconds */
#define PEER_MAX_PENDING 64
#define PEER_MAX_DROPS 64

struct peer {
  char name[32];
  GMainContext *ctx;
  peer_opts opts;
  lcc_ice_opts ice_opts; /* listen on 127.0.0.1 */
  lcc_dtls_cert *cert;
  lcc_ice *ice;
  lcc_dtls *dtls;
  lcc_srtp *srtp;
  bool dtls_active, dtls_started;
  GSource *dtls_timer, *tick;
  bool failed;
  char why[256];

  char cands[LCC_SDP_MAX_CANDIDATES][256]; /* local, for the SDP */
  size_t n_cands;
  bool gathered;
  bool remote_set; /* remote description applied */
  char *pending[PEER_MAX_PENDING]; /* remote candidates before it */
  size_t n_pending;
  bool pending_done;

  peer_media media[LCC_SLOT_COUNT];
  uint32_t rtcp_ssrc;
  char cname[48];

  struct {
    uint32_t ssrc;
    uint16_t seq;
  } drops[PEER_MAX_DROPS];
  size_t n_drops;

  peer_rtp_rx *rtp;
  size_t n_rtp, cap_rtp;
  peer_rtcp_rx *rtcp;
  size_t n_rtcp, cap_rtcp;
  peer_counters counters;

  uint8_t rx[PEER_BUF];
  uint8_t tx[PEER_BUF];
};

static uint32_t random_ssrc(void) {
  uint32_t v;
  do v = g_random_int();
  while (v == 0);
  return v;
}

static void set_failed(peer *p, const char *what, const char *why) {
  if (p->failed) return;
  p->failed = true;
  snprintf(p->why, sizeof p->why, "%s: %s", what, why ? why : "");
}

/* --- DTLS --- */

static gboolean on_dtls_timer(gpointer data);

static void arm_dtls_timer(peer *p) {
  if (p->dtls_timer) {
    g_source_destroy(p->dtls_timer);
    g_source_unref(p->dtls_timer);
    p->dtls_timer = NULL;
  }
  int64_t us = p->dtls ? lcc_dtls_timeout_us(p->dtls) : -1;
  if (us < 0) return;
  p->dtls_timer = g_timeout_source_new((guint)(us / 1000 + 1));
  g_source_set_callback(p->dtls_timer, on_dtls_timer, p, NULL);
  g_source_attach(p->dtls_timer, p->ctx);
}

static gboolean on_dtls_timer(gpointer data) {
  peer *p = data;
  g_source_unref(p->dtls_timer);
  p->dtls_timer = NULL;
  if (p->dtls) lcc_dtls_handle_timeout(p->dtls);
  arm_dtls_timer(p);
  return G_SOURCE_REMOVE;
}

static void dtls_send(void *ctx, const uint8_t *buf, size_t len) {
  peer *p = ctx;
  if (p->ice) lcc_ice_send(p->ice, buf, len);
}

static void dtls_connected(void *ctx, const lcc_srtp_keys *keys) {
  peer *p = ctx;
  lcc_why why = {{0}};
  lcc_srtp_destroy(p->srtp);
  p->srtp = lcc_srtp_create(keys, &why);
  if (!p->srtp) set_failed(p, "srtp", why.msg);
}

static void dtls_failed(void *ctx, lcc_err err, const char *why) {
  (void)err;
  set_failed(ctx, "dtls", why);
}

static void dtls_closed(void *ctx) { set_failed(ctx, "dtls", "close_notify from the server"); }

static const lcc_dtls_cb dtls_callbacks = {dtls_send, dtls_connected, dtls_failed, dtls_closed};

static void start_dtls_if_ready(peer *p) {
  if (!p->dtls || p->dtls_started || !p->ice || lcc_ice_get_state(p->ice) != LCC_ICE_CONNECTED) return;
  p->dtls_started = true;
  lcc_dtls_start(p->dtls);
  arm_dtls_timer(p);
}

/* --- receiving --- */

static bool take_drop(peer *p, const uint8_t *buf, size_t len) {
  if (p->n_drops == 0 || len < 12) return false;
  lcc_rd r = lcc_rd_init(buf + 2, 10);
  uint16_t seq = lcc_rd_u16(&r);
  lcc_rd_skip(&r, 4);
  uint32_t ssrc = lcc_rd_u32(&r);
  for (size_t i = 0; i < p->n_drops; i++) {
    if (p->drops[i].ssrc != ssrc || p->drops[i].seq != seq) continue;
    p->drops[i] = p->drops[--p->n_drops];
    return true;
  }
  return false;
}

static void *grow(void *arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return arr;
  size_t c = *cap ? *cap * 2 : 64;
  void *a = realloc(arr, c * size);
  if (!a) return NULL;
  *cap = c;
  return a;
}

static void log_rtp(peer *p, const uint8_t *pkt, size_t n, const lcc_rtp_hdr *h, int slot, bool rtx) {
  peer_rtp_rx *a = grow(p->rtp, &p->cap_rtp, p->n_rtp, sizeof *a);
  if (!a) return;
  p->rtp = a;
  peer_rtp_rx *e = &a[p->n_rtp++];
  memset(e, 0, offsetof(peer_rtp_rx, payload));
  e->at_us = (uint64_t)g_get_monotonic_time();
  e->slot = slot;
  e->rtx = rtx;
  e->marker = h->marker;
  e->pt = h->pt;
  e->seq = h->seq;
  e->ts = h->ts;
  e->ssrc = h->ssrc;
  e->len = n;
  e->payload_len = h->payload_len < PEER_MAX_PAYLOAD ? h->payload_len : PEER_MAX_PAYLOAD;
  memcpy(e->payload, pkt + h->payload_off, e->payload_len);
  lcc_rtp_ext exts[PEER_MAX_EXTS];
  e->n_ext = lcc_rtp_ext_list(pkt, h, exts, PEER_MAX_EXTS);
  for (size_t i = 0; i < e->n_ext; i++) {
    e->ext[i].id = exts[i].id;
    e->ext[i].len = exts[i].len;
    memcpy(e->ext[i].data, exts[i].data, exts[i].len < 32 ? exts[i].len : 32);
  }
}

static void on_rtp(peer *p, const uint8_t *pkt, size_t n) {
  lcc_rtp_hdr h;
  if (lcc_rtp_parse(pkt, n, &h) != LCC_OK) return;
  int slot = -1;
  bool rtx = false;
  for (int s = 0; s < LCC_SLOT_COUNT; s++) {
    const peer_media *m = &p->media[s];
    if (!m->active) continue;
    if (h.pt == m->pt || (m->rtx_pt >= 0 && h.pt == (uint8_t)m->rtx_pt)) {
      slot = s;
      rtx = h.pt != m->pt;
    }
  }
  p->counters.rtp_in++;
  p->counters.bytes_in += n;
  if (slot >= 0) {
    p->counters.rtp_in_slot[slot]++;
    p->counters.bytes_in_slot[slot] += n;
    p->counters.payload_in_slot[slot] += h.payload_len;
  }
  if (!p->opts.no_log) log_rtp(p, pkt, n, &h, slot, rtx);
}

static void log_rtcp(peer *p, const lcc_rtcp_pkt *pk, size_t index, uint64_t now) {
  peer_rtcp_rx *a = grow(p->rtcp, &p->cap_rtcp, p->n_rtcp, sizeof *a);
  if (!a) return;
  p->rtcp = a;
  peer_rtcp_rx *e = &a[p->n_rtcp++];
  memset(e, 0, sizeof *e);
  e->at_us = now;
  e->index = index;
  e->pt = pk->pt;
  e->fmt = pk->count;
  e->rtp_before = p->n_rtp;
  if (pk->pt == LCC_RTCP_SR) lcc_rtcp_parse_sr(pk, &e->sr);
  else if (pk->pt == LCC_RTCP_RR) lcc_rtcp_parse_rr(pk, &e->rr);
  else if (pk->pt == LCC_RTCP_RTPFB && pk->count == 1) lcc_rtcp_parse_nack(pk, &e->nack);
  else if (pk->pt == LCC_RTCP_PSFB && pk->count == 1) lcc_rtcp_parse_pli(pk, &e->kf);
  else if (pk->pt == LCC_RTCP_PSFB && pk->count == 4) lcc_rtcp_parse_fir(pk, &e->kf);
}

static void on_rtcp(peer *p, const uint8_t *pkt, size_t n) {
  if (lcc_rtcp_validate(pkt, n) != LCC_OK) {
    p->counters.rtcp_invalid++;
    return;
  }
  p->counters.rtcp_in++;
  if (p->opts.no_log) return;
  uint64_t now = (uint64_t)g_get_monotonic_time();
  lcc_rtcp_iter it;
  lcc_rtcp_pkt pk;
  lcc_rtcp_iter_init(&it, pkt, n);
  for (size_t i = 0; lcc_rtcp_next(&it, &pk); i++) log_rtcp(p, &pk, i, now);
}

static void on_datagram(peer *p, const uint8_t *buf, size_t len) {
  if (len == 0) return;
  if (buf[0] >= 20 && buf[0] <= 63) { /* DTLS (RFC 7983) */
    if (!p->dtls) return;
    lcc_dtls_feed(p->dtls, buf, len);
    if (p->dtls) arm_dtls_timer(p);
    return;
  }
  if (!lcc_rtp_is_rtp_or_rtcp(buf, len) || !p->srtp || len > sizeof p->rx) return;
  bool rtcp = lcc_rtp_is_rtcp(buf, len);
  if (!rtcp && take_drop(p, buf, len)) {
    p->counters.dropped++;
    return;
  }
  memcpy(p->rx, buf, len);
  size_t n = len;
  lcc_err err = rtcp ? lcc_srtp_unprotect_rtcp(p->srtp, p->rx, &n) : lcc_srtp_unprotect_rtp(p->srtp, p->rx, &n);
  if (err != LCC_OK) {
    p->counters.srtp_errors++;
    return;
  }
  if (rtcp) on_rtcp(p, p->rx, n);
  else on_rtp(p, p->rx, n);
}

/* --- ICE --- */

static void ice_candidate(void *ctx, const char *cand) {
  peer *p = ctx;
  if (!cand) {
    p->gathered = true;
    return;
  }
  if (p->n_cands < LCC_SDP_MAX_CANDIDATES) g_strlcpy(p->cands[p->n_cands++], cand, sizeof p->cands[0]);
}

static void ice_state(void *ctx, lcc_ice_state st) {
  peer *p = ctx;
  if (st == LCC_ICE_CONNECTED) start_dtls_if_ready(p);
  else if (st == LCC_ICE_FAILED) set_failed(p, "ice", "connectivity checks failed or consent expired");
}

static void ice_recv(void *ctx, uint8_t *buf, size_t len) { on_datagram(ctx, buf, len); }

static const lcc_ice_cb ice_callbacks = {ice_candidate, ice_state, ice_recv};

/* One bounded turn of the context: dispatches what is ready, waits at most 10 ms. */
static gboolean wake_only(gpointer data) {
  (void)data;
  return G_SOURCE_CONTINUE;
}

static void turn(GMainContext *ctx, int max_ms) {
  GSource *t = g_timeout_source_new((guint)(max_ms < 1 ? 1 : max_ms > 10 ? 10 : max_ms));
  g_source_set_callback(t, wake_only, NULL, NULL);
  g_source_attach(t, ctx);
  g_main_context_iteration(ctx, TRUE);
  g_source_destroy(t);
  g_source_unref(t);
  while (g_main_context_iteration(ctx, FALSE)) {
  }
}

/* Creates the agent and waits (bounded) until it has gathered every candidate. */
static lcc_err gather(peer *p, bool controlling, lcc_why *why) {
  if (p->ice) return LCC_OK;
  lcc_err err;
  p->ice = lcc_ice_create(p->ctx, &p->ice_opts, controlling, &ice_callbacks, p, &err, why);
  if (!p->ice) return err;
  bool done = false;
  p->n_cands = lcc_ice_take_candidates(p->ice, p->cands, LCC_SDP_MAX_CANDIDATES, &done);
  p->gathered = done;
  gint64 deadline = g_get_monotonic_time() + PEER_GATHER_MS * 1000;
  while (!p->gathered && g_get_monotonic_time() < deadline) turn(p->ctx, 10);
  if (!p->gathered) return lcc_fail(why, LCC_ERR_TIMEOUT, "%s: ICE gathering did not end", p->name);
  return LCC_OK;
}

/* --- reports --- */

static gboolean on_tick(gpointer data) {
  peer *p = data;
  if (!p->srtp || p->opts.no_reports) return G_SOURCE_CONTINUE;
  uint8_t buf[256];
  lcc_rtcp_rr rr = {.ssrc = p->rtcp_ssrc};
  size_t len = lcc_rtcp_write_rr(buf, sizeof buf, &rr);
  len += lcc_rtcp_write_sdes_cname(buf + len, sizeof buf - len, p->rtcp_ssrc, p->cname);
  peer_send_rtcp(p, buf, len);
  return G_SOURCE_CONTINUE;
}

/* --- create / destroy --- */

peer *peer_create(GMainContext *ctx, const char *name, const peer_opts *opts, lcc_why *why) {
  peer *p = calloc(1, sizeof *p);
  if (!p) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "peer");
    return NULL;
  }
  g_strlcpy(p->name, name, sizeof p->name);
  p->ctx = ctx;
  if (opts) p->opts = *opts;
  memset(&p->ice_opts, 0, sizeof p->ice_opts);
  strcpy(p->ice_opts.listen_addresses[0], "127.0.0.1");
  p->ice_opts.n_listen = 1;
  p->cert = lcc_dtls_cert_create(why);
  if (!p->cert) {
    free(p);
    return NULL;
  }
  for (int s = 0; s < LCC_SLOT_COUNT; s++) {
    p->media[s].ssrc = p->opts.ssrc[s] ? p->opts.ssrc[s] : random_ssrc();
    p->media[s].rtx_pt = -1;
  }
  p->media[LCC_SLOT_VIDEO].rtx_ssrc = p->opts.rtx_ssrc ? p->opts.rtx_ssrc : random_ssrc();
  p->rtcp_ssrc = p->media[LCC_SLOT_AUDIO].ssrc;
  snprintf(p->cname, sizeof p->cname, "peer-%s", p->name);
  p->tick = g_timeout_source_new(1000);
  g_source_set_callback(p->tick, on_tick, p, NULL);
  g_source_attach(p->tick, ctx);
  return p;
}

void peer_destroy(peer *p) {
  if (!p) return;
  if (p->dtls && lcc_dtls_is_connected(p->dtls)) lcc_dtls_close(p->dtls);
  g_source_destroy(p->tick);
  g_source_unref(p->tick);
  if (p->dtls_timer) {
    g_source_destroy(p->dtls_timer);
    g_source_unref(p->dtls_timer);
  }
  lcc_srtp_destroy(p->srtp);
  lcc_dtls_destroy(p->dtls);
  lcc_ice_destroy(p->ice);
  lcc_dtls_cert_destroy(p->cert);
  for (size_t i = 0; i < p->n_pending; i++) free(p->pending[i]);
  free(p->rtp);
  free(p->rtcp);
  free(p);
}

const char *peer_name(const peer *p) { return p->name; }

/* --- negotiation --- */

static void fill_local(peer *p, lcc_sdp_local *l, lcc_setup setup) {
  memset(l, 0, sizeof *l);
  lcc_ice_local_credentials(p->ice, l->ice_ufrag, l->ice_pwd);
  g_strlcpy(l->fingerprint, lcc_dtls_cert_fingerprint(p->cert), sizeof l->fingerprint);
  l->setup = setup;
  l->session_id = g_random_int();
  l->session_version = 2;
  g_strlcpy(l->cname, p->cname, sizeof l->cname);
  snprintf(l->stream_id, sizeof l->stream_id, "stream-%s", p->name);
  l->audio_ssrc = p->media[LCC_SLOT_AUDIO].ssrc;
  l->video_ssrc = p->media[LCC_SLOT_VIDEO].ssrc;
  l->video_rtx_ssrc = p->opts.no_rtx ? 0 : p->media[LCC_SLOT_VIDEO].rtx_ssrc;
  for (size_t i = 0; i < p->n_cands; i++) g_strlcpy(l->candidates[i], p->cands[i], sizeof l->candidates[i]);
  l->n_candidates = p->n_cands;
  l->end_of_candidates = p->gathered;
}

static void set_fmt_list(lcc_sdp_media *m) {
  size_t at = 0;
  m->fmt_list[0] = 0;
  for (size_t i = 0; i < m->n_codecs; i++)
    at += (size_t)snprintf(m->fmt_list + at, sizeof m->fmt_list - at, "%s%u", i ? " " : "", m->codecs[i].pt);
}

/* Removes rtx codecs, the rtx SSRC and the FID group from a section. */
static void strip_rtx(lcc_sdp_media *m) {
  size_t k = 0;
  for (size_t i = 0; i < m->n_codecs; i++)
    if (g_ascii_strcasecmp(m->codecs[i].name, "rtx") != 0) m->codecs[k++] = m->codecs[i];
  m->n_codecs = k;
  uint32_t rtx_ssrc = 0;
  for (size_t g = 0; g < m->n_ssrc_groups; g++)
    if (strcmp(m->ssrc_groups[g].semantics, "FID") == 0 && m->ssrc_groups[g].n_ssrcs >= 2)
      rtx_ssrc = m->ssrc_groups[g].ssrcs[1];
  m->n_ssrc_groups = 0;
  k = 0;
  for (size_t i = 0; i < m->n_ssrcs; i++)
    if (!rtx_ssrc || m->ssrcs[i].ssrc != rtx_ssrc) m->ssrcs[k++] = m->ssrcs[i];
  m->n_ssrcs = k;
  set_fmt_list(m);
}

/* The opts' payload types, extension ids and mids in the peer's own offer. */
static void customise_offer(peer *p, lcc_sdp *o) {
  const peer_opts *x = &p->opts;
  for (size_t i = 0; i < o->n_media; i++) {
    lcc_sdp_media *m = &o->media[i];
    int s = m->kind == LCC_MEDIA_AUDIO ? LCC_SLOT_AUDIO : LCC_SLOT_VIDEO;
    for (size_t c = 0; c < m->n_codecs; c++) {
      lcc_sdp_codec *k = &m->codecs[c];
      if (g_ascii_strcasecmp(k->name, "opus") == 0 && x->opus_pt) k->pt = x->opus_pt;
      if (g_ascii_strcasecmp(k->name, "VP8") == 0 && x->vp8_pt) k->pt = x->vp8_pt;
      if (g_ascii_strcasecmp(k->name, "rtx") == 0) {
        if (x->rtx_pt) k->pt = x->rtx_pt;
        if (x->vp8_pt) {
          k->apt = x->vp8_pt;
          snprintf(k->fmtp, sizeof k->fmtp, "apt=%u", x->vp8_pt);
        }
      }
    }
    if (x->no_rtx) strip_rtx(m);
    set_fmt_list(m);
    for (size_t e = 0; e < m->n_extmaps; e++) {
      lcc_ext_kind kind = lcc_sdp_ext_kind(m->extmaps[e].uri);
      if (x->ext_id[kind]) m->extmaps[e].id = x->ext_id[kind];
    }
    if (x->mid[s][0]) {
      for (size_t b = 0; b < o->n_bundle; b++)
        if (strcmp(o->bundle_mids[b], m->mid) == 0) g_strlcpy(o->bundle_mids[b], x->mid[s], sizeof o->bundle_mids[b]);
      g_strlcpy(m->mid, x->mid[s], sizeof m->mid);
    }
  }
}

static bool accepted(const lcc_sdp_media *m) { return m->port != 0 || m->bundle_only; }

/* What one negotiated section means for the peer: `neg` is the answer (either
 * side's), `rm` the server's section (for its SSRCs). */
static void derive_slot(peer *p, const lcc_sdp_media *neg, const lcc_sdp_media *rm) {
  int s = neg->kind == LCC_MEDIA_AUDIO ? LCC_SLOT_AUDIO : LCC_SLOT_VIDEO;
  peer_media *m = &p->media[s];
  if (m->active) return;
  const lcc_sdp_codec *c = s == LCC_SLOT_AUDIO ? lcc_sdp_find_codec(neg, "opus", 48000, 2)
                                               : lcc_sdp_find_codec(neg, "VP8", 90000, 0);
  if (!c) return;
  m->active = true;
  g_strlcpy(m->mid, neg->mid, sizeof m->mid);
  m->pt = c->pt;
  m->clock_rate = c->clock_rate;
  m->fb = c->fb;
  const lcc_sdp_codec *rtx = lcc_sdp_find_rtx(neg, c->pt);
  m->rtx_pt = rtx ? rtx->pt : -1;
  memset(m->ext_id, 0, sizeof m->ext_id);
  for (size_t e = 0; e < neg->n_extmaps; e++) {
    lcc_ext_kind k = lcc_sdp_ext_kind(neg->extmaps[e].uri);
    if (k != LCC_EXT_NONE) m->ext_id[k] = neg->extmaps[e].id;
  }
  for (size_t g = 0; g < rm->n_ssrc_groups; g++)
    if (strcmp(rm->ssrc_groups[g].semantics, "FID") == 0 && rm->ssrc_groups[g].n_ssrcs >= 2) {
      m->remote_ssrc = rm->ssrc_groups[g].ssrcs[0];
      m->remote_rtx_ssrc = rm->ssrc_groups[g].ssrcs[1];
    }
  if (!m->remote_ssrc && rm->n_ssrcs > 0) m->remote_ssrc = rm->ssrcs[0].ssrc;
}

/* Applies a finished negotiation: slots, remote ICE parameters and
 * candidates, the DTLS session. */
static lcc_err apply(peer *p, const lcc_sdp *neg, const lcc_sdp *remote, bool dtls_active, lcc_why *why) {
  int tag = -1;
  for (size_t i = 0; i < neg->n_media && i < remote->n_media; i++) {
    if (!accepted(&neg->media[i])) continue;
    if (tag < 0) tag = (int)i;
    derive_slot(p, &neg->media[i], &remote->media[i]);
  }
  if (tag < 0) return lcc_fail(why, LCC_ERR_SDP_UNSUPPORTED, "%s: nothing accepted", p->name);
  const lcc_sdp_media *rm = &remote->media[tag];
  lcc_err err = lcc_ice_set_remote_credentials(p->ice, rm->ice_ufrag, rm->ice_pwd, why);
  if (err != LCC_OK) return err;
  for (size_t i = 0; i < remote->n_media; i++)
    for (size_t k = 0; k < remote->media[i].n_candidates; k++)
      lcc_ice_add_remote_candidate(p->ice, remote->media[i].candidates[k], NULL);
  p->dtls_active = dtls_active;
  p->dtls = lcc_dtls_create(p->cert, dtls_active, rm->fingerprint_alg, rm->fingerprint, &dtls_callbacks, p, why);
  if (!p->dtls) return LCC_ERR_DTLS_FAILED;
  p->remote_set = true;
  for (size_t i = 0; i < p->n_pending; i++) {
    lcc_ice_add_remote_candidate(p->ice, p->pending[i], NULL);
    free(p->pending[i]);
  }
  p->n_pending = 0;
  if (rm->end_of_candidates || p->pending_done) lcc_ice_remote_gathering_done(p->ice);
  start_dtls_if_ready(p);
  return LCC_OK;
}

static char *write_sdp(const lcc_sdp *sdp, lcc_why *why) {
  size_t cap = 65536;
  char *text = g_malloc(cap);
  if (lcc_sdp_write(sdp, text, cap) == 0) {
    g_free(text);
    lcc_fail(why, LCC_ERR_INTERNAL, "SDP does not fit");
    return NULL;
  }
  return text;
}

char *peer_offer(peer *p, lcc_why *why) {
  if (p->ice) {
    lcc_fail(why, LCC_ERR_INVALID_STATE, "%s: already negotiating", p->name);
    return NULL;
  }
  if (gather(p, true, why) != LCC_OK) return NULL;
  lcc_sdp_local local;
  fill_local(p, &local, LCC_SETUP_ACTPASS);
  lcc_sdp *offer = g_new0(lcc_sdp, 1);
  char *text = NULL;
  if (lcc_sdp_offer(&local, NULL, offer, why) == LCC_OK) {
    customise_offer(p, offer);
    text = write_sdp(offer, why);
  }
  g_free(offer);
  return text;
}

static lcc_sdp *parse(const char *text, lcc_why *why) {
  lcc_sdp *sdp = g_new0(lcc_sdp, 1);
  if (lcc_sdp_parse(text, strlen(text), sdp, why) == LCC_OK) return sdp;
  g_free(sdp);
  return NULL;
}

lcc_err peer_take_answer(peer *p, const char *text, lcc_why *why) {
  if (!p->ice || p->remote_set) return lcc_fail(why, LCC_ERR_INVALID_STATE, "%s: no offer awaiting an answer", p->name);
  lcc_sdp *answer = parse(text, why);
  if (!answer) return LCC_ERR_SDP_INVALID;
  int tag = -1;
  for (size_t i = 0; i < answer->n_media && tag < 0; i++)
    if (accepted(&answer->media[i])) tag = (int)i;
  lcc_setup theirs = tag >= 0 ? answer->media[tag].setup : LCC_SETUP_NONE;
  lcc_err err = theirs == LCC_SETUP_ACTIVE || theirs == LCC_SETUP_PASSIVE
                    ? apply(p, answer, answer, theirs == LCC_SETUP_PASSIVE, why)
                    : lcc_fail(why, LCC_ERR_SDP_INVALID, "%s: answer setup is not active or passive", p->name);
  g_free(answer);
  return err;
}

char *peer_answer(peer *p, const char *text, lcc_why *why) {
  if (p->ice) {
    lcc_fail(why, LCC_ERR_INVALID_STATE, "%s: already negotiating", p->name);
    return NULL;
  }
  lcc_sdp *offer = parse(text, why), *answer = NULL;
  char *out = NULL;
  if (!offer || gather(p, false, why) != LCC_OK) goto done;
  if (p->opts.no_rtx)
    for (size_t i = 0; i < offer->n_media; i++) strip_rtx(&offer->media[i]);
  lcc_sdp_local local;
  fill_local(p, &local, LCC_SETUP_ACTIVE);
  answer = g_new0(lcc_sdp, 1);
  if (lcc_sdp_answer(offer, &local, answer, why) != LCC_OK) goto done;
  if (apply(p, answer, offer, true, why) != LCC_OK) goto done;
  out = write_sdp(answer, why);
done:
  g_free(offer);
  g_free(answer);
  return out;
}

lcc_err peer_add_remote_candidate(peer *p, const char *cand, lcc_why *why) {
  if (!p->remote_set) {
    if (!cand) p->pending_done = true;
    else if (p->n_pending < PEER_MAX_PENDING) p->pending[p->n_pending++] = strdup(cand);
    return LCC_OK;
  }
  if (!cand) {
    lcc_ice_remote_gathering_done(p->ice);
    return LCC_OK;
  }
  return lcc_ice_add_remote_candidate(p->ice, cand, why);
}

bool peer_connected(const peer *p) { return p->srtp != NULL && !p->failed; }
bool peer_failed(const peer *p) { return p->failed; }
const char *peer_failure(const peer *p) { return p->why; }
const peer_media *peer_media_slot(const peer *p, lcc_slot slot) { return &p->media[slot]; }

/* --- sending --- */

static size_t build_rtp(const peer_rtp *pkt, uint8_t *out, size_t cap) {
  lcc_rtp_hdr_out h = {.marker = pkt->marker, .pt = pkt->pt, .seq = pkt->seq, .ts = pkt->ts, .ssrc = pkt->ssrc};
  size_t hl = lcc_rtp_write_header(out, cap, &h, pkt->exts, pkt->n_exts);
  if (!hl || hl + pkt->len > cap) return 0;
  if (pkt->len) memcpy(out + hl, pkt->payload, pkt->len);
  return hl + pkt->len;
}

static int slot_of_pt(const peer *p, uint8_t pt) {
  for (int s = 0; s < LCC_SLOT_COUNT; s++)
    if (p->media[s].active && (pt == p->media[s].pt || (p->media[s].rtx_pt >= 0 && pt == (uint8_t)p->media[s].rtx_pt)))
      return s;
  return -1;
}

size_t peer_protect_rtp_raw(peer *p, const uint8_t *plain, size_t len, uint8_t *out, size_t cap) {
  if (!p->srtp || len < 2 || len > cap || cap - len < LCC_SRTP_MAX_TRAILER) return 0;
  if (out != plain) memmove(out, plain, len);
  int slot = slot_of_pt(p, (uint8_t)(out[1] & 0x7f));
  size_t n = len;
  if (lcc_srtp_protect_rtp(p->srtp, out, &n, cap) != LCC_OK) return 0;
  p->counters.bytes_out += len;
  if (slot >= 0) p->counters.bytes_out_slot[slot] += len;
  return n;
}

size_t peer_protect_rtp(peer *p, const peer_rtp *pkt, uint8_t *out, size_t cap) {
  if (!p->srtp || cap < LCC_SRTP_MAX_TRAILER) return 0;
  size_t n = build_rtp(pkt, out, cap - LCC_SRTP_MAX_TRAILER);
  return n ? peer_protect_rtp_raw(p, out, n, out, cap) : 0;
}

size_t peer_protect_rtcp(peer *p, const uint8_t *rtcp, size_t len, uint8_t *out, size_t cap) {
  if (!p->srtp || len > cap || cap - len < LCC_SRTP_MAX_TRAILER) return 0;
  memcpy(out, rtcp, len);
  size_t n = len;
  if (lcc_srtp_protect_rtcp(p->srtp, out, &n, cap) != LCC_OK) return 0;
  return n;
}

bool peer_send_raw(peer *p, const uint8_t *buf, size_t len) { return p->ice && lcc_ice_send(p->ice, buf, len); }

bool peer_send_rtp(peer *p, const peer_rtp *pkt) {
  size_t n = peer_protect_rtp(p, pkt, p->tx, sizeof p->tx);
  if (!n || !peer_send_raw(p, p->tx, n)) return false;
  p->counters.rtp_out++;
  int slot = slot_of_pt(p, pkt->pt);
  if (slot >= 0) p->counters.rtp_out_slot[slot]++;
  return true;
}

bool peer_send_rtcp(peer *p, const uint8_t *rtcp, size_t len) {
  size_t n = peer_protect_rtcp(p, rtcp, len, p->tx, sizeof p->tx);
  if (!n || !peer_send_raw(p, p->tx, n)) return false;
  p->counters.rtcp_out++;
  return true;
}

void peer_drop_incoming(peer *p, uint32_t ssrc, uint16_t seq) {
  if (p->n_drops == PEER_MAX_DROPS) return;
  p->drops[p->n_drops].ssrc = ssrc;
  p->drops[p->n_drops++].seq = seq;
}

/* --- the log --- */

size_t peer_rtp_count(const peer *p) { return p->n_rtp; }
const peer_rtp_rx *peer_rtp_at(const peer *p, size_t i) { return i < p->n_rtp ? &p->rtp[i] : NULL; }
size_t peer_rtcp_count(const peer *p) { return p->n_rtcp; }
const peer_rtcp_rx *peer_rtcp_at(const peer *p, size_t i) { return i < p->n_rtcp ? &p->rtcp[i] : NULL; }
void peer_clear_log(peer *p) { p->n_rtp = p->n_rtcp = 0; }
const peer_counters *peer_stats(const peer *p) { return &p->counters; }

/* --- the server driver --- */

typedef struct {
  char call_id[LCC_CALL_ID_MAX];
  lcc_party party;
  peer *p;
  lcc_leg_state state;
  int failures;
} binding;

struct peer_server {
  GMainContext *ctx;
  lcc_server *s;
  GArray *bindings; /* of binding */
  lcc_event *replies, *replies_tail;
  uint64_t next_req;
};

/* Runs on the media thread: only wakes the owner's context. */
static void notify(void *ctx) { g_main_context_wakeup(ctx); }

peer_server *peer_server_create(GMainContext *ctx, const lcc_server_opts *opts, lcc_why *why) {
  lcc_server_opts o;
  if (opts) {
    o = *opts;
  } else {
    lcc_server_opts_init(&o);
    strcpy(o.ice.listen_addresses[0], "127.0.0.1");
    o.ice.n_listen = 1;
  }
  peer_server *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->ctx = ctx;
  lcc_err err;
  s->s = lcc_server_create(&o, notify, ctx, &err, why);
  if (!s->s) {
    free(s);
    return NULL;
  }
  s->bindings = g_array_new(FALSE, TRUE, sizeof(binding));
  return s;
}

void peer_server_destroy(peer_server *s) {
  if (!s) return;
  lcc_server_destroy(s->s);
  lcc_event_free_list(s->replies);
  g_array_free(s->bindings, TRUE);
  free(s);
}

lcc_server *peer_server_lcc(peer_server *s) { return s->s; }

static binding *find_binding(peer_server *s, const char *call_id, lcc_party party, bool create) {
  for (guint i = 0; i < s->bindings->len; i++) {
    binding *b = &g_array_index(s->bindings, binding, i);
    if (b->party == party && strcmp(b->call_id, call_id) == 0) return b;
  }
  if (!create) return NULL;
  binding nb = {.party = party};
  g_strlcpy(nb.call_id, call_id, sizeof nb.call_id);
  g_array_append_val(s->bindings, nb);
  return &g_array_index(s->bindings, binding, s->bindings->len - 1);
}

static void route(peer_server *s, lcc_event *ev) {
  binding *b = ev->kind == LCC_EV_CANDIDATE || ev->kind == LCC_EV_STATE
                   ? find_binding(s, ev->call_id, ev->party, true)
                   : NULL;
  if (ev->kind == LCC_EV_REPLY) {
    if (s->replies_tail) s->replies_tail->next = ev;
    else s->replies = ev;
    s->replies_tail = ev;
    return;
  }
  if (ev->kind == LCC_EV_CANDIDATE && b->p) peer_add_remote_candidate(b->p, ev->text, NULL);
  if (ev->kind == LCC_EV_STATE) {
    b->state = ev->state;
    if (ev->state == LCC_STATE_FAILED) {
      b->failures++;
      fprintf(stderr, "  %s/%s failed: %s\n", ev->call_id, lcc_party_name(ev->party), ev->why);
    }
  }
  lcc_event_free_list(ev);
}

static void drain(peer_server *s) {
  lcc_event *ev = lcc_server_drain(s->s);
  while (ev) {
    lcc_event *next = ev->next;
    ev->next = NULL;
    route(s, ev);
    ev = next;
  }
}

bool peer_server_run(peer_server *s, int timeout_ms, bool (*done)(void *arg), void *arg) {
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  for (;;) {
    drain(s);
    if (done && done(arg)) return true;
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0) return false;
    turn(s->ctx, (int)(left / 1000));
  }
}

static lcc_event *take_reply(peer_server *s, uint64_t req) {
  for (lcc_event **pp = &s->replies; *pp; pp = &(*pp)->next) {
    lcc_event *ev = *pp;
    if (ev->req != req) continue;
    *pp = ev->next;
    if (s->replies_tail == ev) {
      s->replies_tail = NULL;
      for (lcc_event *t = s->replies; t; t = t->next) s->replies_tail = t;
    }
    ev->next = NULL;
    return ev;
  }
  return NULL;
}

typedef struct {
  peer_server *s;
  uint64_t req;
  lcc_event *ev;
} reply_wait;

static bool reply_arrived(void *arg) {
  reply_wait *w = arg;
  w->ev = take_reply(w->s, w->req);
  return w->ev != NULL;
}

lcc_err peer_server_command(peer_server *s, lcc_cmd *c, int timeout_ms, char **text, lcc_why *why) {
  if (text) *text = NULL;
  c->req = ++s->next_req;
  lcc_err err = lcc_server_post(s->s, c);
  if (err != LCC_OK) return lcc_fail(why, err, "post failed");
  reply_wait w = {s, c->req, NULL};
  if (!peer_server_run(s, timeout_ms, reply_arrived, &w))
    return lcc_fail(why, LCC_ERR_TIMEOUT, "no reply to command %d in %d ms", (int)c->kind, timeout_ms);
  err = w.ev->err;
  if (err != LCC_OK) lcc_fail(why, err, "%s", w.ev->why);
  if (text) {
    *text = w.ev->text;
    w.ev->text = NULL;
  }
  lcc_event_free_list(w.ev);
  return err;
}

void peer_server_attach(peer_server *s, const char *call_id, lcc_party party, peer *p) {
  find_binding(s, call_id, party, true)->p = p;
}

lcc_leg_state peer_server_state(peer_server *s, const char *call_id, lcc_party party, int *failures) {
  drain(s);
  binding *b = find_binding(s, call_id, party, false);
  if (failures) *failures = b ? b->failures : 0;
  return b ? b->state : LCC_STATE_NEW;
}

static lcc_cmd make_cmd(lcc_cmd_kind kind, const char *call_id, lcc_party party, const char *text) {
  lcc_cmd c = {.kind = kind, .party = party, .text = text, .mline_index = -1};
  g_strlcpy(c.call_id, call_id, sizeof c.call_id);
  return c;
}

typedef struct {
  peer_server *s;
  const char *call_id;
  peer *v, *a;
} call_wait;

static bool call_settled(void *arg) {
  call_wait *w = arg;
  if (peer_failed(w->v) || peer_failed(w->a)) return true;
  for (int party = 0; party < LCC_PARTY_COUNT; party++) {
    binding *b = find_binding(w->s, w->call_id, (lcc_party)party, false);
    if (b && b->state == LCC_STATE_FAILED) return true;
    if (!b || b->state != LCC_STATE_CONNECTED) return false;
  }
  return peer_connected(w->v) && peer_connected(w->a);
}

bool peer_server_connect_call(peer_server *s, const char *call_id, peer *visitor, peer *agent,
                              int timeout_ms, lcc_why *why) {
  char *text = NULL, *sdp = NULL;
  peer_server_attach(s, call_id, LCC_PARTY_VISITOR, visitor);
  peer_server_attach(s, call_id, LCC_PARTY_AGENT, agent);
  lcc_cmd c = make_cmd(LCC_CMD_CALL_CREATE, call_id, LCC_PARTY_VISITOR, NULL);
  if (peer_server_command(s, &c, timeout_ms, NULL, why) != LCC_OK) return false;
  if (!(sdp = peer_offer(visitor, why))) return false;
  c = make_cmd(LCC_CMD_ANSWER, call_id, LCC_PARTY_VISITOR, sdp);
  lcc_err err = peer_server_command(s, &c, timeout_ms, &text, why);
  g_free(sdp);
  if (err == LCC_OK) err = peer_take_answer(visitor, text, why);
  free(text);
  if (err != LCC_OK) return false;
  c = make_cmd(LCC_CMD_OFFER, call_id, LCC_PARTY_AGENT, NULL);
  if (peer_server_command(s, &c, timeout_ms, &text, why) != LCC_OK) return false;
  sdp = peer_answer(agent, text, why);
  free(text);
  if (!sdp) return false;
  c = make_cmd(LCC_CMD_ACCEPT_ANSWER, call_id, LCC_PARTY_AGENT, sdp);
  err = peer_server_command(s, &c, timeout_ms, NULL, why);
  g_free(sdp);
  if (err != LCC_OK) return false;
  call_wait w = {s, call_id, visitor, agent};
  bool settled = peer_server_run(s, timeout_ms, call_settled, &w);
  if (settled && peer_connected(visitor) && peer_connected(agent)) return true;
  if (peer_failed(visitor) || peer_failed(agent))
    lcc_fail(why, LCC_ERR_DTLS_FAILED, "peer failed: %s%s", peer_failure(visitor), peer_failure(agent));
  else
    lcc_fail(why, settled ? LCC_ERR_ICE_FAILED : LCC_ERR_TIMEOUT, "call %s did not connect (legs %s/%s)", call_id,
             lcc_leg_state_name(peer_server_state(s, call_id, LCC_PARTY_VISITOR, NULL)),
             lcc_leg_state_name(peer_server_state(s, call_id, LCC_PARTY_AGENT, NULL)));
  return false;
}

/* Posts c and waits for its reply event (transfer full), or NULL after timeout_ms. */
static lcc_event *command_reply(peer_server *s, lcc_cmd *c, int timeout_ms) {
  c->req = ++s->next_req;
  if (lcc_server_post(s->s, c) != LCC_OK) return NULL;
  reply_wait w = {s, c->req, NULL};
  return peer_server_run(s, timeout_ms, reply_arrived, &w) ? w.ev : NULL;
}

lcc_stats_snapshot *peer_server_stats_all(peer_server *s) {
  lcc_cmd c = make_cmd(LCC_CMD_STATS_ALL, "", LCC_PARTY_VISITOR, NULL);
  lcc_event *ev = command_reply(s, &c, 5000);
  lcc_stats_snapshot *snap = ev && ev->err == LCC_OK ? ev->stats : NULL;
  if (ev) ev->stats = NULL;
  lcc_event_free_list(ev);
  return snap;
}

char *peer_server_stats(peer_server *s, const char *call_id) {
  lcc_cmd c = make_cmd(LCC_CMD_STATS, call_id, LCC_PARTY_VISITOR, NULL);
  lcc_event *ev = command_reply(s, &c, 5000);
  char *text = NULL;
  if (ev && ev->err == LCC_OK && ev->stats && ev->stats->n == 1) {
    const lcc_stats_call *st = &ev->stats->calls[0];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", st->id);
    cJSON_AddNumberToObject(o, "startedAt", (double)st->started_at_ms);
    cJSON_AddItemToObject(o, "parties", lcc_stats_parties_json(st, false));
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
  }
  lcc_event_free_list(ev);
  return text;
}
