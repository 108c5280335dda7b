/* The recorder's private state, shared by recorder.c (threads, queues),
 * recorder_writers.c (the files) and recorder_sidecar.c (recording.json).
 * Thread: the recorder thread, except the fields marked otherwise. */
#ifndef LCC_RECORDER_INTERNAL_H
#define LCC_RECORDER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mixer.h"
#include "ogg_opus.h"
#include "recorder.h"
#include "ring.h"
#include "webm.h"

typedef enum { LCC_REC_PAUSE, LCC_REC_RESUME, LCC_REC_STOP } lcc_rec_control_kind;

typedef struct lcc_rec_control {
  lcc_rec_control_kind kind;
  uint64_t at_us; /* local monotonic */
  struct lcc_rec_control *next;
} lcc_rec_control;

#define LCC_REC_MAX_PAUSES 64

typedef struct {
  lcc_ogg_opus *ogg;
  lcc_ogg_opus_stats final; /* after close */
  lcc_webm *webm;           /* from the party's first video packet */
  lcc_webm_stats webm_final;
  bool had_video;
  bool have_video_ssrc;
  uint32_t video_ssrc;
  bool have_ssrc;
  uint32_t ssrc;
  uint64_t received;
} lcc_rec_party;

struct lcc_recorder {
  struct lcc_rec_thread *t;
  char call_id[LCC_CALL_ID_MAX];
  char root[1024];
  char dir_name[101];
  char dir[1200];
  uint64_t start_wall_us, start_mono_us, end_mono_us;
  lcc_ring ring; /* producer: the media thread; consumer: the recorder thread */

  bool opened, failed, reported, paused, stopped, closed;
  bool stop_posted; /* under t->mu */
  char error[256];
  lcc_rec_party party[LCC_PARTY_COUNT];
  lcc_mixer *mixer;
  lcc_mixer_stats mixer_final;
  uint64_t pause_start[LCC_REC_MAX_PAUSES], pause_end[LCC_REC_MAX_PAUSES];
  size_t n_pauses;
  uint64_t last_flush_us, last_sidecar_us;

  lcc_rec_control *ctl_head, *ctl_tail; /* under t->mu */
  struct lcc_recorder *next;            /* under t->mu */
};

/* recorder_writers.c */
bool lcc_rec_open_writers(lcc_recorder *r, lcc_why *why);
lcc_err lcc_rec_feed(lcc_recorder *r, const lcc_ring_packet *p, lcc_why *why);
void lcc_rec_pause_writers(lcc_recorder *r, uint64_t at_us);
void lcc_rec_resume_writers(lcc_recorder *r, uint64_t at_us);
bool lcc_rec_advance(lcc_recorder *r, uint64_t now_us, lcc_why *why);
bool lcc_rec_flush(lcc_recorder *r, lcc_why *why);
/* Finishes every file (end-of-stream pages) and keeps their final counters. */
bool lcc_rec_close_writers_final(lcc_recorder *r, lcc_why *why);
/* Drops the writers after a failure (what was written stays playable). */
void lcc_rec_drop_writers(lcc_recorder *r);

/* recorder.c: asks the owner for a keyframe of a party's video. */
void lcc_rec_request_keyframe(lcc_recorder *r, lcc_party party);

/* recorder_sidecar.c: writes <dir>/recording.json atomically (temp file,
 * fsync, rename) and returns the same JSON (transfer full), or NULL. */
char *lcc_rec_sidecar_write(lcc_recorder *r, bool complete);

#endif
