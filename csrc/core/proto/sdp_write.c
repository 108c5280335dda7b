/* SDP writer: an lcc_sdp back to text with CRLF line ends, in the attribute
 * order Chromium uses. What lcc_sdp_parse reads, this writes, so
 * parse(write(parse(x))) gives the same struct for an accepted section.
 *
 * Transport attributes (ICE credentials, fingerprint, setup) and
 * a=ice-options:trickle go in every non-rejected m-section (RFC 8829 §5.2.1),
 * at session level only trickle when no section carries it. A rejected
 * section (port 0 without bundle-only) is m=, c=, a=mid (RFC 8843 §7.3.3
 * keeps its mid) and, when the struct has them, ICE credentials, fingerprint
 * and setup: GStreamer's webrtcbin (1.22) refuses an answer in which any
 * section, rejected ones included, lacks those.
 *
 * Values are written as stored; a value holding a control character (which
 * would end the line early: SDP injection) makes the whole write fail.
 * Leaves parsing to sdp.c and what the struct says to sdp_negotiate.c.
 * Thread: any. */
#include "sdp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char *buf;
  size_t cap, len;
  bool bad;
} writer;

/* A bounded "%.*s" argument pair for a char array field. */
#define F(field) (int)strnlen((field), sizeof(field)), (field)

static size_t min_n(size_t n, size_t max) { return n < max ? n : max; }

/* Appends one formatted line plus CRLF; a control character inside it or a
 * full buffer marks the writer bad. */
static void line(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(writer *w, const char *fmt, ...) {
  if (w->bad) return;
  size_t room = w->cap - w->len;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(w->buf + w->len, room, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n + 3 > room) { /* the line, CRLF and the final NUL */
    w->bad = true;
    return;
  }
  for (int i = 0; i < n; i++) {
    unsigned char c = (unsigned char)w->buf[w->len + (size_t)i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) w->bad = true; /* tabs: as the parser allows */
  }
  memcpy(w->buf + w->len + (size_t)n, "\r\n", 3);
  w->len += (size_t)n + 2;
}

static const char *dir_name(lcc_dir d) {
  switch (d) {
  case LCC_DIR_SENDONLY: return "sendonly";
  case LCC_DIR_RECVONLY: return "recvonly";
  case LCC_DIR_INACTIVE: return "inactive";
  default: return "sendrecv";
  }
}

static const char *setup_name(lcc_setup s) {
  switch (s) {
  case LCC_SETUP_ACTPASS: return "actpass";
  case LCC_SETUP_ACTIVE: return "active";
  case LCC_SETUP_PASSIVE: return "passive";
  case LCC_SETUP_HOLDCONN: return "holdconn";
  default: return NULL;
  }
}

static bool is_full(const lcc_sdp_media *m) { return m->port != 0 || m->bundle_only; }

static bool is_rtp(const lcc_sdp_media *m) { return strstr(m->proto, "RTP/") != NULL; }

/* The m= format list: the codecs' payload types for RTP sections that have
 * codecs, the stored list otherwise (rejected sections, data channels). */
static void write_m_line(writer *w, const lcc_sdp_media *m) {
  char fmts[LCC_SDP_MAX_CODECS * 4 + 1] = "";
  size_t n = min_n(m->n_codecs, LCC_SDP_MAX_CODECS), at = 0;
  if (is_full(m) && is_rtp(m) && n > 0) {
    for (size_t i = 0; i < n; i++)
      at += (size_t)snprintf(fmts + at, sizeof fmts - at, "%s%u", i ? " " : "", m->codecs[i].pt);
  } else if (m->fmt_list[0]) {
    line(w, "m=%.*s %u %.*s %.*s", F(m->kind_name), m->port, F(m->proto), F(m->fmt_list));
    return;
  } else {
    w->bad = true; /* an m= line needs at least one format (RFC 8866 §5.14) */
    return;
  }
  line(w, "m=%.*s %u %.*s %s", F(m->kind_name), m->port, F(m->proto), fmts);
}

static void write_conn(writer *w, const lcc_sdp_media *m) {
  if (!m->conn_addr[0]) return;
  bool v6 = memchr(m->conn_addr, ':', strnlen(m->conn_addr, sizeof m->conn_addr)) != NULL;
  line(w, "c=IN %s %.*s", v6 ? "IP6" : "IP4", F(m->conn_addr));
}

/* ICE credentials, fingerprint and setup; trickle and candidates only for a
 * section in use. */
static void write_transport(writer *w, const lcc_sdp *sdp, const lcc_sdp_media *m) {
  for (size_t i = 0; is_full(m) && i < min_n(m->n_candidates, LCC_SDP_MAX_CANDIDATES); i++)
    line(w, "a=%.*s", F(m->candidates[i]));
  if (is_full(m) && m->end_of_candidates) line(w, "a=end-of-candidates");
  if (m->ice_ufrag[0]) line(w, "a=ice-ufrag:%.*s", F(m->ice_ufrag));
  if (m->ice_pwd[0]) line(w, "a=ice-pwd:%.*s", F(m->ice_pwd));
  if (is_full(m) && sdp->ice_trickle) line(w, "a=ice-options:trickle");
  if (m->fingerprint[0]) line(w, "a=fingerprint:%.*s %.*s", F(m->fingerprint_alg), F(m->fingerprint));
  if (setup_name(m->setup)) line(w, "a=setup:%s", setup_name(m->setup));
}

static void write_codec(writer *w, const lcc_sdp_codec *c) {
  if (c->name[0] && c->channels)
    line(w, "a=rtpmap:%u %.*s/%u/%u", c->pt, F(c->name), c->clock_rate, c->channels);
  else if (c->name[0])
    line(w, "a=rtpmap:%u %.*s/%u", c->pt, F(c->name), c->clock_rate);
  if (c->fb & LCC_FB_GOOG_REMB) line(w, "a=rtcp-fb:%u goog-remb", c->pt);
  if (c->fb & LCC_FB_TRANSPORT_CC) line(w, "a=rtcp-fb:%u transport-cc", c->pt);
  if (c->fb & LCC_FB_CCM_FIR) line(w, "a=rtcp-fb:%u ccm fir", c->pt);
  if (c->fb & LCC_FB_NACK) line(w, "a=rtcp-fb:%u nack", c->pt);
  if (c->fb & LCC_FB_NACK_PLI) line(w, "a=rtcp-fb:%u nack pli", c->pt);
  if (c->fmtp[0]) line(w, "a=fmtp:%u %.*s", c->pt, F(c->fmtp));
}

static void write_ssrcs(writer *w, const lcc_sdp_media *m) {
  for (size_t i = 0; i < min_n(m->n_ssrc_groups, LCC_SDP_MAX_SSRC_GROUPS); i++) {
    const lcc_sdp_ssrc_group *g = &m->ssrc_groups[i];
    char list[4 * 11 + 1] = "";
    size_t at = 0;
    for (size_t k = 0; k < min_n(g->n_ssrcs, sizeof g->ssrcs / sizeof g->ssrcs[0]); k++)
      at += (size_t)snprintf(list + at, sizeof list - at, " %u", g->ssrcs[k]);
    line(w, "a=ssrc-group:%.*s%s", F(g->semantics), list);
  }
  for (size_t i = 0; i < min_n(m->n_ssrcs, LCC_SDP_MAX_SSRCS); i++) {
    const lcc_sdp_ssrc *s = &m->ssrcs[i];
    /* An SSRC is only known through its attributes: write cname even when
     * empty if there is nothing else, so the SSRC survives a round trip. */
    if (s->cname[0] || !s->msid[0]) line(w, "a=ssrc:%u cname:%.*s", s->ssrc, F(s->cname));
    if (s->msid[0]) line(w, "a=ssrc:%u msid:%.*s", s->ssrc, F(s->msid));
  }
}

static void write_media(writer *w, const lcc_sdp *sdp, const lcc_sdp_media *m) {
  write_m_line(w, m);
  write_conn(w, m);
  if (!is_full(m)) {
    write_transport(w, sdp, m); /* webrtcbin wants these even here */
    if (m->mid[0]) line(w, "a=mid:%.*s", F(m->mid));
    return;
  }
  if (m->bandwidth_as) line(w, "b=AS:%u", m->bandwidth_as);
  write_transport(w, sdp, m);
  if (m->mid[0]) line(w, "a=mid:%.*s", F(m->mid));
  if (m->bundle_only) line(w, "a=bundle-only");
  for (size_t i = 0; i < min_n(m->n_extmaps, LCC_SDP_MAX_EXTMAPS); i++) {
    const lcc_sdp_extmap *e = &m->extmaps[i];
    if (e->dir == LCC_DIR_SENDRECV)
      line(w, "a=extmap:%u %.*s", e->id, F(e->uri));
    else
      line(w, "a=extmap:%u/%s %.*s", e->id, dir_name(e->dir), F(e->uri));
  }
  line(w, "a=%s", dir_name(m->dir));
  if (m->msid[0]) line(w, "a=msid:%.*s", F(m->msid));
  if (m->rtcp_mux) line(w, "a=rtcp-mux");
  if (m->rtcp_mux_only) line(w, "a=rtcp-mux-only");
  if (m->rtcp_rsize) line(w, "a=rtcp-rsize");
  for (size_t i = 0; i < min_n(m->n_codecs, LCC_SDP_MAX_CODECS); i++) write_codec(w, &m->codecs[i]);
  write_ssrcs(w, m);
}

static void write_session(writer *w, const lcc_sdp *sdp, size_t n_media) {
  line(w, "v=0");
  /* RFC 8866 §5.2/§5.3: an empty username or session name is written "-". */
  const char *user = sdp->origin_user[0] ? sdp->origin_user : "-";
  const char *name = sdp->session_name[0] ? sdp->session_name : "-";
  line(w, "o=%.*s %llu %llu IN IP4 127.0.0.1", (int)strnlen(user, sizeof sdp->origin_user), user,
       (unsigned long long)sdp->session_id, (unsigned long long)sdp->session_version);
  line(w, "s=%.*s", (int)strnlen(name, sizeof sdp->session_name), name);
  line(w, "t=0 0");
  if (sdp->n_bundle > 0) {
    char group[LCC_SDP_MAX_BUNDLE * 65 + 1] = "";
    size_t at = 0;
    for (size_t i = 0; i < min_n(sdp->n_bundle, LCC_SDP_MAX_BUNDLE); i++)
      at += (size_t)snprintf(group + at, sizeof group - at, " %.*s", F(sdp->bundle_mids[i]));
    line(w, "a=group:BUNDLE%s", group);
  }
  if (sdp->extmap_allow_mixed) line(w, "a=extmap-allow-mixed");
  if (sdp->msid_semantic[0]) line(w, "a=msid-semantic: %.*s", F(sdp->msid_semantic));
  if (sdp->ice_lite) line(w, "a=ice-lite");
  bool any_full = false;
  for (size_t i = 0; i < n_media; i++) any_full = any_full || is_full(&sdp->media[i]);
  /* Trickle is said per m-section; with none to carry it, at session level. */
  if (sdp->ice_trickle && !any_full) line(w, "a=ice-options:trickle");
}

size_t lcc_sdp_write(const lcc_sdp *sdp, char *buf, size_t cap) {
  if (!buf || cap == 0) return 0;
  writer w = {buf, cap, 0, false};
  size_t n_media = min_n(sdp->n_media, LCC_SDP_MAX_MEDIA);
  buf[0] = 0;
  write_session(&w, sdp, n_media);
  for (size_t i = 0; i < n_media; i++) write_media(&w, sdp, &sdp->media[i]);
  if (w.bad) {
    buf[0] = 0;
    return 0;
  }
  return w.len;
}
