/* Unit tests of csrc/core/ogg_opus.c: the Opus TOC parser on all four frame
 * codes and malformed packets, and the Ogg Opus writer fed with a real Opus
 * stream encoded here with libopus (440 Hz bed, 1 kHz bursts at known times,
 * 20 ms mono frames) in order, reordered, with 5 %, 20 % and burst loss,
 * duplicates, a DTX gap, a timestamp wrap, a source change and a pause.
 * Each file is checked with Debian's opus-tools, independent of libogg use
 * here: opusinfo must accept it, and opusdec's decoded length and the burst
 * positions (Goertzel at 1 kHz) must match the timeline. Also: no overwrite,
 * an unwritable folder, and a disk that fills up mid-recording
 * (RLIMIT_FSIZE, so it needs no root or mount). Run from test/unit/c. */
#include "record/ogg_opus.h"

#include <math.h>
#include <opus.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define RATE 48000
#define FRAME 960
#define MAX_PKTS 1200

typedef struct {
  uint32_t ts;
  uint16_t seq;
  uint16_t len;
  uint8_t data[400];
} pkt;

typedef struct {
  double secs;
  const double *bursts; /* 1 kHz, 200 ms each */
  int nbursts;
  double silent_from, silent_to; /* digital silence (for DTX) */
  bool dtx;
  uint32_t ts0;
  uint16_t seq0;
} stream_spec;

static char tmpdir[64];
static double worst_len_err_ms, worst_burst_err_ms;

static double sample_at(const stream_spec *sp, double t) {
  if (t >= sp->silent_from && t < sp->silent_to) return 0;
  double v = 0.1 * sin(2 * M_PI * 440 * t);
  for (int i = 0; i < sp->nbursts; i++)
    if (t >= sp->bursts[i] && t < sp->bursts[i] + 0.2) v += 0.5 * sin(2 * M_PI * 1000 * t);
  return v;
}

/* Encodes the stream as an RTP sender would: with DTX, frames the encoder
 * marks as not to be sent (<= 2 bytes) are skipped without using a sequence
 * number, while the timestamp runs on. Returns the packet count. */
static int make_stream(const stream_spec *sp, pkt *out) {
  int err;
  OpusEncoder *enc = opus_encoder_create(RATE, 1, OPUS_APPLICATION_VOIP, &err);
  CHECK(enc != NULL);
  if (!enc) return 0;
  opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(3));
  opus_encoder_ctl(enc, OPUS_SET_DTX(sp->dtx ? 1 : 0));
  int frames = (int)(sp->secs * RATE / FRAME), n = 0;
  uint16_t seq = sp->seq0;
  int16_t pcm[FRAME];
  for (int f = 0; f < frames && n < MAX_PKTS; f++) {
    for (int i = 0; i < FRAME; i++)
      pcm[i] = (int16_t)lrint(32767 * sample_at(sp, (double)(f * FRAME + i) / RATE));
    int len = opus_encode(enc, pcm, FRAME, out[n].data, sizeof out[n].data);
    CHECK(len > 0);
    if (len <= 0 || (sp->dtx && len <= 2)) continue;
    out[n].len = (uint16_t)len;
    out[n].ts = sp->ts0 + (uint32_t)(f * FRAME);
    out[n].seq = seq++;
    n++;
  }
  opus_encoder_destroy(enc);
  return n;
}

static void path_of(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s.opus", tmpdir, name);
}

static lcc_ogg_opus *open_writer(const char *path, int channels) {
  lcc_ogg_opus_info info = {"call-123", "visitor", "2026-11-25T10:00:00.000Z", channels};
  lcc_why why = {""};
  lcc_ogg_opus *w = lcc_ogg_opus_open(path, &info, &why);
  if (!w) fprintf(stderr, "open %s: %s\n", path, why.msg);
  CHECK(w != NULL);
  return w;
}

static void feed(lcc_ogg_opus *w, const pkt *p) {
  lcc_why why = {""};
  lcc_err e = lcc_ogg_opus_write(w, p->ts, p->seq, p->data, p->len, &why);
  if (e) fprintf(stderr, "write: %s\n", why.msg);
  CHECK_EQ_INT(e, LCC_OK);
}

static lcc_ogg_opus_stats finish(lcc_ogg_opus *w) {
  lcc_ogg_opus_stats st = {0};
  lcc_why why = {""};
  lcc_err e = lcc_ogg_opus_close(w, &st, &why);
  if (e) fprintf(stderr, "close: %s\n", why.msg);
  CHECK_EQ_INT(e, LCC_OK);
  return st;
}

/* Runs a command, returns its exit status and its output (caller frees). */
static int run(const char *cmd, char **out) {
  FILE *f = popen(cmd, "r");
  CHECK(f != NULL);
  if (!f) return -1;
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  size_t k;
  while (buf && (k = fread(buf + n, 1, cap - 1 - n, f)) > 0) n += k;
  if (buf) buf[n] = 0;
  int st = pclose(f);
  if (out) *out = buf;
  else free(buf);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* opusinfo accepts the file (exit 0, no WARNING/ERROR) and reports this
 * playback length in seconds; returns it, or -1. */
static double opusinfo_length(const char *path, bool allow_no_eos) {
  char cmd[512], *out = NULL;
  snprintf(cmd, sizeof cmd, "opusinfo '%s' 2>&1", path);
  int st = run(cmd, &out);
  if (!out) return -1;
  /* A recording cut short has no EOS page: opusinfo warns (exit 1) and must
   * find nothing else wrong. */
  const char *warn = strstr(out, "WARNING");
  bool only_eos = warn && !strncmp(warn, "WARNING: EOS not set", 20) && !strstr(warn + 1, "WARNING");
  bool bad = strstr(out, "ERROR") || (warn && !(allow_no_eos && only_eos)) ||
             !(st == 0 || (st == 1 && allow_no_eos && only_eos));
  if (bad) fprintf(stderr, "opusinfo %s:\n%s\n", path, out);
  CHECK(!bad);
  CHECK(strstr(out, "CALL_ID=call-123") && strstr(out, "PARTY=visitor") &&
        strstr(out, "START_TIME=2026-11-25T10:00:00.000Z") && strstr(out, "livechat-calls"));
  double secs = -1;
  const char *l = strstr(out, "Playback length: ");
  unsigned m;
  double s;
  if (l && sscanf(l, "Playback length: %um:%lfs", &m, &s) == 2) secs = m * 60 + s;
  CHECK(secs >= 0);
  free(out);
  return secs;
}

/* Decodes with opusdec into mono 48 kHz samples; returns the count. */
static size_t opusdec(const char *path, int16_t **pcm, int *channels) {
  char cmd[600], wav[300];
  snprintf(wav, sizeof wav, "%s.wav", path);
  snprintf(cmd, sizeof cmd, "opusdec --quiet --rate 48000 '%s' '%s' 2>&1", path, wav);
  CHECK_EQ_INT(run(cmd, NULL), 0);
  size_t len;
  uint8_t *b = (uint8_t *)check_read_file(wav, &len);
  CHECK(b != NULL);
  *pcm = NULL;
  if (!b) return 0;
  size_t off = 12, n = 0;
  *channels = 1;
  while (off + 8 <= len) { /* RIFF chunks: fmt gives the channels, data the samples */
    uint32_t sz = b[off + 4] | b[off + 5] << 8 | b[off + 6] << 16 | (uint32_t)b[off + 7] << 24;
    if (!memcmp(b + off, "fmt ", 4)) *channels = b[off + 10];
    if (!memcmp(b + off, "data", 4)) {
      if (sz > len - off - 8) sz = (uint32_t)(len - off - 8);
      n = sz / 2 / (size_t)*channels;
      *pcm = malloc(n * sizeof **pcm + 1);
      for (size_t i = 0; i < n; i++) /* first channel */
        (*pcm)[i] = (int16_t)(b[off + 8 + i * 2 * *channels] | b[off + 9 + i * 2 * *channels] << 8);
      break;
    }
    off += 8 + sz + (sz & 1);
  }
  free(b);
  unlink(wav);
  return n;
}

/* Goertzel magnitude at 1 kHz over 10 ms from sample i. */
static double tone_1k(const int16_t *pcm, size_t i) {
  double c = 2 * cos(2 * M_PI * 1000.0 / RATE), s1 = 0, s2 = 0;
  for (size_t k = 0; k < 480; k++) {
    double s0 = pcm[i + k] / 32768.0 + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / 240;
}

/* Where the 1 kHz burst expected at `at` seconds starts in the decoded
 * audio: the first 10 ms window holding half the burst's peak level sits
 * with its middle on the onset. Returns seconds, or -1. */
static double find_burst(const int16_t *pcm, size_t n, double at) {
  size_t from = at > 0.5 ? (size_t)((at - 0.5) * RATE) : 0, to = (size_t)((at + 0.5) * RATE);
  if (to + 480 > n) to = n > 480 ? n - 480 : 0;
  double peak = 0;
  for (size_t i = from; i < to; i += 48) peak = fmax(peak, tone_1k(pcm, i));
  if (peak < 0.2) return -1; /* the burst is 0.5 full scale */
  for (size_t i = from; i < to; i += 12)
    if (tone_1k(pcm, i) >= peak / 2) return (double)(i + 240) / RATE;
  return -1;
}

/* The whole independent check of one file: opusinfo, then opusdec's length
 * against the timeline (timeline_samples minus pre-skip) and each burst at
 * its time. */
static void verify(const char *path, int64_t timeline_samples, const double *bursts, int nb) {
  double expect = (double)(timeline_samples - LCC_OGG_OPUS_PRE_SKIP) / RATE;
  double info = opusinfo_length(path, false);
  CHECK(fabs(info - expect) < 0.0015); /* opusinfo prints milliseconds */
  int16_t *pcm = NULL;
  int ch = 0;
  size_t n = opusdec(path, &pcm, &ch);
  double len_err = fabs((double)n / RATE - expect) * 1000;
  if (len_err > worst_len_err_ms) worst_len_err_ms = len_err;
  if (len_err > 20) fprintf(stderr, "%s: decoded %zu samples, timeline %.3f s\n", path, n, expect);
  CHECK(len_err <= 20);
  for (int i = 0; pcm && i < nb; i++) {
    double t = find_burst(pcm, n, bursts[i]);
    double err = fabs(t - bursts[i]) * 1000;
    if (err > worst_burst_err_ms) worst_burst_err_ms = err;
    if (err > 20) fprintf(stderr, "%s: burst %.3f s found at %.4f s\n", path, bursts[i], t);
    CHECK(err <= 20);
  }
  free(pcm);
}

/* ---- TOC parser ---- */

static uint32_t samples_of(const uint8_t *p, size_t len) {
  uint32_t n = 0;
  lcc_why why;
  return lcc_opus_packet_samples(p, len, &n, &why) == LCC_OK ? n : 0;
}

static void test_toc(void) {
  uint8_t p[1400] = {0};
  uint32_t n;
  lcc_why why = {""};
  /* code 0: SILK NB 10 ms, SILK WB 60 ms, hybrid FB 20 ms, CELT FB 2.5 ms; a 0-byte frame */
  p[0] = 0 << 3;
  CHECK_EQ_INT(samples_of(p, 20), 480);
  p[0] = 11 << 3;
  CHECK_EQ_INT(samples_of(p, 20), 2880);
  p[0] = 15 << 3;
  CHECK_EQ_INT(samples_of(p, 20), 960);
  p[0] = 28 << 3;
  CHECK_EQ_INT(samples_of(p, 20), 120);
  p[0] = 31 << 3;
  CHECK_EQ_INT(samples_of(p, 1), 960);
  CHECK_EQ_INT(samples_of(p, 1277), 0); /* R2: a frame over 1275 bytes */
  /* code 1: two equal frames; odd payload is malformed (R3) */
  p[0] = (1 << 3) | 1;
  CHECK_EQ_INT(samples_of(p, 21), 1920);
  CHECK_EQ_INT(samples_of(p, 20), 0);
  /* code 2: first length 1 byte or 2 bytes (252 + 4 * second) */
  p[0] = (29 << 3) | 2;
  p[1] = 10;
  CHECK_EQ_INT(samples_of(p, 20), 480);
  CHECK_EQ_INT(samples_of(p, 11), 0); /* R4: N1 beyond the packet */
  p[1] = 253, p[2] = 2;               /* N1 = 261 */
  CHECK_EQ_INT(samples_of(p, 3 + 261), 480);
  CHECK_EQ_INT(samples_of(p, 3 + 260), 0);
  CHECK_EQ_INT(samples_of(p, 2), 0); /* second length byte missing */
  /* code 3 CBR: 3 frames of 20 ms in 30 bytes; 6 x 20 ms = 120 ms ok, 7 not (R5) */
  p[0] = (31 << 3) | 3;
  p[1] = 3;
  CHECK_EQ_INT(samples_of(p, 2 + 30), 2880);
  CHECK_EQ_INT(samples_of(p, 2 + 31), 0); /* R6: not a multiple */
  p[1] = 6;
  CHECK_EQ_INT(samples_of(p, 2 + 60), 5760);
  p[1] = 7;
  CHECK_EQ_INT(samples_of(p, 2 + 70), 0);
  p[1] = 0;
  CHECK_EQ_INT(samples_of(p, 2 + 30), 0); /* M = 0 */
  /* code 3 CBR with padding: 255 + 10 -> 254 + 10 bytes of padding, 2 frames of 5 */
  p[1] = 0x40 | 2, p[2] = 255, p[3] = 10;
  CHECK_EQ_INT(samples_of(p, 4 + 10 + 264), 1920);
  CHECK_EQ_INT(samples_of(p, 4 + 10 + 263), 0); /* R6 after padding */
  CHECK_EQ_INT(samples_of(p, 4 + 100), 0);      /* padding beyond the packet */
  /* code 3 VBR: 3 frames, lengths 5 and 7 given, the last takes the rest */
  p[1] = 0x80 | 3, p[2] = 5, p[3] = 7;
  CHECK_EQ_INT(samples_of(p, 4 + 12 + 9), 2880);
  CHECK_EQ_INT(samples_of(p, 4 + 11), 0); /* R7: lengths exceed the packet */
  p[1] = 0x80 | 3, p[2] = 5, p[3] = 7;
  CHECK_EQ_INT(samples_of(p, 3), 0); /* truncated length list */
  /* empty packet (R1), and the reason is given */
  CHECK_EQ_INT(lcc_opus_packet_samples(p, 0, &n, &why), LCC_ERR_PACKET_INVALID);
  CHECK(strstr(why.msg, "empty") != NULL);
}

/* ---- writer scenarios ---- */

static pkt pk[MAX_PKTS];
static const double bursts2[] = {3.0, 7.46};

static stream_spec spec10(void) {
  stream_spec sp = {10.0, bursts2, 2, -1, -1, false, 123456789u, 40000};
  return sp;
}

/* Loss never hits the packets carrying a burst's onset, which the check needs. */
static bool near_burst(const stream_spec *sp, uint32_t ts) {
  double t = (double)(uint32_t)(ts - sp->ts0) / RATE;
  for (int i = 0; i < sp->nbursts; i++)
    if (t > sp->bursts[i] - 0.06 && t < sp->bursts[i] + 0.06) return true;
  return false;
}

static void test_in_order(void) {
  stream_spec sp = spec10();
  int n = make_stream(&sp, pk);
  char path[128];
  path_of(path, sizeof path, "in_order");
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  for (int i = 0; i < n; i++) {
    feed(w, &pk[i]);
    if (i % 50 == 49) CHECK_EQ_INT(lcc_ogg_opus_flush(w, NULL), LCC_OK);
  }
  lcc_ogg_opus_stats st = finish(w);
  CHECK_EQ_INT(st.packets, n);
  CHECK_EQ_INT(st.filled_packets + st.late + st.duplicates + st.invalid, 0);
  CHECK_EQ_INT(st.duration_ms, (n * FRAME - 312) / 48);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (uint64_t)sb.st_size == st.bytes);
  verify(path, (int64_t)n * FRAME, bursts2, 2);
}

/* Swaps neighbours, moves some packets 3-4 places later (60-80 ms, inside the
 * window) and repeats some: all stored, duplicates dropped, nothing filled. */
static void test_reorder_duplicates(void) {
  stream_spec sp = spec10();
  int n = make_stream(&sp, pk);
  char path[128];
  path_of(path, sizeof path, "reorder");
  lcc_ogg_opus *w = open_writer(path, 0);
  if (!w) return;
  int order[MAX_PKTS];
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = 0; i + 1 < n; i += 7) { /* swap */
    int t = order[i];
    order[i] = order[i + 1], order[i + 1] = t;
  }
  for (int i = 3; i + 4 < n; i += 23) { /* one packet 4 places later */
    int t = order[i];
    memmove(order + i, order + i + 1, 4 * sizeof order[0]);
    order[i + 4] = t;
  }
  int dups = 0;
  for (int i = 0; i < n; i++) {
    feed(w, &pk[order[i]]);
    if (i % 31 == 0) feed(w, &pk[order[i]]), dups++;
    if (i % 97 == 0 && i > 10) feed(w, &pk[order[i - 8]]), dups++; /* long-gone repeat */
  }
  lcc_ogg_opus_stats st = finish(w);
  CHECK_EQ_INT(st.packets, n);
  CHECK_EQ_INT(st.duplicates, dups);
  CHECK_EQ_INT(st.filled_packets + st.late, 0);
  verify(path, (int64_t)n * FRAME, bursts2, 2);
}

/* Random loss at `pct` % plus a 300 ms burst loss at 5 s; fed partly reordered. */
static void run_loss(const char *name, int pct, unsigned seed) {
  stream_spec sp = spec10();
  int n = make_stream(&sp, pk);
  char path[128];
  path_of(path, sizeof path, name);
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  srand(seed);
  int lost = 0, last_kept = 0;
  for (int i = 0; i < n; i++) {
    bool burst = i >= 250 && i < 265;
    bool drop = i > 0 && !near_burst(&sp, pk[i].ts) && (burst || rand() % 100 < pct);
    if (drop) {
      lost++;
      continue;
    }
    last_kept = i;
    if (i % 11 == 0 && i + 1 < n && !near_burst(&sp, pk[i + 1].ts) && rand() % 100 >= pct) {
      feed(w, &pk[i + 1]), feed(w, &pk[i]), i++, last_kept = i; /* reordered pair */
      continue;
    }
    feed(w, &pk[i]);
  }
  lcc_ogg_opus_stats st = finish(w);
  int64_t timeline = (int64_t)(last_kept + 1) * FRAME;
  CHECK_EQ_INT(st.packets + st.filled_packets, last_kept + 1);
  CHECK_EQ_INT(st.filled_packets, lost - (n - 1 - last_kept));
  CHECK_EQ_INT(st.filled_ms, st.filled_packets * 20);
  CHECK_EQ_INT(st.lost, lost - (n - 1 - last_kept)); /* from sequence numbers: every gap was loss */
  CHECK_EQ_INT(st.silence_ms + st.before_first_ms, 0);
  CHECK_EQ_INT(st.late, 0);
  printf("%s: %d of %d packets lost, %llu filled\n", name, lost, n,
         (unsigned long long)st.filled_packets);
  verify(path, timeline, bursts2, 2);
}

static void test_loss(void) {
  run_loss("loss5", 5, 1);
  run_loss("loss20", 20, 2);
}

/* A silent stretch from 4 to 6.5 s with DTX: the sender skips packets without
 * using sequence numbers; the gap is filled and the burst after it in place. */
static void test_dtx(void) {
  static const double b[] = {2.0, 7.0};
  stream_spec sp = {9.0, b, 2, 4.0, 6.5, true, 5000, 65530};
  int n = make_stream(&sp, pk);
  int frames = (int)(9.0 * RATE / FRAME);
  CHECK(n < frames - 50); /* DTX really skipped most of the 2.5 s */
  char path[128];
  path_of(path, sizeof path, "dtx");
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  for (int i = 0; i < n; i++) feed(w, &pk[i]);
  lcc_ogg_opus_stats st = finish(w);
  CHECK_EQ_INT(st.packets, n);
  CHECK_EQ_INT(st.filled_packets, frames - n);
  CHECK_EQ_INT(st.lost, 0); /* DTX skips time, not sequence numbers */
  CHECK_EQ_INT(st.silence_ms, st.filled_ms);
  CHECK(st.silence_ms > 2000);
  CHECK_EQ_INT(st.late, 0);
  verify(path, (int64_t)frames * FRAME, b, 2);
}

/* Timestamps and sequence numbers wrap at 2 s, with reordering across the
 * wrap and a packet too late for the window. */
static void test_wrap(void) {
  static const double b[] = {1.5, 2.5};
  stream_spec sp = {5.0, b, 2, -1, -1, false, 0xFFFFFFFFu - 2 * RATE + 1, 65500};
  int n = make_stream(&sp, pk);
  char path[128];
  path_of(path, sizeof path, "wrap");
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  for (int i = 0; i < n; i++) {
    if (i == 98) { /* 99 and 98 swap right over the wrap */
      feed(w, &pk[99]), feed(w, &pk[98]), i++;
      continue;
    }
    if (i == 120) continue; /* 120 comes 10 packets late: filled, then dropped as late */
    feed(w, &pk[i]);
    if (i == 130) feed(w, &pk[120]);
  }
  lcc_ogg_opus_stats st = finish(w);
  CHECK_EQ_INT(st.packets, n - 1);
  CHECK_EQ_INT(st.filled_packets, 1);
  CHECK_EQ_INT(st.lost, 1); /* its place was filled before it came: lost, then late */
  CHECK_EQ_INT(st.late, 1);
  verify(path, (int64_t)n * FRAME, b, 2);
}

/* 4 s from one source, then a new SSRC with unrelated timestamps placed at
 * 5.01 s by the caller: 1.01 s of gap filled (20 ms frames and one 10 ms), and
 * its burst (1 s into it) lands at 6.01 s. */
static void test_new_source(void) {
  static const double b1[] = {2.0}, b2[] = {1.0}, ball[] = {2.0, 6.01};
  stream_spec sp1 = {4.0, b1, 1, -1, -1, false, 1000, 100};
  stream_spec sp2 = {3.0, b2, 1, -1, -1, false, 3000000000u, 7};
  static pkt pk2[MAX_PKTS];
  int n1 = make_stream(&sp1, pk), n2 = make_stream(&sp2, pk2);
  char path[128];
  path_of(path, sizeof path, "new_source");
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  for (int i = 0; i < n1; i++) feed(w, &pk[i]);
  CHECK_EQ_INT(lcc_ogg_opus_new_source(w, pk2[0].ts, (int64_t)(5.01 * RATE), NULL), LCC_OK);
  feed(w, &pk2[1]); /* reordered at the very start of the new source */
  for (int i = 0; i < n2; i++)
    if (i != 1) feed(w, &pk2[i]);
  lcc_ogg_opus_stats st = finish(w);
  CHECK_EQ_INT(st.packets, n1 + n2);
  CHECK_EQ_INT(st.filled_packets, 51); /* 50 x 20 ms + 1 x 10 ms */
  CHECK_EQ_INT(st.filled_ms, 1010);
  CHECK_EQ_INT(st.lost, 0); /* the new source's sequence numbers are unrelated to the old one's */
  CHECK_EQ_INT(st.silence_ms, 1010);
  verify(path, (int64_t)(5.01 * RATE) + (int64_t)n2 * FRAME, ball, 2);
}

/* Paused from 4 to 6 s: packets fed meanwhile are dropped; on resume the
 * 2 s become filled silence and the burst at 7 s stays at 7 s. */
static void test_pause(void) {
  static const double b[] = {2.0, 7.0};
  stream_spec sp = {9.0, b, 2, -1, -1, false, 77, 9};
  int n = make_stream(&sp, pk);
  char path[128];
  path_of(path, sizeof path, "pause");
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  for (int i = 0; i < n; i++) {
    if (i == 200) CHECK_EQ_INT(lcc_ogg_opus_pause(w, NULL), LCC_OK);
    if (i == 300) lcc_ogg_opus_resume(w);
    if (i >= 200 && i < 250) continue; /* the caller may also just stop feeding */
    feed(w, &pk[i]);
  }
  lcc_ogg_opus_stats st = finish(w);
  CHECK_EQ_INT(st.paused, 50);
  CHECK_EQ_INT(st.packets, n - 100);
  CHECK_EQ_INT(st.filled_packets, 100);
  CHECK_EQ_INT(st.lost, 0); /* dropped while paused, not lost */
  CHECK_EQ_INT(st.silence_ms, 2000);
  verify(path, (int64_t)n * FRAME, b, 2);
}

/* The sidecar's packet counts (issue 10: a 10 s call with a 2 s mute reported
 * 88 packets lost): a party whose first packet comes 2 s into the recording
 * (placed there, as the recorder does), 8 s with a 2 s DTX mute and 3 packets
 * lost. Loss comes from sequence numbers; the mute and the time before the
 * first packet are reported apart. */
static void test_loss_silence_and_late_start(void) {
  static const double b[] = {1.5, 7.0};
  stream_spec sp = {8.0, b, 2, 4.0, 6.0, true, 99, 65000};
  int n = make_stream(&sp, pk);
  char path[128];
  path_of(path, sizeof path, "late_start");
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  CHECK_EQ_INT(lcc_ogg_opus_new_source(w, pk[0].ts, 2 * RATE, NULL), LCC_OK);
  for (int i = 0; i < n; i++)
    if (i != 50 && i != 51 && i != 150) feed(w, &pk[i]);
  lcc_ogg_opus_stats st = finish(w);
  CHECK_EQ_INT(st.lost, 3);
  CHECK_EQ_INT(st.before_first_ms, 2000);
  CHECK(st.silence_ms >= 1800); /* at least the mute (the encoder's DTX may skip more) */
  CHECK_EQ_INT(st.filled_ms, st.before_first_ms + st.silence_ms + 3 * 20); /* the rest is the loss */
  printf("late start: %llu lost, %llu ms silence, %llu ms before the first packet\n",
         (unsigned long long)st.lost, (unsigned long long)st.silence_ms,
         (unsigned long long)st.before_first_ms);
}

/* channels 0: taken from the first packet's TOC stereo bit (OpusHead byte 9,
 * after the 28-byte first page header with one lacing value). */
static void test_channels_and_empty(void) {
  int err;
  OpusEncoder *enc = opus_encoder_create(RATE, 2, OPUS_APPLICATION_AUDIO, &err);
  int16_t pcm[FRAME * 2];
  for (int i = 0; i < FRAME; i++) pcm[2 * i] = (int16_t)(8000 * sin(i * 0.1)), pcm[2 * i + 1] = (int16_t)(8000 * sin(i * 0.37));
  uint8_t data[400];
  char path[128];
  path_of(path, sizeof path, "stereo");
  lcc_ogg_opus *w = open_writer(path, 0);
  for (int f = 0; w && f < 100; f++) {
    int len = opus_encode(enc, pcm, FRAME, data, sizeof data);
    CHECK(len > 1 && (data[0] & 4));
    CHECK_EQ_INT(lcc_ogg_opus_write(w, (uint32_t)f * FRAME, (uint16_t)f, data, (size_t)len, NULL), LCC_OK);
  }
  opus_encoder_destroy(enc);
  if (w) finish(w);
  size_t len;
  uint8_t *b = (uint8_t *)check_read_file(path, &len);
  CHECK(b && len > 40 && !memcmp(b + 28, "OpusHead", 8) && b[28 + 9] == 2 && b[28 + 10] == 312 % 256 &&
        b[28 + 11] == 1);
  free(b);
  CHECK(fabs(opusinfo_length(path, false) - (100 * FRAME - 312) / 48000.0) < 0.0015);

  /* A file that never got a packet still closes with an EOS page. */
  path_of(path, sizeof path, "empty");
  w = open_writer(path, 0);
  if (w) {
    lcc_ogg_opus_stats st = finish(w);
    CHECK_EQ_INT(st.packets, 0);
    CHECK_EQ_INT(st.filled_packets, 1);
    opusinfo_length(path, false);
  }
  /* A malformed packet is refused and counted; the writer goes on. */
  path_of(path, sizeof path, "invalid");
  w = open_writer(path, 1);
  if (w) {
    uint8_t bad[3] = {(1 << 3) | 1, 0, 0}; /* code 1 with an odd payload */
    lcc_why why = {""};
    CHECK_EQ_INT(lcc_ogg_opus_write(w, 0, 0, bad, 2, &why), LCC_ERR_PACKET_INVALID);
    CHECK_EQ_INT(lcc_ogg_opus_write(w, 0, 0, bad, 0, &why), LCC_ERR_PACKET_INVALID);
    lcc_ogg_opus_stats st = finish(w);
    CHECK_EQ_INT(st.invalid, 2);
  }
}

static void test_no_overwrite_and_unwritable(void) {
  char path[128];
  path_of(path, sizeof path, "in_order"); /* written by test_in_order */
  struct stat before, after;
  CHECK(stat(path, &before) == 0);
  CHECK(check_created_mode(path, 0640)); /* a conversation: never world-readable */
  lcc_ogg_opus_info info = {"call-123", "visitor", "2026-11-25T10:00:00Z", 1};
  lcc_why why = {""};
  CHECK(lcc_ogg_opus_open(path, &info, &why) == NULL);
  CHECK(strstr(why.msg, "File exists") && strstr(why.msg, "refusing to overwrite"));
  CHECK(stat(path, &after) == 0 && after.st_size == before.st_size &&
        after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);

  snprintf(path, sizeof path, "%s/no-such-dir/visitor.opus", tmpdir);
  why.msg[0] = 0;
  CHECK(lcc_ogg_opus_open(path, &info, &why) == NULL);
  CHECK(strstr(why.msg, "No such file or directory") != NULL);
  snprintf(path, sizeof path, "%s/in_order.opus/visitor.opus", tmpdir); /* a file, not a folder */
  CHECK(lcc_ogg_opus_open(path, &info, &why) == NULL);
  CHECK(strstr(why.msg, "Not a directory") != NULL);

  info.party = NULL;
  CHECK(lcc_ogg_opus_open("/tmp/x", &info, &why) == NULL);
}

/* The disk fills up mid-recording: RLIMIT_FSIZE makes write(2) fail with
 * EFBIG past 12 kB, the way ENOSPC would. The write or flush that hits it
 * returns LCC_ERR_RECORDING_FAILED with the reason, every later call too,
 * and the file keeps whole pages only: opusinfo accepts it (apart from the
 * missing end-of-stream page). */
static void test_disk_full(void) {
  stream_spec sp = spec10();
  int n = make_stream(&sp, pk);
  char path[128];
  path_of(path, sizeof path, "full");
  lcc_ogg_opus *w = open_writer(path, 1);
  if (!w) return;
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 12000;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  CHECK_EQ_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
  lcc_err e = LCC_OK;
  lcc_why why = {""};
  int i;
  for (i = 0; i < n && !e; i++) {
    e = lcc_ogg_opus_write(w, pk[i].ts, pk[i].seq, pk[i].data, pk[i].len, &why);
    if (!e && i % 25 == 24) e = lcc_ogg_opus_flush(w, &why);
  }
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, prev);
  CHECK_EQ_INT(e, LCC_ERR_RECORDING_FAILED);
  CHECK(strstr(why.msg, "File too large") != NULL);
  CHECK(i < n);
  why.msg[0] = 0;
  CHECK_EQ_INT(lcc_ogg_opus_write(w, pk[i].ts, pk[i].seq, pk[i].data, pk[i].len, &why),
               LCC_ERR_RECORDING_FAILED);
  CHECK(strstr(why.msg, "File too large") != NULL);
  CHECK_EQ_INT(lcc_ogg_opus_flush(w, NULL), LCC_ERR_RECORDING_FAILED);
  lcc_ogg_opus_destroy(w);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && sb.st_size > 1000 && sb.st_size <= 12000);
  double secs = opusinfo_length(path, true);
  CHECK(secs > 0.5);
  printf("disk full: failed after %d packets, file %lld bytes plays %.3f s\n", i,
         (long long)sb.st_size, secs);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/lcc_ogg_opus_test.XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_toc();
  test_in_order();
  test_reorder_duplicates();
  test_loss();
  test_dtx();
  test_wrap();
  test_new_source();
  test_pause();
  test_loss_silence_and_late_start();
  test_channels_and_empty();
  test_no_overwrite_and_unwritable();
  test_disk_full();
  printf("worst decoded length error %.3f ms, worst burst position error %.3f ms\n",
         worst_len_err_ms, worst_burst_err_ms);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (check_failed_ == 0 && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
  return check_done("ogg_opus");
}
