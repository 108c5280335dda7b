/* libFuzzer target for the SDP module (csrc/core/sdp*.c): parses the input
 * and, when it parses, checks what must then hold:
 *   - a failure's why starts with "line N:";
 *   - lcc_sdp_write can write the result, the text parses again, and writing
 *     that gives the same bytes (write(parse(.)) is idempotent);
 *   - lcc_sdp_answer to it either fails cleanly or gives an answer that
 *     lcc_sdp_check_answer accepts for that offer and that writes and parses;
 *   - lcc_sdp_offer with it as the previous description writes and parses.
 * Any broken promise aborts, so libFuzzer reports it as a crash.
 * Build and run: test/fuzz/README.md. Links csrc/core/sdp*.c and err.c only.
 * Thread: single (static buffers: lcc_sdp is large). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sdp.h"

#define TEXT_CAP (1u << 20)

static void must(int cond, const char *what, const char *detail) {
  if (cond) return;
  fprintf(stderr, "sdp_fuzz: %s %s\n", what, detail ? detail : "");
  abort();
}

static void fill_local(lcc_sdp_local *l, lcc_setup setup) {
  memset(l, 0, sizeof *l);
  strcpy(l->ice_ufrag, "fuzz");
  strcpy(l->ice_pwd, "fuzzpasswordfuzzpassword");
  strcpy(l->fingerprint, "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                         "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
  l->setup = setup;
  strcpy(l->cname, "fuzz");
  strcpy(l->stream_id, "s");
  l->audio_ssrc = 1;
  l->video_ssrc = 2;
  l->video_rtx_ssrc = 3;
  strcpy(l->candidates[0], "candidate:1 1 udp 1 127.0.0.1 9 typ host");
  l->n_candidates = 1;
}

/* Writes sdp, parses the text back and checks the rewrite is identical. */
static void check_writes(const lcc_sdp *sdp, const char *what) {
  static char t1[TEXT_CAP], t2[TEXT_CAP];
  static lcc_sdp again;
  lcc_why why = {""};
  size_t n1 = lcc_sdp_write(sdp, t1, sizeof t1);
  must(n1 > 0, what, "could not be written");
  must(lcc_sdp_parse(t1, n1, &again, &why) == LCC_OK, what, why.msg);
  size_t n2 = lcc_sdp_write(&again, t2, sizeof t2);
  must(n1 == n2 && memcmp(t1, t2, n1) == 0, what, "rewrite differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static lcc_sdp in, out;
  lcc_why why = {""};
  if (lcc_sdp_parse((const char *)data, size, &in, &why) != LCC_OK) {
    must(strncmp(why.msg, "line ", 5) == 0, "parse error without a line:", why.msg);
    return 0;
  }
  check_writes(&in, "parsed input");
  lcc_sdp_local local;
  fill_local(&local, LCC_SETUP_ACTIVE);
  lcc_err err = lcc_sdp_answer(&in, &local, &out, &why);
  if (err == LCC_OK) {
    must(lcc_sdp_check_answer(&in, &out, &why) == LCC_OK, "own answer fails the check:", why.msg);
    check_writes(&out, "answer");
  } else {
    must(err == LCC_ERR_SDP_INVALID || err == LCC_ERR_SDP_UNSUPPORTED, "answer error", lcc_err_code(err));
  }
  fill_local(&local, LCC_SETUP_ACTPASS);
  err = lcc_sdp_offer(&local, &in, &out, &why);
  if (err == LCC_OK) check_writes(&out, "offer");
  lcc_sdp_check_answer(&in, &in, &why);
  return 0;
}
