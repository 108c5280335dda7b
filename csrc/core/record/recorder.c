/* Server-side call recording. See recorder.h.
 *
 * Leaves the file formats to ogg_opus.c (per party) and mixer.c (the stereo
 * conversation) and the JSON layout to recorder_sidecar.c; this file moves
 * packets from the media thread to those writers and runs the recorder thread.
 * Thread: lcc_recorder_start/audio/pause/resume/stop on the media thread;
 * everything static below "recorder thread" on the recorder thread. */
#include "recorder.h"
#include "files.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "recorder_internal.h"

#define RING_SLOTS 512                 /* ~5 s of two audio streams */
#define TICK_US 20000
#define FLUSH_EVERY_US 1000000         /* crash safety: files durable up to the last second */
#define SIDECAR_EVERY_US 5000000

struct lcc_rec_thread {
  GThread *thread;
  GMutex mu; /* guards list, quit and every recorder's control queue */
  GCond cond;
  bool quit;
  lcc_recorder *list;
  lcc_rec_report_fn report;
  lcc_rec_keyframe_fn keyframe;
  void *ctx;
};

void lcc_rec_request_keyframe(lcc_recorder *r, lcc_party party) {
  r->t->keyframe(r->t->ctx, r->call_id, party);
}

/* --- media thread --- */

void lcc_recording_dir_name(const char *call_id, char out[101]) {
  size_t n = 0;
  for (const char *p = call_id; *p && n < 100; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || (c == '.' && n > 0);
    out[n++] = ok ? c : '_';
  }
  if (n == 0) out[n++] = '_';
  out[n] = 0;
}

lcc_recorder *lcc_recorder_start(lcc_rec_thread *t, const lcc_rec_info *info) {
  lcc_recorder *r = g_new0(lcc_recorder, 1);
  if (!lcc_ring_init(&r->ring, RING_SLOTS)) {
    g_free(r);
    return NULL;
  }
  r->t = t;
  g_strlcpy(r->call_id, info->call_id, sizeof r->call_id);
  g_strlcpy(r->root, info->root, sizeof r->root);
  r->start_wall_us = info->start_wall_us;
  r->start_mono_us = info->start_mono_us;
  g_mutex_lock(&t->mu);
  r->next = t->list;
  t->list = r;
  g_cond_signal(&t->cond);
  g_mutex_unlock(&t->mu);
  return r;
}

/* Copies one payload into the ring; a full ring drops it for the recording
 * (counted), the relay never waits. */
static void push_packet(lcc_recorder *r, uint8_t kind, lcc_party party, uint32_t ssrc, uint16_t seq,
                        uint32_t ts, bool marker, uint64_t arrival_us, const uint8_t *data, size_t len) {
  if (len > LCC_RING_DATA) return;
  lcc_ring_packet *p = lcc_ring_reserve(&r->ring);
  if (!p) return;
  p->party = (uint8_t)party;
  p->kind = kind;
  p->marker = marker;
  p->ssrc = ssrc;
  p->seq = seq;
  p->ts = ts;
  p->arrival_us = arrival_us;
  p->len = (uint16_t)len;
  if (len) memcpy(p->data, data, len);
  lcc_ring_commit(&r->ring);
}

void lcc_recorder_audio(lcc_recorder *r, lcc_party party, uint32_t ssrc, uint16_t seq, uint32_t ts,
                        uint64_t arrival_us, const uint8_t *opus, size_t len) {
  if (len) push_packet(r, 0, party, ssrc, seq, ts, false, arrival_us, opus, len);
}

/* A lost video packet shows up as a sequence gap: the depacketizer then drops
 * frames until a keyframe and asks for one. */
void lcc_recorder_video(lcc_recorder *r, lcc_party party, uint32_t ssrc, uint16_t seq, uint32_t ts,
                        bool marker, uint64_t arrival_us, const uint8_t *payload, size_t len) {
  push_packet(r, 1, party, ssrc, seq, ts, marker, arrival_us, payload, len);
}

static void post_control(lcc_recorder *r, lcc_rec_control_kind kind, uint64_t at_us) {
  lcc_rec_control *c = g_new0(lcc_rec_control, 1);
  c->kind = kind;
  c->at_us = at_us;
  lcc_rec_thread *t = r->t;
  g_mutex_lock(&t->mu);
  if (r->ctl_tail) r->ctl_tail->next = c;
  else r->ctl_head = c;
  r->ctl_tail = c;
  g_cond_signal(&t->cond);
  g_mutex_unlock(&t->mu);
}

void lcc_recorder_pause(lcc_recorder *r, uint64_t now_us) { post_control(r, LCC_REC_PAUSE, now_us); }
void lcc_recorder_resume(lcc_recorder *r, uint64_t now_us) { post_control(r, LCC_REC_RESUME, now_us); }
void lcc_recorder_stop(lcc_recorder *r, uint64_t now_us) { post_control(r, LCC_REC_STOP, now_us); }

/* --- recorder thread --- */

static void fail(lcc_recorder *r, const char *why) {
  if (r->failed) return;
  r->failed = true;
  g_strlcpy(r->error, why, sizeof r->error);
  lcc_rec_drop_writers(r);
  char *sidecar = lcc_rec_sidecar_write(r, false);
  r->t->report(r->t->ctx, r->call_id, LCC_ERR_RECORDING_FAILED, r->error, sidecar);
  r->reported = true;
}

/* Creates <root>/<name>[-N]/: never reuses a folder, so an earlier call's
 * recording is never overwritten. */
static bool make_folder(lcc_recorder *r, lcc_why *why) {
  if (g_mkdir_with_parents(r->root, LCC_REC_DIR_MODE) != 0) {
    lcc_fail(why, LCC_ERR_RECORDING_FAILED, "cannot create %s: %s", r->root, g_strerror(errno));
    return false;
  }
  char base[101];
  lcc_recording_dir_name(r->call_id, base);
  for (int i = 1; i < 1000; i++) {
    if (i == 1) g_strlcpy(r->dir_name, base, sizeof r->dir_name);
    else g_snprintf(r->dir_name, sizeof r->dir_name, "%.90s-%d", base, i);
    g_snprintf(r->dir, sizeof r->dir, "%s/%s", r->root, r->dir_name);
    if (g_mkdir(r->dir, LCC_REC_DIR_MODE) == 0) return true;
    if (errno != EEXIST) break;
  }
  lcc_fail(why, LCC_ERR_RECORDING_FAILED, "cannot create a folder for %s in %s: %s", r->call_id, r->root,
           g_strerror(errno));
  return false;
}

static void open_files(lcc_recorder *r) {
  lcc_why why = {{0}};
  r->opened = true;
  if (!make_folder(r, &why) || !lcc_rec_open_writers(r, &why)) {
    fail(r, why.msg);
    return;
  }
  free(lcc_rec_sidecar_write(r, false)); /* a crash from here on leaves complete: false */
}

static void on_packet(lcc_recorder *r, const lcc_ring_packet *p) {
  if (r->failed || r->paused || p->party >= LCC_PARTY_COUNT) return;
  lcc_why why = {{0}};
  if (lcc_rec_feed(r, p, &why) != LCC_OK) fail(r, why.msg);
}

static void on_control(lcc_recorder *r, const lcc_rec_control *c) {
  if (c->kind == LCC_REC_PAUSE && !r->paused) {
    r->paused = true;
    lcc_rec_pause_writers(r, c->at_us);
  } else if (c->kind == LCC_REC_RESUME && r->paused) {
    r->paused = false;
    lcc_rec_resume_writers(r, c->at_us);
  } else if (c->kind == LCC_REC_STOP) {
    r->stopped = true;
    r->end_mono_us = c->at_us;
  }
}

/* Packets and controls in time order: a control applies before the packets
 * that arrived after it. */
static void drain(lcc_recorder *r) {
  lcc_rec_thread *t = r->t;
  g_mutex_lock(&t->mu);
  lcc_rec_control *c = r->ctl_head;
  r->ctl_head = r->ctl_tail = NULL;
  g_mutex_unlock(&t->mu);
  const lcc_ring_packet *p;
  while ((p = lcc_ring_peek(&r->ring))) {
    while (c && c->at_us <= p->arrival_us) {
      lcc_rec_control *next = c->next;
      on_control(r, c);
      g_free(c);
      c = next;
    }
    on_packet(r, p);
    lcc_ring_pop(&r->ring);
  }
  while (c) {
    lcc_rec_control *next = c->next;
    on_control(r, c);
    g_free(c);
    c = next;
  }
}

static void finish(lcc_recorder *r) {
  if (!r->failed) {
    lcc_why why = {{0}};
    if (!lcc_rec_close_writers_final(r, &why)) fail(r, why.msg);
  }
  if (!r->reported) {
    char *sidecar = lcc_rec_sidecar_write(r, !r->failed);
    r->t->report(r->t->ctx, r->call_id, LCC_OK, NULL, sidecar);
  }
  lcc_ring_free(&r->ring);
  g_free(r);
}

/* One pass over a recording; true when it has ended. */
static bool service(lcc_recorder *r, uint64_t now) {
  if (!r->opened) open_files(r);
  drain(r);
  if (r->stopped) return true;
  if (r->failed) return false;
  lcc_why why = {{0}};
  if (!lcc_rec_advance(r, now, &why)) {
    fail(r, why.msg);
    return false;
  }
  if (now - r->last_flush_us >= FLUSH_EVERY_US) {
    r->last_flush_us = now;
    if (!lcc_rec_flush(r, &why)) fail(r, why.msg);
  }
  if (!r->failed && now - r->last_sidecar_us >= SIDECAR_EVERY_US) {
    r->last_sidecar_us = now;
    free(lcc_rec_sidecar_write(r, false));
  }
  return false;
}

static void unlink_recorder(lcc_rec_thread *t, lcc_recorder *r) {
  g_mutex_lock(&t->mu);
  for (lcc_recorder **pp = &t->list; *pp; pp = &(*pp)->next)
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  g_mutex_unlock(&t->mu);
}

static gpointer rec_main(gpointer data) {
  lcc_rec_thread *t = data;
  g_mutex_lock(&t->mu);
  for (;;) {
    if (t->quit) /* the owner is going: end what is still recording, now */
      for (lcc_recorder *r = t->list; r; r = r->next)
        if (!r->stop_posted) {
          r->stop_posted = true;
          lcc_rec_control *c = g_new0(lcc_rec_control, 1);
          c->kind = LCC_REC_STOP;
          c->at_us = (uint64_t)g_get_monotonic_time();
          c->next = r->ctl_head;
          r->ctl_head = c;
          if (!r->ctl_tail) r->ctl_tail = c;
        }
    lcc_recorder *head = t->list;
    if (t->quit && !head) break;
    g_mutex_unlock(&t->mu);
    /* Only this thread unlinks; the media thread only prepends, so the
     * entries from head on stay valid while we walk them. */
    for (lcc_recorder *r = head, *next; r; r = next) {
      next = r->next;
      if (service(r, (uint64_t)g_get_monotonic_time())) {
        unlink_recorder(t, r);
        finish(r);
      }
    }
    g_mutex_lock(&t->mu);
    if (!t->quit) g_cond_wait_until(&t->cond, &t->mu, g_get_monotonic_time() + TICK_US);
  }
  g_mutex_unlock(&t->mu);
  return NULL;
}

lcc_rec_thread *lcc_rec_thread_create(lcc_rec_report_fn report, lcc_rec_keyframe_fn keyframe, void *ctx) {
  lcc_rec_thread *t = g_new0(lcc_rec_thread, 1);
  t->keyframe = keyframe;
  g_mutex_init(&t->mu);
  g_cond_init(&t->cond);
  t->report = report;
  t->ctx = ctx;
  t->thread = g_thread_new("lcc-rec", rec_main, t);
  return t;
}

void lcc_rec_thread_destroy(lcc_rec_thread *t) {
  if (!t) return;
  g_mutex_lock(&t->mu);
  t->quit = true;
  g_cond_signal(&t->cond);
  g_mutex_unlock(&t->mu);
  g_thread_join(t->thread);
  g_cond_clear(&t->cond);
  g_mutex_clear(&t->mu);
  g_free(t);
}
