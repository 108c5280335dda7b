/* Server-side call recording: per call, one Ogg Opus file per party (the
 * packets as received), a stereo conversation file (visitor left, agent
 * right, on the call's wall clock) and a JSON sidecar, under
 * <recordings dir>/<sanitized call id>/.
 *
 * With video, each party also gets <party>.webm (its VP8 as received and its
 * Opus), from the party's first video packet on.
 *
 * Two sides. The media thread only copies media payloads into the
 * recording's SPSC ring (no allocation, no lock, no I/O; a full ring drops and
 * counts) and posts control requests (pause, resume, stop). One recorder
 * thread per server ("lcc-rec") does everything else: creates the folder and
 * files, feeds the writers and the mixer, flushes every second, writes the
 * sidecar atomically, and reports the end of each recording (or its failure)
 * through a callback. A full disk stops that recording, never the call.
 * Thread: as marked per function. */
#ifndef LCC_RECORDER_H
#define LCC_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vocab.h"

typedef struct lcc_rec_thread lcc_rec_thread;
typedef struct lcc_recorder lcc_recorder;

/* Called on the recorder thread when a recording ends: finished (err LCC_OK)
 * or failed (LCC_ERR_RECORDING_FAILED with why). sidecar: the recording's
 * JSON (transfer full). */
typedef void (*lcc_rec_report_fn)(void *ctx, const char *call_id, lcc_err err, const char *why,
                                  char *sidecar);
/* Called on the recorder thread when a party's video recording needs a
 * keyframe (it starts, or a frame was lost): the owner sends a PLI. */
typedef void (*lcc_rec_keyframe_fn)(void *ctx, const char *call_id, lcc_party party);

/* Owner's thread. Starts the recorder thread. */
lcc_rec_thread *lcc_rec_thread_create(lcc_rec_report_fn report, lcc_rec_keyframe_fn keyframe, void *ctx);
/* Owner's thread. Finishes every recording still running (each reported),
 * stops and joins the thread. NULL is a no-op. */
void lcc_rec_thread_destroy(lcc_rec_thread *t);

typedef struct {
  const char *root;       /* the recordings directory (created if missing) */
  const char *call_id;
  uint64_t start_wall_us; /* the call's start: time 0 of every file */
  uint64_t start_mono_us;
} lcc_rec_info;

/* Media thread. A new recording; the files are created by the recorder
 * thread (a failure is reported, not returned). NULL when out of memory. */
lcc_recorder *lcc_recorder_start(lcc_rec_thread *t, const lcc_rec_info *info);
/* Media thread, packet path: one Opus packet of a party (copied into the ring). */
void lcc_recorder_audio(lcc_recorder *r, lcc_party party, uint32_t ssrc, uint16_t seq, uint32_t ts,
                        uint64_t arrival_us, const uint8_t *opus, size_t len);
/* Media thread, packet path: one VP8 RTP payload of a party (len 0 for
 * padding-only packets, so they do not look like loss to the depacketizer). */
void lcc_recorder_video(lcc_recorder *r, lcc_party party, uint32_t ssrc, uint16_t seq, uint32_t ts,
                        bool marker, uint64_t arrival_us, const uint8_t *payload, size_t len);
/* Media thread. A paused stretch is silence in the files, not a jump. */
void lcc_recorder_pause(lcc_recorder *r, uint64_t now_us);
void lcc_recorder_resume(lcc_recorder *r, uint64_t now_us);
/* Media thread. Ends the recording at now_us; r belongs to the recorder
 * thread from here on and must not be used again. */
void lcc_recorder_stop(lcc_recorder *r, uint64_t now_us);

/* Any thread: a folder name from a call id that cannot escape the recordings
 * directory: [A-Za-z0-9._-] kept, everything else '_', no leading dot, at most
 * 100 characters, never empty. */
void lcc_recording_dir_name(const char *call_id, char out[101]);

#endif
