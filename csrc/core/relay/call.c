/* One call: creates its legs on demand, routes each leg's media and feedback
 * through the bridge to the other leg, and turns leg callbacks into events.
 * Events raised while a command runs are held until its reply is queued, so
 * JS never sees a candidate for an answer it has not received yet.
 * Thread: the media thread only. */
#include "call.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "bridge.h"
#include "leg.h"
#include "stats_json.h"

struct lcc_call {
  lcc_call_env env;
  char id[LCC_CALL_ID_MAX];
  bool record;
  uint64_t started_at_ms;
  lcc_leg *legs[LCC_PARTY_COUNT];
  lcc_recorder *rec;   /* while recording; handed to the recorder thread by stop */
  bool rec_paused;
  bool recorded;       /* a recording ran: the summary says so, JS fills it in */
  lcc_bridge bridge;
  bool in_command;
  lcc_event *held, *held_tail;
};

static void emit(lcc_call *c, lcc_event *ev) {
  if (!ev) return;
  if (!c->in_command) {
    c->env.emit(c->env.emit_ctx, ev);
    return;
  }
  if (c->held_tail) c->held_tail->next = ev;
  else c->held = ev;
  c->held_tail = ev;
}

static void flush_held(lcc_call *c) {
  lcc_event *ev = c->held;
  c->held = c->held_tail = NULL;
  c->in_command = false;
  while (ev) {
    lcc_event *next = ev->next;
    ev->next = NULL;
    c->env.emit(c->env.emit_ctx, ev);
    ev = next;
  }
}

static lcc_leg *other(lcc_call *c, lcc_leg *leg) {
  return c->legs[lcc_leg_party(leg) == LCC_PARTY_VISITOR ? LCC_PARTY_AGENT : LCC_PARTY_VISITOR];
}

/* --- leg callbacks --- */

static void on_candidate(void *ctx, lcc_leg *leg, const char *cand) {
  lcc_call *c = ctx;
  lcc_event *ev = lcc_event_new(LCC_EV_CANDIDATE, c->id, lcc_leg_party(leg));
  if (!ev) return;
  ev->text = cand ? strdup(cand) : NULL;
  g_strlcpy(ev->mid, lcc_leg_candidate_mid(leg, &ev->mline_index), sizeof ev->mid);
  emit(c, ev);
}

static void on_state(void *ctx, lcc_leg *leg, lcc_leg_state st, lcc_err err, const char *why) {
  lcc_call *c = ctx;
  lcc_event *ev = lcc_event_new(LCC_EV_STATE, c->id, lcc_leg_party(leg));
  if (!ev) return;
  ev->state = st;
  ev->err = err;
  if (why) g_strlcpy(ev->why, why, sizeof ev->why);
  emit(c, ev);
  lcc_leg *peer = other(c, leg);
  if (st == LCC_STATE_CONNECTED && peer) {
    /* Media starts flowing to a newly connected receiver: ask for keyframes. */
    uint64_t now = lcc_now_us();
    lcc_bridge_route_keyframe(&c->bridge, leg, peer, LCC_SLOT_VIDEO, now);
    lcc_bridge_route_keyframe(&c->bridge, peer, leg, LCC_SLOT_VIDEO, now);
  }
}

/* Hands a relayed packet to the recorder: audio as is (its retransmissions
 * are not recorded twice); video with RTX already unwrapped by the leg, so a
 * repaired loss reaches the recording too. */
static void record_rtp(lcc_call *c, lcc_leg *leg, lcc_slot slot, const lcc_rtp_in *in) {
  lcc_party p = lcc_leg_party(leg);
  if (slot == LCC_SLOT_AUDIO) {
    if (!in->rtx) lcc_recorder_audio(c->rec, p, in->ssrc, in->seq, in->h.ts, in->arrival_us, in->payload, in->payload_len);
    return;
  }
  lcc_recorder_video(c->rec, p, in->ssrc, in->seq, in->h.ts, in->h.marker, in->arrival_us, in->payload, in->payload_len);
}

static void on_rtp(void *ctx, lcc_leg *leg, lcc_slot slot, const lcc_rtp_in *in) {
  lcc_call *c = ctx;
  lcc_leg *dst = other(c, leg);
  if (dst) lcc_bridge_forward_rtp(&c->bridge, leg, dst, slot, in);
  if (c->rec && !c->rec_paused) record_rtp(c, leg, slot, in);
}

static void on_keyframe_request(void *ctx, lcc_leg *leg, lcc_slot slot, uint64_t arrival_us) {
  lcc_call *c = ctx;
  lcc_leg *src = other(c, leg);
  if (src) lcc_bridge_route_keyframe(&c->bridge, leg, src, slot, arrival_us);
}

static void on_nack(void *ctx, lcc_leg *leg, lcc_slot slot, const uint16_t *seqs, size_t n) {
  lcc_call *c = ctx;
  lcc_leg *src = other(c, leg);
  if (src) lcc_bridge_route_nack(&c->bridge, src, slot, seqs, n);
}

static void on_sender_report(void *ctx, lcc_leg *leg, lcc_slot slot, uint32_t rtp_ts, uint64_t at) {
  lcc_call *c = ctx;
  lcc_leg *dst = other(c, leg);
  if (dst) lcc_bridge_sender_report(&c->bridge, leg, dst, slot, rtp_ts, at);
}

static const lcc_leg_cb leg_callbacks = {on_candidate,        on_state, on_rtp,
                                         on_keyframe_request, on_nack,  on_sender_report};

/* --- recording --- */

void lcc_call_request_keyframe(lcc_call *c, lcc_party p) {
  if (c->legs[p] && lcc_leg_ready(c->legs[p])) lcc_leg_request_keyframe(c->legs[p], LCC_SLOT_VIDEO);
}

static lcc_err start_recording(lcc_call *c, lcc_why *why) {
  if (c->rec) return LCC_OK;
  if (!c->env.recordings_dir[0])
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "no recordings directory is configured");
  /* The files' time 0 is when recording starts (the call's start with record: true). */
  lcc_rec_info info = {c->env.recordings_dir, c->id, (uint64_t)g_get_real_time(), (uint64_t)g_get_monotonic_time()};
  c->rec = lcc_recorder_start(c->env.rec, &info);
  if (!c->rec) return lcc_fail(why, LCC_ERR_NO_MEMORY, "cannot start the recording");
  c->rec_paused = false;
  c->recorded = true;
  return LCC_OK;
}

static void stop_recording(lcc_call *c) {
  if (!c->rec) return;
  lcc_recorder_stop(c->rec, (uint64_t)g_get_monotonic_time()); /* the recorder thread owns it now */
  c->rec = NULL;
}

lcc_err lcc_call_recording(lcc_call *c, lcc_call_rec_op op, lcc_why *why) {
  if (op == LCC_REC_START) return start_recording(c, why);
  if (!c->rec) return lcc_fail(why, LCC_ERR_INVALID_STATE, "the call is not being recorded");
  if (op == LCC_REC_STOP) {
    stop_recording(c);
  } else if (op == LCC_REC_PAUSE && !c->rec_paused) {
    c->rec_paused = true;
    lcc_recorder_pause(c->rec, (uint64_t)g_get_monotonic_time());
  } else if (op == LCC_REC_RESUME && c->rec_paused) {
    c->rec_paused = false;
    lcc_recorder_resume(c->rec, (uint64_t)g_get_monotonic_time());
  }
  return LCC_OK;
}

/* --- commands --- */

lcc_call *lcc_call_create(const lcc_call_env *env, const char *id, bool record) {
  lcc_call *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->env = *env;
  g_strlcpy(c->id, id, sizeof c->id);
  c->record = record;
  c->started_at_ms = (uint64_t)g_get_real_time() / 1000;
  lcc_bridge_init(&c->bridge);
  if (record) start_recording(c, NULL); /* the server checked the folder option; file errors come as events */
  return c;
}

static lcc_leg *leg_for(lcc_call *c, lcc_party p) {
  if (!c->legs[p]) {
    lcc_leg_env env = {c->env.ctx, c->env.cert, c->env.leg_opts, p, c->id};
    c->legs[p] = lcc_leg_create(&env, &leg_callbacks, c);
  }
  return c->legs[p];
}

lcc_err lcc_call_answer(lcc_call *c, lcc_party p, const char *offer, char **out, lcc_why *why) {
  return lcc_leg_answer(leg_for(c, p), offer, out, why);
}

lcc_err lcc_call_offer(lcc_call *c, lcc_party p, char **out, lcc_why *why) {
  return lcc_leg_offer(leg_for(c, p), out, why);
}

lcc_err lcc_call_accept_answer(lcc_call *c, lcc_party p, const char *answer, lcc_why *why) {
  if (!c->legs[p]) return lcc_fail(why, LCC_ERR_INVALID_STATE, "no offer was made to the %s", lcc_party_name(p));
  return lcc_leg_accept_answer(c->legs[p], answer, why);
}

lcc_err lcc_call_add_candidate(lcc_call *c, lcc_party p, const char *cand, const char *mid,
                               int mline_index, lcc_why *why) {
  if (!c->legs[p])
    return lcc_fail(why, LCC_ERR_INVALID_STATE, "no session for the %s yet: answer() or offer() first", lcc_party_name(p));
  return lcc_leg_add_candidate(c->legs[p], cand, mid, mline_index, why);
}

lcc_err lcc_call_restart_ice(lcc_call *c, lcc_party p, char **out, lcc_why *why) {
  if (!c->legs[p]) return lcc_fail(why, LCC_ERR_INVALID_STATE, "no session for the %s yet", lcc_party_name(p));
  return lcc_leg_restart_ice(c->legs[p], out, why);
}

/* The party's browser went away or reloaded: its leg closes (its 'closed'
 * state reaches JS) and the next answer/offer starts a fresh one, with new
 * ICE, DTLS and SRTP. The other leg, the bridge's numbering towards it and the
 * recording carry on; the recorder places the new SSRC by the wall clock. */
lcc_err lcc_call_reset_leg(lcc_call *c, lcc_party p, lcc_why *why) {
  (void)why;
  if (!c->legs[p]) return LCC_OK;
  lcc_leg_close(c->legs[p]);
  lcc_leg_destroy(c->legs[p]);
  c->legs[p] = NULL;
  return LCC_OK;
}

void lcc_call_begin_command(lcc_call *c) { c->in_command = true; }

void lcc_call_after_command(lcc_call *c) { flush_held(c); }

void lcc_call_stats_read(lcc_call *c, lcc_stats_call *out) {
  memset(out, 0, sizeof *out);
  g_strlcpy(out->id, c->id, sizeof out->id);
  out->started_at_ms = c->started_at_ms;
  for (int p = 0; p < LCC_PARTY_COUNT; p++)
    if (c->legs[p]) lcc_leg_stats_read(c->legs[p], &out->parties[p]);
}

size_t lcc_call_guard_tcp(lcc_call *c, lcc_tcp_guard *g) {
  size_t shut = 0;
  for (int p = 0; p < LCC_PARTY_COUNT; p++)
    if (c->legs[p]) shut += lcc_leg_guard_tcp(c->legs[p], g);
  return shut;
}

char *lcc_call_end(lcc_call *c) {
  uint64_t ended = (uint64_t)g_get_real_time() / 1000;
  for (int p = 0; p < LCC_PARTY_COUNT; p++)
    if (c->legs[p]) lcc_leg_close(c->legs[p]); /* emits 'closed' (held, flushed below) */
  lcc_stats_call stats; /* read after the close: the summary says 'closed' */
  lcc_call_stats_read(c, &stats);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "id", c->id);
  cJSON_AddNumberToObject(o, "startedAt", (double)c->started_at_ms);
  cJSON_AddNumberToObject(o, "endedAt", (double)ended);
  cJSON_AddNumberToObject(o, "durationMs", (double)(ended - c->started_at_ms));
  cJSON_AddItemToObject(o, "parties", lcc_stats_parties_json(&stats, true));
  stop_recording(c);
  /* The recorder thread finishes the files; its LCC_EV_RECORDING carries the details. */
  if (c->recorded) cJSON_AddTrueToObject(o, "recording");
  else cJSON_AddNullToObject(o, "recording");
  for (int p = 0; p < LCC_PARTY_COUNT; p++) lcc_leg_destroy(c->legs[p]);
  flush_held(c);
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  free(c);
  return s;
}
