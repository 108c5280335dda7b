/* Unit tests of csrc/core/sdp*.c on SDP captured from Chromium, Firefox and
 * GStreamer (test/fixtures/sdp, see its README): parsing, writing and round
 * trips, answers, offers and answer checks, and malformed input. Fixtures are
 * loaded into buffers of exactly their length (no NUL) so ASan catches any
 * read past len. Run from test/unit/c. */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proto/sdp.h"
#include "../../fixtures/sdp/capture/local_values.h"

#define FIXTURES "../../fixtures/sdp/"

static const char *all_fixtures[] = {
    "chromium-offer-audio.sdp",      "chromium-offer-av.sdp",          "chromium-offer-av-dc.sdp",
    "chromium-answer-av.sdp",        "chromium-answer-to-server.sdp",  "firefox-offer-audio.sdp",
    "firefox-offer-av.sdp",          "firefox-offer-av-dc.sdp",        "firefox-offer-av-maxbundle.sdp",
    "firefox-answer-av.sdp",         "firefox-answer-to-server.sdp",   "gstreamer-offer-max-bundle.sdp",
    "gstreamer-offer-no-bundle.sdp", "gstreamer-offer-candidates.sdp",
};

/* ---- helpers ---- */

/* A copy of n bytes of s in a buffer of exactly n bytes (no terminator). */
static char *exact_copy(const char *s, size_t n) {
  char *p = malloc(n ? n : 1);
  memcpy(p, s, n);
  return p;
}

/* The fixture as a NUL-terminated string, for editing. */
static char *load_text(const char *name) {
  char path[256];
  snprintf(path, sizeof path, FIXTURES "%s", name);
  char *text = check_read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "cannot read %s (run from test/unit/c)\n", path);
    exit(2);
  }
  return text;
}

static lcc_err parse_n(const char *text, size_t len, lcc_sdp *out, lcc_why *why) {
  char *exact = exact_copy(text, len);
  why->msg[0] = 0;
  lcc_err err = lcc_sdp_parse(exact, len, out, why);
  free(exact);
  return err;
}

static lcc_err parse_str(const char *text, lcc_sdp *out, lcc_why *why) { return parse_n(text, strlen(text), out, why); }

/* Parses a fixture that must parse; the result is owned by the caller. */
static lcc_sdp *parse_fixture(const char *name) {
  char *text = load_text(name);
  lcc_sdp *sdp = calloc(1, sizeof *sdp);
  lcc_why why;
  lcc_err err = parse_str(text, sdp, &why);
  if (err != LCC_OK) fprintf(stderr, "%s: %s\n", name, why.msg);
  CHECK_EQ_INT(err, LCC_OK);
  free(text);
  return sdp;
}

/* text with the first (or every) occurrence of `from` replaced by `to`. */
static char *edit(const char *text, const char *from, const char *to, bool every) {
  size_t nf = strlen(from), nt = strlen(to), cap = strlen(text) + 1;
  for (const char *p = text; (p = strstr(p, from)); p += nf) cap += nt;
  char *out = malloc(cap), *w = out;
  const char *p = text, *q;
  while ((q = strstr(p, from))) {
    memcpy(w, p, (size_t)(q - p));
    w += q - p;
    memcpy(w, to, nt);
    w += nt;
    p = q + nf;
    if (!every) break;
  }
  strcpy(w, p);
  return out;
}

/* text without the lines that start with prefix. */
static char *drop_lines(const char *text, const char *prefix) {
  char *out = malloc(strlen(text) + 1), *w = out;
  size_t np = strlen(prefix);
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
    if (strncmp(p, prefix, np) != 0) {
      memcpy(w, p, n);
      w += n;
    }
    p += n;
  }
  *w = 0;
  return out;
}

static char *write_text(const lcc_sdp *sdp) {
  size_t cap = 1 << 20;
  char *buf = malloc(cap);
  size_t n = lcc_sdp_write(sdp, buf, cap);
  CHECK(n > 0);
  CHECK_EQ_INT(strlen(buf), n);
  return buf;
}


static const lcc_sdp_extmap *find_ext(const lcc_sdp_media *m, const char *uri) {
  for (size_t i = 0; i < m->n_extmaps; i++)
    if (strcmp(m->extmaps[i].uri, uri) == 0) return &m->extmaps[i];
  return NULL;
}

static int ext_id(const lcc_sdp_media *m, lcc_ext_kind k) {
  const lcc_sdp_extmap *e = find_ext(m, lcc_sdp_ext_uri(k));
  return e ? e->id : -1;
}

#define TCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

/* ---- field-by-field equality, for round trips ---- */

static char diff[512];
#define DIFFER(...) (snprintf(diff, sizeof diff, __VA_ARGS__), false)
#define SAME_INT(a, b, what) \
  if ((a) != (b)) return DIFFER("%s: %lld != %lld", what, (long long)(a), (long long)(b))
#define SAME_STR(a, b, what) \
  if (strcmp((a), (b)) != 0) return DIFFER("%s: '%.100s' != '%.100s'", what, (a), (b))

static bool codecs_eq(const lcc_sdp_media *a, const lcc_sdp_media *b) {
  SAME_INT(a->n_codecs, b->n_codecs, "n_codecs");
  for (size_t i = 0; i < a->n_codecs; i++) {
    const lcc_sdp_codec *x = &a->codecs[i], *y = &b->codecs[i];
    SAME_INT(x->pt, y->pt, "codec pt");
    SAME_STR(x->name, y->name, "codec name");
    SAME_INT(x->clock_rate, y->clock_rate, "clock rate");
    SAME_INT(x->channels, y->channels, "channels");
    SAME_STR(x->fmtp, y->fmtp, "fmtp");
    SAME_INT(x->fb, y->fb, "rtcp-fb");
    SAME_INT(x->apt, y->apt, "apt");
  }
  return true;
}

static bool attrs_eq(const lcc_sdp_media *a, const lcc_sdp_media *b) {
  SAME_INT(a->n_extmaps, b->n_extmaps, "n_extmaps");
  for (size_t i = 0; i < a->n_extmaps; i++) {
    SAME_INT(a->extmaps[i].id, b->extmaps[i].id, "extmap id");
    SAME_STR(a->extmaps[i].uri, b->extmaps[i].uri, "extmap uri");
    SAME_INT(a->extmaps[i].dir, b->extmaps[i].dir, "extmap dir");
  }
  SAME_INT(a->n_ssrcs, b->n_ssrcs, "n_ssrcs");
  for (size_t i = 0; i < a->n_ssrcs; i++) {
    SAME_INT(a->ssrcs[i].ssrc, b->ssrcs[i].ssrc, "ssrc");
    SAME_STR(a->ssrcs[i].cname, b->ssrcs[i].cname, "cname");
    SAME_STR(a->ssrcs[i].msid, b->ssrcs[i].msid, "ssrc msid");
  }
  SAME_INT(a->n_ssrc_groups, b->n_ssrc_groups, "n_ssrc_groups");
  for (size_t i = 0; i < a->n_ssrc_groups; i++) {
    SAME_STR(a->ssrc_groups[i].semantics, b->ssrc_groups[i].semantics, "group semantics");
    SAME_INT(a->ssrc_groups[i].n_ssrcs, b->ssrc_groups[i].n_ssrcs, "group n_ssrcs");
    for (size_t k = 0; k < a->ssrc_groups[i].n_ssrcs; k++)
      SAME_INT(a->ssrc_groups[i].ssrcs[k], b->ssrc_groups[i].ssrcs[k], "group ssrc");
  }
  SAME_INT(a->n_candidates, b->n_candidates, "n_candidates");
  for (size_t i = 0; i < a->n_candidates; i++) SAME_STR(a->candidates[i], b->candidates[i], "candidate");
  return true;
}

static bool media_eq(const lcc_sdp_media *a, const lcc_sdp_media *b) {
  SAME_INT(a->kind, b->kind, "kind");
  SAME_STR(a->kind_name, b->kind_name, "kind_name");
  SAME_INT(a->port, b->port, "port");
  SAME_INT(a->bundle_only, b->bundle_only, "bundle_only");
  SAME_STR(a->proto, b->proto, "proto");
  SAME_STR(a->fmt_list, b->fmt_list, "fmt_list");
  SAME_STR(a->conn_addr, b->conn_addr, "conn_addr");
  SAME_STR(a->mid, b->mid, "mid");
  SAME_INT(a->dir, b->dir, "dir");
  SAME_INT(a->rtcp_mux, b->rtcp_mux, "rtcp_mux");
  SAME_INT(a->rtcp_mux_only, b->rtcp_mux_only, "rtcp_mux_only");
  SAME_INT(a->rtcp_rsize, b->rtcp_rsize, "rtcp_rsize");
  SAME_STR(a->ice_ufrag, b->ice_ufrag, "ice_ufrag");
  SAME_STR(a->ice_pwd, b->ice_pwd, "ice_pwd");
  SAME_STR(a->fingerprint_alg, b->fingerprint_alg, "fingerprint_alg");
  SAME_STR(a->fingerprint, b->fingerprint, "fingerprint");
  SAME_INT(a->setup, b->setup, "setup");
  SAME_STR(a->msid, b->msid, "msid");
  SAME_INT(a->end_of_candidates, b->end_of_candidates, "end_of_candidates");
  SAME_INT(a->bandwidth_as, b->bandwidth_as, "bandwidth_as");
  return codecs_eq(a, b) && attrs_eq(a, b);
}

static bool sdp_eq(const lcc_sdp *a, const lcc_sdp *b) {
  SAME_INT(a->session_id, b->session_id, "session_id");
  SAME_INT(a->session_version, b->session_version, "session_version");
  SAME_STR(a->origin_user, b->origin_user, "origin_user");
  SAME_STR(a->session_name, b->session_name, "session_name");
  SAME_INT(a->n_bundle, b->n_bundle, "n_bundle");
  for (size_t i = 0; i < a->n_bundle; i++) SAME_STR(a->bundle_mids[i], b->bundle_mids[i], "bundle mid");
  SAME_INT(a->ice_lite, b->ice_lite, "ice_lite");
  SAME_INT(a->ice_trickle, b->ice_trickle, "ice_trickle");
  SAME_INT(a->extmap_allow_mixed, b->extmap_allow_mixed, "extmap_allow_mixed");
  SAME_STR(a->msid_semantic, b->msid_semantic, "msid_semantic");
  SAME_INT(a->n_media, b->n_media, "n_media");
  for (size_t i = 0; i < a->n_media; i++)
    if (!media_eq(&a->media[i], &b->media[i])) {
      char inner[sizeof diff];
      memcpy(inner, diff, sizeof diff);
      return DIFFER("m-section %zu: %.400s", i, inner);
    }
  return true;
}

/* ---- parsing real SDP ---- */

static void test_chromium_offer_audio(void) {
  lcc_sdp *s = parse_fixture("chromium-offer-audio.sdp");
  CHECK_EQ_INT(s->session_id, 8119343179274357351ull);
  CHECK_EQ_INT(s->session_version, 2);
  CHECK_EQ_STR(s->origin_user, "-");
  CHECK_EQ_STR(s->session_name, "-");
  CHECK_EQ_INT(s->n_bundle, 1);
  CHECK_EQ_STR(s->bundle_mids[0], "0");
  CHECK(s->extmap_allow_mixed);
  CHECK(s->ice_trickle);
  CHECK(!s->ice_lite);
  CHECK_EQ_STR(s->msid_semantic, "WMS 843812cb-d973-40e0-90b3-3cb0023c3b96");
  CHECK_EQ_INT(s->n_media, 1);
  const lcc_sdp_media *m = &s->media[0];
  CHECK_EQ_INT(m->kind, LCC_MEDIA_AUDIO);
  CHECK_EQ_INT(m->port, 51489);
  CHECK_EQ_STR(m->proto, "UDP/TLS/RTP/SAVPF");
  CHECK_EQ_STR(m->fmt_list, "111 63 9 0 8 13 110 126");
  CHECK_EQ_STR(m->conn_addr, "127.0.0.1");
  CHECK_EQ_STR(m->mid, "0");
  CHECK_EQ_STR(m->ice_ufrag, "SDM/");
  CHECK_EQ_STR(m->ice_pwd, "qicFcZKJX4nv3p3dGPc7M4ZH");
  CHECK_EQ_STR(m->fingerprint_alg, "sha-256");
  CHECK_EQ_STR(m->fingerprint, "E3:6E:9B:CC:66:E8:DA:18:3E:1B:99:CA:8E:7A:8F:0B:8D:81:A4:EC:E7:E8:7F:51:5C:5E:CE:AA:48:"
                               "B8:21:40");
  CHECK_EQ_INT(m->setup, LCC_SETUP_ACTPASS);
  CHECK_EQ_INT(m->dir, LCC_DIR_SENDRECV);
  CHECK(m->rtcp_mux && m->rtcp_rsize && !m->rtcp_mux_only);
  CHECK_EQ_STR(m->msid, "843812cb-d973-40e0-90b3-3cb0023c3b96 18fcda4c-f71e-486f-a601-bb9156be9dc2");
  CHECK_EQ_INT(m->n_codecs, 8);
  CHECK_EQ_INT(m->codecs[0].pt, 111);
  CHECK_EQ_STR(m->codecs[0].name, "opus");
  CHECK_EQ_INT(m->codecs[0].clock_rate, 48000);
  CHECK_EQ_INT(m->codecs[0].channels, 2);
  CHECK_EQ_STR(m->codecs[0].fmtp, "minptime=10;useinbandfec=1");
  CHECK_EQ_INT(m->codecs[0].fb, LCC_FB_TRANSPORT_CC);
  CHECK_EQ_INT(m->codecs[0].apt, -1);
  CHECK_EQ_STR(m->codecs[1].name, "red");
  CHECK_EQ_STR(m->codecs[1].fmtp, "111/111");
  CHECK_EQ_STR(m->codecs[2].name, "G722");
  CHECK_EQ_INT(m->codecs[2].channels, 0); /* "G722/8000": no channel count */
  CHECK_EQ_INT(m->codecs[6].pt, 110);
  CHECK_EQ_STR(m->codecs[6].name, "telephone-event");
  CHECK_EQ_INT(m->codecs[6].clock_rate, 48000);
  CHECK_EQ_INT(m->n_extmaps, 4);
  CHECK_EQ_INT(ext_id(m, LCC_EXT_AUDIO_LEVEL), 1);
  CHECK_EQ_INT(ext_id(m, LCC_EXT_ABS_SEND_TIME), 2);
  CHECK_EQ_INT(find_ext(m, TCC_URI)->id, 3);
  CHECK_EQ_INT(ext_id(m, LCC_EXT_MID), 4);
  CHECK_EQ_INT(m->n_ssrcs, 1);
  CHECK_EQ_INT(m->ssrcs[0].ssrc, 245844902);
  CHECK_EQ_STR(m->ssrcs[0].cname, "SQsScAewJgIpudHl");
  CHECK_EQ_STR(m->ssrcs[0].msid, m->msid);
  CHECK_EQ_INT(m->n_candidates, 2);
  CHECK_EQ_STR(m->candidates[1], "candidate:4229407868 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active "
                                 "generation 0 network-id 1 network-cost 50");
  CHECK(!m->end_of_candidates);
  const lcc_sdp_codec *opus = lcc_sdp_find_codec(m, "OPUS", 48000, 2);
  CHECK(opus == &m->codecs[0]);
  CHECK(lcc_sdp_find_codec(m, "PCMU", 8000, 1) == &m->codecs[3]);
  CHECK(lcc_sdp_find_codec(m, "PCMU", 8000, 2) == NULL);
  CHECK(lcc_sdp_find_codec(m, "opus", 44100, 0) == NULL);
  free(s);
}

static void test_chromium_offer_av(void) {
  lcc_sdp *s = parse_fixture("chromium-offer-av.sdp");
  CHECK_EQ_INT(s->n_media, 2);
  CHECK_EQ_INT(s->n_bundle, 2);
  CHECK_EQ_STR(s->bundle_mids[1], "1");
  const lcc_sdp_media *v = &s->media[1];
  CHECK_EQ_INT(v->kind, LCC_MEDIA_VIDEO);
  CHECK_EQ_STR(v->mid, "1");
  CHECK_EQ_INT(v->port, 55951);
  CHECK_EQ_INT(v->n_codecs, 23);
  const lcc_sdp_codec *vp8 = lcc_sdp_find_codec(v, "VP8", 90000, 0);
  CHECK(vp8 == &v->codecs[0]);
  CHECK_EQ_INT(vp8->pt, 96);
  CHECK_EQ_INT(vp8->fb, LCC_FB_NACK | LCC_FB_NACK_PLI | LCC_FB_CCM_FIR | LCC_FB_GOOG_REMB | LCC_FB_TRANSPORT_CC);
  const lcc_sdp_codec *rtx = lcc_sdp_find_rtx(v, 96);
  CHECK(rtx == &v->codecs[1]);
  CHECK_EQ_INT(rtx->pt, 97);
  CHECK_EQ_INT(rtx->apt, 96);
  CHECK_EQ_STR(rtx->fmtp, "apt=96");
  CHECK_EQ_INT(rtx->fb, 0);
  const lcc_sdp_codec *h264 = lcc_sdp_find_codec(v, "H264", 90000, 0);
  CHECK_EQ_INT(h264->pt, 102);
  CHECK_EQ_STR(h264->fmtp, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
  CHECK_EQ_INT(lcc_sdp_find_rtx(v, 102)->pt, 103);
  CHECK_EQ_INT(lcc_sdp_find_codec(v, "AV1", 90000, 0)->pt, 45);
  CHECK_EQ_STR(lcc_sdp_find_codec(v, "VP9", 90000, 0)->fmtp, "profile-id=0");
  CHECK_EQ_INT(lcc_sdp_find_codec(v, "ulpfec", 90000, 0)->pt, 120);
  CHECK(lcc_sdp_find_rtx(v, 120) == NULL);
  CHECK_EQ_INT(v->n_extmaps, 11);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_TOFFSET), 14);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_ABS_SEND_TIME), 2);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_VIDEO_ORIENTATION), 13);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_MID), 4);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_AUDIO_LEVEL), -1);
  CHECK_EQ_INT(v->n_ssrc_groups, 1);
  CHECK_EQ_STR(v->ssrc_groups[0].semantics, "FID");
  CHECK_EQ_INT(v->ssrc_groups[0].n_ssrcs, 2);
  CHECK_EQ_INT(v->ssrc_groups[0].ssrcs[0], 1649622867u);
  CHECK_EQ_INT(v->ssrc_groups[0].ssrcs[1], 206793891u);
  CHECK_EQ_INT(v->n_ssrcs, 2);
  CHECK_EQ_INT(v->ssrcs[1].ssrc, 206793891u);
  CHECK_EQ_STR(v->ssrcs[1].cname, "e+CKeRWfU9fbXq7r");
  CHECK_EQ_STR(v->ssrcs[1].msid, "32afe23f-8df0-49da-a351-61a8cb0a317e 29869529-db46-40d0-9d0b-3fafca727dd0");
  CHECK_EQ_STR(v->ice_ufrag, "Ok7a");
  CHECK_EQ_INT(v->n_candidates, 2);
  free(s);
}

static void test_chromium_offer_dc_and_answer(void) {
  lcc_sdp *s = parse_fixture("chromium-offer-av-dc.sdp");
  CHECK_EQ_INT(s->n_media, 3);
  CHECK_EQ_INT(s->n_bundle, 3);
  const lcc_sdp_media *dc = &s->media[2];
  CHECK_EQ_INT(dc->kind, LCC_MEDIA_APPLICATION);
  CHECK_EQ_STR(dc->kind_name, "application");
  CHECK_EQ_STR(dc->proto, "UDP/DTLS/SCTP");
  CHECK_EQ_STR(dc->fmt_list, "webrtc-datachannel");
  CHECK_EQ_INT(dc->n_codecs, 0);
  CHECK_EQ_STR(dc->mid, "2");
  CHECK_EQ_STR(dc->ice_ufrag, "IPU/");
  free(s);

  s = parse_fixture("chromium-answer-av.sdp");
  CHECK_EQ_INT(s->media[0].setup, LCC_SETUP_ACTIVE);
  CHECK_EQ_INT(s->media[1].setup, LCC_SETUP_ACTIVE);
  CHECK_EQ_INT(s->media[1].port, 9);
  CHECK_EQ_STR(s->media[1].conn_addr, "0.0.0.0");
  CHECK_EQ_INT(s->media[0].n_ssrcs, 1);
  CHECK_EQ_STR(s->media[0].ssrcs[0].msid, ""); /* Chromium's answers carry cname only */
  CHECK_EQ_INT(s->media[1].ssrc_groups[0].ssrcs[1], 3382032866u);
  free(s);
}

static void test_firefox_offer(void) {
  lcc_sdp *s = parse_fixture("firefox-offer-av.sdp");
  CHECK_EQ_STR(s->origin_user, "mozilla...THIS_IS_SDPARTA-99.0");
  CHECK_EQ_INT(s->session_id, 6787603340335338458ull);
  CHECK_EQ_INT(s->session_version, 0);
  CHECK_EQ_STR(s->msid_semantic, "WMS *");
  CHECK(s->ice_trickle);      /* session level */
  CHECK(s->extmap_allow_mixed); /* media level */
  CHECK_EQ_INT(s->n_media, 2);
  for (size_t i = 0; i < 2; i++) {
    const lcc_sdp_media *m = &s->media[i];
    /* The fingerprint is at session level only. */
    CHECK_EQ_STR(m->fingerprint, "33:D1:01:CD:15:E1:69:CC:4F:A2:83:C1:2B:EA:0E:B7:DF:44:54:CE:DC:1C:BC:74:A6:4A:47:"
                                 "4E:F4:0D:85:89");
    CHECK_EQ_STR(m->fingerprint_alg, "sha-256");
    CHECK_EQ_STR(m->ice_ufrag, "26d3aac5");
    CHECK_EQ_STR(m->ice_pwd, "dc570d999469e02a7f0b72820c7f87da");
    CHECK_EQ_INT(m->setup, LCC_SETUP_ACTPASS);
    CHECK_EQ_INT(m->n_candidates, 8);
    CHECK(m->end_of_candidates);
    CHECK(m->rtcp_mux);
  }
  const lcc_sdp_media *a = &s->media[0], *v = &s->media[1];
  CHECK_EQ_INT(a->rtcp_rsize, false);
  CHECK_EQ_STR(a->candidates[1], "candidate:1 1 UDP 2122252543 ::1 50000 typ host");
  const lcc_sdp_codec *opus = lcc_sdp_find_codec(a, "opus", 48000, 2);
  CHECK_EQ_INT(opus->pt, 109);
  CHECK_EQ_STR(opus->fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1"); /* fmtp came before rtpmap */
  CHECK_EQ_INT(opus->fb, LCC_FB_TRANSPORT_CC);
  CHECK_EQ_INT(lcc_sdp_find_codec(a, "G722", 8000, 1)->channels, 1); /* "G722/8000/1" */
  CHECK_EQ_STR(lcc_sdp_find_codec(a, "telephone-event", 8000, 0)->fmtp, "0-15");
  const lcc_sdp_extmap *csrc = find_ext(a, "urn:ietf:params:rtp-hdrext:csrc-audio-level");
  CHECK_EQ_INT(csrc->id, 2);
  CHECK_EQ_INT(csrc->dir, LCC_DIR_RECVONLY);
  CHECK_EQ_INT(v->rtcp_rsize, true);
  CHECK_EQ_STR(v->fmt_list, "120 124 121 125 99 100 123 122 119");
  CHECK_EQ_INT(lcc_sdp_find_codec(v, "VP8", 90000, 0)->pt, 120);
  CHECK_EQ_INT(lcc_sdp_find_rtx(v, 120)->pt, 124);
  CHECK_EQ_INT(lcc_sdp_find_rtx(v, 122)->pt, 119); /* rtx of red */
  CHECK_EQ_INT(lcc_sdp_find_codec(v, "VP8", 90000, 0)->fb,
               LCC_FB_NACK | LCC_FB_NACK_PLI | LCC_FB_CCM_FIR | LCC_FB_GOOG_REMB | LCC_FB_TRANSPORT_CC);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_TOFFSET), 5);
  CHECK_EQ_INT(v->n_ssrcs, 2);
  CHECK_EQ_STR(v->ssrcs[0].cname, "{4cb05c54-bcd3-4f15-8d5f-9e465ab18993}");
  CHECK_EQ_INT(v->ssrc_groups[0].ssrcs[0], 3579424382u);
  free(s);

  s = parse_fixture("firefox-offer-av-maxbundle.sdp");
  CHECK_EQ_INT(s->media[1].port, 0);
  CHECK(s->media[1].bundle_only);
  CHECK(!s->media[0].bundle_only);
  CHECK_EQ_STR(s->media[1].ice_ufrag, "03d9a39d");
  CHECK_EQ_INT(s->media[1].n_candidates, 0);
  free(s);
}

static void test_gstreamer_offers(void) {
  lcc_sdp *s = parse_fixture("gstreamer-offer-max-bundle.sdp");
  CHECK_EQ_INT(s->n_bundle, 2);
  CHECK_EQ_STR(s->bundle_mids[0], "audio0");
  CHECK_EQ_STR(s->bundle_mids[1], "video1");
  CHECK(s->ice_trickle);
  const lcc_sdp_media *a = &s->media[0], *v = &s->media[1];
  CHECK_EQ_STR(a->mid, "audio0");
  CHECK(a->rtcp_mux && a->rtcp_mux_only);
  CHECK_EQ_STR(a->codecs[0].name, "OPUS");
  CHECK(lcc_sdp_find_codec(a, "opus", 48000, 2) == &a->codecs[0]);
  CHECK_EQ_STR(a->codecs[0].fmtp, "sprop-stereo=0;sprop-maxcapturerate=48000");
  CHECK_EQ_INT(a->ssrcs[0].ssrc, 4105734209u);
  CHECK_EQ_STR(a->ssrcs[0].msid, "user721724159@host-48fa92ec webrtctransceiver0");
  CHECK_EQ_STR(a->ssrcs[0].cname, "user721724159@host-48fa92ec");
  CHECK_EQ_INT(a->n_candidates, 0);
  CHECK_EQ_INT(v->port, 0);
  CHECK(v->bundle_only);
  CHECK_EQ_INT(v->codecs[0].fb, LCC_FB_NACK_PLI | LCC_FB_CCM_FIR | LCC_FB_TRANSPORT_CC); /* no plain nack */
  free(s);

  s = parse_fixture("gstreamer-offer-no-bundle.sdp");
  CHECK_EQ_INT(s->n_bundle, 0);
  CHECK_EQ_STR(s->media[0].ice_ufrag, "sOzHuOCT+8Un457o3KS3FBqtc8NAzI77");
  CHECK_EQ_STR(s->media[1].ice_ufrag, "jJnCmz2QItYuoNmTQbVWPETDUefhNSq0");
  CHECK_EQ_INT(s->media[1].port, 9);
  free(s);

  s = parse_fixture("gstreamer-offer-candidates.sdp");
  CHECK_EQ_INT(s->media[0].n_candidates, 4);
  CHECK_EQ_STR(s->media[0].candidates[2], "candidate:3 1 TCP 1010827519 192.0.2.10 44553 typ host tcptype passive");
  CHECK_EQ_INT(s->media[1].n_candidates, 0);
  free(s);
}

/* LF-only line ends, trailing blanks and a missing final line end parse the
 * same as the captured CRLF text. */
static void test_line_end_quirks(void) {
  char *text = load_text("chromium-offer-av.sdp");
  lcc_sdp *ref = parse_fixture("chromium-offer-av.sdp"), *s = calloc(1, sizeof *s);
  lcc_why why;
  char *lf = edit(text, "\r\n", "\n", true);
  CHECK_EQ_INT(parse_str(lf, s, &why), LCC_OK);
  CHECK(sdp_eq(ref, s));
  char *blanks = edit(text, "\r\n", " \t \r\n", true);
  CHECK_EQ_INT(parse_str(blanks, s, &why), LCC_OK);
  CHECK(sdp_eq(ref, s));
  CHECK_EQ_INT(parse_n(text, strlen(text) - 2, s, &why), LCC_OK); /* no final CRLF */
  CHECK(sdp_eq(ref, s));
  char *blank_lines = edit(text, "\r\nm=", "\r\n\r\n\nm=", true);
  CHECK_EQ_INT(parse_str(blank_lines, s, &why), LCC_OK);
  if (!sdp_eq(ref, s)) fprintf(stderr, "blank lines: %s\n", diff);
  CHECK(sdp_eq(ref, s));
  free(blank_lines);
  free(blanks);
  free(lf);
  free(text);
  free(ref);
  free(s);
}

/* parse(write(parse(f))) equals parse(f) field by field, and writing again
 * gives the same bytes, for every fixture. */
static void test_round_trips(void) {
  for (size_t i = 0; i < sizeof all_fixtures / sizeof all_fixtures[0]; i++) {
    lcc_sdp *a = parse_fixture(all_fixtures[i]), *b = calloc(1, sizeof *b);
    char *t1 = write_text(a);
    lcc_why why;
    lcc_err err = parse_str(t1, b, &why);
    if (err) fprintf(stderr, "%s: written text does not parse: %s\n", all_fixtures[i], why.msg);
    CHECK_EQ_INT(err, LCC_OK);
    bool same = sdp_eq(a, b);
    if (!same) fprintf(stderr, "%s: round trip differs: %s\n", all_fixtures[i], diff);
    CHECK(same);
    char *t2 = write_text(b);
    CHECK_EQ_STR(t1, t2);
    free(t1);
    free(t2);
    free(a);
    free(b);
  }
}

static void test_writer_limits(void) {
  lcc_sdp *s = parse_fixture("chromium-offer-audio.sdp");
  char *full = write_text(s);
  size_t n = strlen(full);
  CHECK(strncmp(full, "v=0\r\no=- 8119343179274357351 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 56) == 0);
  CHECK(strstr(full, "\r\na=group:BUNDLE 0\r\n") != NULL);
  CHECK(strstr(full, "\r\na=rtpmap:9 G722/8000\r\n") != NULL);
  char *buf = malloc(n + 1);
  CHECK_EQ_INT(lcc_sdp_write(s, buf, n + 1), n); /* room for the NUL is enough */
  CHECK_EQ_STR(buf, full);
  CHECK_EQ_INT(lcc_sdp_write(s, buf, n), 0);
  CHECK_EQ_INT(lcc_sdp_write(s, buf, 10), 0);
  CHECK_EQ_INT(lcc_sdp_write(s, buf, 0), 0);
  /* A control character in a value would end the line early: refused. */
  strcpy(s->media[0].ssrcs[0].cname, "x\r\na=setup:passive");
  CHECK_EQ_INT(lcc_sdp_write(s, buf, n + 64), 0);
  free(buf);
  free(full);
  free(s);
}

/* ---- answers ---- */

static lcc_sdp *answer_to(const lcc_sdp *offer, lcc_setup setup, lcc_err *err, lcc_why *why) {
  lcc_sdp_local local;
  capture_fill_local(&local, setup);
  lcc_sdp *ans = calloc(1, sizeof *ans);
  why->msg[0] = 0;
  *err = lcc_sdp_answer(offer, &local, ans, why);
  return ans;
}

static void check_our_transport(const lcc_sdp_media *m, lcc_setup setup) {
  CHECK_EQ_STR(m->ice_ufrag, "lccU");
  CHECK_EQ_STR(m->ice_pwd, "lccCapturePassword0123456");
  CHECK_EQ_STR(m->fingerprint_alg, "sha-256");
  CHECK(strncmp(m->fingerprint, "4A:AD:B9", 8) == 0);
  CHECK_EQ_INT(m->setup, setup);
  CHECK(m->rtcp_mux);
  CHECK_EQ_INT(m->port, 40000);
  CHECK_EQ_STR(m->conn_addr, "127.0.0.1");
}

static void test_answer_chromium(void) {
  lcc_sdp *offer = parse_fixture("chromium-offer-av-dc.sdp");
  lcc_err err;
  lcc_why why;
  lcc_sdp *ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_INT(ans->n_media, 3);
  CHECK_EQ_INT(ans->n_bundle, 2); /* the rejected data channel leaves the group */
  CHECK_EQ_STR(ans->bundle_mids[0], "0");
  CHECK_EQ_STR(ans->bundle_mids[1], "1");
  CHECK(ans->ice_trickle);
  CHECK_EQ_INT(ans->session_id, 4611731400430051336ull);
  const lcc_sdp_media *a = &ans->media[0], *v = &ans->media[1], *dc = &ans->media[2];
  check_our_transport(a, LCC_SETUP_ACTIVE);
  check_our_transport(v, LCC_SETUP_ACTIVE);
  CHECK_EQ_INT(a->n_codecs, 1);
  CHECK_EQ_INT(a->codecs[0].pt, 111);
  CHECK_EQ_STR(a->codecs[0].fmtp, "minptime=10;useinbandfec=1");
  CHECK_EQ_INT(a->codecs[0].fb, 0); /* transport-cc dropped */
  CHECK_EQ_STR(a->fmt_list, "111");
  CHECK_EQ_INT(a->n_extmaps, 2);
  CHECK_EQ_INT(ext_id(a, LCC_EXT_AUDIO_LEVEL), 1);
  CHECK_EQ_INT(ext_id(a, LCC_EXT_MID), 4);
  CHECK_EQ_INT(a->dir, LCC_DIR_SENDRECV);
  CHECK(a->rtcp_rsize);
  CHECK_EQ_STR(a->msid, "lcc-stream lcc-stream-audio");
  CHECK_EQ_INT(a->n_ssrcs, 1);
  CHECK_EQ_INT(a->ssrcs[0].ssrc, 1111);
  CHECK_EQ_STR(a->ssrcs[0].cname, "lcc-capture");
  CHECK_EQ_INT(a->n_candidates, 1);
  CHECK(a->end_of_candidates);
  CHECK_EQ_INT(v->n_candidates, 0);
  CHECK_EQ_INT(v->n_codecs, 2);
  CHECK_EQ_INT(v->codecs[0].pt, 96);
  CHECK_EQ_STR(v->codecs[0].name, "VP8");
  CHECK_EQ_INT(v->codecs[0].fb, LCC_FB_NACK | LCC_FB_NACK_PLI | LCC_FB_CCM_FIR);
  CHECK_EQ_INT(v->codecs[1].pt, 97);
  CHECK_EQ_INT(v->codecs[1].apt, 96);
  CHECK_EQ_STR(v->codecs[1].fmtp, "apt=96");
  CHECK_EQ_INT(v->n_extmaps, 4);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_TOFFSET), 14);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_ABS_SEND_TIME), 2);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_VIDEO_ORIENTATION), 13);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_MID), 4);
  CHECK_EQ_INT(v->n_ssrc_groups, 1);
  CHECK_EQ_STR(v->ssrc_groups[0].semantics, "FID");
  CHECK_EQ_INT(v->ssrc_groups[0].ssrcs[0], 2222);
  CHECK_EQ_INT(v->ssrc_groups[0].ssrcs[1], 3333);
  CHECK_EQ_INT(v->n_ssrcs, 2);
  CHECK_EQ_INT(dc->port, 0);
  CHECK_EQ_STR(dc->mid, "2");
  CHECK_EQ_INT(dc->kind, LCC_MEDIA_APPLICATION);
  char *text = write_text(ans);
  /* Rejected, but with the credentials webrtcbin insists on, and its mid. */
  const char *rejected = strstr(text, "\r\nm=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
                                      "a=ice-ufrag:lccU\r\na=ice-pwd:lccCapturePassword0123456\r\na=fingerprint:sha-256 4A:");
  CHECK(rejected != NULL);
  const char *tail = "\r\na=setup:active\r\na=mid:2\r\n"; /* the end of the answer */
  CHECK(rejected && strcmp(rejected + strlen(rejected) - strlen(tail), tail) == 0);
  CHECK_EQ_STR(dc->ice_ufrag, "lccU");
  CHECK_EQ_INT(dc->n_candidates, 0);
  CHECK(!dc->rtcp_mux);
  CHECK(strstr(text, "transport-cc") == NULL);
  CHECK(strstr(text, "goog-remb") == NULL);
  CHECK(strstr(text, "\r\na=group:BUNDLE 0 1\r\n") != NULL);
  CHECK(strstr(text, "\r\nm=video 40000 UDP/TLS/RTP/SAVPF 96 97\r\n") != NULL);
  CHECK(strstr(text, "\r\na=ssrc-group:FID 2222 3333\r\n") != NULL);
  CHECK(strstr(text, "\r\na=ssrc:3333 msid:lcc-stream lcc-stream-video\r\n") != NULL);
  /* The written answer is one our own checker accepts for that offer. */
  lcc_sdp *back = calloc(1, sizeof *back);
  CHECK_EQ_INT(parse_str(text, back, &why), LCC_OK);
  CHECK_EQ_INT(lcc_sdp_check_answer(offer, back, &why), LCC_OK);
  free(back);
  free(text);
  free(ans);
  free(offer);
}

static void test_answer_firefox(void) {
  lcc_sdp *offer = parse_fixture("firefox-offer-av.sdp");
  lcc_err err;
  lcc_why why;
  lcc_sdp *ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  const lcc_sdp_media *a = &ans->media[0], *v = &ans->media[1];
  CHECK_EQ_INT(a->codecs[0].pt, 109);
  CHECK_EQ_STR(a->codecs[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  CHECK_EQ_INT(a->n_extmaps, 2); /* not csrc-audio-level (2) nor transport-cc (7) */
  CHECK_EQ_INT(ext_id(a, LCC_EXT_AUDIO_LEVEL), 1);
  CHECK_EQ_INT(ext_id(a, LCC_EXT_MID), 3);
  CHECK(!a->rtcp_rsize); /* Firefox's audio did not offer it */
  CHECK(v->rtcp_rsize);
  CHECK_EQ_STR(v->fmt_list, "120 124");
  CHECK_EQ_INT(v->codecs[1].apt, 120);
  CHECK_EQ_INT(v->n_extmaps, 3); /* mid, abs-send-time, toffset; no playout-delay, transport-cc */
  CHECK_EQ_INT(ext_id(v, LCC_EXT_MID), 3);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_ABS_SEND_TIME), 4);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_TOFFSET), 5);
  CHECK(ans->extmap_allow_mixed);
  free(ans);
  free(offer);

  /* max-bundle: the video section is bundle-only (port 0), and accepted. */
  offer = parse_fixture("firefox-offer-av-maxbundle.sdp");
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_INT(ans->media[1].port, 40000);
  CHECK(!ans->media[1].bundle_only);
  CHECK_EQ_INT(ans->media[1].codecs[0].pt, 120);
  CHECK_EQ_INT(ans->n_bundle, 2);
  free(ans);
  free(offer);
}

static void test_answer_gstreamer(void) {
  lcc_err err;
  lcc_why why;
  lcc_sdp *offer = parse_fixture("gstreamer-offer-max-bundle.sdp");
  lcc_sdp *ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_STR(ans->bundle_mids[0], "audio0");
  CHECK_EQ_STR(ans->bundle_mids[1], "video1");
  CHECK_EQ_STR(ans->media[0].codecs[0].name, "OPUS");
  CHECK_EQ_INT(ans->media[0].codecs[0].pt, 96);
  CHECK_EQ_STR(ans->media[0].codecs[0].fmtp, "sprop-stereo=0;sprop-maxcapturerate=48000");
  CHECK_EQ_INT(ans->media[1].port, 40000);
  CHECK_EQ_INT(ans->media[1].n_codecs, 1); /* no rtx offered */
  CHECK_EQ_INT(ans->media[1].codecs[0].fb, LCC_FB_NACK_PLI | LCC_FB_CCM_FIR); /* only what was offered */
  CHECK_EQ_INT(ans->media[1].n_ssrc_groups, 0);
  CHECK_EQ_INT(ans->media[1].n_ssrcs, 1);
  CHECK(!ans->extmap_allow_mixed);
  free(ans);
  free(offer);

  /* No BUNDLE: one transport per section, so only the first is accepted. */
  offer = parse_fixture("gstreamer-offer-no-bundle.sdp");
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_INT(ans->n_bundle, 0);
  CHECK_EQ_INT(ans->media[0].port, 40000);
  CHECK_EQ_INT(ans->media[1].port, 0);
  CHECK_EQ_STR(ans->media[1].mid, "video1");
  char *text = write_text(ans);
  CHECK(strstr(text, "a=group") == NULL);
  CHECK(strstr(text, "\r\nm=video 0 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:lccU\r\n") != NULL);
  CHECK(strstr(text, "\r\na=setup:active\r\na=mid:video1\r\n") != NULL);
  CHECK(strstr(strstr(text, "m=video"), "a=ice-options:trickle") == NULL); /* only where ICE runs */
  free(text);
  free(ans);
  free(offer);
}

static void test_answer_direction_and_setup(void) {
  lcc_sdp *offer = parse_fixture("chromium-offer-av.sdp");
  lcc_err err;
  lcc_why why;
  offer->media[0].dir = LCC_DIR_SENDONLY;
  offer->media[1].dir = LCC_DIR_RECVONLY;
  lcc_sdp *ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_INT(ans->media[0].dir, LCC_DIR_RECVONLY);
  CHECK_EQ_INT(ans->media[0].n_ssrcs, 0); /* the server sends nothing here */
  CHECK_EQ_STR(ans->media[0].msid, "");
  CHECK_EQ_INT(ans->media[1].dir, LCC_DIR_SENDONLY);
  CHECK_EQ_INT(ans->media[1].n_ssrcs, 2);
  free(ans);
  offer->media[0].dir = LCC_DIR_INACTIVE;
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(ans->media[0].dir, LCC_DIR_INACTIVE);
  free(ans);

  /* RFC 8842: active offer -> passive answer; passive -> active. */
  for (size_t i = 0; i < 2; i++) offer->media[i].setup = LCC_SETUP_ACTIVE;
  ans = answer_to(offer, LCC_SETUP_NONE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_INT(ans->media[0].setup, LCC_SETUP_PASSIVE);
  free(ans);
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "offer has a=setup:active, but the server's DTLS role is active");
  free(ans);
  for (size_t i = 0; i < 2; i++) offer->media[i].setup = LCC_SETUP_PASSIVE;
  ans = answer_to(offer, LCC_SETUP_PASSIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_ERR_SDP_INVALID);
  free(ans);
  ans = answer_to(offer, LCC_SETUP_ACTPASS, &err, &why);
  CHECK_EQ_INT(ans->media[1].setup, LCC_SETUP_ACTIVE);
  free(ans);
  offer->media[0].setup = LCC_SETUP_HOLDCONN;
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "m-line 0 (mid '0'): a=setup:holdconn (want actpass, active or passive)");
  free(ans);
  free(offer);
}

/* A second audio section is rejected; so are sections outside BUNDLE, with
 * another protocol, or without a codec we relay. */
static void test_answer_rejections(void) {
  lcc_sdp *offer = parse_fixture("chromium-offer-av.sdp");
  lcc_err err;
  lcc_why why;
  offer->media[2] = offer->media[0];
  strcpy(offer->media[2].mid, "2");
  strcpy(offer->bundle_mids[offer->n_bundle++], "2");
  offer->n_media = 3;
  lcc_sdp *ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_INT(ans->media[2].port, 0);
  CHECK_EQ_STR(ans->media[2].mid, "2");
  CHECK_EQ_STR(ans->media[2].fmt_list, "111 63 9 0 8 13 110 126");
  CHECK_EQ_INT(ans->n_bundle, 2);
  free(ans);

  /* The first audio section leaves the BUNDLE group "1 2": it is rejected,
   * the second one (bundled) carries the audio. */
  strcpy(offer->bundle_mids[0], "1");
  strcpy(offer->bundle_mids[1], "2");
  offer->n_bundle = 2;
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(ans->media[0].port, 0);
  CHECK_EQ_INT(ans->media[1].port, 40000);
  CHECK_EQ_INT(ans->media[1].n_candidates, 1); /* candidates go to the first accepted section */
  CHECK_EQ_INT(ans->media[2].port, 40000);    /* the second audio, bundled, is now the audio */
  CHECK_EQ_INT(ans->n_bundle, 2);
  CHECK_EQ_STR(ans->bundle_mids[0], "1");
  free(ans);
  /* The offerer's tag (first mid of its group) is always accepted when it can
   * be relayed, even before an earlier section of its kind. */
  strcpy(offer->bundle_mids[0], "2");
  strcpy(offer->bundle_mids[1], "0");
  strcpy(offer->bundle_mids[2], "1");
  offer->n_bundle = 3;
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(ans->media[2].port, 40000);
  CHECK_EQ_INT(ans->media[0].port, 0);
  CHECK_EQ_INT(ans->media[1].port, 40000);
  CHECK_EQ_INT(ans->n_bundle, 2);
  free(ans);
  free(offer);

  /* A tag that cannot be relayed (here the data channel) cannot be rejected
   * inside the group (RFC 8843 §7.3.3): the group is declined and one section
   * is accepted on its own transport. */
  offer = parse_fixture("chromium-offer-av-dc.sdp");
  strcpy(offer->bundle_mids[0], "2");
  strcpy(offer->bundle_mids[1], "0");
  strcpy(offer->bundle_mids[2], "1");
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_OK);
  CHECK_EQ_INT(ans->n_bundle, 0);
  CHECK_EQ_INT(ans->media[0].port, 40000);
  CHECK_EQ_INT(ans->media[0].n_candidates, 1);
  CHECK_EQ_INT(ans->media[1].port, 0);
  CHECK_EQ_INT(ans->media[2].port, 0);
  free(ans);
  /* A bundle-only section cannot stand alone. */
  offer->media[0].port = 0;
  offer->media[0].bundle_only = true;
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(ans->media[0].port, 0);
  CHECK_EQ_INT(ans->media[1].port, 40000);
  free(ans);
  free(offer);

  offer = parse_fixture("chromium-offer-av.sdp");
  strcpy(offer->media[0].proto, "RTP/AVP");
  strcpy(offer->media[1].codecs[0].name, "VP9");
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_ERR_SDP_UNSUPPORTED);
  CHECK_EQ_STR(why.msg, "no m-section offers opus/48000/2 or VP8/90000 over UDP/TLS/RTP/SAVPF");
  free(ans);
  free(offer);
}

static void test_answer_errors(void) {
  char *text = load_text("chromium-offer-av.sdp");
  lcc_sdp *offer = calloc(1, sizeof *offer);
  lcc_err err;
  lcc_why why;
  char *no_fp = drop_lines(text, "a=fingerprint:");
  CHECK_EQ_INT(parse_str(no_fp, offer, &why), LCC_OK);
  lcc_sdp *ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "m-line 0 (mid '0'): no a=fingerprint");
  free(ans);
  char *no_pwd = drop_lines(text, "a=ice-pwd:");
  CHECK_EQ_INT(parse_str(no_pwd, offer, &why), LCC_OK);
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_STR(why.msg, "m-line 0 (mid '0'): no a=ice-ufrag/a=ice-pwd");
  free(ans);
  char *no_setup = drop_lines(text, "a=setup:");
  CHECK_EQ_INT(parse_str(no_setup, offer, &why), LCC_OK);
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_STR(why.msg, "m-line 0 (mid '0'): no a=setup");
  free(ans);
  char *no_mux = edit(text, "a=rtcp-mux\r\n", "", false); /* the video section keeps it */
  CHECK_EQ_INT(parse_str(no_mux, offer, &why), LCC_OK);
  ans = answer_to(offer, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "m-line 0 (mid '0'): no a=rtcp-mux (RTP and RTCP must share the port)");
  free(ans);
  /* Only a data channel: nothing to relay. */
  lcc_sdp *dc = parse_fixture("chromium-offer-av-dc.sdp");
  dc->media[0] = dc->media[2];
  dc->n_media = 1;
  ans = answer_to(dc, LCC_SETUP_ACTIVE, &err, &why);
  CHECK_EQ_INT(err, LCC_ERR_SDP_UNSUPPORTED);
  free(ans);
  /* Local values end up in SDP lines: a line break in them is refused. */
  lcc_sdp_local local;
  capture_fill_local(&local, LCC_SETUP_ACTIVE);
  strcpy(local.cname, "a\r\nb");
  ans = calloc(1, sizeof *ans);
  CHECK_EQ_INT(lcc_sdp_answer(dc, &local, ans, &why), LCC_ERR_INVALID_OPTION);
  capture_fill_local(&local, LCC_SETUP_ACTIVE);
  local.fingerprint[0] = 0;
  CHECK_EQ_INT(lcc_sdp_offer(&local, NULL, ans, &why), LCC_ERR_INVALID_OPTION);
  free(ans);
  free(dc);
  free(no_mux);
  free(no_setup);
  free(no_pwd);
  free(no_fp);
  free(offer);
  free(text);
}

/* ---- offers and answer checks ---- */

static lcc_sdp *server_offer(const lcc_sdp *previous) {
  lcc_sdp_local local;
  capture_fill_local(&local, LCC_SETUP_ACTPASS);
  lcc_sdp *offer = calloc(1, sizeof *offer);
  lcc_why why;
  CHECK_EQ_INT(lcc_sdp_offer(&local, previous, offer, &why), LCC_OK);
  return offer;
}

static void test_offer(void) {
  lcc_sdp *o = server_offer(NULL);
  CHECK_EQ_INT(o->n_media, 2);
  CHECK_EQ_INT(o->n_bundle, 2);
  CHECK(o->ice_trickle);
  const lcc_sdp_media *a = &o->media[0], *v = &o->media[1];
  CHECK_EQ_STR(a->mid, "0");
  CHECK_EQ_STR(v->mid, "1");
  check_our_transport(a, LCC_SETUP_ACTPASS);
  check_our_transport(v, LCC_SETUP_ACTPASS);
  CHECK(a->rtcp_rsize && v->rtcp_rsize);
  CHECK_EQ_INT(a->codecs[0].pt, 111);
  CHECK_EQ_STR(a->codecs[0].name, "opus");
  CHECK_EQ_INT(a->codecs[0].channels, 2);
  CHECK_EQ_STR(a->codecs[0].fmtp, "minptime=10;useinbandfec=1");
  CHECK_EQ_INT(a->codecs[0].fb, 0);
  CHECK_EQ_INT(v->codecs[0].pt, 96);
  CHECK_EQ_INT(v->codecs[0].fb, LCC_FB_NACK | LCC_FB_NACK_PLI | LCC_FB_CCM_FIR);
  CHECK_EQ_INT(v->codecs[1].pt, 97);
  CHECK_EQ_INT(v->codecs[1].apt, 96);
  CHECK_EQ_INT(ext_id(a, LCC_EXT_AUDIO_LEVEL), 1);
  CHECK_EQ_INT(ext_id(a, LCC_EXT_MID), 4);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_ABS_SEND_TIME), 2);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_MID), 4);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_VIDEO_ORIENTATION), 13);
  CHECK_EQ_INT(ext_id(v, LCC_EXT_TOFFSET), 14);
  CHECK_EQ_INT(a->n_candidates, 1);
  CHECK_EQ_INT(v->n_candidates, 0);
  CHECK_EQ_INT(v->ssrc_groups[0].ssrcs[1], 3333);
  char *text = write_text(o);
  CHECK(strstr(text, "\r\na=setup:actpass\r\n") != NULL);
  CHECK(strstr(text, "\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n") != NULL);
  CHECK(strstr(text, "transport-cc") == NULL && strstr(text, "goog-remb") == NULL);
  free(text);
  free(o);
}

/* Chromium's and Firefox's real answers to lcc_sdp_offer's offer (made with
 * the same local values by capture/sdp_tool) pass the check; broken copies
 * of them do not. */
static void test_check_answer(void) {
  lcc_sdp *o = server_offer(NULL);
  lcc_why why;
  const char *names[] = {"chromium-answer-to-server.sdp", "firefox-answer-to-server.sdp"};
  for (int i = 0; i < 2; i++) {
    lcc_sdp *ans = parse_fixture(names[i]);
    CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_OK);
    free(ans);
  }
  lcc_sdp *ans = parse_fixture("chromium-answer-to-server.sdp");
  CHECK_EQ_INT(ans->media[0].setup, LCC_SETUP_ACTIVE);
  ans->media[1].codecs[0].pt = 100;
  CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "m-line 1 (mid '1'): payload type 100 was not offered");
  ans->media[1].codecs[0].pt = 96;
  ans->media[1].extmaps[0].id = 7;
  CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "m-line 1 (mid '1'): a=extmap:7 urn:ietf:params:rtp-hdrext:toffset was not offered");
  ans->media[1].extmaps[0].id = 14;
  ans->media[0].setup = LCC_SETUP_ACTPASS;
  CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "m-line 0 (mid '0'): a=setup is not active or passive");
  ans->media[0].setup = LCC_SETUP_PASSIVE;
  CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_OK);
  ans->media[1].fingerprint[0] = 0;
  CHECK_EQ_STR((lcc_sdp_check_answer(o, ans, &why), why.msg), "m-line 1 (mid '1'): no a=fingerprint");
  ans->media[1].fingerprint[0] = '8';
  strcpy(ans->media[1].mid, "video");
  CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "m-line 1: answer has video mid 'video', the offer video mid '1'");
  strcpy(ans->media[1].mid, "1");
  ans->n_media = 1;
  CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "answer has 1 m-sections, the offer 2");
  ans->n_media = 2;
  ans->media[0].port = ans->media[1].port = 0;
  CHECK_EQ_INT(lcc_sdp_check_answer(o, ans, &why), LCC_ERR_SDP_UNSUPPORTED);
  free(ans);
  free(o);
}

/* Renegotiation keeps mids, payload types and extmap ids (RFC 8829 §5.2.2). */
static void test_offer_keeps_previous(void) {
  lcc_sdp *ff = parse_fixture("firefox-offer-av.sdp");
  lcc_err err;
  lcc_why why;
  lcc_sdp *prev = answer_to(ff, LCC_SETUP_ACTIVE, &err, &why);
  lcc_sdp *o = server_offer(prev);
  CHECK_EQ_INT(o->n_media, 2);
  CHECK_EQ_INT(o->media[0].codecs[0].pt, 109);
  CHECK_EQ_INT(o->media[1].codecs[0].pt, 120);
  CHECK_EQ_INT(o->media[1].codecs[1].pt, 124);
  CHECK_EQ_INT(o->media[1].codecs[1].apt, 120);
  CHECK_EQ_INT(ext_id(&o->media[0], LCC_EXT_MID), 3);
  CHECK_EQ_INT(ext_id(&o->media[0], LCC_EXT_AUDIO_LEVEL), 1);
  CHECK_EQ_INT(ext_id(&o->media[1], LCC_EXT_ABS_SEND_TIME), 4);
  CHECK_EQ_INT(ext_id(&o->media[1], LCC_EXT_TOFFSET), 5);
  CHECK_EQ_INT(ext_id(&o->media[1], LCC_EXT_VIDEO_ORIENTATION), 13); /* new, and free */
  free(o);
  free(prev);
  free(ff);

  /* A rejected data channel stays in place, rejected, with its mid. */
  lcc_sdp *chr = parse_fixture("chromium-offer-av-dc.sdp");
  prev = answer_to(chr, LCC_SETUP_ACTIVE, &err, &why);
  o = server_offer(prev);
  CHECK_EQ_INT(o->n_media, 3);
  CHECK_EQ_INT(o->media[2].port, 0);
  CHECK_EQ_STR(o->media[2].mid, "2");
  CHECK_EQ_INT(o->n_bundle, 2);
  free(o);
  /* A previous description without video gains a video section with a new mid. */
  prev->media[1].port = 0;
  strcpy(prev->media[0].mid, "1");
  o = server_offer(prev);
  CHECK_EQ_INT(o->n_media, 4);
  CHECK_EQ_STR(o->media[3].mid, "0");
  CHECK_EQ_INT(o->media[3].kind, LCC_MEDIA_VIDEO);
  CHECK_EQ_INT(o->media[3].port, 40000);
  CHECK_EQ_STR(o->bundle_mids[1], "0");
  free(o);
  free(prev);
  free(chr);
}

/* ---- malformed input ---- */

typedef struct {
  const char *what, *sdp, *why;
} bad_case;

#define HEAD "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define M_AUDIO "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"

static const bad_case bad_cases[] = {
    {"missing v=", "o=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "line 1: SDP must start with v=0"},
    {"empty", "", "line 1: SDP ended without a v= line"},
    {"only blank lines", "\r\n\r\n", "line 2: SDP ended without a v= line"},
    {"version 1", "v=1\r\n", "line 1: SDP version is not 0"},
    {"no o=", "v=0\r\ns=-\r\nt=0 0\r\n", "line 3: SDP ended without an o= line"},
    {"no t=", "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n" M_AUDIO, "line 4: SDP ended without a t= line"},
    {"short o=", "v=0\r\no=- 1 2 IN IP4\r\n", "line 2: o= line needs 6 fields"},
    {"o= id", "v=0\r\no=- x1 2 IN IP4 0.0.0.0\r\n", "line 2: o= session id 'x1' is not a number 0-18446744073709551615"},
    {"o= id overflow", "v=0\r\no=- 18446744073709551616 2 IN IP4 0.0.0.0\r\n",
     "line 2: o= session id '18446744073709551616' is not a number 0-18446744073709551615"},
    {"t= junk", "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=now\r\n",
     "line 4: t= start time 'now' is not a number 0-18446744073709551615"},
    {"no letter", HEAD "=foo\r\n", "line 5: not a <letter>=<value> line"},
    {"no equals", HEAD "a:foo\r\n", "line 5: not a <letter>=<value> line"},
    {"m= port", HEAD "m=audio abc UDP/TLS/RTP/SAVPF 111\r\n", "line 5: m= port 'abc' is not a number 0-65535"},
    {"m= port range", HEAD "m=audio 65536 UDP/TLS/RTP/SAVPF 111\r\n",
     "line 5: m= port '65536' is not a number 0-65535"},
    {"m= no proto", HEAD "m=audio 9\r\n", "line 5: m= line needs <media> <port> <proto> <fmt>"},
    {"m= no formats", HEAD "m=audio 9 UDP/TLS/RTP/SAVPF\r\n", "line 5: m= line without formats"},
    {"m= pt range", HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111 128\r\n",
     "line 5: m= payload type '128' is not a number 0-127"},
    {"m= pt twice", HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 0 8 0\r\n", "line 5: m= lists payload type 0 twice"},
    {"rtpmap no clock", HEAD M_AUDIO "a=rtpmap:111 opus\r\n", "line 6: a=rtpmap clock rate '' is not a number 0-4294967295"},
    {"rtpmap junk pt", HEAD M_AUDIO "a=rtpmap:opus 111/48000\r\n",
     "line 6: a=rtpmap payload type 'opus' is not a number 0-127"},
    {"rtpmap no name", HEAD M_AUDIO "a=rtpmap:111 /48000\r\n", "line 6: a=rtpmap:111 without encoding name"},
    {"rtpmap empty", HEAD M_AUDIO "a=rtpmap:111\r\n", "line 6: a=rtpmap:111 without encoding name"},
    {"rtpmap channels", HEAD M_AUDIO "a=rtpmap:111 opus/48000/2/1\r\n",
     "line 6: a=rtpmap channels '2/1' is not a number 0-255"},
    {"rtpmap clock junk", HEAD M_AUDIO "a=rtpmap:111 opus/48k/2\r\n",
     "line 6: a=rtpmap clock rate '48k' is not a number 0-4294967295"},
    {"fmtp glued", HEAD M_AUDIO "a=fmtp:111minptime=10\r\n",
     "line 6: a=fmtp payload type '111minptime=10' is not a number 0-127"},
    {"rtcp-fb no type", HEAD M_AUDIO "a=rtcp-fb:111\r\n", "line 6: a=rtcp-fb without a feedback type"},
    {"extmap id 0", HEAD M_AUDIO "a=extmap:0 urn:x\r\n", "line 6: a=extmap id 0 is reserved"},
    {"extmap id 256", HEAD M_AUDIO "a=extmap:256 urn:x\r\n", "line 6: a=extmap id '256' is not a number 0-255"},
    {"extmap twice", HEAD M_AUDIO "a=extmap:1 urn:x\r\na=extmap:1 urn:y\r\n", "line 7: a=extmap id 1 used twice"},
    {"extmap dir", HEAD M_AUDIO "a=extmap:1/both urn:x\r\n", "line 6: a=extmap direction is not a direction"},
    {"extmap no uri", HEAD M_AUDIO "a=extmap:1\r\n", "line 6: a=extmap:1 without URI"},
    {"ssrc junk", HEAD M_AUDIO "a=ssrc:-1 cname:x\r\n", "line 6: a=ssrc '-1' is not a number 0-4294967295"},
    {"ssrc no attr", HEAD M_AUDIO "a=ssrc:1\r\n", "line 6: a=ssrc:1 without attribute"},
    {"ssrc-group 5", HEAD M_AUDIO "a=ssrc-group:SIM 1 2 3 4 5\r\n", "line 6: more than 4 SSRCs in a=ssrc-group"},
    {"setup junk", HEAD M_AUDIO "a=setup:maybe\r\n",
     "line 6: a=setup value 'maybe' is not actpass, active, passive or holdconn"},
    {"fingerprint junk", HEAD M_AUDIO "a=fingerprint:sha-256 XY:ZZ\r\n",
     "line 6: a=fingerprint value is not hex pairs with colons"},
    {"fingerprint short", HEAD M_AUDIO "a=fingerprint:sha-256\r\n", "line 6: a=fingerprint needs <hash> <hex>"},
    {"empty ufrag", HEAD "a=ice-ufrag:\r\n", "line 5: empty a=ice-ufrag"},
    {"c= short", HEAD M_AUDIO "c=IN IP4\r\n", "line 6: c= line needs <nettype> <addrtype> <address>"},
    {"b= junk", HEAD M_AUDIO "b=AS\r\n", "line 6: b= line needs <bwtype>:<bandwidth>"},
    {"b=AS junk", HEAD M_AUDIO "b=AS:lots\r\n", "line 6: b=AS bandwidth 'lots' is not a number 0-4294967295"},
    {"second v=", HEAD "v=0\r\n", "line 5: second v= line"},
    {"o= in media", HEAD M_AUDIO "o=- 1 2 IN IP4 0.0.0.0\r\n", "line 6: o= line out of place"},
    {"control char", HEAD M_AUDIO "a=mid:0\x01\r\n", "line 6: control character 0x01"},
    {"bare CR", HEAD M_AUDIO "a=mid:0\ra=mid:1\r\n", "line 6: control character 0x0d"},
    {"mid too long", HEAD M_AUDIO "a=mid:0123456789012345678901234567890123456789012345678901234567890123\r\n",
     "line 6: a=mid longer than 63 bytes"},
    {"bundle mid too long", HEAD "a=group:BUNDLE 0123456789012345678901234567890123456789012345678901234567890123\r\n",
     "line 5: a=group mid longer than 63 bytes"},
    {"codec name too long", HEAD M_AUDIO "a=rtpmap:111 opusopusopusopusopusopusopusopusx/48000\r\n",
     "line 6: a=rtpmap encoding name longer than 31 bytes"},
};

static void test_malformed(void) {
  lcc_sdp *s = calloc(1, sizeof *s);
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    lcc_why why;
    lcc_err err = parse_str(bad_cases[i].sdp, s, &why);
    if (err != LCC_ERR_SDP_INVALID || strcmp(why.msg, bad_cases[i].why) != 0)
      fprintf(stderr, "case '%s': err %d, why \"%s\"\n", bad_cases[i].what, err, why.msg);
    CHECK_EQ_INT(err, LCC_ERR_SDP_INVALID);
    CHECK_EQ_STR(why.msg, bad_cases[i].why);
  }
  free(s);
}

/* Built inputs past each limit: long lines and values, too many sections,
 * candidates, codecs; NUL bytes. */
static void test_limits(void) {
  lcc_sdp *s = calloc(1, sizeof *s);
  lcc_why why;
  size_t cap = 1 << 16;
  char *buf = malloc(cap);
  int n = snprintf(buf, cap, HEAD M_AUDIO "a=x-long:");
  memset(buf + n, 'x', 5000);
  strcpy(buf + n + 5000, "\r\n");
  CHECK_EQ_INT(parse_str(buf, s, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "line 6: line longer than 4096 bytes");
  n = snprintf(buf, cap, HEAD M_AUDIO "a=fmtp:111 ");
  memset(buf + n, 'p', 600);
  strcpy(buf + n + 600, "\r\n");
  CHECK_EQ_INT(parse_str(buf, s, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "line 6: a=fmtp parameters longer than 511 bytes");
  n = snprintf(buf, cap, HEAD M_AUDIO "a=candidate:");
  memset(buf + n, '1', 300);
  strcpy(buf + n + 300, "\r\n");
  CHECK_EQ_STR((parse_str(buf, s, &why), why.msg), "line 6: a=candidate longer than 255 bytes");
  n = snprintf(buf, cap, HEAD);
  for (int i = 0; i < 17; i++) n += snprintf(buf + n, cap - (size_t)n, M_AUDIO);
  CHECK_EQ_INT(parse_str(buf, s, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "line 21: more than 16 m-sections");
  n = snprintf(buf, cap, HEAD M_AUDIO);
  for (int i = 0; i < 33; i++)
    n += snprintf(buf + n, cap - (size_t)n, "a=candidate:%d 1 udp 1 127.0.0.1 %d typ host\r\n", i, 1000 + i);
  CHECK_EQ_STR((parse_str(buf, s, &why), why.msg), "line 38: more than 32 candidates");
  n = snprintf(buf, cap, HEAD "m=video 9 UDP/TLS/RTP/SAVPF");
  for (int i = 0; i < 49; i++) n += snprintf(buf + n, cap - (size_t)n, " %d", i + 40);
  snprintf(buf + n, cap - (size_t)n, "\r\n");
  CHECK_EQ_STR((parse_str(buf, s, &why), why.msg), "line 5: more than 48 payload types");
  n = snprintf(buf, cap, HEAD M_AUDIO);
  for (int i = 0; i < 17; i++) n += snprintf(buf + n, cap - (size_t)n, "a=ssrc:%d cname:c\r\n", i + 1);
  CHECK_EQ_STR((parse_str(buf, s, &why), why.msg), "line 22: more than 16 SSRCs");
  /* A NUL byte inside the text is an error, not the end of the input. */
  n = snprintf(buf, cap, HEAD M_AUDIO "a=mid:0");
  buf[n] = 0;
  memcpy(buf + n + 1, "1\r\n", 3);
  CHECK_EQ_INT(parse_n(buf, (size_t)n + 4, s, &why), LCC_ERR_SDP_INVALID);
  CHECK_EQ_STR(why.msg, "line 6: control character 0x00");
  free(buf);
  free(s);
}

/* Every prefix of a real offer either parses or fails with "line N: ...";
 * none reads past its length (ASan/valgrind watch the exact-size copy). */
static void test_truncations(void) {
  char *text = load_text("firefox-offer-av-dc.sdp");
  size_t len = strlen(text), ok = 0, bad = 0;
  lcc_sdp *s = calloc(1, sizeof *s);
  for (size_t cut = 0; cut < len; cut += 7) {
    lcc_why why;
    lcc_err err = parse_n(text, cut, s, &why);
    if (err == LCC_OK) {
      ok++;
    } else {
      bad++;
      CHECK_EQ_INT(err, LCC_ERR_SDP_INVALID);
      CHECK(strncmp(why.msg, "line ", 5) == 0);
    }
  }
  CHECK(ok > 100 && bad > 10);
  /* A cut inside the video m= line names that line. */
  const char *m = strstr(text, "m=video ");
  const char *proto = strstr(m, " UDP/TLS/RTP/SAVPF") + strlen(" UDP/TLS/RTP/SAVPF");
  unsigned line = 1;
  for (const char *p = text; p < m; p++) line += *p == '\n';
  char want[64];
  lcc_why why;
  CHECK_EQ_INT(parse_n(text, (size_t)(proto - text), s, &why), LCC_ERR_SDP_INVALID);
  snprintf(want, sizeof want, "line %u: m= line without formats", line);
  CHECK_EQ_STR(why.msg, want);
  CHECK_EQ_INT(parse_n(text, (size_t)(m - text) + strlen("m=video 5"), s, &why), LCC_ERR_SDP_INVALID);
  snprintf(want, sizeof want, "line %u: m= line needs <media> <port> <proto> <fmt>", line);
  CHECK_EQ_STR(why.msg, want);
  CHECK_EQ_INT(line, 46);
  free(s);
  free(text);
}

static void test_parse_details(void) {
  lcc_sdp *s = calloc(1, sizeof *s);
  lcc_why why;
  /* Static payload types without rtpmap; rtcp-fb "*"; fingerprint preference;
   * session-level direction; unknown lines and attributes ignored. */
  const char *text = HEAD "a=inactive\r\na=x-unknown:1\r\nz=whatever\r\n"
                          "m=audio 9 RTP/AVP 0 8 96\r\n"
                          "a=fingerprint:sha-1 aa:bb\r\na=fingerprint:SHA-256 ab:cd:ef\r\n"
                          "a=fingerprint:sha-512 01:02\r\na=rtcp-fb:* nack\r\na=rtcp-fb:96 nack pli extra\r\n"
                          "a=rtpmap:97 opus/48000/2\r\na=ssrc:5 mslabel:x\r\nb=AS:64\r\n"
                          "m=video 9 RTP/AVP 96\r\na=sendonly\r\n";
  CHECK_EQ_INT(parse_str(text, s, &why), LCC_OK);
  const lcc_sdp_media *m = &s->media[0];
  CHECK_EQ_STR(m->codecs[0].name, "PCMU");
  CHECK_EQ_INT(m->codecs[1].clock_rate, 8000);
  CHECK_EQ_STR(m->codecs[2].name, ""); /* no rtpmap for 96; 97's rtpmap is not for a listed PT */
  CHECK_EQ_INT(m->codecs[2].fb, LCC_FB_NACK);
  CHECK_EQ_INT(m->codecs[0].fb, LCC_FB_NACK);
  CHECK_EQ_STR(m->fingerprint_alg, "sha-256");
  CHECK_EQ_STR(m->fingerprint, "AB:CD:EF");
  CHECK_EQ_INT(m->dir, LCC_DIR_INACTIVE);
  CHECK_EQ_INT(s->media[1].dir, LCC_DIR_SENDONLY);
  CHECK_EQ_INT(m->n_ssrcs, 0);
  CHECK_EQ_INT(m->bandwidth_as, 64);
  CHECK_EQ_STR(m->conn_addr, "");
  free(s);
}

/* The promises test/fuzz/sdp_fuzz.c checks, on one input. */
static void check_fuzz_promises(const char *name, const char *data, size_t len) {
  static lcc_sdp in, out, again;
  lcc_why why;
  if (parse_n(data, len, &in, &why) != LCC_OK) {
    CHECK(strncmp(why.msg, "line ", 5) == 0);
    return;
  }
  lcc_sdp *descs[2] = {&in, &out};
  lcc_sdp_local local;
  for (int d = 0; d < 3; d++) {
    lcc_err err = LCC_OK;
    if (d == 1) {
      capture_fill_local(&local, LCC_SETUP_ACTIVE);
      err = lcc_sdp_answer(&in, &local, &out, &why);
      if (err == LCC_OK) CHECK_EQ_INT(lcc_sdp_check_answer(&in, &out, &why), LCC_OK);
    } else if (d == 2) {
      capture_fill_local(&local, LCC_SETUP_ACTPASS);
      err = lcc_sdp_offer(&local, &in, &out, &why);
    }
    if (err != LCC_OK) continue;
    char *t1 = write_text(descs[d ? 1 : 0]);
    CHECK_EQ_INT(parse_str(t1, &again, &why), LCC_OK);
    char *t2 = write_text(&again);
    if (strcmp(t1, t2) != 0) fprintf(stderr, "%s: rewrite %d differs\n", name, d);
    CHECK_EQ_STR(t1, t2);
    free(t1);
    free(t2);
  }
}

/* Each input the fuzzer broke something with is kept in fixtures/sdp/fuzz. */
static void test_fuzz_regressions(void) {
  DIR *dir = opendir(FIXTURES "fuzz");
  CHECK(dir != NULL);
  int n = 0;
  for (struct dirent *e; dir && (e = readdir(dir));) {
    if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0) continue;
    char path[512];
    size_t len;
    snprintf(path, sizeof path, FIXTURES "fuzz/%s", e->d_name);
    char *text = check_read_file(path, &len);
    CHECK(text != NULL);
    if (text) check_fuzz_promises(e->d_name, text, len);
    free(text);
    n++;
  }
  if (dir) closedir(dir);
  CHECK(n > 0);
}

static void test_ext_kinds(void) {
  for (int k = LCC_EXT_NONE + 1; k < LCC_EXT_COUNT; k++) {
    CHECK(lcc_sdp_ext_uri((lcc_ext_kind)k) != NULL);
    CHECK_EQ_INT(lcc_sdp_ext_kind(lcc_sdp_ext_uri((lcc_ext_kind)k)), k);
  }
  CHECK_EQ_STR(lcc_sdp_ext_uri(LCC_EXT_MID), "urn:ietf:params:rtp-hdrext:sdes:mid");
  CHECK_EQ_INT(lcc_sdp_ext_kind(TCC_URI), LCC_EXT_NONE);
  CHECK_EQ_INT(lcc_sdp_ext_kind(""), LCC_EXT_NONE);
  CHECK(lcc_sdp_ext_uri(LCC_EXT_NONE) == NULL);
  CHECK(lcc_sdp_ext_uri(LCC_EXT_COUNT) == NULL);
}

/* RFC 8122 allows sha-512: 64 bytes as 191 characters of hex and colons. */
static void test_sha512_fingerprint(void) {
  char fp[200] = "";
  size_t off = 0;
  for (int i = 0; i < 64; i++) off += (size_t)snprintf(fp + off, sizeof fp - off, i ? ":%02X" : "%02X", i);
  char text[1024];
  snprintf(text, sizeof text,
           "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
           "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
           "a=fingerprint:sha-512 %s\r\na=setup:actpass\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n",
           fp);
  lcc_sdp *sdp = calloc(1, sizeof *sdp);
  CHECK_EQ_INT(lcc_sdp_parse(text, strlen(text), sdp, NULL), LCC_OK);
  CHECK_EQ_STR(sdp->media[0].fingerprint_alg, "sha-512");
  CHECK_EQ_INT(strlen(sdp->media[0].fingerprint), 191);
  free(sdp);
}

int main(void) {
  test_sha512_fingerprint();
  test_chromium_offer_audio();
  test_chromium_offer_av();
  test_chromium_offer_dc_and_answer();
  test_firefox_offer();
  test_gstreamer_offers();
  test_line_end_quirks();
  test_round_trips();
  test_writer_limits();
  test_answer_chromium();
  test_answer_firefox();
  test_answer_gstreamer();
  test_answer_direction_and_setup();
  test_answer_rejections();
  test_answer_errors();
  test_offer();
  test_check_answer();
  test_offer_keeps_previous();
  test_malformed();
  test_limits();
  test_truncations();
  test_parse_details();
  test_ext_kinds();
  test_fuzz_regressions();
  return check_done("sdp");
}
