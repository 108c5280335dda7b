/* One party's leg: SDP negotiation, the ICE and DTLS state machines, and the
 * leg's state as JS sees it. Packets are in leg_media.c, stats in
 * leg_stats.c. Thread: the media thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leg_internal.h"

static uint32_t random_ssrc(void) {
  uint32_t v;
  do v = g_random_int();
  while (v == 0);
  return v;
}

static void random_token(char *out, size_t len) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t i = 0; i + 1 < len; i++) out[i] = alphabet[g_random_int_range(0, sizeof alphabet - 1)];
  out[len - 1] = 0;
}

/* --- state --- */

void lcc_leg_set_state(lcc_leg *leg, lcc_leg_state st, lcc_err err, const char *why) {
  if (leg->state == st || leg->state == LCC_STATE_CLOSED) return;
  leg->state = st;
  if (st == LCC_STATE_CONNECTED && !leg->connected_at_ms) leg->connected_at_ms = lcc_wall_us() / 1000;
  leg->cb.state(leg->cb_ctx, leg, st, err, why);
}

static void fail(lcc_leg *leg, lcc_err err, const char *why) {
  lcc_leg_set_state(leg, LCC_STATE_FAILED, err, why);
}

/* --- DTLS --- */

static gboolean on_dtls_timer(gpointer data);

static void arm_dtls_timer(lcc_leg *leg) {
  if (leg->dtls_timer) {
    g_source_destroy(leg->dtls_timer);
    g_source_unref(leg->dtls_timer);
    leg->dtls_timer = NULL;
  }
  int64_t us = leg->dtls ? lcc_dtls_timeout_us(leg->dtls) : -1;
  if (us < 0) return;
  leg->dtls_timer = g_timeout_source_new((guint)(us / 1000 + 1));
  g_source_set_callback(leg->dtls_timer, on_dtls_timer, leg, NULL);
  g_source_attach(leg->dtls_timer, leg->env.ctx);
}

static gboolean on_dtls_timer(gpointer data) {
  lcc_leg *leg = data;
  g_source_unref(leg->dtls_timer);
  leg->dtls_timer = NULL;
  if (leg->dtls) lcc_dtls_handle_timeout(leg->dtls);
  arm_dtls_timer(leg);
  return G_SOURCE_REMOVE;
}

static void dtls_send(void *ctx, const uint8_t *buf, size_t len) {
  lcc_leg *leg = ctx;
  if (leg->ice) lcc_ice_send(leg->ice, buf, len);
}

static void dtls_connected(void *ctx, const lcc_srtp_keys *keys) {
  lcc_leg *leg = ctx;
  lcc_why why = {{0}};
  lcc_srtp_destroy(leg->srtp);
  leg->srtp = lcc_srtp_create(keys, &why);
  if (!leg->srtp) {
    fail(leg, LCC_ERR_SRTP_FAILED, why.msg);
    return;
  }
  leg->srtp_profile = keys->profile;
  leg->last_rx_us = lcc_now_us();
  lcc_leg_set_state(leg, LCC_STATE_CONNECTED, LCC_OK, NULL);
}

static void dtls_failed(void *ctx, lcc_err err, const char *why) {
  lcc_leg *leg = ctx;
  leg->dtls_failures++;
  fail(leg, err, why);
}

static void dtls_closed(void *ctx) {
  fail(ctx, LCC_ERR_DTLS_FAILED, "the peer closed the connection (DTLS close_notify)");
}

static const lcc_dtls_cb dtls_callbacks = {dtls_send, dtls_connected, dtls_failed, dtls_closed};

void lcc_leg_on_dtls(lcc_leg *leg, const uint8_t *buf, size_t len) {
  if (!leg->dtls) return; /* before the answer: the peer retransmits */
  lcc_dtls_feed(leg->dtls, buf, len);
  if (leg->dtls) arm_dtls_timer(leg);
}

static void start_dtls_if_ready(lcc_leg *leg) {
  if (!leg->dtls || !leg->ice || lcc_ice_get_state(leg->ice) != LCC_ICE_CONNECTED) return;
  if (lcc_dtls_is_connected(leg->dtls)) return;
  lcc_dtls_start(leg->dtls); /* a DTLS server only waits */
  arm_dtls_timer(leg);
}

/* --- ICE --- */

static void ice_candidate(void *ctx, const char *cand) {
  lcc_leg *leg = ctx;
  leg->cb.candidate(leg->cb_ctx, leg, cand);
}

static void ice_state(void *ctx, lcc_ice_state st) {
  lcc_leg *leg = ctx;
  if (st == LCC_ICE_CONNECTED) {
    leg->ice_connected_us = lcc_now_us();
    if (leg->state == LCC_STATE_DISCONNECTED || leg->state == LCC_STATE_FAILED) {
      /* An ICE restart brought the transport back; DTLS and SRTP go on. */
      if (leg->srtp) lcc_leg_set_state(leg, LCC_STATE_CONNECTED, LCC_OK, NULL);
    }
    start_dtls_if_ready(leg);
  } else if (st == LCC_ICE_FAILED) {
    fail(leg, LCC_ERR_ICE_FAILED,
         leg->srtp ? "consent to send expired: the peer stopped answering (RFC 7675)"
                   : "ICE connectivity checks failed");
  }
}

static void ice_recv(void *ctx, uint8_t *buf, size_t len) { lcc_leg_on_datagram(ctx, buf, len); }

static const lcc_ice_cb ice_callbacks = {ice_candidate, ice_state, ice_recv};

static lcc_err ensure_ice(lcc_leg *leg, bool controlling, lcc_why *why) {
  if (leg->ice) return LCC_OK;
  leg->controlling = controlling;
  lcc_err err;
  leg->ice = lcc_ice_create(leg->env.ctx, &leg->env.opts->ice, controlling, &ice_callbacks, leg, &err, why);
  return err; /* the agent's own code: a bad listen address is an option error, not an ICE failure */
}

/* --- the 1 s tick: reports, the disconnected watchdog, the DTLS deadline --- */

static void watch(lcc_leg *leg) {
  uint64_t now = lcc_now_us();
  const lcc_leg_opts *o = leg->env.opts;
  if (leg->state == LCC_STATE_CONNECTED && now - leg->last_rx_us > (uint64_t)o->disconnected_after_ms * 1000)
    lcc_leg_set_state(leg, LCC_STATE_DISCONNECTED, LCC_OK, NULL);
  if (leg->state == LCC_STATE_CONNECTING && leg->ice_connected_us && !leg->srtp &&
      now - leg->ice_connected_us > (uint64_t)o->dtls_timeout_ms * 1000) {
    char why[128];
    snprintf(why, sizeof why, "DTLS handshake did not complete within %u ms", o->dtls_timeout_ms);
    fail(leg, LCC_ERR_DTLS_FAILED, why);
  }
}

static gboolean on_tick(gpointer data) {
  lcc_leg *leg = data;
  watch(leg);
  if (leg->srtp && leg->state != LCC_STATE_FAILED) lcc_leg_send_reports(leg);
  return G_SOURCE_CONTINUE;
}

/* --- create / destroy --- */

lcc_leg *lcc_leg_create(const lcc_leg_env *env, const lcc_leg_cb *cb, void *cb_ctx) {
  lcc_leg *leg = g_new0(lcc_leg, 1);
  leg->env = *env;
  g_strlcpy(leg->call_id, env->call_id, sizeof leg->call_id);
  leg->env.call_id = leg->call_id;
  leg->cb = *cb;
  leg->cb_ctx = cb_ctx;
  leg->bundle_mline = -1;
  leg->local.first_accepted = leg->pending_offer.first_accepted = -1;
  for (int s = 0; s < LCC_SLOT_COUNT; s++) {
    leg->media[s].send_ssrc = random_ssrc();
    leg->media[s].send_rtx_ssrc = random_ssrc();
    leg->media[s].rtx_pt = -1;
    leg->media[s].rtt_ms = -1;
  }
  leg->rtcp_ssrc = leg->media[LCC_SLOT_AUDIO].send_ssrc;
  random_token(leg->cname, 17);
  snprintf(leg->stream_id, sizeof leg->stream_id, "lcc-%s", lcc_party_name(env->party));
  leg->tick = g_timeout_source_new(1000);
  g_source_set_callback(leg->tick, on_tick, leg, NULL);
  g_source_attach(leg->tick, env->ctx);
  return leg;
}

void lcc_leg_close(lcc_leg *leg) {
  if (leg->state == LCC_STATE_CLOSED) return;
  if (leg->srtp) lcc_leg_send_bye(leg);
  if (leg->dtls) lcc_dtls_close(leg->dtls);
  lcc_leg_set_state(leg, LCC_STATE_CLOSED, LCC_OK, NULL);
}

void lcc_leg_destroy(lcc_leg *leg) {
  if (!leg) return;
  lcc_leg_close(leg);
  g_source_destroy(leg->tick);
  g_source_unref(leg->tick);
  if (leg->dtls_timer) {
    g_source_destroy(leg->dtls_timer);
    g_source_unref(leg->dtls_timer);
  }
  lcc_srtp_destroy(leg->srtp);
  lcc_dtls_destroy(leg->dtls);
  lcc_ice_destroy(leg->ice);
  g_free(leg->local.text);
  g_free(leg->pending_offer.text);
  g_free(leg);
}

/* --- negotiation --- */

static void fill_local(lcc_leg *leg, lcc_sdp_local *l, lcc_setup setup) {
  memset(l, 0, sizeof *l);
  lcc_ice_local_credentials(leg->ice, l->ice_ufrag, l->ice_pwd);
  g_strlcpy(l->fingerprint, lcc_dtls_cert_fingerprint(leg->env.cert), sizeof l->fingerprint);
  l->setup = setup;
  /* RFC 8829 §5.2.2: a later description keeps o= session id and bumps the version. */
  l->session_id = leg->local.text ? leg->local.session_id : ((uint64_t)g_random_int() << 31) ^ g_random_int();
  l->session_version = leg->local.text ? leg->local.session_version + 1 : 2;
  g_strlcpy(l->cname, leg->cname, sizeof l->cname);
  g_strlcpy(l->stream_id, leg->stream_id, sizeof l->stream_id);
  l->audio_ssrc = leg->media[LCC_SLOT_AUDIO].send_ssrc;
  l->video_ssrc = leg->media[LCC_SLOT_VIDEO].send_ssrc;
  l->video_rtx_ssrc = leg->media[LCC_SLOT_VIDEO].send_rtx_ssrc;
}

/* The first accepted m-section: the BUNDLE tag, which carries the transport. */
static int first_accepted(const lcc_sdp *sdp) {
  for (size_t i = 0; i < sdp->n_media; i++)
    if (sdp->media[i].port != 0 || sdp->media[i].bundle_only) return (int)i;
  return -1;
}

/* Puts the candidates gathered so far into the local description. */
static void add_local_candidates(lcc_leg *leg, lcc_sdp *local) {
  int i = first_accepted(local);
  if (i < 0) return;
  lcc_sdp_media *m = &local->media[i];
  bool done = false;
  m->n_candidates = lcc_ice_take_candidates(leg->ice, m->candidates, LCC_SDP_MAX_CANDIDATES, &done);
  m->end_of_candidates = done;
  if (done) leg->cb.candidate(leg->cb_ctx, leg, NULL); /* queued after the reply by the call */
  /* c= and m= carry the default candidate's address (RFC 8839 §4.2.1.2): the first UDP one. */
  char addr[64], transport[8];
  unsigned port;
  for (size_t k = 0; k < m->n_candidates; k++) {
    if (sscanf(m->candidates[k], "candidate:%*s %*s %7s %*s %63s %u", transport, addr, &port) != 3 ||
        g_ascii_strcasecmp(transport, "udp") != 0)
      continue;
    for (size_t j = 0; j < local->n_media; j++) {
      if (local->media[j].port == 0) continue;
      g_strlcpy(local->media[j].conn_addr, addr, sizeof local->media[j].conn_addr);
      local->media[j].port = (uint16_t)port;
    }
    break;
  }
}

static char *write_sdp(const lcc_sdp *sdp) {
  size_t cap = 65536;
  char *text = g_malloc(cap);
  size_t len = lcc_sdp_write(sdp, text, cap);
  if (len == 0) {
    g_free(text);
    return NULL;
  }
  return g_realloc(text, len + 1); /* it waits in the event queue, and the leg keeps one */
}

static lcc_err parse_sdp(const char *text, lcc_sdp **out, lcc_why *why) {
  *out = g_new0(lcc_sdp, 1);
  lcc_err err = lcc_sdp_parse(text, strlen(text), *out, why);
  if (err != LCC_OK) {
    g_free(*out);
    *out = NULL;
  }
  return err;
}

/* Keeps a description the leg sent: its text (taken, owned) and what is read
 * of it later. */
static void desc_keep(lcc_leg_desc *d, const lcc_sdp *sdp, char *text) {
  g_free(d->text);
  memset(d, 0, sizeof *d);
  d->text = text;
  d->session_id = sdp->session_id;
  d->session_version = sdp->session_version;
  for (size_t i = 0; i < sdp->n_media && i < LCC_SDP_MAX_MEDIA; i++)
    g_strlcpy(d->mids[d->n_mids++], sdp->media[i].mid, sizeof d->mids[0]);
  d->first_accepted = first_accepted(sdp);
}

static void desc_clear(lcc_leg_desc *d) {
  g_free(d->text);
  memset(d, 0, sizeof *d);
  d->first_accepted = -1;
}

/* Parses a kept description back into a temporary the caller frees: our own
 * text, so a failure is the server's fault. */
static lcc_err desc_parse(const lcc_leg_desc *d, lcc_sdp **out, lcc_why *why) {
  lcc_why inner = {{0}};
  if (parse_sdp(d->text, out, &inner) == LCC_OK) return LCC_OK;
  return lcc_fail(why, LCC_ERR_INTERNAL, "the server's own description does not parse back: %s", inner.msg);
}

static void reset_slot(lcc_leg_media *m) {
  m->active = false;
  m->can_send = m->can_recv = false;
  m->rtx_pt = -1;
  memset(m->ext_id, 0, sizeof m->ext_id);
}

static void learn_remote_ssrcs(lcc_leg_media *lm, const lcc_sdp_media *rm) {
  for (size_t g = 0; g < rm->n_ssrc_groups; g++) {
    const lcc_sdp_ssrc_group *grp = &rm->ssrc_groups[g];
    if (strcmp(grp->semantics, "FID") == 0 && grp->n_ssrcs >= 2) {
      lm->remote_ssrc = grp->ssrcs[0];
      lm->remote_rtx_ssrc = grp->ssrcs[1];
      return;
    }
  }
  if (rm->n_ssrcs > 0) lm->remote_ssrc = rm->ssrcs[0].ssrc;
}

/* Fills one slot from the negotiated section `neg` (the answer) and the remote
 * section `rm` (for its SSRCs). `ours` tells whether the answer is ours, which
 * decides how its direction reads. */
static void derive_slot(lcc_leg *leg, int idx, const lcc_sdp_media *neg, const lcc_sdp_media *rm,
                        bool ours) {
  lcc_slot s = neg->kind == LCC_MEDIA_AUDIO ? LCC_SLOT_AUDIO : LCC_SLOT_VIDEO;
  lcc_leg_media *m = &leg->media[s];
  if (m->active) return; /* only the first section of a kind carries media */
  const lcc_sdp_codec *c = neg->kind == LCC_MEDIA_AUDIO ? lcc_sdp_find_codec(neg, "opus", 48000, 2)
                                                        : lcc_sdp_find_codec(neg, "VP8", 90000, 0);
  if (!c) return;
  m->active = true;
  g_strlcpy(m->mid, neg->mid, sizeof m->mid);
  m->mline_index = idx;
  m->pt = c->pt;
  m->clock_rate = c->clock_rate;
  m->fb = c->fb;
  const lcc_sdp_codec *rtx = lcc_sdp_find_rtx(neg, c->pt);
  m->rtx_pt = rtx ? rtx->pt : -1;
  for (size_t e = 0; e < neg->n_extmaps; e++) {
    lcc_ext_kind k = lcc_sdp_ext_kind(neg->extmaps[e].uri);
    if (k != LCC_EXT_NONE) m->ext_id[k] = neg->extmaps[e].id;
  }
  lcc_dir d = neg->dir;
  bool remote_sends = ours ? (d == LCC_DIR_SENDRECV || d == LCC_DIR_RECVONLY)
                           : (d == LCC_DIR_SENDRECV || d == LCC_DIR_SENDONLY);
  bool remote_recvs = ours ? (d == LCC_DIR_SENDRECV || d == LCC_DIR_SENDONLY)
                           : (d == LCC_DIR_SENDRECV || d == LCC_DIR_RECVONLY);
  m->can_recv = remote_sends;
  m->can_send = remote_recvs;
  learn_remote_ssrcs(m, rm);
  if (!m->rx.clock_rate) lcc_rtp_rx_init(&m->rx, m->remote_ssrc, m->clock_rate);
}

/* Applies a completed negotiation: slots, remote ICE parameters and
 * candidates, and the DTLS session. */
static lcc_err apply(lcc_leg *leg, const lcc_sdp *remote, const lcc_sdp *answer, bool answer_ours,
                     lcc_setup our_setup, lcc_why *why) {
  int tag = first_accepted(answer);
  if (tag < 0) return lcc_fail(why, LCC_ERR_SDP_UNSUPPORTED, "no m-section was accepted");
  const lcc_sdp_media *rm = &remote->media[tag];
  for (int s = 0; s < LCC_SLOT_COUNT; s++) reset_slot(&leg->media[s]);
  for (size_t i = 0; i < answer->n_media && i < remote->n_media; i++)
    if (answer->media[i].port != 0 || answer->media[i].bundle_only)
      derive_slot(leg, (int)i, &answer->media[i], &remote->media[i], answer_ours);
  g_strlcpy(leg->bundle_mid, answer->media[tag].mid, sizeof leg->bundle_mid);
  leg->bundle_mline = tag;
  if (strcmp(leg->remote_ufrag, rm->ice_ufrag) != 0) {
    lcc_err err = lcc_ice_set_remote_credentials(leg->ice, rm->ice_ufrag, rm->ice_pwd, why);
    if (err != LCC_OK) return err;
    g_strlcpy(leg->remote_ufrag, rm->ice_ufrag, sizeof leg->remote_ufrag);
  }
  /* Bundled sections share the tag's transport; without BUNDLE only the tag's
   * section is ours, and its candidates alone belong to this agent. */
  for (size_t i = 0; i < remote->n_media; i++) {
    if (!answer->n_bundle && (int)i != tag) continue;
    for (size_t k = 0; k < remote->media[i].n_candidates; k++)
      lcc_ice_add_remote_candidate(leg->ice, remote->media[i].candidates[k], NULL); /* bad ones: skipped */
  }
  if (rm->end_of_candidates) lcc_ice_remote_gathering_done(leg->ice);
  if (!leg->dtls || strcmp(leg->remote_fp, rm->fingerprint) != 0) {
    lcc_dtls_destroy(leg->dtls);
    leg->dtls_active = our_setup == LCC_SETUP_ACTIVE;
    g_strlcpy(leg->remote_fp_alg, rm->fingerprint_alg, sizeof leg->remote_fp_alg);
    g_strlcpy(leg->remote_fp, rm->fingerprint, sizeof leg->remote_fp);
    leg->dtls = lcc_dtls_create(leg->env.cert, leg->dtls_active, rm->fingerprint_alg, rm->fingerprint,
                                &dtls_callbacks, leg, why);
    if (!leg->dtls) return LCC_ERR_DTLS_FAILED;
  }
  if (leg->state == LCC_STATE_NEW) lcc_leg_set_state(leg, LCC_STATE_CONNECTING, LCC_OK, NULL);
  start_dtls_if_ready(leg);
  return LCC_OK;
}

static lcc_setup answer_setup(const lcc_leg *leg, const lcc_sdp *offer) {
  if (leg->dtls) return leg->dtls_active ? LCC_SETUP_ACTIVE : LCC_SETUP_PASSIVE; /* keep the role */
  int i = first_accepted(offer);
  lcc_setup theirs = i >= 0 ? offer->media[i].setup : LCC_SETUP_ACTPASS;
  /* RFC 8842 §5.3: answer actpass as active; an active offerer makes us passive. */
  return theirs == LCC_SETUP_ACTIVE ? LCC_SETUP_PASSIVE : LCC_SETUP_ACTIVE;
}

/* Writes what the leg sends (*out, the caller's) and keeps its text as `kept`. */
static lcc_err send_sdp(const lcc_sdp *sdp, const char *what, lcc_leg_desc *kept, char **out, lcc_why *why) {
  *out = write_sdp(sdp);
  if (!*out) return lcc_fail(why, LCC_ERR_INTERNAL, "%s does not fit the SDP buffer", what);
  desc_keep(kept, sdp, g_strdup(*out));
  return LCC_OK;
}

/* A new remote ufrag on an existing transport is an ICE restart (RFC 8445 §9). */
static lcc_err maybe_remote_restart(lcc_leg *leg, const lcc_sdp *offer, lcc_why *why) {
  int i = first_accepted(offer);
  if (!leg->ice || i < 0 || !leg->remote_ufrag[0]) return LCC_OK;
  if (strcmp(offer->media[i].ice_ufrag, leg->remote_ufrag) == 0) return LCC_OK;
  leg->remote_ufrag[0] = 0;
  leg->controlling = offer->ice_lite;
  return lcc_ice_restart(leg->ice, leg->controlling, why);
}

lcc_err lcc_leg_answer(lcc_leg *leg, const char *text, char **out, lcc_why *why) {
  if (leg->pending_offer.text) return lcc_fail(why, LCC_ERR_INVALID_STATE, "an offer from the server is awaiting its answer");
  lcc_sdp *offer = NULL, *answer = NULL;
  lcc_err err = parse_sdp(text, &offer, why);
  if (err != LCC_OK) return err;
  if ((err = maybe_remote_restart(leg, offer, why)) != LCC_OK) goto done;
  /* The offerer controls, unless it is ice-lite (RFC 8445 §6.1.1). */
  if ((err = ensure_ice(leg, offer->ice_lite, why)) != LCC_OK) goto done;
  lcc_sdp_local local;
  lcc_setup setup = answer_setup(leg, offer);
  fill_local(leg, &local, setup);
  answer = g_new0(lcc_sdp, 1);
  if ((err = lcc_sdp_answer(offer, &local, answer, why)) != LCC_OK) goto done;
  if ((err = apply(leg, offer, answer, true, setup, why)) != LCC_OK) goto done;
  add_local_candidates(leg, answer);
  err = send_sdp(answer, "answer", &leg->local, out, why);
done:
  g_free(offer);
  g_free(answer);
  return err;
}

static lcc_err make_offer(lcc_leg *leg, char **out, lcc_why *why) {
  lcc_sdp_local local;
  fill_local(leg, &local, LCC_SETUP_ACTPASS);
  lcc_sdp *previous = NULL, *offer = NULL;
  lcc_err err = leg->local.text ? desc_parse(&leg->local, &previous, why) : LCC_OK;
  if (err != LCC_OK) return err;
  offer = g_new0(lcc_sdp, 1);
  if ((err = lcc_sdp_offer(&local, previous, offer, why)) != LCC_OK) goto done;
  add_local_candidates(leg, offer);
  err = send_sdp(offer, "offer", &leg->pending_offer, out, why);
done:
  g_free(previous);
  g_free(offer);
  return err;
}

lcc_err lcc_leg_offer(lcc_leg *leg, char **out, lcc_why *why) {
  if (leg->pending_offer.text) return lcc_fail(why, LCC_ERR_INVALID_STATE, "an offer is already awaiting its answer");
  lcc_err err = ensure_ice(leg, true, why);
  if (err != LCC_OK) return err;
  return make_offer(leg, out, why);
}

lcc_err lcc_leg_restart_ice(lcc_leg *leg, char **out, lcc_why *why) {
  if (!leg->ice || !leg->local.text)
    return lcc_fail(why, LCC_ERR_INVALID_STATE, "nothing to restart: the leg was never negotiated");
  if (leg->pending_offer.text) return lcc_fail(why, LCC_ERR_INVALID_STATE, "an offer is already awaiting its answer");
  leg->controlling = true; /* the restarting offerer controls (RFC 8445 §9) */
  lcc_err err = lcc_ice_restart(leg->ice, true, why);
  if (err != LCC_OK) return err;
  leg->remote_ufrag[0] = 0;
  return make_offer(leg, out, why);
}

lcc_err lcc_leg_accept_answer(lcc_leg *leg, const char *text, lcc_why *why) {
  if (!leg->pending_offer.text) return lcc_fail(why, LCC_ERR_INVALID_STATE, "no offer from the server is awaiting an answer");
  lcc_sdp *offer = NULL, *answer = NULL;
  lcc_err err = parse_sdp(text, &answer, why);
  if (err != LCC_OK) return err;
  if ((err = desc_parse(&leg->pending_offer, &offer, why)) != LCC_OK) goto done;
  if ((err = lcc_sdp_check_answer(offer, answer, why)) != LCC_OK) goto done;
  int tag = first_accepted(answer);
  lcc_setup theirs = tag >= 0 ? answer->media[tag].setup : LCC_SETUP_NONE;
  lcc_setup ours = leg->dtls ? (leg->dtls_active ? LCC_SETUP_ACTIVE : LCC_SETUP_PASSIVE)
                             : (theirs == LCC_SETUP_ACTIVE ? LCC_SETUP_PASSIVE : LCC_SETUP_ACTIVE);
  if ((err = apply(leg, answer, answer, false, ours, why)) != LCC_OK) goto done;
  desc_clear(&leg->local);
  leg->local = leg->pending_offer;
  leg->pending_offer.text = NULL; /* moved */
  desc_clear(&leg->pending_offer);
done:
  g_free(offer);
  g_free(answer);
  return err;
}

static bool known_mid(const lcc_leg *leg, const char *mid) {
  const lcc_leg_desc *descs[2] = {&leg->local, &leg->pending_offer};
  for (int d = 0; d < 2; d++)
    for (size_t i = 0; i < descs[d]->n_mids; i++)
      if (strcmp(descs[d]->mids[i], mid) == 0) return true;
  return false;
}

lcc_err lcc_leg_add_candidate(lcc_leg *leg, const char *cand, const char *mid, int mline_index,
                              lcc_why *why) {
  (void)mline_index;
  if (!leg->ice)
    return lcc_fail(why, LCC_ERR_INVALID_STATE, "no session yet: call answer() or offer() for this party first");
  if (mid && mid[0] && !known_mid(leg, mid))
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "unknown sdpMid '%s'", mid);
  if (!cand || !cand[0]) {
    lcc_ice_remote_gathering_done(leg->ice);
    return LCC_OK;
  }
  return lcc_ice_add_remote_candidate(leg->ice, cand, why);
}

lcc_leg_state lcc_leg_get_state(const lcc_leg *leg) { return leg->state; }
lcc_party lcc_leg_party(const lcc_leg *leg) { return leg->env.party; }
bool lcc_leg_ready(const lcc_leg *leg) { return leg->srtp != NULL && leg->state != LCC_STATE_FAILED; }
const lcc_leg_media *lcc_leg_media_slot(const lcc_leg *leg, lcc_slot slot) { return &leg->media[slot]; }
uint64_t lcc_leg_connected_at_ms(const lcc_leg *leg) { return leg->connected_at_ms; }

const char *lcc_leg_candidate_mid(const lcc_leg *leg, int *mline_index) {
  if (leg->bundle_mline >= 0) {
    *mline_index = leg->bundle_mline;
    return leg->bundle_mid;
  }
  const lcc_leg_desc *d = leg->pending_offer.text ? &leg->pending_offer : &leg->local;
  int i = d->first_accepted;
  *mline_index = i < 0 ? 0 : i;
  return i < 0 ? "0" : d->mids[i];
}

size_t lcc_leg_guard_tcp(lcc_leg *leg, lcc_tcp_guard *g) { return leg->ice ? lcc_ice_guard_tcp(leg->ice, g) : 0; }
