/* Fuzz target for csrc/core/record/ogg_opus.c, the per-party Ogg Opus
 * writer, fed with what a party controls in its audio RTP (party_rtp.h):
 * Opus payload bytes, sequence numbers, timestamps, SSRC changes, arrival
 * times, plus the recorder's pauses and flushes. Checks: every call returns
 * LCC_OK or the error the header documents (PACKET_INVALID, with a reason);
 * the counters add up (each packet fed is stored, late, duplicate, invalid or
 * paused); the closed file's size is what the stats say, and libogg reads it
 * back as whole pages with good CRCs, OpusHead first, EOS last and granules
 * that never go back (ogg_file_check.h). ASan/LSan: no overflow, no leak.
 * Links record/ogg_opus.c, base/err.c and libogg. */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ogg_file_check.h"
#include "party_rtp.h"
#include "record/ogg_opus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = party_file("party.opus");
  lcc_why why = {{0}};
  lcc_ogg_opus_info info = {.call_id = "fuzz-call", .party = "visitor", .start_time = "2026-12-07T00:00:00.000Z",
                            .channels = size > 0 ? data[0] % 3 : 0};
  lcc_ogg_opus *w = lcc_ogg_opus_open(path, &info, &why);
  REQUIRE(w != NULL);
  party_stream s;
  party_stream_init(&s, data, size);
  party_packet p;
  uint32_t ts = 0x7fff0000u; /* wraps within the run */
  bool paused = false;
  uint64_t fed = 0, invalid = 0;
  while (party_stream_next(&s, &p)) {
    lcc_err err;
    if (p.toggle_pause) {
      if (paused) {
        lcc_ogg_opus_resume(w);
      } else {
        err = lcc_ogg_opus_pause(w, &why);
        REQUIRE(err == LCC_OK);
      }
      paused = !paused;
    }
    if (p.flush) REQUIRE(lcc_ogg_opus_flush(w, &why) == LCC_OK);
    ts += (uint32_t)(int32_t)p.ts_step * 60u;
    if (p.new_ssrc) {
      err = lcc_ogg_opus_new_source(w, ts, (int64_t)(p.arrival_us * 48 / 1000), &why);
      REQUIRE(err == LCC_OK);
    }
    err = lcc_ogg_opus_write(w, ts, p.seq, p.payload, p.len, &why);
    require_clean(err, &why, LCC_ERR_PACKET_INVALID);
    if (err != LCC_OK) invalid++;
    fed++;
  }
  lcc_ogg_opus_stats st;
  REQUIRE(lcc_ogg_opus_close(w, &st, &why) == LCC_OK);
  REQUIRE(st.invalid == invalid);
  REQUIRE(st.packets + st.late + st.duplicates + st.invalid + st.paused == fed);
  long bytes = ogg_file_check(path);
  REQUIRE((uint64_t)bytes == st.bytes);
  unlink(path);
  return 0;
}
