/* Offer/answer for one leg (RFC 3264 with JSEP, RFC 8829): the answer to a
 * browser's offer, the server's own offer, and the check of a browser's
 * answer to it. The server relays one opus stream and one VP8 stream (with
 * rtx) per leg over a single BUNDLE transport with rtcp-mux; everything else
 * is rejected, keeping its mid (RFC 8843 §7.3.3).
 *
 * Works on parsed structs only: parsing is sdp.c, text is sdp_write.c, and
 * what the negotiated result means for RTP is the leg's business.
 * Thread: any. */
#include "sdp.h"

#include <stdio.h>
#include <string.h>

#define SET(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

/* The rtcp-fb kinds the server honours on video; transport-cc and goog-remb
 * are never negotiated: the server terminates RTCP and runs no bandwidth
 * estimation of its own. */
#define VIDEO_FB (LCC_FB_NACK | LCC_FB_NACK_PLI | LCC_FB_CCM_FIR)
#define NO_BWE_FB (LCC_FB_TRANSPORT_CC | LCC_FB_GOOG_REMB)

static bool is_full(const lcc_sdp_media *m) { return m->port != 0 || m->bundle_only; }

static bool in_bundle(const lcc_sdp *sdp, const char *mid) {
  for (size_t i = 0; i < sdp->n_bundle; i++)
    if (mid[0] && strcmp(sdp->bundle_mids[i], mid) == 0) return true;
  return false;
}

/* A caller-supplied string: terminated within its array and free of control
 * characters (it is written into SDP lines). */
static bool clean(const char *s, size_t cap) {
  size_t n = strnlen(s, cap);
  if (n == cap) return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return false;
  return true;
}

static lcc_err check_local(const lcc_sdp_local *l, lcc_why *why) {
  if (!clean(l->ice_ufrag, sizeof l->ice_ufrag) || !l->ice_ufrag[0] || !clean(l->ice_pwd, sizeof l->ice_pwd) ||
      !l->ice_pwd[0])
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "local ICE credentials missing or malformed");
  if (!clean(l->fingerprint, sizeof l->fingerprint) || !l->fingerprint[0])
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "local fingerprint missing or malformed");
  if (!clean(l->cname, sizeof l->cname) || !clean(l->stream_id, sizeof l->stream_id) ||
      !clean(l->conn_addr, sizeof l->conn_addr) || strchr(l->stream_id, ' '))
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "local cname, stream id or address malformed");
  if (l->n_candidates > LCC_SDP_MAX_CANDIDATES)
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "more than %d local candidates", LCC_SDP_MAX_CANDIDATES);
  for (size_t i = 0; i < l->n_candidates; i++)
    if (!clean(l->candidates[i], sizeof l->candidates[i]) || strncmp(l->candidates[i], "candidate:", 10) != 0)
      return lcc_fail(why, LCC_ERR_INVALID_OPTION, "local candidate %zu malformed", i);
  return LCC_OK;
}

/* ---- pieces shared by offers and answers ---- */

/* Also given to rejected sections: webrtcbin refuses a description in which
 * any section lacks them (see sdp_write.c). */
static void set_credentials(lcc_sdp_media *m, const lcc_sdp_local *l, lcc_setup setup) {
  SET(m->ice_ufrag, l->ice_ufrag);
  SET(m->ice_pwd, l->ice_pwd);
  SET(m->fingerprint_alg, "sha-256");
  SET(m->fingerprint, l->fingerprint);
  m->setup = setup;
}

static void set_transport(lcc_sdp_media *m, const lcc_sdp_local *l, lcc_setup setup) {
  set_credentials(m, l, setup);
  m->rtcp_mux = true;
  SET(m->conn_addr, l->conn_addr[0] ? l->conn_addr : "0.0.0.0");
  m->port = l->conn_port ? l->conn_port : 9; /* 9 (discard): the address comes with candidates (RFC 8840 §4.1.1) */
}

/* The fmt_list of an accepted section, from its codecs. */
static void set_fmt_list(lcc_sdp_media *m) {
  size_t at = 0;
  m->fmt_list[0] = 0;
  for (size_t i = 0; i < m->n_codecs; i++)
    at += (size_t)snprintf(m->fmt_list + at, sizeof m->fmt_list - at, "%s%u", i ? " " : "", m->codecs[i].pt);
}

static lcc_sdp_ssrc *add_ssrc(lcc_sdp_media *m, uint32_t ssrc, const lcc_sdp_local *l) {
  lcc_sdp_ssrc *s = &m->ssrcs[m->n_ssrcs++];
  s->ssrc = ssrc;
  SET(s->cname, l->cname);
  SET(s->msid, m->msid);
  return s;
}

/* a=msid and a=ssrc lines for what the server sends in m (RFC 8830; the ssrc
 * msid lines are for peers that still read them). No SSRC is 0 here: 0 means
 * "none given" in lcc_sdp_local. */
static void set_sending(lcc_sdp_media *m, const lcc_sdp_local *l) {
  if (m->dir != LCC_DIR_SENDRECV && m->dir != LCC_DIR_SENDONLY) return;
  bool audio = m->kind == LCC_MEDIA_AUDIO;
  const char *stream = l->stream_id[0] ? l->stream_id : "-";
  snprintf(m->msid, sizeof m->msid, "%s %s%s%s", stream, l->stream_id, l->stream_id[0] ? "-" : "",
           audio ? "audio" : "video");
  uint32_t ssrc = audio ? l->audio_ssrc : l->video_ssrc;
  if (ssrc == 0) return;
  add_ssrc(m, ssrc, l);
  bool rtx = !audio && m->n_codecs > 1 && l->video_rtx_ssrc != 0;
  if (!rtx) return;
  add_ssrc(m, l->video_rtx_ssrc, l);
  lcc_sdp_ssrc_group *g = &m->ssrc_groups[m->n_ssrc_groups++];
  SET(g->semantics, "FID"); /* RFC 4588 §8.7: the media SSRC, then its rtx SSRC */
  g->ssrcs[0] = l->video_ssrc;
  g->ssrcs[1] = l->video_rtx_ssrc;
  g->n_ssrcs = 2;
}

/* Which forwarded header extensions belong on which kind of section. */
static bool ext_for_kind(lcc_ext_kind k, lcc_media_kind kind) {
  switch (k) {
  case LCC_EXT_MID: return true;
  case LCC_EXT_AUDIO_LEVEL: return kind == LCC_MEDIA_AUDIO;
  case LCC_EXT_ABS_SEND_TIME:
  case LCC_EXT_TOFFSET:
  case LCC_EXT_VIDEO_ORIENTATION: return kind == LCC_MEDIA_VIDEO;
  default: return false;
  }
}

static lcc_dir mirror(lcc_dir d) {
  return d == LCC_DIR_SENDONLY ? LCC_DIR_RECVONLY : d == LCC_DIR_RECVONLY ? LCC_DIR_SENDONLY : d;
}

static void put_candidates(lcc_sdp_media *m, const lcc_sdp_local *l) {
  for (size_t i = 0; i < l->n_candidates; i++) SET(m->candidates[i], l->candidates[i]);
  m->n_candidates = l->n_candidates;
  m->end_of_candidates = l->end_of_candidates;
}

static void set_session(lcc_sdp *s, const lcc_sdp_local *l) {
  SET(s->origin_user, "-");
  SET(s->session_name, "-");
  s->session_id = l->session_id;
  s->session_version = l->session_version;
  s->ice_trickle = true;
  SET(s->msid_semantic, "WMS *"); /* as Firefox: a=msid lines name the streams (RFC 8830) */
}

/* ---- answer ---- */

static bool relayable(const lcc_sdp_media *m) {
  if (strcmp(m->proto, "UDP/TLS/RTP/SAVPF") != 0) return false;
  if (m->kind == LCC_MEDIA_AUDIO) return lcc_sdp_find_codec(m, "opus", 48000, 2) != NULL;
  if (m->kind == LCC_MEDIA_VIDEO) return lcc_sdp_find_codec(m, "VP8", 90000, 0) != NULL;
  return false;
}

/* The offer's BUNDLE-tagged section (the first mid of its group), or -1. */
static int offer_tag(const lcc_sdp *offer) {
  for (size_t i = 0; offer->n_bundle > 0 && i < offer->n_media; i++)
    if (strcmp(offer->media[i].mid, offer->bundle_mids[0]) == 0) return (int)i;
  return -1;
}

/* Picks the sections to accept: the first relayable audio and video section.
 * With a BUNDLE group, only sections in it (bundle-only ones included: they
 * have port 0 but ride the group's transport), and always the tagged one: an
 * answer cannot reject the offerer-tagged section and keep the group (RFC 8843
 * §7.3.3; it carries the group's transport, and Chromium then fails to apply
 * the answer or never starts ICE). When the tagged section cannot be relayed,
 * the group is declined as a whole, as when the offer has none: each section
 * then has its own transport and a leg has one, so only the first relayable
 * section with a port is accepted. A section the offerer disabled (port 0,
 * not bundle-only) stays rejected (RFC 3264 §6). Returns how many were
 * accepted; *bundled tells whether the answer keeps a BUNDLE group. */
static size_t choose(const lcc_sdp *offer, bool accept[LCC_SDP_MAX_MEDIA], bool *bundled) {
  bool have[2] = {false, false}; /* audio, video */
  size_t n = 0;
  int tag = offer_tag(offer);
  *bundled = tag >= 0 && relayable(&offer->media[tag]) && is_full(&offer->media[tag]);
  memset(accept, 0, LCC_SDP_MAX_MEDIA * sizeof accept[0]);
  if (*bundled) {
    accept[tag] = have[offer->media[tag].kind == LCC_MEDIA_VIDEO] = true;
    n++;
  }
  for (size_t i = 0; i < offer->n_media; i++) {
    const lcc_sdp_media *m = &offer->media[i];
    bool *h = &have[m->kind == LCC_MEDIA_VIDEO];
    if (accept[i] || !relayable(m) || !is_full(m) || *h) continue;
    if (*bundled ? !in_bundle(offer, m->mid) : (n > 0 || m->bundle_only)) continue;
    accept[i] = *h = true;
    n++;
  }
  return n;
}

static lcc_err check_offered_transport(const lcc_sdp_media *m, size_t i, lcc_why *why) {
  const char *what = !m->ice_ufrag[0] || !m->ice_pwd[0] ? "no a=ice-ufrag/a=ice-pwd"
                     : !m->fingerprint[0]                ? "no a=fingerprint"
                     : m->setup == LCC_SETUP_NONE        ? "no a=setup"
                     : m->setup == LCC_SETUP_HOLDCONN    ? "a=setup:holdconn (want actpass, active or passive)"
                     : !m->rtcp_mux                      ? "no a=rtcp-mux (RTP and RTCP must share the port)"
                                                         : NULL;
  if (!what) return LCC_OK;
  return lcc_fail(why, LCC_ERR_SDP_INVALID, "m-line %zu (mid '%.64s'): %s", i, m->mid, what);
}

/* RFC 8842 §5.3: the answerer of actpass picks; of active, is passive; of
 * passive, is active. A role the caller fixed (renegotiation keeps the DTLS
 * role) must fit the offer. */
static lcc_err answer_setup(lcc_setup theirs, lcc_setup mine, lcc_setup *out, lcc_why *why) {
  if (mine != LCC_SETUP_ACTIVE && mine != LCC_SETUP_PASSIVE) mine = LCC_SETUP_NONE;
  if (theirs == LCC_SETUP_ACTPASS) {
    *out = mine ? mine : LCC_SETUP_ACTIVE;
    return LCC_OK;
  }
  lcc_setup need = theirs == LCC_SETUP_ACTIVE ? LCC_SETUP_PASSIVE : LCC_SETUP_ACTIVE;
  if (mine && mine != need)
    return lcc_fail(why, LCC_ERR_SDP_INVALID, "offer has a=setup:%s, but the server's DTLS role is %s",
                    theirs == LCC_SETUP_ACTIVE ? "active" : "passive", mine == LCC_SETUP_ACTIVE ? "active" : "passive");
  *out = need;
  return LCC_OK;
}

static void answer_codecs(const lcc_sdp_media *om, lcc_sdp_media *am) {
  if (om->kind == LCC_MEDIA_AUDIO) {
    am->codecs[0] = *lcc_sdp_find_codec(om, "opus", 48000, 2); /* PT and fmtp kept verbatim */
    am->codecs[0].fb &= ~(uint32_t)NO_BWE_FB;
    am->n_codecs = 1;
  } else {
    const lcc_sdp_codec *vp8 = lcc_sdp_find_codec(om, "VP8", 90000, 0);
    const lcc_sdp_codec *rtx = lcc_sdp_find_rtx(om, vp8->pt);
    am->codecs[0] = *vp8;
    am->codecs[0].fb &= VIDEO_FB;
    am->n_codecs = 1;
    if (rtx) {
      am->codecs[1] = *rtx;
      am->codecs[1].fb = 0;
      am->n_codecs = 2;
    }
  }
  set_fmt_list(am);
}

static void answer_extmaps(const lcc_sdp_media *om, lcc_sdp_media *am) {
  for (size_t i = 0; i < om->n_extmaps; i++) {
    if (!ext_for_kind(lcc_sdp_ext_kind(om->extmaps[i].uri), om->kind)) continue;
    lcc_sdp_extmap *e = &am->extmaps[am->n_extmaps++];
    *e = om->extmaps[i];
    e->dir = mirror(e->dir);
  }
}

static void reject(const lcc_sdp_media *om, lcc_sdp_media *am) {
  am->kind = om->kind;
  SET(am->kind_name, om->kind_name);
  SET(am->proto, om->proto);
  SET(am->fmt_list, om->fmt_list);
  SET(am->mid, om->mid);
  SET(am->conn_addr, "0.0.0.0");
  am->port = 0;
  am->dir = LCC_DIR_INACTIVE;
}

static void accept_section(const lcc_sdp_media *om, lcc_sdp_media *am, const lcc_sdp_local *l, lcc_setup setup) {
  reject(om, am); /* the identity fields */
  set_transport(am, l, setup);
  am->dir = mirror(om->dir);
  am->rtcp_rsize = om->rtcp_rsize;
  answer_codecs(om, am);
  answer_extmaps(om, am);
  set_sending(am, l);
}

lcc_err lcc_sdp_answer(const lcc_sdp *offer, const lcc_sdp_local *local, lcc_sdp *answer, lcc_why *why) {
  bool accept[LCC_SDP_MAX_MEDIA], bundled;
  lcc_err err = check_local(local, why);
  if (err) return err;
  if (choose(offer, accept, &bundled) == 0)
    return lcc_fail(why, LCC_ERR_SDP_UNSUPPORTED, "no m-section offers opus/48000/2 or VP8/90000 over UDP/TLS/RTP/SAVPF");
  int tag = -1;
  for (size_t i = 0; i < offer->n_media; i++) {
    if (!accept[i]) continue;
    if ((err = check_offered_transport(&offer->media[i], i, why))) return err;
    if (tag < 0) tag = (int)i;
  }
  lcc_setup setup = LCC_SETUP_ACTIVE;
  if ((err = answer_setup(offer->media[tag].setup, local->setup, &setup, why))) return err;
  memset(answer, 0, sizeof *answer);
  set_session(answer, local);
  answer->extmap_allow_mixed = offer->extmap_allow_mixed;
  answer->n_media = offer->n_media;
  for (size_t i = 0; i < offer->n_media; i++) {
    if (!accept[i]) {
      reject(&offer->media[i], &answer->media[i]);
      set_credentials(&answer->media[i], local, setup);
      continue;
    }
    accept_section(&offer->media[i], &answer->media[i], local, setup);
    if (bundled) SET(answer->bundle_mids[answer->n_bundle++], offer->media[i].mid);
  }
  put_candidates(&answer->media[tag], local);
  return LCC_OK;
}

/* ---- offer ---- */

/* Header extension ids of an offer: one id per extension across the BUNDLE
 * (RFC 8843 §9.2), kept from the previous description where it had them. */
typedef struct {
  uint8_t id[LCC_EXT_COUNT];
  bool used[256];
} ext_ids;

/* A previous description that gave one id to two extensions (broken, but
 * parseable) keeps the id for the first; the other gets a fresh one. */
static void ids_from_previous(ext_ids *x, const lcc_sdp *prev) {
  bool owned[256] = {false};
  for (size_t i = 0; prev && i < prev->n_media; i++) {
    const lcc_sdp_media *m = &prev->media[i];
    for (size_t k = 0; is_full(m) && k < m->n_extmaps; k++) {
      uint8_t id = m->extmaps[k].id;
      lcc_ext_kind kind = lcc_sdp_ext_kind(m->extmaps[k].uri);
      x->used[id] = true;
      if (kind == LCC_EXT_NONE || x->id[kind] || owned[id]) continue;
      x->id[kind] = id;
      owned[id] = true;
    }
  }
}

/* Fresh ids follow Chromium's numbering, all one-byte ids (RFC 8285 §4.2:
 * 1-14); a taken one moves to the lowest free id. */
static void ids_fill(ext_ids *x) {
  static const uint8_t preferred[LCC_EXT_COUNT] = {
      [LCC_EXT_AUDIO_LEVEL] = 1, [LCC_EXT_ABS_SEND_TIME] = 2, [LCC_EXT_MID] = 4,
      [LCC_EXT_VIDEO_ORIENTATION] = 13, [LCC_EXT_TOFFSET] = 14};
  for (int k = LCC_EXT_NONE + 1; k < LCC_EXT_COUNT; k++) {
    if (x->id[k]) continue;
    unsigned id = preferred[k];
    for (unsigned c = 1; x->used[id] && c < 256; c++) id = c;
    if (x->used[id]) continue; /* all 255 taken: the extension is left out */
    x->id[k] = (uint8_t)id;
    x->used[id] = true;
  }
}

static void offer_extmaps(lcc_sdp_media *m, const ext_ids *x) {
  for (int k = LCC_EXT_NONE + 1; k < LCC_EXT_COUNT; k++) {
    if (!x->id[k] || !ext_for_kind((lcc_ext_kind)k, m->kind)) continue;
    lcc_sdp_extmap *e = &m->extmaps[m->n_extmaps++];
    e->id = x->id[k];
    SET(e->uri, lcc_sdp_ext_uri((lcc_ext_kind)k));
  }
}

static lcc_sdp_codec make_codec(uint8_t pt, const char *name, uint32_t rate, uint8_t ch, const char *fmtp,
                                uint32_t fb) {
  lcc_sdp_codec c;
  memset(&c, 0, sizeof c);
  c.pt = pt;
  SET(c.name, name);
  c.clock_rate = rate;
  c.channels = ch;
  SET(c.fmtp, fmtp);
  c.fb = fb;
  c.apt = -1;
  return c;
}

/* The audio or video section of the offer; `prev` (may be NULL) is the same
 * kind's section of the previous description, whose mid and PTs are kept. */
static void offer_section(lcc_sdp_media *m, lcc_media_kind kind, const char *mid, const lcc_sdp_media *prev,
                          const ext_ids *x, const lcc_sdp_local *l) {
  bool audio = kind == LCC_MEDIA_AUDIO;
  m->kind = kind;
  SET(m->kind_name, audio ? "audio" : "video");
  SET(m->proto, "UDP/TLS/RTP/SAVPF");
  SET(m->mid, mid);
  set_transport(m, l, l->setup ? l->setup : LCC_SETUP_ACTPASS);
  m->rtcp_rsize = true;
  m->dir = LCC_DIR_SENDRECV;
  const lcc_sdp_codec *old = prev ? lcc_sdp_find_codec(prev, audio ? "opus" : "VP8", audio ? 48000 : 90000,
                                                       audio ? 2 : 0)
                                  : NULL;
  if (audio) {
    m->codecs[m->n_codecs++] = make_codec(old ? old->pt : 111, "opus", 48000, 2, "minptime=10;useinbandfec=1", 0);
  } else {
    uint8_t pt = old ? old->pt : 96;
    const lcc_sdp_codec *old_rtx = old ? lcc_sdp_find_rtx(prev, pt) : NULL;
    uint8_t rtx = old_rtx ? old_rtx->pt : pt == 97 ? 98 : 97;
    char apt[16];
    snprintf(apt, sizeof apt, "apt=%u", pt);
    m->codecs[m->n_codecs++] = make_codec(pt, "VP8", 90000, 0, "", VIDEO_FB);
    m->codecs[m->n_codecs] = make_codec(rtx, "rtx", 90000, 0, apt, 0);
    m->codecs[m->n_codecs++].apt = pt;
  }
  set_fmt_list(m);
  offer_extmaps(m, x);
  set_sending(m, l);
}

static bool mid_taken(const lcc_sdp *s, const char *mid) {
  for (size_t i = 0; i < s->n_media; i++)
    if (strcmp(s->media[i].mid, mid) == 0) return true;
  return false;
}

static void free_mid(const lcc_sdp *s, char mid[16]) {
  for (unsigned n = 0;; n++) {
    snprintf(mid, 16, "%u", n);
    if (!mid_taken(s, mid)) return;
  }
}

/* Appends a fresh section of `kind` with the lowest free numeric mid. */
static lcc_err append_fresh(lcc_sdp *offer, lcc_media_kind kind, const ext_ids *x, const lcc_sdp_local *l,
                            lcc_why *why) {
  if (offer->n_media == LCC_SDP_MAX_MEDIA)
    return lcc_fail(why, LCC_ERR_SDP_UNSUPPORTED, "previous description has no room for another m-section");
  char mid[16];
  free_mid(offer, mid);
  offer_section(&offer->media[offer->n_media++], kind, mid, NULL, x, l);
  return LCC_OK;
}

/* RFC 8829 §5.2.2: a new offer keeps the previous m-sections in order. The
 * first accepted audio and video sections carry on; the others stay as
 * rejected sections. */
static void offer_from_previous(lcc_sdp *offer, const lcc_sdp *prev, const ext_ids *x, const lcc_sdp_local *l,
                                bool *have_audio, bool *have_video) {
  for (size_t i = 0; i < prev->n_media && i < LCC_SDP_MAX_MEDIA; i++) {
    const lcc_sdp_media *pm = &prev->media[i];
    lcc_sdp_media *m = &offer->media[offer->n_media++];
    bool *have = pm->kind == LCC_MEDIA_AUDIO ? have_audio : pm->kind == LCC_MEDIA_VIDEO ? have_video : NULL;
    if (have && !*have && is_full(pm) && relayable(pm)) {
      offer_section(m, pm->kind, pm->mid, pm, x, l);
      *have = true;
    } else {
      reject(pm, m);
      set_credentials(m, l, l->setup ? l->setup : LCC_SETUP_ACTPASS);
    }
  }
}

lcc_err lcc_sdp_offer(const lcc_sdp_local *local, const lcc_sdp *previous, lcc_sdp *offer, lcc_why *why) {
  lcc_err err = check_local(local, why);
  if (err) return err;
  ext_ids x;
  memset(&x, 0, sizeof x);
  ids_from_previous(&x, previous);
  ids_fill(&x);
  memset(offer, 0, sizeof *offer);
  set_session(offer, local);
  offer->extmap_allow_mixed = previous && previous->extmap_allow_mixed; /* ids above 14 may be kept */
  bool have_audio = false, have_video = false;
  if (previous) offer_from_previous(offer, previous, &x, local, &have_audio, &have_video);
  if (!have_audio && (err = append_fresh(offer, LCC_MEDIA_AUDIO, &x, local, why))) return err;
  if (!have_video && (err = append_fresh(offer, LCC_MEDIA_VIDEO, &x, local, why))) return err;
  int first = -1;
  for (size_t i = 0; i < offer->n_media; i++) {
    if (!is_full(&offer->media[i])) continue;
    if (!offer->media[i].mid[0]) { /* a previous peer's section without mid */
      char mid[16];
      free_mid(offer, mid);
      SET(offer->media[i].mid, mid);
    }
    if (first < 0) first = (int)i;
    SET(offer->bundle_mids[offer->n_bundle++], offer->media[i].mid);
  }
  put_candidates(&offer->media[first], local);
  return LCC_OK;
}

/* ---- checking an answer to our offer ---- */

static lcc_err check_answer_codecs(const lcc_sdp_media *om, const lcc_sdp_media *am, size_t i, lcc_why *why) {
  for (size_t c = 0; c < am->n_codecs; c++) {
    bool found = false;
    for (size_t k = 0; k < om->n_codecs && !found; k++) found = om->codecs[k].pt == am->codecs[c].pt;
    if (!found)
      return lcc_fail(why, LCC_ERR_SDP_INVALID, "m-line %zu (mid '%.64s'): payload type %u was not offered", i,
                      am->mid, am->codecs[c].pt);
  }
  for (size_t e = 0; e < am->n_extmaps; e++) {
    bool found = false;
    for (size_t k = 0; k < om->n_extmaps && !found; k++)
      found = om->extmaps[k].id == am->extmaps[e].id && strcmp(om->extmaps[k].uri, am->extmaps[e].uri) == 0;
    if (!found)
      return lcc_fail(why, LCC_ERR_SDP_INVALID, "m-line %zu (mid '%.64s'): a=extmap:%u %.96s was not offered", i,
                      am->mid, am->extmaps[e].id, am->extmaps[e].uri);
  }
  return LCC_OK;
}

static lcc_err check_answer_section(const lcc_sdp_media *om, const lcc_sdp_media *am, size_t i, lcc_why *why) {
  if (strcmp(om->mid, am->mid) != 0 || om->kind != am->kind)
    return lcc_fail(why, LCC_ERR_SDP_INVALID, "m-line %zu: answer has %.16s mid '%.64s', the offer %.16s mid '%.64s'",
                    i, am->kind_name, am->mid, om->kind_name, om->mid);
  if (!is_full(om))
    return lcc_fail(why, LCC_ERR_SDP_INVALID, "m-line %zu (mid '%.64s'): accepts a section the offer rejected", i,
                    am->mid);
  lcc_err err = check_answer_codecs(om, am, i, why);
  if (err) return err;
  const char *what = !am->ice_ufrag[0] || !am->ice_pwd[0]                             ? "no a=ice-ufrag/a=ice-pwd"
                     : !am->fingerprint[0]                                             ? "no a=fingerprint"
                     : am->setup != LCC_SETUP_ACTIVE && am->setup != LCC_SETUP_PASSIVE ? "a=setup is not active or passive"
                     : !am->rtcp_mux                                                   ? "no a=rtcp-mux"
                                                                                       : NULL;
  return what ? lcc_fail(why, LCC_ERR_SDP_INVALID, "m-line %zu (mid '%.64s'): %s", i, am->mid, what) : LCC_OK;
}

lcc_err lcc_sdp_check_answer(const lcc_sdp *offer, const lcc_sdp *answer, lcc_why *why) {
  if (answer->n_media != offer->n_media)
    return lcc_fail(why, LCC_ERR_SDP_INVALID, "answer has %zu m-sections, the offer %zu", answer->n_media,
                    offer->n_media);
  size_t accepted = 0;
  for (size_t i = 0; i < answer->n_media; i++) {
    const lcc_sdp_media *am = &answer->media[i];
    if (!is_full(am)) {
      if (strcmp(am->mid, offer->media[i].mid) != 0)
        return lcc_fail(why, LCC_ERR_SDP_INVALID, "m-line %zu: rejected section has mid '%.64s', the offer '%.64s'",
                        i, am->mid, offer->media[i].mid);
      continue;
    }
    lcc_err err = check_answer_section(&offer->media[i], am, i, why);
    if (err) return err;
    accepted++;
  }
  for (size_t b = 0; b < answer->n_bundle; b++)
    if (!in_bundle(offer, answer->bundle_mids[b]))
      return lcc_fail(why, LCC_ERR_SDP_INVALID, "answer bundles mid '%.64s', which the offer did not",
                      answer->bundle_mids[b]);
  if (accepted == 0) return lcc_fail(why, LCC_ERR_SDP_UNSUPPORTED, "the answer rejected every m-section");
  return LCC_OK;
}
