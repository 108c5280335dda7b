/* The conversation mixer: turns the two parties' Opus RTP payloads into one
 * stereo Ogg Opus file (mixed.opus), visitor on the left, agent on the right,
 * both on the call's wall clock: audio a party sends t seconds after the call
 * started is t seconds into the file, whatever the loss, reordering, DTX or
 * SSRC changes on the way (issue 3).
 *
 * How: each channel keeps a small jitter buffer. Each source (SSRC) maps its
 * RTP timestamps to the local monotonic clock through an anchor, the least
 * delay seen (min of arrival - ts/48 kHz over a sliding ~10 s window), so
 * network jitter does not shift the audio and slow clock drift is followed.
 * A new SSRC, or a timestamp that jumps by more than 3 s against the arrival
 * clock, starts a new source with a new anchor. Audio is rendered up to
 * `now - jitter delay` on each lcc_mixer_advance(): a missing packet becomes
 * libopus packet loss concealment (or in-band FEC decoded from the next
 * packet), a timestamp jump with consecutive sequence numbers (DTX) and any
 * stretch without packets become silence, and a paused stretch is silence.
 * The stereo PCM is encoded with libopusenc (see docs/dependencies.md).
 *
 * Leaves to others: RTP/SRTP parsing (the caller passes payloads), threads,
 * the per-party files (ogg_opus.c) and the sidecar. Pure: no threads, no
 * clock of its own (all times are passed in, local monotonic microseconds).
 * Thread: one thread at a time (the recorder's). */
#ifndef LCC_MIXER_H
#define LCC_MIXER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct lcc_mixer lcc_mixer;

enum { LCC_MIXER_VISITOR = 0, LCC_MIXER_AGENT = 1 }; /* channel: left, right */

typedef struct {
  const char *call_id;    /* OpusTags LIVECHAT_CALL_ID (copied) */
  const char *start_iso;  /* OpusTags DATE / LIVECHAT_START, e.g. "2026-11-25T10:00:00.000Z" (copied) */
  uint64_t start_us;      /* local monotonic µs of the call's start: sample 0 of the file */
  unsigned jitter_ms;     /* render delay behind `now`; 0 means 200 */
  int bitrate;            /* encoder bits/s for the stereo stream; 0 means 48000 */
} lcc_mixer_info;

typedef struct {
  uint64_t decoded;       /* packets decoded into the file */
  uint64_t concealed;     /* lost packets covered by PLC (or silence past 200 ms) */
  uint64_t fec_recovered; /* lost packets decoded from the next packet's in-band FEC (LBRR) */
  uint64_t late_dropped;  /* packets arriving after their place was written, duplicates,
                           * and any beyond the 512 queued when advance() lags */
} lcc_mixer_channel_stats;

typedef struct {
  uint64_t duration_ms;   /* audio written to the file */
  lcc_mixer_channel_stats ch[2];
} lcc_mixer_stats;

/* Creates `path` (truncating it) and writes the Ogg Opus headers (OpusTags:
 * call id, start time, ENCODER) durably. Returns (transfer full): close with
 * lcc_mixer_close() then free with lcc_mixer_destroy(). NULL on error, reason
 * in *why (LCC_ERR_RECORDING_FAILED when the file cannot be created). */
lcc_mixer *lcc_mixer_open(const char *path, const lcc_mixer_info *info, lcc_why *why);

/* Queues one Opus payload of `channel`, in arrival order. Copies `opus`.
 * LCC_ERR_INVALID_OPTION for a bad channel, LCC_ERR_PACKET_INVALID for a
 * payload libopus cannot size (the packet is ignored; the mixer goes on). */
lcc_err lcc_mixer_push(lcc_mixer *m, int channel, uint32_t ssrc, uint16_t seq, uint32_t rtp_ts,
                       uint64_t arrival_us, const uint8_t *opus, size_t len, lcc_why *why);

/* From now_us until the matching resume, the file holds silence (the time
 * still passes: a pause is not a jump). Repeated calls are ignored. */
void lcc_mixer_pause(lcc_mixer *m, uint64_t now_us);
void lcc_mixer_resume(lcc_mixer *m, uint64_t now_us);

/* Decodes, mixes and encodes everything up to now_us minus the jitter delay,
 * and hands complete Ogg pages to the file (not necessarily to the disk).
 * Call at least every 100 ms. LCC_ERR_RECORDING_FAILED on a write error
 * (the mixer is then unusable: destroy it). */
lcc_err lcc_mixer_advance(lcc_mixer *m, uint64_t now_us, lcc_why *why);

/* Makes the file durable and playable up to what advance() encoded so far
 * (less the encoder's 20 ms frame in progress): forces an Ogg page out,
 * fflush() and fdatasync(). Call about every second. */
lcc_err lcc_mixer_flush(lcc_mixer *m, lcc_why *why);

/* Ends the file at end_us: renders all queued audio up to end_us (no jitter
 * delay), finishes the Opus stream (EOS page, exact end trimming), syncs and
 * closes the file. stats (may be NULL) gets the final counters. Calls after
 * close fail with LCC_ERR_INVALID_STATE. */
lcc_err lcc_mixer_close(lcc_mixer *m, uint64_t end_us, lcc_mixer_stats *stats, lcc_why *why);

/* Counters so far. */
void lcc_mixer_get_stats(const lcc_mixer *m, lcc_mixer_stats *stats);

/* Frees the mixer. Without a close, the file is left as the last flush made
 * it (playable, no EOS). NULL does nothing. */
void lcc_mixer_destroy(lcc_mixer *m);

#endif
