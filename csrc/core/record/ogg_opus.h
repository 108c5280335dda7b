/* One party's recording as an Ogg Opus file (RFC 7845), built from the Opus
 * packets exactly as they arrived in RTP (RFC 7587): no decoding, no
 * re-encoding. The writer keeps the file on the party's timeline: it puts
 * reordered packets back in order through a small window, drops duplicates
 * and packets that come too late, and fills every gap (loss, DTX, a pause,
 * the time between two sources) with zero-length-frame packets, which a
 * decoder conceals as lost (RFC 6716 §3.2.1), so players see continuous time
 * and the file lasts as long as the timeline.
 *
 * Timeline: sample 0 is the first packet's RTP timestamp (or where
 * lcc_ogg_opus_new_source() placed a source); each packet's granule position
 * is its timeline position plus its duration, in 48 kHz samples. Pre-skip is
 * 312 samples (libopus' encoder delay at 48 kHz, which browsers use), so the
 * decoded file starts at the first packet's capture time and is 312 samples
 * (6.5 ms) shorter than the timeline: the encoder still held that audio.
 *
 * Leaves to others: RTP parsing and SRTP, the wall clock (the caller tells
 * where a new source starts), the call's folder, the sidecar.
 * Thread: one recorder thread per writer, never the packet path. Allocates
 * only at open (a fixed window of packet buffers). */
#ifndef LCC_OGG_OPUS_H
#define LCC_OGG_OPUS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Largest Opus packet the writer accepts; bigger ones are refused as invalid
 * (a WebRTC packet fits in one UDP datagram). */
#define LCC_OGG_OPUS_MAX_PACKET 4000
/* OpusHead pre-skip, in 48 kHz samples. */
#define LCC_OGG_OPUS_PRE_SKIP 312

/* Number of 48 kHz samples an Opus packet holds, from its TOC byte and frame
 * count (RFC 6716 §3.1, §3.2). Checks the packet against the rules R1-R7 of
 * §3.4 (frame lengths, padding, at most 120 ms). Pure; no allocation.
 * Returns LCC_ERR_PACKET_INVALID with the reason in *why for a malformed packet. */
lcc_err lcc_opus_packet_samples(const uint8_t *pkt, size_t len, uint32_t *samples, lcc_why *why);

typedef struct {
  const char *call_id;    /* OpusTags CALL_ID= */
  const char *party;      /* OpusTags PARTY= ("visitor", "agent") */
  const char *start_time; /* OpusTags START_TIME=, ISO 8601 wall clock of the call start */
  int channels;           /* 1 or 2; 0: from the first packet's TOC stereo bit */
} lcc_ogg_opus_info;

typedef struct {
  uint64_t duration_ms;      /* playable length of the file (timeline minus pre-skip) */
  uint64_t packets;          /* received packets stored in the file */
  uint64_t filled_packets;   /* generated zero-length-frame packets */
  uint64_t filled_ms;        /* time they cover (loss, DTX, pauses, source gaps) */
  uint64_t lost;             /* sequence numbers missing between stored packets of one
                                source (a packet late for its place counts as lost and late) */
  uint64_t silence_ms;       /* of filled_ms, with no sequence number missing: DTX, pauses,
                                the gap before a new source */
  uint64_t before_first_ms;  /* of filled_ms, before the first packet (the party not connected yet) */
  uint64_t late;             /* dropped: arrived after their place was written or filled */
  uint64_t duplicates;       /* dropped: a packet already stored or waiting */
  uint64_t invalid;          /* dropped: malformed TOC or too big */
  uint64_t paused;           /* dropped: fed while paused */
  uint64_t bytes;            /* file size written so far */
} lcc_ogg_opus_stats;

/* A writer. Owns: the file descriptor, the libogg stream, the reorder window.
 * Borrows nothing after open (info strings are copied into OpusTags). */
typedef struct lcc_ogg_opus lcc_ogg_opus;

/* Creates path (O_EXCL: refuses to overwrite an existing file) and writes
 * OpusHead and OpusTags, each on its own page (RFC 7845 §3). When
 * info->channels is 0 the headers wait for the first packet.
 * Returns (transfer full): finish with lcc_ogg_opus_close() or free with
 * lcc_ogg_opus_destroy(). NULL on error: LCC_ERR_INVALID_OPTION for bad info,
 * LCC_ERR_RECORDING_FAILED for I/O (reason with strerror in *why). */
lcc_ogg_opus *lcc_ogg_opus_open(const char *path, const lcc_ogg_opus_info *info, lcc_why *why);

/* Adds one packet, in arrival order. It may wait in the reorder window (at
 * most 5 packets or 100 ms of audio) before it reaches the file.
 * Returns LCC_OK also when the packet was dropped as late, duplicate or fed
 * while paused (counted in the stats). LCC_ERR_PACKET_INVALID: this packet was
 * malformed and dropped; the writer goes on. LCC_ERR_RECORDING_FAILED: a write
 * failed; the file stays valid up to its last complete page and every later
 * call fails the same way: destroy the writer. */
lcc_err lcc_ogg_opus_write(lcc_ogg_opus *w, uint32_t rtp_ts, uint16_t seq, const uint8_t *opus,
                           size_t len, lcc_why *why);

/* The next packets come from a new source (SSRC) whose timestamps are
 * unrelated to the old ones: the packet with timestamp rtp_ts goes to
 * offset_samples (48 kHz) on the file's timeline, which the caller computes
 * from the wall clock. Writes out the old source's window first. An offset
 * before the end of what is written is moved to that end (time already in the
 * file is never rewritten). May also be called before the first packet to
 * start the file later than sample 0. */
lcc_err lcc_ogg_opus_new_source(lcc_ogg_opus *w, uint32_t rtp_ts, int64_t offset_samples,
                                lcc_why *why);

/* Pause: writes out the window; packets fed until resume are dropped
 * (counted as paused). Resume: packets are taken again and placed by their
 * timestamps, so the paused stretch becomes filled silence on the next
 * packet, not a jump. If the sender's clock did not run during the pause,
 * call lcc_ogg_opus_new_source() after resume with the wall-clock offset. */
lcc_err lcc_ogg_opus_pause(lcc_ogg_opus *w, lcc_why *why);
void lcc_ogg_opus_resume(lcc_ogg_opus *w);

/* Writes every complete packet so far as pages (the reorder window and the
 * newest packet, held back to carry the end-of-stream flag, wait), then
 * fsync. Call it at least every second: after a crash the file plays up to
 * the last flush. */
lcc_err lcc_ogg_opus_flush(lcc_ogg_opus *w, lcc_why *why);

/* Current counters (the sidecar, getStats). */
void lcc_ogg_opus_get_stats(const lcc_ogg_opus *w, lcc_ogg_opus_stats *out);

/* Drains the window, writes the last page with the end-of-stream flag,
 * fsyncs and closes the file. Always frees w, also on error; *out (may be
 * NULL) gets the final counters either way. A file that never got a packet
 * holds one 20 ms concealed packet so that it still has an EOS page. */
lcc_err lcc_ogg_opus_close(lcc_ogg_opus *w, lcc_ogg_opus_stats *out, lcc_why *why);

/* Frees w and closes the file without finishing it (after a failure). The
 * file keeps what was written. NULL does nothing. */
void lcc_ogg_opus_destroy(lcc_ogg_opus *w);

#endif
