/* SDP parser (RFC 8866) for what WebRTC peers send: Chromium, Firefox, Safari,
 * GStreamer's webrtcbin. Text in, an lcc_sdp out; plus lookups on the result
 * (codecs, rtx, header extension kinds).
 *
 * The input is not NUL-terminated: every read goes through a span (pointer +
 * length) over the caller's bytes. CRLF and LF line ends, trailing blanks and
 * blank lines are accepted; control characters are not. Unknown attributes
 * and line types are ignored (RFC 8866 §5.13); what we do read is checked,
 * and any malformed line or exceeded LCC_SDP_MAX_* limit is an error whose
 * why starts with "line N:".
 *
 * Leaves writing to sdp_write.c and offer/answer rules to sdp_negotiate.c.
 * Thread: any; no state outside the caller's structs. */
#include "sdp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Longer lines are refused before any attribute is looked at; the longest
 * real ones (H.264 fmtp, candidates) are under 300 bytes. */
#define SDP_MAX_LINE 4096

typedef struct {
  const char *p;
  size_t n;
} span;

typedef struct {
  lcc_sdp *out;
  lcc_why *why;
  unsigned line;
  lcc_sdp_media *m; /* the current m-section; NULL at session level */
  bool seen_v, seen_o, seen_s, seen_t, seen_bundle;
  bool dir_set[LCC_SDP_MAX_MEDIA];
  /* session-level values, copied into each m-section lacking its own */
  char ice_ufrag[256], ice_pwd[256];
  char fp_alg[16], fp[200];
  lcc_setup setup;
  char conn_addr[64];
  lcc_dir dir;
  bool dir_given, end_of_candidates;
} parser;

/* ---- spans ---- */

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static span sp_trim_left(span s) {
  while (s.n > 0 && is_blank(*s.p)) s.p++, s.n--;
  return s;
}

/* The next blank-separated token of *s (empty when none); *s moves past it. */
static span sp_token(span *s) {
  *s = sp_trim_left(*s);
  span t = {s->p, 0};
  while (t.n < s->n && !is_blank(s->p[t.n])) t.n++;
  s->p += t.n;
  s->n -= t.n;
  return t;
}

/* Splits s at the first c: a before, b after. False (a = s) when c is absent. */
static bool sp_split(span s, char c, span *a, span *b) {
  const char *q = s.n ? memchr(s.p, c, s.n) : NULL;
  if (!q) {
    *a = s;
    b->p = s.p + s.n;
    b->n = 0;
    return false;
  }
  a->p = s.p;
  a->n = (size_t)(q - s.p);
  b->p = q + 1;
  b->n = s.n - a->n - 1;
  return true;
}

static bool sp_eq(span s, const char *lit) { return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0; }

static bool sp_ieq(span s, const char *lit) { return s.n == strlen(lit) && strncasecmp(s.p, lit, s.n) == 0; }

/* A decimal number of at most max; no sign, no blanks, no overflow. */
static bool sp_u64(span s, uint64_t max, uint64_t *out) {
  if (s.n == 0 || s.n > 20) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < s.n; i++) {
    if (s.p[i] < '0' || s.p[i] > '9') return false;
    unsigned d = (unsigned)(s.p[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v > max) return false;
  *out = v;
  return true;
}

/* ---- errors and bounded copies ---- */

static lcc_err fail(parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static lcc_err fail(parser *ps, const char *fmt, ...) {
  char msg[224];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return lcc_fail(ps->why, LCC_ERR_SDP_INVALID, "line %u: %s", ps->line, msg);
}

/* Copies s into dst (cap bytes with the NUL); a value that does not fit is an
 * error naming `what`, never a silent truncation. */
static lcc_err copy(parser *ps, span s, char *dst, size_t cap, const char *what) {
  if (s.n >= cap) return fail(ps, "%s longer than %zu bytes", what, cap - 1);
  memcpy(dst, s.p, s.n);
  dst[s.n] = 0;
  return LCC_OK;
}

#define COPY(ps, s, field, what) copy((ps), (s), (field), sizeof(field), (what))

static lcc_err number(parser *ps, span s, uint64_t max, uint64_t *out, const char *what) {
  if (!sp_u64(s, max, out))
    return fail(ps, "%s '%.*s' is not a number 0-%llu", what, (int)(s.n > 32 ? 32 : s.n), s.p,
                (unsigned long long)max);
  return LCC_OK;
}

/* ---- m-sections and codecs ---- */

static lcc_sdp_codec *codec_by_pt(lcc_sdp_media *m, uint64_t pt) {
  for (size_t i = 0; i < m->n_codecs; i++)
    if (m->codecs[i].pt == pt) return &m->codecs[i];
  return NULL;
}

/* Static payload types (RFC 3551 §6) that peers may list without a=rtpmap. */
static void static_codec(lcc_sdp_codec *c) {
  static const struct {
    uint8_t pt;
    const char *name;
  } known[] = {{0, "PCMU"}, {8, "PCMA"}, {9, "G722"}, {13, "CN"}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    if (known[i].pt != c->pt) continue;
    strcpy(c->name, known[i].name);
    c->clock_rate = 8000; /* G.722's RTP clock is 8000 too (RFC 3551 §4.5.2) */
  }
}

static lcc_err add_format(parser *ps, lcc_sdp_media *m, span f, bool rtp) {
  size_t at = strlen(m->fmt_list);
  if (at + (at > 0) + f.n >= sizeof m->fmt_list)
    return fail(ps, "m= format list longer than %zu bytes", sizeof m->fmt_list - 1);
  if (at > 0) m->fmt_list[at++] = ' ';
  memcpy(m->fmt_list + at, f.p, f.n);
  m->fmt_list[at + f.n] = 0;
  if (!rtp) return LCC_OK;
  uint64_t pt = 0;
  lcc_err err = number(ps, f, 127, &pt, "m= payload type");
  if (err) return err;
  if (codec_by_pt(m, pt)) return fail(ps, "m= lists payload type %u twice", (unsigned)pt);
  if (m->n_codecs == LCC_SDP_MAX_CODECS) return fail(ps, "more than %d payload types", LCC_SDP_MAX_CODECS);
  lcc_sdp_codec *c = &m->codecs[m->n_codecs++];
  c->pt = (uint8_t)pt;
  c->apt = -1;
  static_codec(c);
  return LCC_OK;
}

static lcc_media_kind kind_of(const char *name) {
  if (strcmp(name, "audio") == 0) return LCC_MEDIA_AUDIO;
  if (strcmp(name, "video") == 0) return LCC_MEDIA_VIDEO;
  if (strcmp(name, "application") == 0) return LCC_MEDIA_APPLICATION;
  return LCC_MEDIA_OTHER;
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... */
static lcc_err line_m(parser *ps, span v) {
  lcc_sdp *out = ps->out;
  if (out->n_media == LCC_SDP_MAX_MEDIA) return fail(ps, "more than %d m-sections", LCC_SDP_MAX_MEDIA);
  lcc_sdp_media *m = &out->media[out->n_media++];
  ps->m = m;
  span kind = sp_token(&v), port_count = sp_token(&v), proto = sp_token(&v), port, count;
  if (kind.n == 0 || proto.n == 0) return fail(ps, "m= line needs <media> <port> <proto> <fmt>");
  lcc_err err = COPY(ps, kind, m->kind_name, "m= media");
  if (err) return err;
  m->kind = kind_of(m->kind_name);
  sp_split(port_count, '/', &port, &count);
  uint64_t n = 0;
  if ((err = number(ps, port, 65535, &n, "m= port"))) return err;
  m->port = (uint16_t)n;
  if ((err = COPY(ps, proto, m->proto, "m= protocol"))) return err;
  bool rtp = strstr(m->proto, "RTP/") != NULL;
  for (span f = sp_token(&v); f.n > 0; f = sp_token(&v))
    if ((err = add_format(ps, m, f, rtp))) return err;
  if (!m->fmt_list[0]) return fail(ps, "m= line without formats");
  return LCC_OK;
}

/* ---- attributes ---- */

typedef lcc_err (*attr_fn)(parser *ps, span value, span whole);

static lcc_err a_group(parser *ps, span v, span whole) {
  (void)whole;
  /* One transport per leg: only the first BUNDLE group is kept (others, and
   * groups of other semantics such as LS, are ignored). */
  if (ps->m || !sp_eq(sp_token(&v), "BUNDLE") || ps->seen_bundle) return LCC_OK;
  ps->seen_bundle = true;
  lcc_sdp *out = ps->out;
  for (span mid = sp_token(&v); mid.n > 0; mid = sp_token(&v)) {
    if (out->n_bundle == LCC_SDP_MAX_BUNDLE) return fail(ps, "more than %d mids in a=group:BUNDLE", LCC_SDP_MAX_BUNDLE);
    lcc_err err = COPY(ps, mid, out->bundle_mids[out->n_bundle], "a=group mid");
    if (err) return err;
    out->n_bundle++;
  }
  return LCC_OK;
}

static lcc_err a_ice_lite(parser *ps, span v, span whole) {
  (void)v, (void)whole;
  if (!ps->m) ps->out->ice_lite = true;
  return LCC_OK;
}

static lcc_err a_ice_options(parser *ps, span v, span whole) {
  (void)whole;
  for (span t = sp_token(&v); t.n > 0; t = sp_token(&v))
    if (sp_eq(t, "trickle")) ps->out->ice_trickle = true;
  return LCC_OK;
}

static lcc_err a_extmap_allow_mixed(parser *ps, span v, span whole) {
  (void)v, (void)whole;
  ps->out->extmap_allow_mixed = true; /* RFC 8285 §6: session or media level */
  return LCC_OK;
}

static lcc_err a_msid_semantic(parser *ps, span v, span whole) {
  (void)whole;
  /* Chromium writes "a=msid-semantic: WMS <id>", Firefox "a=msid-semantic:WMS *". */
  return ps->m ? LCC_OK : COPY(ps, sp_trim_left(v), ps->out->msid_semantic, "a=msid-semantic");
}

static lcc_err a_ice_ufrag(parser *ps, span v, span whole) {
  (void)whole;
  if (v.n == 0) return fail(ps, "empty a=ice-ufrag");
  return ps->m ? COPY(ps, v, ps->m->ice_ufrag, "a=ice-ufrag") : COPY(ps, v, ps->ice_ufrag, "a=ice-ufrag");
}

static lcc_err a_ice_pwd(parser *ps, span v, span whole) {
  (void)whole;
  if (v.n == 0) return fail(ps, "empty a=ice-pwd");
  return ps->m ? COPY(ps, v, ps->m->ice_pwd, "a=ice-pwd") : COPY(ps, v, ps->ice_pwd, "a=ice-pwd");
}

/* a=fingerprint:<hash-func> <hex pairs with colons> (RFC 8122 §5). Several
 * lines may come; the first is kept, except that a sha-256 one replaces
 * another algorithm's (the DTLS side compares sha-256). */
static lcc_err a_fingerprint(parser *ps, span v, span whole) {
  (void)whole;
  span alg = sp_token(&v), hex = sp_token(&v);
  if (alg.n == 0 || hex.n == 0 || sp_token(&v).n > 0) return fail(ps, "a=fingerprint needs <hash> <hex>");
  for (size_t i = 0; i < hex.n; i++)
    if (hex.p[i] != ':' && !((hex.p[i] >= '0' && hex.p[i] <= '9') || (hex.p[i] >= 'a' && hex.p[i] <= 'f') ||
                             (hex.p[i] >= 'A' && hex.p[i] <= 'F')))
      return fail(ps, "a=fingerprint value is not hex pairs with colons");
  char *dst_alg = ps->m ? ps->m->fingerprint_alg : ps->fp_alg;
  char *dst = ps->m ? ps->m->fingerprint : ps->fp;
  if (dst[0] && (strcmp(dst_alg, "sha-256") == 0 || !sp_ieq(alg, "sha-256"))) return LCC_OK;
  lcc_err err = copy(ps, alg, dst_alg, sizeof ps->fp_alg, "a=fingerprint hash name");
  if (!err) err = copy(ps, hex, dst, sizeof ps->fp, "a=fingerprint value");
  if (err) return err;
  for (char *c = dst_alg; *c; c++)
    if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  for (char *c = dst; *c; c++)
    if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 'a' + 'A');
  return LCC_OK;
}

static lcc_err a_setup(parser *ps, span v, span whole) {
  (void)whole;
  static const char *names[] = {"", "actpass", "active", "passive", "holdconn"};
  for (int i = 1; i < 5; i++) {
    if (!sp_eq(v, names[i])) continue;
    *(ps->m ? &ps->m->setup : &ps->setup) = (lcc_setup)i;
    return LCC_OK;
  }
  return fail(ps, "a=setup value '%.*s' is not actpass, active, passive or holdconn", (int)(v.n > 32 ? 32 : v.n),
              v.p);
}

/* A mid is a token (RFC 5888 §4): it is listed in blank-separated groups. */
static lcc_err a_mid(parser *ps, span v, span whole) {
  (void)whole;
  if (!ps->m) return LCC_OK;
  for (size_t i = 0; i < v.n; i++)
    if (is_blank(v.p[i])) return fail(ps, "a=mid value has a blank");
  return COPY(ps, v, ps->m->mid, "a=mid");
}

static lcc_err set_dir(parser *ps, lcc_dir d) {
  if (ps->m) {
    ps->m->dir = d;
    ps->dir_set[ps->out->n_media - 1] = true;
  } else {
    ps->dir = d;
    ps->dir_given = true;
  }
  return LCC_OK;
}

static lcc_err a_sendrecv(parser *ps, span v, span w) { return (void)v, (void)w, set_dir(ps, LCC_DIR_SENDRECV); }
static lcc_err a_sendonly(parser *ps, span v, span w) { return (void)v, (void)w, set_dir(ps, LCC_DIR_SENDONLY); }
static lcc_err a_recvonly(parser *ps, span v, span w) { return (void)v, (void)w, set_dir(ps, LCC_DIR_RECVONLY); }
static lcc_err a_inactive(parser *ps, span v, span w) { return (void)v, (void)w, set_dir(ps, LCC_DIR_INACTIVE); }

static lcc_err a_rtcp_mux(parser *ps, span v, span w) {
  (void)v, (void)w;
  if (ps->m) ps->m->rtcp_mux = true;
  return LCC_OK;
}

/* RFC 8858: rtcp-mux-only demands mux, so it implies rtcp-mux. */
static lcc_err a_rtcp_mux_only(parser *ps, span v, span w) {
  (void)v, (void)w;
  if (ps->m) ps->m->rtcp_mux = ps->m->rtcp_mux_only = true;
  return LCC_OK;
}

static lcc_err a_rtcp_rsize(parser *ps, span v, span w) {
  (void)v, (void)w;
  if (ps->m) ps->m->rtcp_rsize = true;
  return LCC_OK;
}

static lcc_err a_bundle_only(parser *ps, span v, span w) {
  (void)v, (void)w;
  if (ps->m) ps->m->bundle_only = true;
  return LCC_OK;
}

static lcc_err a_end_of_candidates(parser *ps, span v, span w) {
  (void)v, (void)w;
  *(ps->m ? &ps->m->end_of_candidates : &ps->end_of_candidates) = true;
  return LCC_OK;
}

/* a=msid:<stream> <track> (RFC 8830); a section may name several streams,
 * the first is kept. */
static lcc_err a_msid(parser *ps, span v, span w) {
  (void)w;
  if (!ps->m || ps->m->msid[0]) return LCC_OK;
  return COPY(ps, v, ps->m->msid, "a=msid");
}

static lcc_err a_candidate(parser *ps, span v, span whole) {
  (void)v;
  lcc_sdp_media *m = ps->m;
  if (!m) return LCC_OK;
  if (m->n_candidates == LCC_SDP_MAX_CANDIDATES) return fail(ps, "more than %d candidates", LCC_SDP_MAX_CANDIDATES);
  lcc_err err = COPY(ps, whole, m->candidates[m->n_candidates], "a=candidate");
  if (!err) m->n_candidates++;
  return err;
}

/* a=rtpmap:<pt> <encoding>/<clock>[/<channels>]. A payload type the m= line
 * does not list is ignored. */
static lcc_err a_rtpmap(parser *ps, span v, span w) {
  (void)w;
  if (!ps->m) return LCC_OK;
  uint64_t pt = 0, rate = 0, ch = 0;
  lcc_err err = number(ps, sp_token(&v), 127, &pt, "a=rtpmap payload type");
  if (err) return err;
  span enc = sp_trim_left(v), name, rest, rate_s, ch_s;
  sp_split(enc, '/', &name, &rest);
  if (name.n == 0) return fail(ps, "a=rtpmap:%u without encoding name", (unsigned)pt);
  for (size_t i = 0; i < name.n; i++)
    if (is_blank(name.p[i])) return fail(ps, "a=rtpmap:%u encoding name has a blank", (unsigned)pt);
  bool has_ch = sp_split(rest, '/', &rate_s, &ch_s);
  if ((err = number(ps, rate_s, UINT32_MAX, &rate, "a=rtpmap clock rate"))) return err;
  if (has_ch && (err = number(ps, ch_s, 255, &ch, "a=rtpmap channels"))) return err;
  lcc_sdp_codec *c = codec_by_pt(ps->m, pt);
  if (!c) return LCC_OK;
  if ((err = COPY(ps, name, c->name, "a=rtpmap encoding name"))) return err;
  c->clock_rate = (uint32_t)rate;
  c->channels = (uint8_t)ch;
  return LCC_OK;
}

/* The apt=<pt> parameter of an rtx fmtp (RFC 4588 §8.6), or -1. */
static int fmtp_apt(const char *fmtp) {
  for (const char *p = fmtp; *p;) {
    while (*p == ' ' || *p == ';') p++;
    if (strncmp(p, "apt=", 4) == 0) {
      const char *q = p + 4;
      span s = {q, strcspn(q, "; ")};
      uint64_t v;
      return sp_u64(s, 127, &v) ? (int)v : -1;
    }
    p += strcspn(p, ";");
  }
  return -1;
}

/* a=fmtp:<pt> <parameters>, kept verbatim. May come before the a=rtpmap. */
static lcc_err a_fmtp(parser *ps, span v, span w) {
  (void)w;
  if (!ps->m) return LCC_OK;
  uint64_t pt = 0;
  lcc_err err = number(ps, sp_token(&v), 127, &pt, "a=fmtp payload type");
  if (err) return err;
  lcc_sdp_codec *c = codec_by_pt(ps->m, pt);
  if (!c) return LCC_OK;
  if ((err = COPY(ps, sp_trim_left(v), c->fmtp, "a=fmtp parameters"))) return err;
  c->apt = fmtp_apt(c->fmtp);
  return LCC_OK;
}

static uint32_t fb_flag(span type, span param) {
  if (sp_eq(type, "nack")) return param.n == 0 ? LCC_FB_NACK : sp_eq(param, "pli") ? LCC_FB_NACK_PLI : 0;
  if (sp_eq(type, "ccm")) return sp_eq(param, "fir") ? LCC_FB_CCM_FIR : 0;
  if (param.n > 0) return 0;
  if (sp_eq(type, "goog-remb")) return LCC_FB_GOOG_REMB;
  if (sp_eq(type, "transport-cc")) return LCC_FB_TRANSPORT_CC;
  return 0;
}

/* a=rtcp-fb:<pt|*> <type> [<param>] (RFC 4585 §4.2); unknown kinds are ignored. */
static lcc_err a_rtcp_fb(parser *ps, span v, span w) {
  (void)w;
  if (!ps->m) return LCC_OK;
  span pt_s = sp_token(&v), type = sp_token(&v), param = sp_token(&v);
  uint64_t pt = 0;
  bool all = sp_eq(pt_s, "*");
  lcc_err err = all ? LCC_OK : number(ps, pt_s, 127, &pt, "a=rtcp-fb payload type");
  if (err) return err;
  if (type.n == 0) return fail(ps, "a=rtcp-fb without a feedback type");
  uint32_t flag = sp_token(&v).n > 0 ? 0 : fb_flag(type, param);
  for (size_t i = 0; i < ps->m->n_codecs; i++)
    if (all || ps->m->codecs[i].pt == pt) ps->m->codecs[i].fb |= flag;
  return LCC_OK;
}

static bool parse_dir(span s, lcc_dir *d) {
  static const char *names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
  for (int i = 0; i < 4; i++)
    if (sp_eq(s, names[i])) {
      *d = (lcc_dir)i;
      return true;
    }
  return false;
}

/* a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285 §8). */
static lcc_err a_extmap(parser *ps, span v, span w) {
  (void)w;
  lcc_sdp_media *m = ps->m;
  if (!m) return LCC_OK; /* session-level extmaps: no browser sends them */
  span id_dir = sp_token(&v), uri = sp_token(&v), id_s, dir_s;
  lcc_sdp_extmap e = {0};
  uint64_t id = 0;
  lcc_err err = number(ps, sp_split(id_dir, '/', &id_s, &dir_s) ? id_s : id_dir, 255, &id, "a=extmap id");
  if (err) return err;
  if (id == 0) return fail(ps, "a=extmap id 0 is reserved");
  if (dir_s.n > 0 && !parse_dir(dir_s, &e.dir)) return fail(ps, "a=extmap direction is not a direction");
  if (uri.n == 0) return fail(ps, "a=extmap:%u without URI", (unsigned)id);
  for (size_t i = 0; i < m->n_extmaps; i++)
    if (m->extmaps[i].id == id) return fail(ps, "a=extmap id %u used twice", (unsigned)id);
  if (m->n_extmaps == LCC_SDP_MAX_EXTMAPS) return fail(ps, "more than %d a=extmap lines", LCC_SDP_MAX_EXTMAPS);
  e.id = (uint8_t)id;
  if ((err = COPY(ps, uri, e.uri, "a=extmap URI"))) return err;
  m->extmaps[m->n_extmaps++] = e;
  return LCC_OK;
}

static lcc_sdp_ssrc *ssrc_entry(lcc_sdp_media *m, uint32_t ssrc) {
  for (size_t i = 0; i < m->n_ssrcs; i++)
    if (m->ssrcs[i].ssrc == ssrc) return &m->ssrcs[i];
  if (m->n_ssrcs == LCC_SDP_MAX_SSRCS) return NULL;
  lcc_sdp_ssrc *s = &m->ssrcs[m->n_ssrcs++];
  s->ssrc = ssrc;
  return s;
}

/* a=ssrc:<ssrc> <attribute>[:<value>] (RFC 5576 §4.1): cname and msid are
 * kept; other attributes (mslabel, label) are ignored. */
static lcc_err a_ssrc(parser *ps, span v, span w) {
  (void)w;
  if (!ps->m) return LCC_OK;
  uint64_t ssrc = 0;
  lcc_err err = number(ps, sp_token(&v), UINT32_MAX, &ssrc, "a=ssrc");
  if (err) return err;
  span attr, value;
  v = sp_trim_left(v);
  if (v.n == 0) return fail(ps, "a=ssrc:%u without attribute", (unsigned)ssrc);
  sp_split(v, ':', &attr, &value);
  bool cname = sp_eq(attr, "cname"), msid = sp_eq(attr, "msid");
  if (!cname && !msid) return LCC_OK;
  lcc_sdp_ssrc *s = ssrc_entry(ps->m, (uint32_t)ssrc);
  if (!s) return fail(ps, "more than %d SSRCs", LCC_SDP_MAX_SSRCS);
  return cname ? COPY(ps, value, s->cname, "a=ssrc cname") : COPY(ps, value, s->msid, "a=ssrc msid");
}

/* a=ssrc-group:<semantics> <ssrc> ... (RFC 5576 §4.2). */
static lcc_err a_ssrc_group(parser *ps, span v, span w) {
  (void)w;
  lcc_sdp_media *m = ps->m;
  if (!m) return LCC_OK;
  if (m->n_ssrc_groups == LCC_SDP_MAX_SSRC_GROUPS)
    return fail(ps, "more than %d a=ssrc-group lines", LCC_SDP_MAX_SSRC_GROUPS);
  lcc_sdp_ssrc_group *g = &m->ssrc_groups[m->n_ssrc_groups];
  span sem = sp_token(&v);
  if (sem.n == 0) return fail(ps, "a=ssrc-group without semantics");
  lcc_err err = COPY(ps, sem, g->semantics, "a=ssrc-group semantics");
  for (span s = sp_token(&v); !err && s.n > 0; s = sp_token(&v)) {
    uint64_t ssrc = 0;
    size_t cap = sizeof g->ssrcs / sizeof g->ssrcs[0];
    if (g->n_ssrcs == cap) return fail(ps, "more than %zu SSRCs in a=ssrc-group", cap);
    if (!(err = number(ps, s, UINT32_MAX, &ssrc, "a=ssrc-group SSRC"))) g->ssrcs[g->n_ssrcs++] = (uint32_t)ssrc;
  }
  if (!err) m->n_ssrc_groups++;
  return err;
}

static const struct {
  const char *name;
  attr_fn fn;
} attr_table[] = {
    {"group", a_group},
    {"ice-lite", a_ice_lite},
    {"ice-options", a_ice_options},
    {"extmap-allow-mixed", a_extmap_allow_mixed},
    {"msid-semantic", a_msid_semantic},
    {"ice-ufrag", a_ice_ufrag},
    {"ice-pwd", a_ice_pwd},
    {"fingerprint", a_fingerprint},
    {"setup", a_setup},
    {"mid", a_mid},
    {"sendrecv", a_sendrecv},
    {"sendonly", a_sendonly},
    {"recvonly", a_recvonly},
    {"inactive", a_inactive},
    {"rtcp-mux", a_rtcp_mux},
    {"rtcp-mux-only", a_rtcp_mux_only},
    {"rtcp-rsize", a_rtcp_rsize},
    {"bundle-only", a_bundle_only},
    {"end-of-candidates", a_end_of_candidates},
    {"msid", a_msid},
    {"candidate", a_candidate},
    {"rtpmap", a_rtpmap},
    {"fmtp", a_fmtp},
    {"rtcp-fb", a_rtcp_fb},
    {"extmap", a_extmap},
    {"ssrc", a_ssrc},
    {"ssrc-group", a_ssrc_group},
};

static lcc_err line_a(parser *ps, span v) {
  span name, value;
  sp_split(v, ':', &name, &value);
  for (size_t i = 0; i < sizeof attr_table / sizeof attr_table[0]; i++)
    if (sp_eq(name, attr_table[i].name)) return attr_table[i].fn(ps, value, v);
  return LCC_OK;
}

/* ---- session lines ---- */

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static lcc_err line_o(parser *ps, span v) {
  span user = sp_token(&v), id = sp_token(&v), ver = sp_token(&v);
  span net = sp_token(&v), type = sp_token(&v), addr = sp_token(&v);
  if (addr.n == 0 || net.n == 0 || type.n == 0) return fail(ps, "o= line needs 6 fields");
  lcc_err err = COPY(ps, user, ps->out->origin_user, "o= username");
  if (!err) err = number(ps, id, UINT64_MAX, &ps->out->session_id, "o= session id");
  if (!err) err = number(ps, ver, UINT64_MAX, &ps->out->session_version, "o= session version");
  return err;
}

/* c=<nettype> <addrtype> <address> */
static lcc_err line_c(parser *ps, span v) {
  span net = sp_token(&v), type = sp_token(&v), addr = sp_token(&v);
  if (net.n == 0 || type.n == 0 || addr.n == 0) return fail(ps, "c= line needs <nettype> <addrtype> <address>");
  return ps->m ? COPY(ps, addr, ps->m->conn_addr, "c= address") : COPY(ps, addr, ps->conn_addr, "c= address");
}

/* b=<bwtype>:<bandwidth>; only a media-level AS is kept. */
static lcc_err line_b(parser *ps, span v) {
  span type, value;
  if (!sp_split(v, ':', &type, &value) || type.n == 0) return fail(ps, "b= line needs <bwtype>:<bandwidth>");
  uint64_t kbps = 0;
  if (!sp_eq(type, "AS")) return LCC_OK;
  lcc_err err = number(ps, value, UINT32_MAX, &kbps, "b=AS bandwidth");
  if (!err && ps->m) ps->m->bandwidth_as = (uint32_t)kbps;
  return err;
}

static lcc_err line_t(parser *ps, span v) {
  uint64_t start, stop;
  lcc_err err = number(ps, sp_token(&v), UINT64_MAX, &start, "t= start time");
  if (!err) err = number(ps, sp_token(&v), UINT64_MAX, &stop, "t= stop time");
  ps->seen_t = true;
  return err;
}

/* One line without its line end or trailing blanks. */
static lcc_err parse_line(parser *ps, span l) {
  if (l.n > SDP_MAX_LINE) return fail(ps, "line longer than %d bytes", SDP_MAX_LINE);
  for (size_t i = 0; i < l.n; i++) {
    unsigned char c = (unsigned char)l.p[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(ps, "control character 0x%02x", c);
  }
  char type = l.p[0];
  if (l.n < 2 || l.p[1] != '=' || type < 'a' || type > 'z') return fail(ps, "not a <letter>=<value> line");
  span v = {l.p + 2, l.n - 2};
  if (!ps->seen_v && type != 'v') return fail(ps, "SDP must start with v=0");
  switch (type) {
  case 'v':
    if (ps->seen_v || !sp_eq(v, "0")) return fail(ps, ps->seen_v ? "second v= line" : "SDP version is not 0");
    ps->seen_v = true;
    return LCC_OK;
  case 'o':
    if (ps->m || ps->seen_o) return fail(ps, "o= line out of place");
    ps->seen_o = true;
    return line_o(ps, v);
  case 's':
    if (ps->m || ps->seen_s) return fail(ps, "s= line out of place");
    ps->seen_s = true;
    return COPY(ps, v, ps->out->session_name, "s= session name");
  case 't': return line_t(ps, v);
  case 'c': return line_c(ps, v);
  case 'b': return line_b(ps, v);
  case 'm': return line_m(ps, v);
  case 'a': return line_a(ps, v);
  default: return LCC_OK; /* i= u= e= p= r= z= k= and unknown letters */
  }
}

/* ---- after the last line ---- */

static void inherit_str(char *dst, const char *src, size_t cap) {
  if (!dst[0] && src[0]) snprintf(dst, cap, "%s", src);
}

/* RFC 8866 §5: session-level c=, direction and transport attributes apply to
 * each m-section without its own. */
static void inherit_session(parser *ps) {
  for (size_t i = 0; i < ps->out->n_media; i++) {
    lcc_sdp_media *m = &ps->out->media[i];
    inherit_str(m->ice_ufrag, ps->ice_ufrag, sizeof m->ice_ufrag);
    inherit_str(m->ice_pwd, ps->ice_pwd, sizeof m->ice_pwd);
    if (!m->fingerprint[0]) {
      inherit_str(m->fingerprint_alg, ps->fp_alg, sizeof m->fingerprint_alg);
      inherit_str(m->fingerprint, ps->fp, sizeof m->fingerprint);
    }
    inherit_str(m->conn_addr, ps->conn_addr, sizeof m->conn_addr);
    if (m->setup == LCC_SETUP_NONE) m->setup = ps->setup;
    if (!ps->dir_set[i] && ps->dir_given) m->dir = ps->dir;
    if (ps->end_of_candidates) m->end_of_candidates = true;
  }
}

static lcc_sdp_media *media_by_mid(lcc_sdp *sdp, const char *mid) {
  for (size_t i = 0; i < sdp->n_media; i++)
    if (strcmp(sdp->media[i].mid, mid) == 0) return &sdp->media[i];
  return NULL;
}

static bool in_bundle(const lcc_sdp *sdp, const char *mid) {
  for (size_t i = 0; i < sdp->n_bundle; i++)
    if (strcmp(sdp->bundle_mids[i], mid) == 0) return true;
  return false;
}

/* Bundled m-sections share the transport of the BUNDLE-tagged one (RFC 8843
 * §7.1.3: a bundle-only section may omit its ICE and DTLS attributes), so each
 * such section gets the tag's where it has none: callers then read the
 * transport of any accepted section directly. */
static void share_bundle_transport(lcc_sdp *sdp) {
  lcc_sdp_media *tag = sdp->n_bundle ? media_by_mid(sdp, sdp->bundle_mids[0]) : NULL;
  if (!tag || !tag->mid[0]) return;
  for (size_t i = 0; i < sdp->n_media; i++) {
    lcc_sdp_media *m = &sdp->media[i];
    if (m == tag || !m->mid[0] || !in_bundle(sdp, m->mid)) continue;
    if (!m->ice_ufrag[0] && !m->ice_pwd[0]) {
      memcpy(m->ice_ufrag, tag->ice_ufrag, sizeof m->ice_ufrag);
      memcpy(m->ice_pwd, tag->ice_pwd, sizeof m->ice_pwd);
    }
    if (!m->fingerprint[0]) {
      memcpy(m->fingerprint_alg, tag->fingerprint_alg, sizeof m->fingerprint_alg);
      memcpy(m->fingerprint, tag->fingerprint, sizeof m->fingerprint);
    }
    if (m->setup == LCC_SETUP_NONE) m->setup = tag->setup;
  }
}

static lcc_err finish(parser *ps) {
  const char *missing = !ps->seen_v ? "v=" : !ps->seen_o ? "o=" : !ps->seen_s ? "s=" : !ps->seen_t ? "t=" : NULL;
  if (missing) {
    if (ps->line == 0) ps->line = 1;
    return fail(ps, "SDP ended without a%s %s line", missing[0] == 'o' ? "n" : "", missing);
  }
  inherit_session(ps);
  share_bundle_transport(ps->out);
  return LCC_OK;
}

lcc_err lcc_sdp_parse(const char *text, size_t len, lcc_sdp *out, lcc_why *why) {
  parser ps;
  memset(&ps, 0, sizeof ps);
  memset(out, 0, sizeof *out);
  ps.out = out;
  ps.why = why;
  if (!text) len = 0;
  size_t pos = 0;
  while (pos < len) {
    ps.line++;
    const char *nl = memchr(text + pos, '\n', len - pos);
    span l = {text + pos, nl ? (size_t)(nl - (text + pos)) : len - pos};
    pos += l.n + (nl != NULL);
    while (l.n > 0 && (l.p[l.n - 1] == '\r' || is_blank(l.p[l.n - 1]))) l.n--;
    if (l.n == 0) continue; /* blank lines, e.g. after the last CRLF */
    lcc_err err = parse_line(&ps, l);
    if (err) return err;
  }
  return finish(&ps);
}

/* ---- lookups ---- */

static const char *const ext_uris[LCC_EXT_COUNT] = {
    [LCC_EXT_NONE] = "",
    [LCC_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
    [LCC_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    [LCC_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    [LCC_EXT_TOFFSET] = "urn:ietf:params:rtp-hdrext:toffset",
    [LCC_EXT_VIDEO_ORIENTATION] = "urn:3gpp:video-orientation",
};

lcc_ext_kind lcc_sdp_ext_kind(const char *uri) {
  if (!uri || !uri[0]) return LCC_EXT_NONE;
  for (int k = LCC_EXT_NONE + 1; k < LCC_EXT_COUNT; k++)
    if (strcmp(uri, ext_uris[k]) == 0) return (lcc_ext_kind)k;
  return LCC_EXT_NONE;
}

const char *lcc_sdp_ext_uri(lcc_ext_kind kind) {
  if ((int)kind <= LCC_EXT_NONE || kind >= LCC_EXT_COUNT) return NULL;
  return ext_uris[kind];
}

const lcc_sdp_codec *lcc_sdp_find_codec(const lcc_sdp_media *m, const char *name, uint32_t clock_rate,
                                        uint8_t channels) {
  for (size_t i = 0; i < m->n_codecs; i++) {
    const lcc_sdp_codec *c = &m->codecs[i];
    /* An absent channel count means one channel (RFC 8866 §6.6). */
    uint8_t ch = c->channels ? c->channels : 1;
    if (strcasecmp(c->name, name) == 0 && c->clock_rate == clock_rate && (channels == 0 || ch == channels))
      return c;
  }
  return NULL;
}

const lcc_sdp_codec *lcc_sdp_find_rtx(const lcc_sdp_media *m, uint8_t pt) {
  for (size_t i = 0; i < m->n_codecs; i++)
    if (strcasecmp(m->codecs[i].name, "rtx") == 0 && m->codecs[i].apt == pt) return &m->codecs[i];
  return NULL;
}
