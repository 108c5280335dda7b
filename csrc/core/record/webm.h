/* One party's recording as a WebM file: the party's VP8 video exactly as it
 * arrived (depacketized with vp8.h, never decoded or re-encoded) and the
 * party's Opus audio as it arrived, written by our own small Matroska/WebM
 * writer (no muxing library: see docs/dependencies.md).
 *
 * Layout: EBML header (DocType webm, version 4, read version 2); a Segment
 * written with unknown size (patched at close); a reserved SeekHead; Info
 * (1 ms TimestampScale, Duration patched at close); Tracks (1: V_VP8,
 * 2: A_OPUS with OpusHead, CodecDelay, SeekPreRoll); Tags; Clusters of
 * SimpleBlocks; Cues at close.
 *
 * Timeline: each stream is placed by its first packet: that packet's
 * arrival_us (µs since the recording started, from the caller's clock) is
 * where its RTP timestamp lands; later packets follow their RTP timestamps
 * (video 90 kHz, audio 48 kHz, 32-bit wraps unwrapped), so jitter does not
 * move them. lcc_webm_new_source() re-places a stream after an SSRC change.
 * A small queue interleaves the two streams in time order (a stream that
 * stalls holds the other back at most LCC_WEBM_INTERLEAVE_US).
 *
 * Video: the first frame written is a keyframe; frames before it, and after a
 * loss until the next keyframe, are dropped, and the writer asks the caller
 * for a keyframe (PLI). Audio: Opus packets with CodecPrivate = OpusHead
 * (pre-skip 312, like ogg_opus.h), channels from the first packet's TOC.
 * The file header needs the video size (from the first keyframe) and the
 * channel count (from the first audio packet); packets wait in memory until
 * both are known, at most LCC_WEBM_HOLD_US of media, after which the header
 * is written with info's fallbacks.
 *
 * Crash safety: a cluster is built in memory and written whole when it ends
 * (at each video keyframe, after LCC_WEBM_CLUSTER_MS, or on flush); a file
 * cut anywhere plays up to its last whole cluster. lcc_webm_flush() ends the
 * current cluster and fsyncs. Close writes the cues, the duration, the
 * SeekHead and the segment size.
 *
 * Leaves to others: RTP/SRTP parsing, gap filling in audio (a gap is silence
 * to the player anyway), reordering (late packets are dropped), rate-limiting
 * PLIs beyond LCC_WEBM_PLI_INTERVAL_US, the call's folder, the sidecar.
 * Thread: one recorder thread per writer, never the packet path. */
#ifndef LCC_WEBM_H
#define LCC_WEBM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* How much media may wait for the file header (see above). */
#define LCC_WEBM_HOLD_US 2000000
/* How long a stream that has nothing newer may hold the other back. */
#define LCC_WEBM_INTERLEAVE_US 500000
/* A cluster ends after this much time (well inside the int16 block offset). */
#define LCC_WEBM_CLUSTER_MS 1000
/* need_keyframe is reported at most this often while frames are dropped, so
 * a lost PLI is repeated but the sender is not flooded. */
#define LCC_WEBM_PLI_INTERVAL_US 500000

typedef struct {
  const char *call_id;    /* Matroska tag CALL_ID (may be NULL) */
  const char *party;      /* tag PARTY ("visitor", "agent"; may be NULL) */
  const char *start_time; /* tag START_TIME, ISO 8601 (may be NULL) */
  int channels;           /* 1 or 2; 0: from the first audio packet's TOC (else 1) */
  int width, height;      /* declared size when no keyframe came in time; 0: 640x360 */
} lcc_webm_info;

typedef enum { LCC_WEBM_VIDEO, LCC_WEBM_AUDIO } lcc_webm_stream;

typedef struct {
  uint64_t duration_ms;    /* end of the last packet on the timeline */
  uint64_t video_frames;   /* frames written */
  uint64_t keyframes;      /* of those, keyframes */
  uint64_t dropped_frames; /* lost packets, before the first keyframe or after a loss, late */
  uint64_t audio_packets;  /* packets written */
  uint64_t audio_dropped;  /* late, duplicate or malformed */
  uint64_t bytes;          /* file size so far */
} lcc_webm_stats;

/* Owns: the file descriptor, the VP8 depacketizer, queued blocks (waiting
 * for the header or for interleaving), the cluster being built, the cue list.
 * Borrows nothing after open (info strings are copied). */
typedef struct lcc_webm lcc_webm;

/* Creates path (O_EXCL: refuses to overwrite an existing file). Nothing is
 * written until the first packets arrive.
 * Returns (transfer full): finish with lcc_webm_close() or free with
 * lcc_webm_destroy(). NULL on error: LCC_ERR_INVALID_OPTION for bad info,
 * LCC_ERR_RECORDING_FAILED for I/O (reason in *why), LCC_ERR_NO_MEMORY. */
lcc_webm *lcc_webm_open(const char *path, const lcc_webm_info *info, lcc_why *why);

/* One RTP packet of the party's VP8 stream, in arrival order: its payload
 * (after the RTP header, padding removed; len 0 for padding-only packets),
 * header fields, and arrival time in µs since the recording started. Writes a
 * frame when this packet completes one. *need_keyframe (required) is set when
 * the caller should send a PLI.
 * Returns LCC_OK also for dropped packets and frames (counted).
 * LCC_ERR_PACKET_INVALID: this payload was malformed; the writer goes on.
 * LCC_ERR_RECORDING_FAILED: a write failed; every later call fails the same
 * way: destroy the writer. */
lcc_err lcc_webm_video_rtp(lcc_webm *w, const uint8_t *rtp_payload, size_t len, uint16_t seq,
                           uint32_t ts, bool marker, uint64_t arrival_us, bool *need_keyframe,
                           lcc_why *why);

/* One Opus packet (RTP payload, RFC 7587) with its RTP timestamp and arrival
 * time. Errors as for lcc_webm_video_rtp(). */
lcc_err lcc_webm_audio(lcc_webm *w, uint32_t ts, const uint8_t *opus, size_t len,
                       uint64_t arrival_us, lcc_why *why);

/* The stream's next packet comes from a new source (SSRC): it is placed by
 * its arrival time again, never before what that stream already wrote. */
void lcc_webm_new_source(lcc_webm *w, lcc_webm_stream stream);

/* Writes out the blocks queued for interleaving and the current cluster,
 * and fsyncs, so a crash keeps everything up to here (except packets
 * waiting for the header). Call it about every second. */
lcc_err lcc_webm_flush(lcc_webm *w, lcc_why *why);

void lcc_webm_get_stats(const lcc_webm *w, lcc_webm_stats *out);

/* Writes what waits (the header too, with fallbacks, if it was still
 * waiting), the cues, then patches the duration, SeekHead and segment size,
 * fsyncs and closes the
 * file. Always frees w, also on error; *out (may be NULL) gets the final
 * counters either way. */
lcc_err lcc_webm_close(lcc_webm *w, lcc_webm_stats *out, lcc_why *why);

/* Frees w and closes the file without finishing it (after a failure). The
 * file keeps what was written. NULL does nothing. */
void lcc_webm_destroy(lcc_webm *w);

#endif
