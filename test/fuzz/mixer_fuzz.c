/* Fuzz target for csrc/core/record/mixer.c, the conversation mixer, fed
 * with what both parties control in their audio RTP (party_rtp.h; flag bit 2
 * picks the agent's channel): Opus payloads, which libopus decodes, sequence
 * numbers, timestamps, SSRC changes (a new source and anchor), arrival
 * times, plus the recorder's pauses, advances and flushes. Checks: every call
 * returns LCC_OK or the error the header documents (PACKET_INVALID, with a
 * reason); what each channel decoded, concealed or dropped is counted; the
 * closed file is read back by libogg as whole pages with good CRCs, OpusHead
 * first, EOS last, granules that never go back (ogg_file_check.h), and its
 * duration is the call's. ASan/LSan: no overflow, no leak. Arrival steps are
 * at most 255 ms per packet, so a run encodes at most a few seconds of
 * stereo. Links record/mixer.c, record/ogg_opus.c, base/err.c, libopus,
 * libopusenc, libogg. */
#include <stdint.h>
#include <unistd.h>

#include "ogg_file_check.h"
#include "party_rtp.h"
#include "record/mixer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = party_file("mixed.opus");
  lcc_why why = {{0}};
  const uint64_t start_us = 1000000;
  lcc_mixer_info info = {.call_id = "fuzz-call", .start_iso = "2026-12-07T00:00:00.000Z", .start_us = start_us,
                         .jitter_ms = size > 0 ? data[0] % 4 * 50 : 0};
  lcc_mixer *m = lcc_mixer_open(path, &info, &why);
  REQUIRE(m != NULL);
  party_stream s;
  party_stream_init(&s, data, size);
  party_packet p;
  uint32_t ts[2] = {0x7ffff000u, 0xfffff000u};
  bool paused = false;
  uint64_t now = start_us;
  while (party_stream_next(&s, &p)) {
    now = start_us + p.arrival_us;
    if (p.toggle_pause) {
      if (paused) lcc_mixer_resume(m, now);
      else lcc_mixer_pause(m, now);
      paused = !paused;
    }
    int ch = p.other_stream ? LCC_MIXER_AGENT : LCC_MIXER_VISITOR;
    ts[ch] += (uint32_t)(int32_t)p.ts_step * 60u;
    lcc_err err = lcc_mixer_push(m, ch, p.ssrc, p.seq, ts[ch], now, p.payload, p.len, &why);
    require_clean(err, &why, LCC_ERR_PACKET_INVALID);
    REQUIRE(lcc_mixer_advance(m, now, &why) == LCC_OK);
    if (p.flush) REQUIRE(lcc_mixer_flush(m, &why) == LCC_OK);
  }
  lcc_mixer_stats st;
  REQUIRE(lcc_mixer_close(m, now, &st, &why) == LCC_OK);
  /* The file covers the call from its start to the end given to close. */
  uint64_t call_ms = (now - start_us) / 1000;
  REQUIRE(st.duration_ms + 40 >= call_ms && st.duration_ms <= call_ms + 40);
  lcc_mixer_destroy(m);
  ogg_file_check(path);
  unlink(path);
  return 0;
}
