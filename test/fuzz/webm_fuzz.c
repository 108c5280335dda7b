/* Fuzz target for csrc/core/record/webm.c, the per-party WebM writer, fed
 * with what a party controls in its RTP (party_rtp.h): VP8 payloads
 * (descriptor, frame header, partitions) and Opus payloads, sequence
 * numbers, timestamps (90 kHz video, 48 kHz audio, wrapping), SSRC changes,
 * markers, arrival times, plus the recorder's flushes. Checks: every call
 * returns LCC_OK or the error the header documents (PACKET_INVALID, with a
 * reason); frames written never exceed the video packets fed, keyframes
 * never exceed frames; the closed file is as big as the stats say and starts
 * with the EBML header. ASan/LSan: no overflow, no leak. Links record/webm.c,
 * record/ogg_opus.c (Opus packet sizes), proto/vp8.c, base/err.c, libogg. */
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "party_rtp.h"
#include "record/webm.h"

static void check_file(const char *path, uint64_t bytes) {
  struct stat st;
  REQUIRE(stat(path, &st) == 0 && (uint64_t)st.st_size == bytes);
  FILE *f = fopen(path, "rb");
  REQUIRE(f != NULL);
  uint8_t magic[4] = {0};
  size_t n = fread(magic, 1, sizeof magic, f);
  fclose(f);
  REQUIRE(n == 4 && magic[0] == 0x1a && magic[1] == 0x45 && magic[2] == 0xdf && magic[3] == 0xa3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = party_file("party.webm");
  lcc_why why = {{0}};
  lcc_webm_info info = {.call_id = "fuzz-call", .party = "agent", .start_time = "2026-12-07T00:00:00.000Z"};
  lcc_webm *w = lcc_webm_open(path, &info, &why);
  REQUIRE(w != NULL);
  party_stream s;
  party_stream_init(&s, data, size);
  party_packet p;
  uint32_t audio_ts = 0xfff00000u, video_ts = 0xffff0000u; /* both wrap within a run */
  uint64_t video_packets = 0, audio_packets = 0;
  while (party_stream_next(&s, &p)) {
    if (p.flush) REQUIRE(lcc_webm_flush(w, &why) == LCC_OK);
    lcc_err err;
    if (p.other_stream) { /* video */
      video_ts += (uint32_t)(int32_t)p.ts_step * 90u;
      if (p.new_ssrc) lcc_webm_new_source(w, LCC_WEBM_VIDEO);
      bool need_keyframe = false;
      err = lcc_webm_video_rtp(w, p.payload, p.len, p.seq, video_ts, p.marker, p.arrival_us, &need_keyframe, &why);
      video_packets++;
    } else {
      audio_ts += (uint32_t)(int32_t)p.ts_step * 60u;
      if (p.new_ssrc) lcc_webm_new_source(w, LCC_WEBM_AUDIO);
      err = lcc_webm_audio(w, audio_ts, p.payload, p.len, p.arrival_us, &why);
      audio_packets++;
    }
    require_clean(err, &why, LCC_ERR_PACKET_INVALID);
  }
  lcc_webm_stats st;
  REQUIRE(lcc_webm_close(w, &st, &why) == LCC_OK);
  REQUIRE(st.keyframes <= st.video_frames && st.video_frames <= video_packets);
  REQUIRE(st.audio_packets + st.audio_dropped <= audio_packets);
  check_file(path, st.bytes);
  unlink(path);
  return 0;
}
