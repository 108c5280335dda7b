/* What a call party controls in its RTP, decoded from fuzz input for the
 * recording writers' targets (ogg_opus, webm, mixer): a sequence of packets,
 * each a 7-byte record and its payload:
 *   flags        bit 0 marker, bit 1 new SSRC from here on, bit 2 video (webm)
 *                / agent channel (mixer), bit 3 pause or resume before this
 *                packet, bit 4 flush before this packet
 *   seq step     int8, from the same stream's previous packet: late packets,
 *                duplicates, gaps, wraps
 *   ts step      int16, from the same stream's previous packet; the target
 *                scales it (60 ticks for audio, 90 for video), so that steps
 *                of a frame, jumps and going back all occur
 *   arrival step ms, 0..255
 *   length       payload bytes, 16-bit big-endian (cut to what the input has left)
 * A party also chooses the payload bytes (Opus TOC and frames, the VP8
 * descriptor and frame header), which follow the record. */
#ifndef LCC_FUZZ_PARTY_RTP_H
#define LCC_FUZZ_PARTY_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/err.h"

#define REQUIRE(c)     \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

typedef struct {
  bool marker, new_ssrc, other_stream, toggle_pause, flush;
  uint16_t seq;
  int16_t ts_step;    /* the caller keeps each stream's timestamp */
  uint64_t arrival_us;
  uint32_t ssrc;
  const uint8_t *payload;
  size_t len;
} party_packet;

typedef struct {
  const uint8_t *data;
  size_t size, off;
  uint16_t seq[2]; /* per stream: [1] is the one flag bit 2 selects */
  uint64_t arrival_us;
  uint32_t ssrc[2];
} party_stream;

static inline void party_stream_init(party_stream *s, const uint8_t *data, size_t size) {
  *s = (party_stream){.data = data, .size = size, .seq = {1000, 5000}, .ssrc = {0x11111111, 0x22222222}};
}

/* The next packet; false at the end of the input. */
static inline bool party_stream_next(party_stream *s, party_packet *p) {
  if (s->size - s->off < 7) return false;
  const uint8_t *r = s->data + s->off;
  s->off += 7;
  p->marker = r[0] & 1;
  p->new_ssrc = r[0] & 2;
  p->other_stream = r[0] & 4;
  p->toggle_pause = r[0] & 8;
  p->flush = r[0] & 16;
  int k = p->other_stream ? 1 : 0;
  s->seq[k] = (uint16_t)(s->seq[k] + (int8_t)r[1]);
  p->ts_step = (int16_t)(r[2] << 8 | r[3]);
  s->arrival_us += (uint64_t)r[4] * 1000;
  if (p->new_ssrc) s->ssrc[k] = s->ssrc[k] * 2654435761u + 1;
  size_t len = (size_t)r[5] << 8 | r[6];
  if (len > s->size - s->off) len = s->size - s->off;
  p->seq = s->seq[k];
  p->arrival_us = s->arrival_us;
  p->ssrc = s->ssrc[k];
  p->payload = s->data + s->off;
  p->len = len;
  s->off += len;
  return true;
}

/* A failure must be the code the writer documents for a bad packet, with a reason. */
static inline void require_clean(lcc_err err, const lcc_why *why, lcc_err documented) {
  if (err == LCC_OK) return;
  REQUIRE(err == documented);
  REQUIRE(why->msg[0] != '\0');
}

/* A fresh path for this run's file, on tmpfs when there is one; removed
 * before and after each run so the writers' O_EXCL open succeeds. */
static inline const char *party_file(const char *name) {
  static char path[256];
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(path, sizeof path, "%s/lcc-fuzz-%ld-%s", dir, (long)getpid(), name);
  unlink(path);
  return path;
}

#endif
