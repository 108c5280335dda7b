/* The bridge, exactly: two test peers (peer.c) play the visitor and the agent
 * of a real lcc_server call over loopback, send RTP and RTCP they build
 * themselves, and check every rewritten field of what the other side gets:
 * SSRC, payload type, sequence numbers, timestamps, header extensions,
 * RTX (rewritten and unwrapped), NACK/PLI/FIR routing and rate limiting,
 * hostile input, sender/receiver reports and getStats() counters.
 *
 * The visitor offers with payload types and extension ids that differ from
 * the server's own offer to the agent (opus 109 vs 111, VP8 100/rtx 101 vs
 * 96/97, other extension ids, mids "audio"/"video" vs "0"/"1"), so every
 * mapping shows. Every wait is bounded; time decides nothing except the
 * keyframe rate limit, whose bounds come from measured spans. */
#include <cjson/cJSON.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "peer.h"
#include "base/rd.h"

#define CONNECT_MS 20000
#define WAIT_MS 5000

#define V_AUDIO_SSRC 0x5EED0001u
#define V_VIDEO_SSRC 0x5EED0002u
#define V_RTX_SSRC 0x5EED0003u
#define A_AUDIO_SSRC 0xA6E70001u
#define A_VIDEO_SSRC 0xA6E70002u
#define A_RTX_SSRC 0xA6E70003u

static GMainContext *ctx;
static peer_server *srv;

/* --- calls --- */

typedef struct {
  char id[32];
  peer *v, *a;
  bool ok;
} call;

static peer_opts visitor_opts(void) {
  peer_opts o = {.opus_pt = 109, .vp8_pt = 100, .rtx_pt = 101};
  o.ext_id[LCC_EXT_AUDIO_LEVEL] = 10;
  o.ext_id[LCC_EXT_MID] = 3;
  o.ext_id[LCC_EXT_ABS_SEND_TIME] = 5;
  o.ext_id[LCC_EXT_TOFFSET] = 6;
  o.ext_id[LCC_EXT_VIDEO_ORIENTATION] = 7;
  strcpy(o.mid[LCC_SLOT_AUDIO], "audio");
  strcpy(o.mid[LCC_SLOT_VIDEO], "video");
  o.ssrc[LCC_SLOT_AUDIO] = V_AUDIO_SSRC;
  o.ssrc[LCC_SLOT_VIDEO] = V_VIDEO_SSRC;
  o.rtx_ssrc = V_RTX_SSRC;
  return o;
}

static peer_opts agent_opts(bool rtx) {
  peer_opts o = {.no_rtx = !rtx, .rtx_ssrc = A_RTX_SSRC};
  o.ssrc[LCC_SLOT_AUDIO] = A_AUDIO_SSRC;
  o.ssrc[LCC_SLOT_VIDEO] = A_VIDEO_SSRC;
  return o;
}

static bool call_open(call *c, const char *id, bool agent_rtx) {
  memset(c, 0, sizeof *c);
  g_strlcpy(c->id, id, sizeof c->id);
  peer_opts vo = visitor_opts(), ao = agent_opts(agent_rtx);
  lcc_why why = {{0}};
  char name[48];
  snprintf(name, sizeof name, "%s-visitor", id);
  c->v = peer_create(ctx, name, &vo, &why);
  snprintf(name, sizeof name, "%s-agent", id);
  c->a = peer_create(ctx, name, &ao, &why);
  gint64 t0 = g_get_monotonic_time();
  c->ok = c->v && c->a && peer_server_connect_call(srv, id, c->v, c->a, CONNECT_MS, &why);
  if (!c->ok) fprintf(stderr, "  call %s: %s\n", id, why.msg);
  else fprintf(stderr, "  call %s connected in %.1f ms\n", id, (g_get_monotonic_time() - t0) / 1000.0);
  CHECK(c->ok);
  return c->ok;
}

static lcc_cmd make_cmd(lcc_cmd_kind kind, const char *call_id) {
  lcc_cmd c = {.kind = kind, .mline_index = -1};
  g_strlcpy(c.call_id, call_id, sizeof c.call_id);
  return c;
}

/* Ends the call; returns the summary JSON (transfer full) when wanted. */
static char *call_close(call *c, bool want_summary) {
  char *summary = NULL;
  lcc_cmd cmd = make_cmd(LCC_CMD_CALL_END, c->id);
  lcc_why why = {{0}};
  CHECK_EQ_INT(peer_server_command(srv, &cmd, WAIT_MS, &summary, &why), LCC_OK);
  peer_destroy(c->v);
  peer_destroy(c->a);
  if (!want_summary) {
    free(summary);
    summary = NULL;
  }
  return summary;
}

static void pump(int ms) { peer_server_run(srv, ms, NULL, NULL); }

/* --- waiting --- */

typedef struct {
  peer *p;
  int slot;
  uint64_t n;
} count_wait;

static bool have_rtp(void *arg) {
  count_wait *w = arg;
  return peer_stats(w->p)->rtp_in_slot[w->slot] >= w->n;
}

/* Waits until p has received n RTP packets of slot in total. */
static bool wait_rtp(peer *p, lcc_slot slot, uint64_t n) {
  count_wait w = {p, slot, n};
  return peer_server_run(srv, WAIT_MS, have_rtp, &w);
}

typedef bool (*rtcp_match)(const peer_rtcp_rx *r, const void *arg);

typedef struct {
  peer *p;
  size_t from;
  rtcp_match match;
  const void *arg;
  size_t found; /* index + 1 */
} rtcp_wait;

static bool have_rtcp(void *arg) {
  rtcp_wait *w = arg;
  for (size_t i = w->from; i < peer_rtcp_count(w->p); i++)
    if (w->match(peer_rtcp_at(w->p, i), w->arg)) {
      w->found = i + 1;
      return true;
    }
  return false;
}

/* The first RTCP packet at or after index `from` that matches, waiting up to ms. */
static const peer_rtcp_rx *wait_rtcp(peer *p, size_t from, rtcp_match match, const void *arg, int ms) {
  rtcp_wait w = {p, from, match, arg, 0};
  if (!peer_server_run(srv, ms, have_rtcp, &w)) return NULL;
  return peer_rtcp_at(p, w.found - 1);
}

static size_t count_rtcp(peer *p, size_t from, rtcp_match match, const void *arg) {
  size_t n = 0;
  for (size_t i = from; i < peer_rtcp_count(p); i++) n += match(peer_rtcp_at(p, i), arg);
  return n;
}

static bool is_keyframe_req(const peer_rtcp_rx *r, const void *arg) {
  return r->pt == LCC_RTCP_PSFB && (r->fmt == 1 || r->fmt == 4) && r->kf.media_ssrc == *(const uint32_t *)arg;
}

static bool is_feedback(const peer_rtcp_rx *r, const void *arg) {
  (void)arg;
  return r->pt == LCC_RTCP_PSFB || r->pt == LCC_RTCP_RTPFB;
}

static bool is_sr_of(const peer_rtcp_rx *r, const void *arg) {
  return r->pt == LCC_RTCP_SR && r->sr.ssrc == *(const uint32_t *)arg;
}

static bool is_nack(const peer_rtcp_rx *r, const void *arg) {
  return r->pt == LCC_RTCP_RTPFB && r->fmt == 1 && r->nack.media_ssrc == *(const uint32_t *)arg;
}

/* The RTP packets of a slot (rtx or not) logged from index `from`. */
static size_t rtp_of(peer *p, size_t from, int slot, bool rtx, const peer_rtp_rx **out, size_t max) {
  size_t n = 0;
  for (size_t i = from; i < peer_rtp_count(p) && n < max; i++) {
    const peer_rtp_rx *r = peer_rtp_at(p, i);
    if (r->slot == slot && r->rtx == rtx) out[n++] = r;
  }
  return n;
}

static const peer_ext *find_ext(const peer_rtp_rx *r, uint8_t id) {
  for (size_t i = 0; i < r->n_ext; i++)
    if (r->ext[i].id == id) return &r->ext[i];
  return NULL;
}

/* --- sending --- */

static size_t make_payload(uint32_t counter, size_t len, uint8_t *out) {
  lcc_put_u32(out, counter);
  for (size_t i = 4; i < len; i++) out[i] = (uint8_t)(counter * 31 + i);
  return len;
}

/* One source stream of a peer: packet `counter` has seq0 + counter and ts0 +
 * counter * step (until the test changes ssrc/seq/ts). */
typedef struct {
  peer *p;
  uint8_t pt;
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts, step;
  uint32_t counter;
  size_t plen;
  lcc_rtp_ext exts[4];
  size_t n_exts;
} stream;

static bool stream_send(stream *s) {
  uint8_t payload[PEER_MAX_PAYLOAD];
  peer_rtp pkt = {.pt = s->pt, .ssrc = s->ssrc, .seq = s->seq, .ts = s->ts, .marker = s->counter % 5 == 0,
                  .payload = payload, .len = make_payload(s->counter, s->plen, payload),
                  .exts = s->exts, .n_exts = s->n_exts};
  bool ok = peer_send_rtp(s->p, &pkt);
  s->seq++;
  s->ts += s->step;
  s->counter++;
  return ok;
}

static void stream_skip(stream *s) {
  s->seq++;
  s->ts += s->step;
  s->counter++;
}

static const uint8_t AUDIO_LEVEL[1] = {0x9A};
static const uint8_t TOFFSET[3] = {0x00, 0x01, 0x02};
static const uint8_t ORIENTATION[1] = {0x01};
static const uint8_t UNKNOWN[2] = {0xAB, 0xCD};

/* A peer's audio stream with the mid and audio-level extensions, and one
 * extension nobody negotiated (id 12), which the bridge must drop. */
static stream audio_stream(peer *p, uint16_t seq, uint32_t ts) {
  const peer_media *m = peer_media_slot(p, LCC_SLOT_AUDIO);
  stream s = {.p = p, .pt = m->pt, .ssrc = m->ssrc, .seq = seq, .ts = ts, .step = 960, .plen = 24};
  s.exts[s.n_exts++] = (lcc_rtp_ext){m->ext_id[LCC_EXT_MID], (uint8_t)strlen(m->mid), (const uint8_t *)m->mid};
  s.exts[s.n_exts++] = (lcc_rtp_ext){m->ext_id[LCC_EXT_AUDIO_LEVEL], 1, AUDIO_LEVEL};
  s.exts[s.n_exts++] = (lcc_rtp_ext){12, 2, UNKNOWN};
  return s;
}

static stream video_stream(peer *p, uint16_t seq, uint32_t ts) {
  const peer_media *m = peer_media_slot(p, LCC_SLOT_VIDEO);
  stream s = {.p = p, .pt = m->pt, .ssrc = m->ssrc, .seq = seq, .ts = ts, .step = 3000, .plen = 100};
  s.exts[s.n_exts++] = (lcc_rtp_ext){m->ext_id[LCC_EXT_MID], (uint8_t)strlen(m->mid), (const uint8_t *)m->mid};
  s.exts[s.n_exts++] = (lcc_rtp_ext){m->ext_id[LCC_EXT_TOFFSET], 3, TOFFSET};
  s.exts[s.n_exts++] = (lcc_rtp_ext){m->ext_id[LCC_EXT_VIDEO_ORIENTATION], 1, ORIENTATION};
  return s;
}

/* The counter a packet's payload starts with. */
static uint32_t counter_of(const peer_rtp_rx *r) {
  lcc_rd rd = lcc_rd_init(r->payload, r->payload_len);
  return lcc_rd_u32(&rd);
}

/* Checks one forwarded packet against what the source sent with `counter`. */
static void check_payload(const peer_rtp_rx *r, uint32_t counter, size_t plen) {
  uint8_t want[PEER_MAX_PAYLOAD];
  make_payload(counter, plen, want);
  CHECK_EQ_INT(r->payload_len, plen);
  CHECK(r->payload_len == plen && memcmp(r->payload, want, plen) == 0);
}

/* The extensions a receiver must see on audio: its own audio-level id with
 * the sender's value, its mid, nothing else. */
static void check_audio_exts(const peer_rtp_rx *r, const peer_media *dst) {
  CHECK_EQ_INT(r->n_ext, 2);
  const peer_ext *lvl = find_ext(r, dst->ext_id[LCC_EXT_AUDIO_LEVEL]);
  const peer_ext *mid = find_ext(r, dst->ext_id[LCC_EXT_MID]);
  CHECK(lvl && lvl->len == 1 && lvl->data[0] == AUDIO_LEVEL[0]);
  CHECK(mid && mid->len == strlen(dst->mid) && memcmp(mid->data, dst->mid, mid->len) == 0);
}

static void check_video_exts(const peer_rtp_rx *r, const peer_media *dst) {
  CHECK_EQ_INT(r->n_ext, 3);
  const peer_ext *to = find_ext(r, dst->ext_id[LCC_EXT_TOFFSET]);
  const peer_ext *vo = find_ext(r, dst->ext_id[LCC_EXT_VIDEO_ORIENTATION]);
  const peer_ext *mid = find_ext(r, dst->ext_id[LCC_EXT_MID]);
  CHECK(to && to->len == 3 && memcmp(to->data, TOFFSET, 3) == 0);
  CHECK(vo && vo->len == 1 && vo->data[0] == ORIENTATION[0]);
  CHECK(mid && mid->len == strlen(dst->mid) && memcmp(mid->data, dst->mid, mid->len) == 0);
}

/* --- stats JSON --- */

/* A number at a dotted path ("parties.visitor.audio.packetsIn"); -1 when absent. */
static double json_num(const cJSON *root, const char *path) {
  char buf[128];
  g_strlcpy(buf, path, sizeof buf);
  const cJSON *o = root;
  for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
    o = cJSON_GetObjectItemCaseSensitive(o, tok);
  return cJSON_IsNumber(o) ? o->valuedouble : -1;
}

static const char *json_str(const cJSON *root, const char *path) {
  char buf[128];
  g_strlcpy(buf, path, sizeof buf);
  const cJSON *o = root;
  for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
    o = cJSON_GetObjectItemCaseSensitive(o, tok);
  return cJSON_IsString(o) ? o->valuestring : "";
}

static cJSON *stats_of(const call *c) {
  char *text = peer_server_stats(srv, c->id);
  CHECK(text != NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  CHECK(j != NULL);
  return j;
}

/* ===================================================================== */

/* 1. The visitor offers (the server answers), the server offers to the agent
 * (the agent answers); both connect, each side reads back what was
 * negotiated, and each party is asked for a keyframe exactly once, when the
 * second leg connects. */
static void test_connect(call *c) {
  if (!call_open(c, "relay", true)) return;
  const peer_media *va = peer_media_slot(c->v, LCC_SLOT_AUDIO), *vv = peer_media_slot(c->v, LCC_SLOT_VIDEO);
  const peer_media *aa = peer_media_slot(c->a, LCC_SLOT_AUDIO), *av = peer_media_slot(c->a, LCC_SLOT_VIDEO);
  CHECK_EQ_INT(peer_server_state(srv, c->id, LCC_PARTY_VISITOR, NULL), LCC_STATE_CONNECTED);
  CHECK_EQ_INT(peer_server_state(srv, c->id, LCC_PARTY_AGENT, NULL), LCC_STATE_CONNECTED);
  CHECK(va->active && vv->active && aa->active && av->active);
  CHECK_EQ_INT(va->pt, 109);
  CHECK_EQ_INT(aa->pt, 111);
  CHECK_EQ_INT(vv->pt, 100);
  CHECK_EQ_INT(vv->rtx_pt, 101);
  CHECK_EQ_INT(av->pt, 96);
  CHECK_EQ_INT(av->rtx_pt, 97);
  CHECK_EQ_STR(va->mid, "audio");
  CHECK_EQ_STR(vv->mid, "video");
  CHECK_EQ_STR(aa->mid, "0");
  CHECK_EQ_STR(av->mid, "1");
  CHECK_EQ_INT(va->ext_id[LCC_EXT_MID], 3);
  CHECK_EQ_INT(va->ext_id[LCC_EXT_AUDIO_LEVEL], 10);
  CHECK_EQ_INT(aa->ext_id[LCC_EXT_MID], 4);
  CHECK_EQ_INT(aa->ext_id[LCC_EXT_AUDIO_LEVEL], 1);
  CHECK_EQ_INT(av->ext_id[LCC_EXT_TOFFSET], 14);
  CHECK(va->remote_ssrc && vv->remote_ssrc && vv->remote_rtx_ssrc);
  CHECK(aa->remote_ssrc && av->remote_ssrc && av->remote_rtx_ssrc);
  CHECK(vv->fb & LCC_FB_NACK && vv->fb & LCC_FB_NACK_PLI && av->fb & LCC_FB_NACK);

  /* Both legs were negotiated before either connected: each party must get
   * one keyframe request (for its own video SSRC) once both can exchange media. */
  pump(700);
  uint32_t v_ssrc = V_VIDEO_SSRC, a_ssrc = A_VIDEO_SSRC;
  CHECK_EQ_INT(count_rtcp(c->v, 0, is_keyframe_req, &v_ssrc), 1);
  CHECK_EQ_INT(count_rtcp(c->a, 0, is_keyframe_req, &a_ssrc), 1);
}

/* 2. Audio both ways: SSRC, PT, seq, ts, payload and extensions rewritten
 * into the receiving leg's values. */
static void check_audio_run(peer *src, peer *dst, stream *s, size_t n, size_t from) {
  const peer_media *dm = peer_media_slot(dst, LCC_SLOT_AUDIO);
  const peer_rtp_rx *got[64];
  uint32_t first_counter = s->counter;
  uint32_t first_ts_in = s->ts;
  uint64_t before = peer_stats(dst)->rtp_in_slot[LCC_SLOT_AUDIO];
  for (size_t i = 0; i < n; i++) CHECK(stream_send(s));
  CHECK(wait_rtp(dst, LCC_SLOT_AUDIO, before + n));
  pump(50); /* nothing more may come */
  size_t m = rtp_of(dst, from, LCC_SLOT_AUDIO, false, got, 64);
  CHECK_EQ_INT(m, n);
  if (m != n) return;
  for (size_t i = 0; i < n; i++) {
    const peer_rtp_rx *r = got[i];
    CHECK_EQ_INT(r->pt, dm->pt);
    CHECK_EQ_INT(r->ssrc, dm->remote_ssrc);
    CHECK_EQ_INT(r->seq, (uint16_t)(got[0]->seq + i));
    CHECK_EQ_INT((uint32_t)(r->ts - got[0]->ts), (uint32_t)(i * 960));
    CHECK_EQ_INT(r->marker, (first_counter + i) % 5 == 0);
    check_payload(r, first_counter + (uint32_t)i, s->plen);
    check_audio_exts(r, dm);
  }
  (void)src;
  (void)first_ts_in;
}

static void test_audio(call *c) {
  if (!c->ok) return;
  size_t from = peer_rtp_count(c->a);
  /* Sequence numbers and timestamps that wrap within the run. */
  stream vs = audio_stream(c->v, 65510, 0xFFFFF000u);
  check_audio_run(c->v, c->a, &vs, 50, from);
  /* The two-byte extension form (RFC 8285 §4.3, forced by an element longer
   * than 16 bytes) maps the same; the long unknown element is dropped. */
  static const uint8_t long_ext[20] = {1, 2, 3};
  vs.exts[2] = (lcc_rtp_ext){12, sizeof long_ext, long_ext};
  check_audio_run(c->v, c->a, &vs, 3, peer_rtp_count(c->a));
  from = peer_rtp_count(c->v);
  stream as = audio_stream(c->a, 100, 5000);
  check_audio_run(c->a, c->v, &as, 50, from);
  CHECK_EQ_INT(peer_stats(c->a)->srtp_errors, 0);
  CHECK_EQ_INT(peer_stats(c->v)->srtp_errors, 0);
}

/* 3. The visitor's source changes SSRC (unrelated seq and ts), then changes
 * back: the agent sees one stream, seq + 1 and ts advancing at each change. */
static void test_ssrc_change(call *c) {
  if (!c->ok) return;
  const peer_media *dm = peer_media_slot(c->a, LCC_SLOT_AUDIO);
  size_t from = peer_rtp_count(c->a);
  uint64_t before = peer_stats(c->a)->rtp_in_slot[LCC_SLOT_AUDIO];
  stream s = audio_stream(c->v, 20000, 123456);
  for (int i = 0; i < 10; i++) stream_send(&s);
  CHECK(wait_rtp(c->a, LCC_SLOT_AUDIO, before + 10));
  pump(100);
  gint64 t_switch = g_get_monotonic_time();
  stream s2 = s;
  s2.ssrc = 0x0BADCAFE;
  s2.seq = 1234;
  s2.ts = 777777;
  for (int i = 0; i < 10; i++) stream_send(&s2);
  CHECK(wait_rtp(c->a, LCC_SLOT_AUDIO, before + 20));
  pump(100);
  gint64 t_back = g_get_monotonic_time();
  s.counter = s2.counter; /* the first source resumes where it left off */
  for (int i = 0; i < 10; i++) stream_send(&s);
  CHECK(wait_rtp(c->a, LCC_SLOT_AUDIO, before + 30));
  pump(50);
  gint64 t_end = g_get_monotonic_time();
  const peer_rtp_rx *got[64];
  size_t m = rtp_of(c->a, from, LCC_SLOT_AUDIO, false, got, 64);
  CHECK_EQ_INT(m, 30);
  if (m != 30) return;
  for (size_t i = 0; i < 30; i++) {
    CHECK_EQ_INT(got[i]->ssrc, dm->remote_ssrc);
    CHECK_EQ_INT(got[i]->pt, dm->pt);
    CHECK_EQ_INT(got[i]->seq, (uint16_t)(got[0]->seq + i));
    check_payload(got[i], s.counter - 30 + (uint32_t)i, s.plen);
    check_audio_exts(got[i], dm);
    if (i == 0 || i == 10 || i == 20) continue;
    CHECK_EQ_INT((uint32_t)(got[i]->ts - got[i - 1]->ts), 960);
  }
  /* At each change the timestamp advances by the time that passed (at
   * least 1, at most the wall time of the whole step at 48 kHz). */
  uint32_t d1 = got[10]->ts - got[9]->ts, d2 = got[20]->ts - got[19]->ts;
  uint32_t max1 = (uint32_t)((t_back - t_switch) / 1000 + 100) * 48 + 960;
  uint32_t max2 = (uint32_t)((t_end - t_back) / 1000 + 200) * 48 + 960;
  fprintf(stderr, "  ssrc change: ts advanced %u and %u (bounds %u, %u)\n", d1, d2, max1, max2);
  CHECK(d1 >= 1 && d1 < 0x80000000u && d1 <= max1 + (uint32_t)(100 * 48));
  CHECK(d2 >= 1 && d2 < 0x80000000u && d2 <= max2 + (uint32_t)(100 * 48));
  /* Nothing between two SSRC changes came 100 ms apart: the jump is at least that. */
  CHECK(d1 >= 100 * 48 && d2 >= 100 * 48);
}

/* 4. NACK from the agent (its numbering, the server's SSRC) reaches the
 * visitor in the visitor's numbering; the visitor's RTX reaches the agent as
 * RTX on the server's rtx SSRC with the OSN mapped, or unwrapped into the
 * original packet when the agent negotiated no rtx. */
typedef struct {
  call *c;
  bool agent_rtx;
  stream s;         /* the visitor's video; packet k has seq SEQ0 + k, ts TS0 + 3000 k */
  size_t a_from;    /* the agent's log before the run */
  uint16_t out0;    /* the agent's seq and ts for packet 0 */
  uint32_t out_ts0;
} rtx_run;

#define RTX_SEQ0 40000
#define RTX_TS0 450000u
static const uint32_t rtx_lost[] = {7, 8, 12}; /* lost on the way to the agent */

/* Sends 20 packets; the network loses three of them on the way to the agent. */
static bool rtx_send_with_loss(rtx_run *x) {
  peer *a = x->c->a;
  const peer_media *av = peer_media_slot(a, LCC_SLOT_VIDEO);
  uint64_t before = peer_stats(a)->rtp_in_slot[LCC_SLOT_VIDEO];
  for (int i = 0; i < 5; i++) stream_send(&x->s);
  CHECK(wait_rtp(a, LCC_SLOT_VIDEO, before + 5));
  const peer_rtp_rx *got[8];
  size_t m = rtp_of(a, x->a_from, LCC_SLOT_VIDEO, false, got, 8);
  CHECK_EQ_INT(m, 5);
  if (m < 1) return false;
  x->out0 = got[0]->seq;
  x->out_ts0 = got[0]->ts;
  for (size_t i = 0; i < m; i++) {
    CHECK_EQ_INT(got[i]->pt, 96);
    CHECK_EQ_INT(got[i]->ssrc, av->remote_ssrc);
    CHECK_EQ_INT(got[i]->seq, (uint16_t)(x->out0 + i));
    check_video_exts(got[i], av);
  }
  for (int i = 0; i < 3; i++) peer_drop_incoming(a, av->remote_ssrc, (uint16_t)(x->out0 + rtx_lost[i]));
  for (int i = 5; i < 20; i++) stream_send(&x->s);
  CHECK(wait_rtp(a, LCC_SLOT_VIDEO, before + 17));
  CHECK_EQ_INT(peer_stats(a)->dropped, 3);
  return true;
}

/* The agent NACKs the lost packets; the visitor must be asked for its own
 * seqs. Returns how many seqs the visitor's NACK lists (stored in seqs). */
static size_t rtx_nack(rtx_run *x, uint16_t seqs[64]) {
  const peer_media *aa = peer_media_slot(x->c->a, LCC_SLOT_AUDIO), *av = peer_media_slot(x->c->a, LCC_SLOT_VIDEO);
  const peer_media *va = peer_media_slot(x->c->v, LCC_SLOT_AUDIO), *vv = peer_media_slot(x->c->v, LCC_SLOT_VIDEO);
  size_t v_from = peer_rtcp_count(x->c->v);
  uint16_t nack_seqs[3];
  for (int i = 0; i < 3; i++) nack_seqs[i] = (uint16_t)(x->out0 + rtx_lost[i]);
  uint8_t buf[256];
  lcc_rtcp_rr rr = {.ssrc = aa->ssrc};
  size_t len = lcc_rtcp_write_rr(buf, sizeof buf, &rr);
  lcc_rtcp_nack nack = {.sender_ssrc = aa->ssrc, .media_ssrc = av->remote_ssrc};
  lcc_rtcp_nack_from_seqs(&nack, nack_seqs, 3);
  len += lcc_rtcp_write_nack(buf + len, sizeof buf - len, &nack);
  CHECK(peer_send_rtcp(x->c->a, buf, len));
  const peer_rtcp_rx *r = wait_rtcp(x->c->v, v_from, is_nack, &vv->ssrc, WAIT_MS);
  CHECK(r != NULL);
  if (!r) return 0;
  size_t n = lcc_rtcp_nack_to_seqs(&r->nack, seqs, 64);
  CHECK_EQ_INT(n, 3);
  for (size_t i = 0; i < n && i < 3; i++) CHECK_EQ_INT(seqs[i], (uint16_t)(RTX_SEQ0 + rtx_lost[i]));
  CHECK_EQ_INT(r->nack.sender_ssrc, va->remote_ssrc); /* the server's report SSRC on the visitor leg */
  return n;
}

/* What the agent must get for lost packet `counter`: RTX, or the original. */
static void rtx_check_one(const rtx_run *x, const peer_rtp_rx *r, uint32_t counter, uint16_t rtx_seq) {
  const peer_media *av = peer_media_slot(x->c->a, LCC_SLOT_VIDEO);
  size_t plen = x->s.plen;
  if (x->agent_rtx) {
    CHECK_EQ_INT(r->pt, 97);
    CHECK_EQ_INT(r->ssrc, av->remote_rtx_ssrc);
    CHECK_EQ_INT(r->seq, rtx_seq);
    CHECK_EQ_INT(r->payload_len, 2 + plen);
    CHECK_EQ_INT((r->payload[0] << 8) | r->payload[1], (uint16_t)(x->out0 + counter)); /* OSN mapped */
    uint8_t want[PEER_MAX_PAYLOAD];
    make_payload(counter, plen, want);
    CHECK(r->payload_len == 2 + plen && memcmp(r->payload + 2, want, plen) == 0);
  } else {
    CHECK_EQ_INT(r->pt, 96);
    CHECK_EQ_INT(r->ssrc, av->remote_ssrc);
    CHECK_EQ_INT(r->seq, (uint16_t)(x->out0 + counter));
    check_payload(r, counter, plen);
  }
  CHECK_EQ_INT(r->ts, x->out_ts0 + counter * 3000);
  CHECK_EQ_INT(r->marker, counter % 5 == 0);
  check_video_exts(r, av);
}

/* The visitor retransmits on its rtx stream (RFC 4588: OSN first). */
static void rtx_resend(rtx_run *x, const uint16_t *seqs, size_t n) {
  const peer_media *vv = peer_media_slot(x->c->v, LCC_SLOT_VIDEO);
  uint64_t before = peer_stats(x->c->a)->rtp_in_slot[LCC_SLOT_VIDEO];
  for (size_t i = 0; i < n; i++) {
    uint8_t payload[2 + PEER_MAX_PAYLOAD];
    lcc_put_u16(payload, seqs[i]);
    uint32_t counter = (uint16_t)(seqs[i] - RTX_SEQ0);
    make_payload(counter, x->s.plen, payload + 2);
    peer_rtp pkt = {.pt = (uint8_t)vv->rtx_pt, .ssrc = vv->rtx_ssrc, .seq = (uint16_t)(7000 + i),
                    .ts = RTX_TS0 + counter * 3000, .marker = counter % 5 == 0, .payload = payload,
                    .len = 2 + x->s.plen, .exts = x->s.exts, .n_exts = x->s.n_exts};
    CHECK(peer_send_rtp(x->c->v, &pkt));
  }
  CHECK(wait_rtp(x->c->a, LCC_SLOT_VIDEO, before + n));
  pump(50);
  const peer_rtp_rx *got[64];
  size_t m = rtp_of(x->c->a, x->a_from, LCC_SLOT_VIDEO, x->agent_rtx, got, 64);
  size_t first = x->agent_rtx ? 0 : 17; /* unwrapped ones follow the 17 originals */
  CHECK_EQ_INT(m, first + 3);
  for (size_t i = first; i < m && i - first < 3; i++)
    rtx_check_one(x, got[i], rtx_lost[i - first], (uint16_t)(got[first]->seq + (i - first)));
}

/* The next SR for the server's video SSRC counts the packets sent with that
 * SSRC (the 3 the network lost included, the rtx stream's excluded) and,
 * with no SR from the visitor, extrapolates its RTP clock from the newest
 * packet sent, not from a retransmission of an old one. */
static void rtx_check_sr(rtx_run *x) {
  peer *a = x->c->a;
  const peer_media *av = peer_media_slot(a, LCC_SLOT_VIDEO);
  const peer_rtcp_rx *sr = wait_rtcp(a, peer_rtcp_count(a), is_sr_of, &av->remote_ssrc, 3000);
  CHECK(sr != NULL);
  if (!sr) return;
  uint64_t pkts = 3, octets = 3 * x->s.plen;
  const peer_rtp_rx *newest = NULL;
  for (size_t i = 0; i < sr->rtp_before; i++) {
    const peer_rtp_rx *r = peer_rtp_at(a, i);
    if (r->ssrc != av->remote_ssrc) continue;
    pkts++;
    octets += r->payload_len;
    if (!newest || (int32_t)(r->ts - newest->ts) > 0) newest = r;
  }
  CHECK_EQ_INT(sr->sr.packets, pkts);
  CHECK_EQ_INT(sr->sr.octets, octets);
  if (!newest) return;
  uint32_t expect = newest->ts + (uint32_t)((sr->at_us - newest->at_us) * 90 / 1000);
  int32_t err = (int32_t)(sr->sr.rtp_ts - expect);
  fprintf(stderr, "  video SR rtp_ts off by %d (%.1f ms)\n", err, err / 90.0);
  CHECK(err > -4500 && err < 4500); /* 50 ms; the retransmitted frames are 7 frames (233 ms) old */
}

static void test_rtx(call *c, bool agent_rtx) {
  if (!c->ok) return;
  const peer_media *av = peer_media_slot(c->a, LCC_SLOT_VIDEO);
  CHECK_EQ_INT(av->rtx_pt, agent_rtx ? 97 : -1);
  CHECK(agent_rtx ? av->remote_rtx_ssrc != 0 : av->remote_rtx_ssrc == 0);
  rtx_run x = {.c = c, .agent_rtx = agent_rtx, .a_from = peer_rtp_count(c->a)};
  x.s = video_stream(c->v, RTX_SEQ0, RTX_TS0);
  if (!rtx_send_with_loss(&x)) return;
  uint16_t seqs[64];
  size_t n = rtx_nack(&x, seqs);
  if (n == 0) return;
  rtx_resend(&x, seqs, n);
  rtx_check_sr(&x);
}

/* 5. PLI and FIR from the agent reach the visitor as a keyframe request for
 * the visitor's SSRC; the requests reaching a sender are rate-limited. */
static size_t keyframe_burst(call *c, int n, int gap_ms, double *span_ms) {
  uint32_t v_ssrc = peer_media_slot(c->v, LCC_SLOT_VIDEO)->ssrc;
  const peer_media *aa = peer_media_slot(c->a, LCC_SLOT_AUDIO), *av = peer_media_slot(c->a, LCC_SLOT_VIDEO);
  pump(400); /* past the previous request's window */
  size_t from = peer_rtcp_count(c->v);
  gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < n; i++) {
    uint8_t buf[64];
    lcc_rtcp_rr rr = {.ssrc = aa->ssrc};
    size_t len = lcc_rtcp_write_rr(buf, sizeof buf, &rr);
    len += lcc_rtcp_write_pli(buf + len, sizeof buf - len, aa->ssrc, av->remote_ssrc);
    CHECK(peer_send_rtcp(c->a, buf, len));
    if (gap_ms) pump(gap_ms);
  }
  *span_ms = (g_get_monotonic_time() - t0) / 1000.0;
  pump(300);
  return count_rtcp(c->v, from, is_keyframe_req, &v_ssrc);
}

static void test_keyframe(call *c) {
  if (!c->ok) return;
  const peer_media *aa = peer_media_slot(c->a, LCC_SLOT_AUDIO), *av = peer_media_slot(c->a, LCC_SLOT_VIDEO);
  uint32_t v_ssrc = peer_media_slot(c->v, LCC_SLOT_VIDEO)->ssrc;
  cJSON *j0 = stats_of(c);
  double plis0 = json_num(j0, "parties.agent.video.plisIn"), firs0 = json_num(j0, "parties.agent.video.firsIn");
  cJSON_Delete(j0);
  double span;
  CHECK_EQ_INT(keyframe_burst(c, 1, 0, &span), 1); /* one PLI */

  pump(400);
  size_t from = peer_rtcp_count(c->v);
  uint8_t buf[64];
  lcc_rtcp_rr rr = {.ssrc = aa->ssrc};
  size_t len = lcc_rtcp_write_rr(buf, sizeof buf, &rr);
  len += lcc_rtcp_write_fir(buf + len, sizeof buf - len, aa->ssrc, av->remote_ssrc, 1);
  CHECK(peer_send_rtcp(c->a, buf, len));
  const peer_rtcp_rx *r = wait_rtcp(c->v, from, is_keyframe_req, &v_ssrc, WAIT_MS);
  CHECK(r != NULL);
  if (r) CHECK_EQ_INT(r->fmt, 1); /* the visitor negotiated PLI, so it is asked with one */
  pump(100);
  CHECK_EQ_INT(count_rtcp(c->v, from, is_keyframe_req, &v_ssrc), 1);

  /* A burst of 10 PLIs: one request (or two if the burst outlasted a window). */
  size_t got = keyframe_burst(c, 10, 0, &span);
  size_t bound = 1 + (size_t)((span + 100) / 300);
  fprintf(stderr, "  10 PLIs in %.1f ms: %zu keyframe requests (at most %zu)\n", span, got, bound);
  CHECK(got >= 1 && got <= bound);
  /* 20 PLIs 50 ms apart: about one every 300 ms gets through. */
  got = keyframe_burst(c, 20, 50, &span);
  bound = 1 + (size_t)((span + 100) / 300);
  fprintf(stderr, "  20 PLIs over %.1f ms: %zu keyframe requests (at most %zu)\n", span, got, bound);
  CHECK(got >= 2 && got <= bound && got < 20);

  cJSON *j = stats_of(c);
  CHECK_EQ_INT(json_num(j, "parties.agent.video.plisIn") - plis0, 1 + 10 + 20);
  CHECK_EQ_INT(json_num(j, "parties.agent.video.firsIn") - firs0, 1);
  cJSON_Delete(j);
}

/* 6. Hostile input on a connected leg: nothing is forwarded, the leg stays
 * connected, SRTP failures are counted, and normal packets still pass. */
static void send_garbage(peer *p, uint8_t first, size_t len) {
  uint8_t buf[300];
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)g_random_int();
  buf[0] = first;
  CHECK(peer_send_raw(p, buf, len));
}

/* Unauthenticated datagrams of every kind; returns how many SRTP must refuse. */
static int hostile_garbage(peer *v) {
  int errors = 0;
  /* Looks like RTP or RTCP (RFC 7983 first byte 128..191): SRTP rejects each. */
  for (int i = 0; i < 6; i++, errors++) send_garbage(v, (uint8_t)(0x80 | (g_random_int() & 0x3f)), 20 + 30 * i);
  for (size_t len = 1; len < 12; len += 3, errors++) send_garbage(v, 0x80, len);
  uint8_t rtcp_like[40] = {0x81, 201, 0, 9};
  CHECK(peer_send_raw(v, rtcp_like, sizeof rtcp_like));
  errors++;
  /* In the DTLS range, including records that look like alerts (epoch 0,
   * unauthenticated) and like application data (epoch 1). */
  for (int i = 0; i < 3; i++) send_garbage(v, (uint8_t)(20 + i * 10), 50);
  static const uint8_t fake_alert[] = {21, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 99, 0, 2, 2, 40};
  static const uint8_t fake_close[] = {21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 99, 0, 2, 1, 0};
  static const uint8_t fake_data[] = {23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 99, 0, 4, 1, 2, 3, 4};
  CHECK(peer_send_raw(v, fake_alert, sizeof fake_alert));
  CHECK(peer_send_raw(v, fake_close, sizeof fake_close));
  CHECK(peer_send_raw(v, fake_data, sizeof fake_data));
  /* Neither STUN, DTLS nor RTP: dropped without a count. */
  send_garbage(v, 70, 40);
  send_garbage(v, 250, 40);
  return errors;
}

/* Authenticated RTP the bridge must not forward. */
static void hostile_authenticated(peer *v) {
  const peer_media *va = peer_media_slot(v, LCC_SLOT_AUDIO);
  uint8_t pkt[256], plain[16], pl[24];
  make_payload(999, sizeof pl, pl);
  peer_rtp unknown_pt = {.pt = 55, .ssrc = va->ssrc, .seq = 1, .ts = 1, .payload = pl, .len = sizeof pl};
  CHECK(peer_send_rtp(v, &unknown_pt));
  memcpy(plain, (const uint8_t[]){0xA0, va->pt, 0x12, 0x34, 0, 0, 0, 9}, 8); /* P set, padding 200 > payload */
  lcc_put_u32(plain + 8, va->ssrc);
  memset(plain + 12, 0, 4);
  plain[15] = 200;
  size_t n = peer_protect_rtp_raw(v, plain, sizeof plain, pkt, sizeof pkt);
  CHECK(n > 0);
  if (n) CHECK(peer_send_raw(v, pkt, n));
  uint8_t one = 0;
  peer_rtp rtx_probe = {.pt = 101, .ssrc = V_RTX_SSRC, .seq = 1, .ts = 1, .payload = &one, .len = 1};
  CHECK(peer_send_rtp(v, &rtx_probe)); /* rtx without an OSN */
}

/* A bad tag, a replay and truncations of real packets. Two packets pass:
 * the first copy of the replayed one, and one sent whole after its
 * truncations (failures leave no trace in the replay window). Returns how
 * many SRTP must refuse; *seqs gets the two that pass. */
static int hostile_srtp(peer *v, stream *s, uint16_t seqs[2]) {
  const peer_media *va = peer_media_slot(v, LCC_SLOT_AUDIO);
  uint8_t pkt[256], pl[24];
  make_payload(999, sizeof pl, pl);
  peer_rtp good = {.pt = va->pt, .ssrc = va->ssrc, .ts = s->ts, .payload = pl, .len = sizeof pl};
  good.seq = s->seq++;
  size_t n = peer_protect_rtp(v, &good, pkt, sizeof pkt);
  pkt[n - 1] ^= 0x5A;
  CHECK(peer_send_raw(v, pkt, n));
  seqs[0] = good.seq = s->seq++;
  n = peer_protect_rtp(v, &good, pkt, sizeof pkt);
  CHECK(peer_send_raw(v, pkt, n));
  CHECK(peer_send_raw(v, pkt, n));
  seqs[1] = good.seq = s->seq++;
  n = peer_protect_rtp(v, &good, pkt, sizeof pkt);
  CHECK(peer_send_raw(v, pkt, n - 1));
  CHECK(peer_send_raw(v, pkt, 12));
  CHECK(peer_send_raw(v, pkt, 8));
  CHECK(peer_send_raw(v, pkt, n));
  return 5;
}

/* Correctly protected RTCP with bogus lengths, each dropped whole, so the
 * PLI inside (for the agent's video) must never reach the agent; then an
 * SRTCP packet cut short. Leaves the intact compound in rtcp (*len).
 * Returns how many SRTP must refuse. */
static int hostile_rtcp(peer *v, uint8_t rtcp[128], size_t *len_out) {
  uint32_t ssrc = peer_media_slot(v, LCC_SLOT_AUDIO)->ssrc, media = peer_media_slot(v, LCC_SLOT_VIDEO)->remote_ssrc;
  lcc_rtcp_rr rr = {.ssrc = ssrc};
  size_t len = lcc_rtcp_write_rr(rtcp, 128, &rr), pli = len;
  len += lcc_rtcp_write_pli(rtcp + len, 128 - len, ssrc, media);
  *len_out = len;
  uint8_t bogus[128], pkt[256];
  memcpy(bogus, rtcp, len);
  lcc_put_u16(bogus + 2, 7); /* RR says 32 bytes, has 8 */
  CHECK(peer_send_rtcp(v, bogus, len));
  memcpy(bogus, rtcp, len);
  lcc_put_u16(bogus + pli + 2, 0); /* PLI says 4 bytes: its SSRCs would read as a packet of their own */
  CHECK(peer_send_rtcp(v, bogus, len));
  memcpy(bogus, rtcp, len);
  lcc_put_u16(bogus + pli + 2, 1); /* PLI with only the sender SSRC, then 4 stray bytes */
  CHECK(peer_send_rtcp(v, bogus, len));
  memcpy(bogus, rtcp, len);
  bogus[pli] |= 0x20; /* padding that does not tile */
  bogus[pli + 3] = 1;
  CHECK(peer_send_rtcp(v, bogus, len - 2));
  uint8_t nack_empty[20];
  memcpy(nack_empty, rtcp, 8);
  memcpy(nack_empty + 8, (const uint8_t[]){0x81, 205, 0, 2}, 4); /* generic NACK without FCI */
  lcc_put_u32(nack_empty + 12, ssrc);
  lcc_put_u32(nack_empty + 16, media);
  CHECK(peer_send_rtcp(v, nack_empty, sizeof nack_empty));
  size_t n = peer_protect_rtcp(v, rtcp, len, pkt, sizeof pkt);
  CHECK(peer_send_raw(v, pkt, n - 8)); /* index and part of the tag cut */
  return 1;
}

static void hostile_check(call *c, int errors) {
  cJSON *j = stats_of(c);
  CHECK_EQ_INT(json_num(j, "parties.visitor.srtpErrors"), errors);
  CHECK_EQ_INT(json_num(j, "parties.agent.srtpErrors"), 0);
  CHECK_EQ_STR(json_str(j, "parties.visitor.state"), "connected");
  CHECK_EQ_INT(json_num(j, "parties.visitor.video.plisIn"), 0); /* the bogus PLIs were never parsed */
  cJSON_Delete(j);
  int failures = -1;
  CHECK_EQ_INT(peer_server_state(srv, c->id, LCC_PARTY_VISITOR, &failures), LCC_STATE_CONNECTED);
  CHECK_EQ_INT(failures, 0);
  CHECK(!peer_failed(c->v) && !peer_failed(c->a));
  fprintf(stderr, "  hostile: %d SRTP failures counted, leg %s\n", errors,
          lcc_leg_state_name(peer_server_state(srv, c->id, LCC_PARTY_VISITOR, NULL)));
}

static void test_hostile(void) {
  call c;
  if (!call_open(&c, "hostile", true)) return;
  const peer_media *aa = peer_media_slot(c.a, LCC_SLOT_AUDIO);
  uint32_t a_video_ssrc = peer_media_slot(c.a, LCC_SLOT_VIDEO)->ssrc;
  pump(500); /* the connect-time keyframe requests are in */
  size_t a_rtcp_from = peer_rtcp_count(c.a), a_from = peer_rtp_count(c.a);
  stream s = audio_stream(c.v, 30000, 90000);
  uint16_t passed[2];
  uint8_t rtcp[128];
  size_t rtcp_len;
  int errors = hostile_garbage(c.v);
  hostile_authenticated(c.v);
  errors += hostile_srtp(c.v, &s, passed);
  errors += hostile_rtcp(c.v, rtcp, &rtcp_len);
  pump(500);
  CHECK_EQ_INT(count_rtcp(c.a, a_rtcp_from, is_feedback, NULL), 0);
  const peer_rtp_rx *got[16];
  size_t m = rtp_of(c.a, a_from, LCC_SLOT_AUDIO, false, got, 16);
  CHECK_EQ_INT(m, 2);
  CHECK_EQ_INT(peer_rtp_count(c.a) - a_from, 2); /* nothing else, in any slot */
  if (m == 2) {
    CHECK_EQ_INT((uint16_t)(got[1]->seq - got[0]->seq), (uint16_t)(passed[1] - passed[0]));
    check_payload(got[0], 999, 24);
    check_payload(got[1], 999, 24);
    CHECK_EQ_INT(got[0]->ssrc, aa->remote_ssrc);
  }
  hostile_check(&c, errors);

  /* A normal packet still goes through, and so does normal feedback. */
  uint64_t a_audio = peer_stats(c.a)->rtp_in_slot[LCC_SLOT_AUDIO];
  CHECK(stream_send(&s));
  CHECK(wait_rtp(c.a, LCC_SLOT_AUDIO, a_audio + 1));
  size_t a_rtcp_now = peer_rtcp_count(c.a);
  CHECK(peer_send_rtcp(c.v, rtcp, rtcp_len));
  CHECK(wait_rtcp(c.a, a_rtcp_now, is_keyframe_req, &a_video_ssrc, WAIT_MS) != NULL);
  free(call_close(&c, false));
}

/* 7. Sender reports carry the source's clock: after the visitor's SR, the
 * server's SRs to the agent map RTP time to NTP time as the visitor's did
 * (with the forwarded stream's offset), and count what was sent. The
 * server's report blocks about the visitor's stream show the loss. */
static bool is_block_for(const peer_rtcp_rx *r, const void *arg) {
  uint32_t ssrc = *(const uint32_t *)arg;
  const lcc_rtcp_rb *b = r->pt == LCC_RTCP_SR ? r->sr.blocks : r->pt == LCC_RTCP_RR ? r->rr.blocks : NULL;
  uint8_t nb = r->pt == LCC_RTCP_SR ? r->sr.n_blocks : r->pt == LCC_RTCP_RR ? r->rr.n_blocks : 0;
  for (uint8_t i = 0; b && i < nb; i++)
    if (b[i].ssrc == ssrc) return true;
  return false;
}

static const lcc_rtcp_rb *block_for(const peer_rtcp_rx *r, uint32_t ssrc) {
  const lcc_rtcp_rb *b = r->pt == LCC_RTCP_SR ? r->sr.blocks : r->rr.blocks;
  uint8_t nb = r->pt == LCC_RTCP_SR ? r->sr.n_blocks : r->rr.n_blocks;
  for (uint8_t i = 0; i < nb; i++)
    if (b[i].ssrc == ssrc) return &b[i];
  return NULL;
}

typedef struct {
  uint32_t ssrc;
  uint64_t min_ntp;
} sr_after;

static bool is_sr_after(const peer_rtcp_rx *r, const void *arg) {
  const sr_after *w = arg;
  return r->pt == LCC_RTCP_SR && r->sr.ssrc == w->ssrc && r->sr.ntp >= w->min_ntp;
}

typedef struct {
  uint32_t ssrc;
  bool with_lsr;
  uint32_t ext_highest;
} block_wait;

static bool is_block_with(const peer_rtcp_rx *r, const void *arg) {
  const block_wait *w = arg;
  if (!is_block_for(r, &w->ssrc)) return false;
  const lcc_rtcp_rb *b = block_for(r, w->ssrc);
  return b->ext_highest_seq == w->ext_highest && (!w->with_lsr || b->lsr != 0);
}

#define REP_SEQ0 65500 /* wraps: the extended highest sequence number counts a cycle */
#define REP_TS0 1000000u

/* The visitor sends 60 packets of which the network loses 5; returns how
 * many arrived, with the forwarded stream's timestamp offset (the same for
 * every packet) in *offset. */
static int reports_send(call *c, stream *s, uint32_t *offset, gint64 *t_last) {
  static const uint32_t lost[] = {10, 11, 12, 30, 45};
  size_t a_from = peer_rtp_count(c->a);
  int sent = 0;
  for (uint32_t i = 0; i < 60; i++) {
    bool drop = false;
    for (size_t k = 0; k < 5; k++) drop |= lost[k] == i;
    if (drop) {
      stream_skip(s);
      continue;
    }
    CHECK(stream_send(s));
    *t_last = g_get_monotonic_time();
    sent++;
    if (i % 10 == 9) pump(5);
  }
  CHECK(wait_rtp(c->a, LCC_SLOT_AUDIO, (uint64_t)sent));
  const peer_rtp_rx *got[64];
  size_t m = rtp_of(c->a, a_from, LCC_SLOT_AUDIO, false, got, 64);
  CHECK_EQ_INT(m, sent);
  if (m < 1) return 0;
  uint32_t counter0 = counter_of(got[0]);
  *offset = got[0]->ts - (REP_TS0 + counter0 * 960);
  for (size_t i = 1; i < m; i++) {
    uint32_t k = counter_of(got[i]);
    CHECK_EQ_INT(got[i]->ts - (REP_TS0 + k * 960), *offset);
    CHECK_EQ_INT((uint16_t)(got[i]->seq - got[0]->seq), (uint16_t)(k - counter0)); /* gaps kept */
  }
  return sent;
}

/* An SR of the server's agent-leg audio made at least 200 ms after the
 * visitor's: its RTP time maps to NTP time as the visitor's SR did (plus the
 * forwarded stream's offset), and it counts what the server sent with that
 * SSRC before it (RFC 3550 §6.4.1: payload octets only). */
static void reports_check_sr(call *c, size_t a_rtcp_from, const lcc_rtcp_sr *vsr, uint32_t offset) {
  const peer_media *aa = peer_media_slot(c->a, LCC_SLOT_AUDIO);
  sr_after w = {aa->remote_ssrc, vsr->ntp + ((uint64_t)200 << 32) / 1000};
  const peer_rtcp_rx *r = wait_rtcp(c->a, a_rtcp_from, is_sr_after, &w, 4000);
  CHECK(r != NULL);
  if (!r) return;
  double dt = (double)(r->sr.ntp - vsr->ntp) / 4294967296.0;
  uint32_t expect = vsr->rtp_ts + offset + (uint32_t)(dt * 48000);
  int32_t err = (int32_t)(r->sr.rtp_ts - expect);
  fprintf(stderr, "  server SR %.3f s after the visitor's: rtp_ts off by %d (%.1f ms)\n", dt, err, err / 48.0);
  CHECK(err > -4800 && err < 4800); /* within 100 ms; the visitor's SR is 1 s off its packets */
  uint64_t octets = 0;
  size_t pkts = 0;
  for (size_t i = 0; i < r->rtp_before; i++) {
    const peer_rtp_rx *x = peer_rtp_at(c->a, i);
    if (x->slot != LCC_SLOT_AUDIO || x->ssrc != aa->remote_ssrc) continue;
    pkts++;
    octets += x->payload_len;
  }
  CHECK_EQ_INT(r->sr.packets, pkts);
  CHECK_EQ_INT(r->sr.octets, octets);
}

/* Report blocks about the visitor's stream: 5 lost of 60, the highest seq
 * one cycle on, LSR/DLSR from the visitor's SR, and in every block the
 * fraction lost of its interval (RFC 3550 A.3). */
static void reports_check_blocks(call *c, size_t v_rtcp_from, const lcc_rtcp_sr *vsr, gint64 t_sr) {
  uint32_t ssrc = peer_media_slot(c->v, LCC_SLOT_AUDIO)->ssrc;
  const uint32_t ext_highest = 65536 + (uint16_t)(REP_SEQ0 + 59);
  block_wait bw = {ssrc, true, ext_highest};
  const peer_rtcp_rx *r = wait_rtcp(c->v, v_rtcp_from, is_block_with, &bw, 4000);
  CHECK(r != NULL);
  if (r) {
    const lcc_rtcp_rb *b = block_for(r, ssrc);
    CHECK_EQ_INT(b->cumulative_lost, 5);
    CHECK_EQ_INT(b->ext_highest_seq, ext_highest);
    CHECK_EQ_INT(b->lsr, lcc_ntp_mid(vsr->ntp));
    double dlsr = b->dlsr / 65536.0, since = (r->at_us - (uint64_t)t_sr) / 1e6;
    CHECK(dlsr >= 0 && dlsr <= since + 0.01);
  }
  uint32_t prev_ext = REP_SEQ0 - 1;
  int32_t prev_cum = 0;
  int blocks = 0;
  for (size_t i = v_rtcp_from; i < peer_rtcp_count(c->v); i++) {
    const peer_rtcp_rx *x = peer_rtcp_at(c->v, i);
    if (!is_block_for(x, &ssrc)) continue;
    const lcc_rtcp_rb *b = block_for(x, ssrc);
    int64_t expected = (int64_t)b->ext_highest_seq - prev_ext, lost = (int64_t)b->cumulative_lost - prev_cum;
    CHECK_EQ_INT(b->fraction_lost, expected <= 0 || lost <= 0 ? 0 : (lost << 8) / expected);
    prev_ext = b->ext_highest_seq;
    prev_cum = b->cumulative_lost;
    blocks++;
  }
  CHECK(blocks >= 1);
}

static void test_reports(void) {
  call c;
  if (!call_open(&c, "reports", true)) return;
  const peer_media *va = peer_media_slot(c.v, LCC_SLOT_AUDIO);
  size_t v_rtcp_from = peer_rtcp_count(c.v), a_rtcp_from = peer_rtcp_count(c.a);
  stream s = audio_stream(c.v, REP_SEQ0, REP_TS0);
  uint32_t offset = 0;
  gint64 t_last = 0;
  int sent = reports_send(&c, &s, &offset, &t_last);
  /* The visitor's SR puts its RTP clock 1 s ahead of its packets'
   * timestamps (legal: capture time lags the clock), so the server cannot
   * pass the check by extrapolating from the packets alone. */
  lcc_rtcp_sr vsr = {.ssrc = va->ssrc, .ntp = lcc_ntp_from_unix_us((uint64_t)g_get_real_time())};
  vsr.rtp_ts = REP_TS0 + 59 * 960 + (uint32_t)((g_get_monotonic_time() - t_last) * 48 / 1000) + 48000;
  vsr.packets = (uint32_t)sent;
  vsr.octets = (uint32_t)(sent * s.plen);
  uint8_t buf[256];
  size_t len = lcc_rtcp_write_sr(buf, sizeof buf, &vsr);
  len += lcc_rtcp_write_sdes_cname(buf + len, sizeof buf - len, va->ssrc, "visitor");
  gint64 t_sr = g_get_monotonic_time();
  CHECK(peer_send_rtcp(c.v, buf, len));
  reports_check_sr(&c, a_rtcp_from, &vsr, offset);
  reports_check_blocks(&c, v_rtcp_from, &vsr, t_sr);
  free(call_close(&c, false));
}

/* 8. getStats() counts what went in and out of each leg, exactly. */
static void test_stats(void) {
  call c;
  if (!call_open(&c, "stats", true)) return;
  stream va = audio_stream(c.v, 1, 0), vv = video_stream(c.v, 500, 0), aa = audio_stream(c.a, 7000, 0);
  stream av = video_stream(c.a, 9000, 0);
  for (int i = 0; i < 40; i++) CHECK(stream_send(&va));
  for (int i = 0; i < 25; i++) CHECK(stream_send(&vv));
  for (int i = 0; i < 30; i++) CHECK(stream_send(&aa));
  for (int i = 0; i < 10; i++) CHECK(stream_send(&av));
  CHECK(wait_rtp(c.a, LCC_SLOT_AUDIO, 40) && wait_rtp(c.a, LCC_SLOT_VIDEO, 25));
  CHECK(wait_rtp(c.v, LCC_SLOT_AUDIO, 30) && wait_rtp(c.v, LCC_SLOT_VIDEO, 10));
  pump(50);
  const peer_counters *vc = peer_stats(c.v), *ac = peer_stats(c.a);
  cJSON *j = stats_of(&c);
  struct {
    const char *path;
    double want;
  } expect[] = {
      {"parties.visitor.audio.packetsIn", 40},
      {"parties.visitor.audio.bytesIn", (double)vc->bytes_out_slot[LCC_SLOT_AUDIO]},
      {"parties.visitor.video.packetsIn", 25},
      {"parties.visitor.video.bytesIn", (double)vc->bytes_out_slot[LCC_SLOT_VIDEO]},
      {"parties.agent.audio.packetsOut", 40},
      {"parties.agent.audio.bytesOut", (double)ac->bytes_in_slot[LCC_SLOT_AUDIO]},
      {"parties.agent.video.packetsOut", 25},
      {"parties.agent.video.bytesOut", (double)ac->bytes_in_slot[LCC_SLOT_VIDEO]},
      {"parties.agent.audio.packetsIn", 30},
      {"parties.agent.audio.bytesIn", (double)ac->bytes_out_slot[LCC_SLOT_AUDIO]},
      {"parties.agent.video.packetsIn", 10},
      {"parties.agent.video.bytesIn", (double)ac->bytes_out_slot[LCC_SLOT_VIDEO]},
      {"parties.visitor.audio.packetsOut", 30},
      {"parties.visitor.audio.bytesOut", (double)vc->bytes_in_slot[LCC_SLOT_AUDIO]},
      {"parties.visitor.video.packetsOut", 10},
      {"parties.visitor.video.bytesOut", (double)vc->bytes_in_slot[LCC_SLOT_VIDEO]},
      {"parties.visitor.audio.packetsLost", 0},
      {"parties.agent.video.packetsLost", 0},
      {"parties.visitor.audio.payloadType", 109},
      {"parties.agent.audio.payloadType", 111},
      {"parties.visitor.video.payloadType", 100},
      {"parties.agent.video.payloadType", 96},
      {"parties.visitor.srtpErrors", 0},
      {"parties.agent.srtpErrors", 0},
  };
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
    double got = json_num(j, expect[i].path);
    if (got != expect[i].want) fprintf(stderr, "  %s: %.0f, want %.0f\n", expect[i].path, got, expect[i].want);
    CHECK(got == expect[i].want);
  }
  CHECK_EQ_INT(ac->rtp_in_slot[LCC_SLOT_AUDIO], 40);
  CHECK_EQ_INT(vc->rtp_in_slot[LCC_SLOT_VIDEO], 10);
  CHECK_EQ_STR(json_str(j, "parties.visitor.state"), "connected");
  CHECK_EQ_STR(json_str(j, "parties.agent.audio.mid"), "0");
  CHECK_EQ_STR(json_str(j, "parties.visitor.audio.mid"), "audio");
  cJSON_Delete(j);
  /* The summary at the end keeps the counters. */
  char *summary = call_close(&c, true);
  cJSON *sj = summary ? cJSON_Parse(summary) : NULL;
  CHECK(sj != NULL);
  CHECK_EQ_INT(json_num(sj, "parties.visitor.audio.packetsIn"), 40);
  CHECK_EQ_INT(json_num(sj, "parties.agent.audio.packetsOut"), 40);
  CHECK_EQ_STR(json_str(sj, "parties.agent.state"), "closed");
  cJSON_Delete(sj);
  free(summary);
}

int main(void) {
  ctx = g_main_context_new();
  lcc_why why = {{0}};
  srv = peer_server_create(ctx, NULL, &why);
  CHECK(srv != NULL);
  if (!srv) return check_done("relay");
  call c1, c2;
  test_connect(&c1);
  test_audio(&c1);
  test_ssrc_change(&c1);
  test_rtx(&c1, true);
  if (call_open(&c2, "no-rtx", false)) {
    test_rtx(&c2, false);
    free(call_close(&c2, false));
  }
  test_keyframe(&c1);
  if (c1.ok) free(call_close(&c1, false));
  test_hostile();
  test_reports();
  test_stats();
  peer_server_destroy(srv);
  g_main_context_unref(ctx);
  return check_done("relay");
}
