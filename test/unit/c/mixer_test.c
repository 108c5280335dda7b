/* Unit tests of csrc/core/mixer.c. Two synthetic parties are encoded with
 * libopus in the test (mono 48 kHz, 20 ms frames, DTX and in-band FEC on):
 * the visitor has a 440 Hz burst at 2.0 s, the agent an 880 Hz burst at
 * 3.5 s, silence otherwise. Their packets cross a simulated network (delay
 * 20-80 ms, reordering, 5 % / 20 % loss, a burst of 10 losses, late packets),
 * with an SSRC change, sequence and timestamp wraps and a paused stretch.
 * mixed.opus is then checked with the independent opus-tools (opusinfo,
 * opusdec --rate 48000): stereo, each tone in its own channel at its time,
 * the duration of the call, silence while paused, and a copy taken before
 * close (a crash) plays up to the last flush. Also prints the CPU cost of
 * mixing and encoding a minute of call (printed, never asserted).
 * Needs opusdec and opusinfo on PATH (Debian opus-tools). Run from test/unit/c. */
#include "record/mixer.h"

#include <math.h>
#include <opus/opus.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define RATE 48000
#define FRAME 960
#define START_US 5000000000ULL /* arbitrary monotonic origin */
#define MS(x) ((uint64_t)(x) * 1000)

/* ---- a deterministic generator (the same numbers on every run) ---- */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33);
}
static double rnd01(void) { return rnd() / 2147483648.0; }

/* ---- the parties ---- */
typedef struct {
  double from, to, hz;
} burst;

typedef struct {
  int channel;
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
  uint64_t arrival_us;
  size_t len;
  uint8_t data[400];
} event;

typedef struct {
  event *ev;
  int n, cap;
  int sent, dtx_gaps, lost, late;
} net;

static void add_event(net *nt, const event *e) {
  if (nt->n == nt->cap) {
    nt->cap = nt->cap ? nt->cap * 2 : 1024;
    nt->ev = realloc(nt->ev, (size_t)nt->cap * sizeof *nt->ev);
  }
  nt->ev[nt->n++] = *e;
}

typedef struct {
  int channel;
  double join_s;                 /* first frame's capture time */
  const burst *bursts;
  int nbursts;
  double loss;                   /* random loss probability */
  double burst_loss_at;          /* 10 consecutive packets lost from here (s), <0: none */
  double ssrc_change_at;         /* new SSRC, seq and ts bases from here (s), <0: none */
  double ts_jump_at;             /* same SSRC and seq, ts - 10 s from here (s); 0: none */
  uint16_t seq0;
  uint32_t ts0, ssrc0;
} party;

/* Encodes `party` for `dur_s` seconds and sends its packets into nt: sent
 * (seq incremented) unless DTX left <= 2 bytes, which WebRTC does not send. */
static void simulate_party(const party *pp, double dur_s, net *nt) {
  int err;
  OpusEncoder *enc = opus_encoder_create(RATE, 1, OPUS_APPLICATION_VOIP, &err);
  CHECK(enc != NULL);
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
  opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  opus_encoder_ctl(enc, OPUS_SET_DTX(1));
  opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
  opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(20));
  uint32_t ssrc = pp->ssrc0, ts = pp->ts0;
  uint16_t seq = pp->seq0;
  int changed = 0, burst_left = 0, burst_done = 0, skipped = 0;
  int frames = (int)((dur_s - pp->join_s) * 50);
  for (int k = 0; k < frames; k++) {
    double t0 = pp->join_s + k * 0.02;
    float pcm[FRAME];
    for (int i = 0; i < FRAME; i++) {
      double t = t0 + (double)i / RATE;
      pcm[i] = 0;
      for (int b = 0; b < pp->nbursts; b++)
        if (t >= pp->bursts[b].from && t < pp->bursts[b].to)
          pcm[i] = (float)(0.3 * sin(2 * M_PI * pp->bursts[b].hz * (t - pp->bursts[b].from)));
    }
    event e = {.channel = pp->channel};
    int len = opus_encode_float(enc, pcm, FRAME, e.data, sizeof e.data);
    CHECK(len > 0);
    if (pp->ssrc_change_at >= 0 && !changed && t0 >= pp->ssrc_change_at) {
      changed = 1; /* e.g. the browser renegotiated: everything starts anew */
      ssrc = pp->ssrc0 ^ 0x5A5A5A5A;
      seq = 65520;
      ts = rnd();
    }
    if (pp->ts_jump_at > 0 && t0 >= pp->ts_jump_at && t0 < pp->ts_jump_at + 0.01)
      ts -= 10 * RATE; /* a sender that restarted its RTP clock (backwards: min() alone fails) */
    uint32_t this_ts = ts;
    ts += FRAME;
    if (len <= 2) {
      skipped = 1;
      continue; /* DTX: not sent, and no sequence number used */
    }
    if (skipped) nt->dtx_gaps++;
    skipped = 0;
    e.ssrc = ssrc;
    e.seq = seq++;
    e.ts = this_ts;
    e.len = (size_t)len;
    nt->sent++;
    if (pp->burst_loss_at >= 0 && !burst_done && t0 >= pp->burst_loss_at) burst_left = 10, burst_done = 1;
    if (burst_left > 0) {
      burst_left--;
      nt->lost++;
      continue;
    }
    if (rnd01() < pp->loss) {
      nt->lost++;
      continue;
    }
    /* Sent once the frame is captured; 20-80 ms on the way. Every 37th packet
     * is held 100 ms more (reordered by ~5), every 301st 400 ms (too late). */
    double delay = 0.020 + 0.060 * rnd01();
    if (e.seq % 37 == 0) delay += 0.100;
    if (e.seq % 301 == 0) delay += 0.400, nt->late++;
    e.arrival_us = START_US + (uint64_t)((t0 + 0.020 + delay) * 1e6);
    add_event(nt, &e);
  }
  opus_encoder_destroy(enc);
}

static int by_arrival(const void *a, const void *b) {
  const event *x = a, *y = b;
  return x->arrival_us < y->arrival_us ? -1 : x->arrival_us > y->arrival_us;
}

/* ---- the independent decoder ---- */
static int run(const char *cmd) {
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs opusinfo; returns its exit status, and whether it printed an error.
 * A stream without its EOS page (a crash) exits 1 with only the warning
 * "EOS not set on stream 1": *has_error stays 0 and 0 is returned then. */
static int opusinfo(const char *path, int *has_error, int verbose) {
  char cmd[512], line[512];
  snprintf(cmd, sizeof cmd, "opusinfo '%s' 2>&1", path);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  int eos_missing = 0;
  *has_error = 0;
  while (fgets(line, sizeof line, p)) {
    if (strstr(line, "ERROR") || strstr(line, "rror:")) *has_error = 1;
    if (strstr(line, "WARNING") && !strstr(line, "EOS not set")) *has_error = 1;
    if (strstr(line, "EOS not set")) eos_missing = 1;
    if (verbose) printf("  opusinfo: %s", line);
  }
  int st = pclose(p), rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return rc == 1 && eos_missing && !*has_error ? 0 : rc;
}

typedef struct {
  int channels, rate;
  size_t frames;
  int16_t *pcm; /* interleaved */
} wav;

static int read_wav(const char *path, wav *w) {
  size_t len;
  uint8_t *b = (uint8_t *)check_read_file(path, &len);
  memset(w, 0, sizeof *w);
  if (!b || len < 12 || memcmp(b, "RIFF", 4) || memcmp(b + 8, "WAVE", 4)) return free(b), -1;
  size_t off = 12;
  while (off + 8 <= len) {
    uint32_t sz = b[off + 4] | b[off + 5] << 8 | b[off + 6] << 16 | (uint32_t)b[off + 7] << 24;
    if (!memcmp(b + off, "fmt ", 4)) {
      w->channels = b[off + 10] | b[off + 11] << 8;
      w->rate = (int)(b[off + 12] | b[off + 13] << 8 | b[off + 14] << 16 | (uint32_t)b[off + 15] << 24);
    } else if (!memcmp(b + off, "data", 4)) {
      size_t n = len - off - 8 < sz ? len - off - 8 : sz;
      w->frames = w->channels ? n / 2 / (size_t)w->channels : 0;
      w->pcm = malloc(n + 2);
      memcpy(w->pcm, b + off + 8, n);
      break;
    }
    off += 8 + sz + (sz & 1);
  }
  free(b);
  return w->pcm ? 0 : -1;
}

static int decode(const char *opus, const char *wavpath, wav *w) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "opusdec --rate 48000 --quiet '%s' '%s' >/dev/null 2>&1", opus, wavpath);
  int rc = run(cmd);
  CHECK_EQ_INT(rc, 0);
  if (rc != 0) return -1;
  return read_wav(wavpath, w);
}

#define WIN 480 /* 10 ms windows, 1 ms hop */
#define HOP 48

/* The Hann window over WIN samples, computed once: cos() per sample per
 * window was half this test's run time under valgrind. */
static double hann[WIN];
static void hann_init(void) {
  for (int i = 0; i < WIN; i++) hann[i] = 0.5 - 0.5 * cos(2 * M_PI * (i + 0.5) / WIN);
}

/* Amplitude of `hz` in channel ch over frames [at, at+WIN) (Goertzel, Hann
 * window: low sidelobes, so 880 Hz stays out of 440 Hz). */
static double tone_amp(const wav *w, int ch, size_t at, double hz) {
  double k = 2 * cos(2 * M_PI * hz / w->rate), s1 = 0, s2 = 0;
  for (int i = 0; i < WIN && at + (size_t)i < w->frames; i++) {
    double x = w->pcm[(at + (size_t)i) * (size_t)w->channels + (size_t)ch] / 32768.0;
    double s = hann[i] * x + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return 2 * sqrt(s1 * s1 + s2 * s2 - k * s1 * s2) / (WIN / 2.0);
}

typedef struct {
  double max_amp, onset_s, offset_s;
} tone_found;

/* Onset: the first window at half the tone's peak amplitude, i.e. when half
 * the window holds the tone, so the onset is that window's middle. */
static tone_found find_tone(const wav *w, int ch, double hz, double from_s, double to_s) {
  tone_found r = {0, -1, -1};
  size_t a = (size_t)(from_s * w->rate), b = (size_t)(to_s * w->rate);
  if (b > w->frames) b = w->frames;
  if (a + WIN > b) return r;
  size_t n = (b - a - WIN) / HOP + 1;
  double *amp = malloc(n * sizeof *amp); /* each window's amplitude, computed once */
  CHECK(amp != NULL);
  if (!amp) return r;
  for (size_t j = 0; j < n; j++) {
    amp[j] = tone_amp(w, ch, a + j * HOP, hz);
    if (amp[j] > r.max_amp) r.max_amp = amp[j];
  }
  for (size_t j = 0; j < n; j++) {
    if (amp[j] >= r.max_amp / 2) {
      if (r.onset_s < 0) r.onset_s = (double)(a + j * HOP + WIN / 2) / w->rate;
      r.offset_s = (double)(a + j * HOP + WIN / 2) / w->rate;
    }
  }
  free(amp);
  return r;
}

/* Whether a file is whole Ogg pages end to end (RFC 3533 §6): what a crash
 * or a full disk must leave, so players and `recordings check` read it all. */
static int whole_pages(const char *path, int *pages) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  unsigned char h[27 + 255];
  int ok = 1;
  *pages = 0;
  for (;;) {
    size_t n = fread(h, 1, 27, f);
    if (n == 0) break;
    if (n < 27 || memcmp(h, "OggS", 4) != 0 || fread(h + 27, 1, h[26], f) != h[26]) {
      ok = 0;
      break;
    }
    long body = 0;
    for (int i = 0; i < h[26]; i++) body += h[27 + i];
    long here = ftell(f);
    if (fseek(f, 0, SEEK_END) != 0 || ftell(f) < here + body) {
      ok = 0;
      break;
    }
    fseek(f, here + body, SEEK_SET);
    (*pages)++;
  }
  fclose(f);
  return ok;
}

/* ---- the scenario ---- */
static char tmpdir[64];

static void path_in(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", tmpdir, name); }

static void test_errors(void) {
  lcc_why why = {{0}};
  lcc_mixer_info info = {.call_id = "c1", .start_iso = "2026-11-25T00:00:00.000Z", .start_us = START_US};
  CHECK(lcc_mixer_open("/nonexistent-dir/mixed.opus", &info, &why) == NULL);
  CHECK(strstr(why.msg, "nonexistent") != NULL);
  char path[128];
  path_in(path, sizeof path, "errors.opus");
  lcc_mixer *m = lcc_mixer_open(path, &info, &why);
  CHECK(m != NULL);
  if (!m) return;
  CHECK(check_created_mode(path, 0640)); /* a conversation: never world-readable */
  CHECK(lcc_mixer_open(path, &info, &why) == NULL); /* an earlier recording is never overwritten */
  CHECK(strstr(why.msg, "refusing to overwrite") != NULL);
  uint8_t junk[3] = {0xFF, 0xFF, 0xFF}; /* code 3 with a frame count of 63: too long */
  CHECK_EQ_INT(lcc_mixer_push(m, 2, 1, 1, 1, START_US, junk, 1, &why), LCC_ERR_INVALID_OPTION);
  CHECK_EQ_INT(lcc_mixer_push(m, 0, 1, 1, 1, START_US, junk, 0, &why), LCC_ERR_PACKET_INVALID);
  CHECK_EQ_INT(lcc_mixer_push(m, 0, 1, 1, 1, START_US, junk, sizeof junk, &why), LCC_ERR_PACKET_INVALID);
  lcc_mixer_stats st;
  CHECK_EQ_INT(lcc_mixer_close(m, START_US + MS(500), &st, &why), LCC_OK);
  CHECK_EQ_INT(st.duration_ms, 500);
  CHECK_EQ_INT(lcc_mixer_close(m, START_US + MS(600), NULL, &why), LCC_ERR_INVALID_STATE);
  lcc_mixer_destroy(m);
  lcc_mixer_destroy(NULL);
}

/* The granule position of the file's last page, or INT64_MIN when there is
 * no EOS page last. */
static int64_t last_granule(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return INT64_MIN;
  static uint8_t buf[1 << 16];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  int64_t g = INT64_MIN;
  for (size_t off = 0; off + 27 <= len;) {
    size_t body = 0, nseg = buf[off + 26];
    if (memcmp(buf + off, "OggS", 4) != 0 || off + 27 + nseg > len) return INT64_MIN;
    for (size_t i = 0; i < nseg; i++) body += buf[off + 27 + i];
    int64_t page_g = 0;
    for (int i = 7; i >= 0; i--) page_g = page_g << 8 | buf[off + 6 + i];
    g = (buf[off + 5] & 4) ? page_g : INT64_MIN;
    off += 27 + nseg + body;
  }
  return g;
}

/* Found by test/fuzz/mixer_fuzz.c (corpus/mixer/regress-empty-call): a call
 * closed before any sample was mixed (an end at the start) made libopusenc
 * read uninitialised memory: a negative granule position on the EOS page, or
 * an assertion failure. The file now holds at least one 20 ms frame. */
static void test_short_calls(void) {
  const unsigned lengths_ms[] = {0, 1, 10, 19, 20, 21};
  for (size_t i = 0; i < sizeof lengths_ms / sizeof lengths_ms[0]; i++) {
    lcc_why why = {{0}};
    lcc_mixer_info info = {.call_id = "c1", .start_iso = "2026-11-25T00:00:00.000Z", .start_us = START_US};
    char path[128], name[32];
    snprintf(name, sizeof name, "short-%u.opus", lengths_ms[i]);
    path_in(path, sizeof path, name);
    lcc_mixer *m = lcc_mixer_open(path, &info, &why);
    CHECK(m != NULL);
    if (!m) continue;
    lcc_mixer_stats st;
    CHECK_EQ_INT(lcc_mixer_close(m, START_US + MS(lengths_ms[i]), &st, &why), LCC_OK);
    CHECK_EQ_INT(st.duration_ms, lengths_ms[i] < 20 ? 20 : lengths_ms[i]);
    lcc_mixer_destroy(m);
    int64_t g = last_granule(path);
    if (g < 312) fprintf(stderr, "  %u ms call: last granule %lld\n", lengths_ms[i], (long long)g);
    CHECK(g >= 312); /* pre-skip plus audio */
    int has_error = 1;
    CHECK(opusinfo(path, &has_error, 0) == 0 && !has_error);
  }
}

/* Checks a decoded mixed file (whole: the tones end in it); returns the
 * placement errors (s). */
static void check_tones(const wav *w, double *err440, double *err880, int check_pause, int whole) {
  tone_found l440 = find_tone(w, 0, 440, 0, 4.9), r880 = find_tone(w, 1, 880, 0, 4.9);
  /* The other channel while the tone plays (edges excluded: an onset's
   * click has energy at every frequency). */
  tone_found r440 = find_tone(w, 1, 440, 2.1, 2.45), l880 = find_tone(w, 0, 880, 3.6, 3.75);
  printf("  440 Hz left: peak %.3f, %.3f..%.3f s; right peak %.4f\n", l440.max_amp, l440.onset_s,
         l440.offset_s, r440.max_amp);
  printf("  880 Hz right: peak %.3f, %.3f..%.3f s; left peak %.4f\n", r880.max_amp, r880.onset_s,
         r880.offset_s, l880.max_amp);
  CHECK(l440.max_amp > 0.15);
  CHECK(r880.max_amp > 0.15);
  CHECK(r440.max_amp < 0.02); /* each tone in its own channel only */
  CHECK(l880.max_amp < 0.02);
  *err440 = l440.onset_s - 2.0;
  *err880 = r880.onset_s - 3.5;
  CHECK(fabs(*err440) <= 0.060);
  CHECK(fabs(*err880) <= 0.060);
  CHECK(fabs(l440.offset_s - 2.5) <= 0.060);
  if (whole) CHECK(fabs(r880.offset_s - 4.0) <= 0.060); /* not in a copy cut at 3.77 s */
  if (check_pause) { /* the visitor's 5.2-5.6 s burst falls in the 5.0-6.0 s pause */
    tone_found p = find_tone(w, 0, 440, 5.01, 5.99);
    printf("  440 Hz left while paused: peak %.4f\n", p.max_amp);
    CHECK(p.max_amp < 0.01);
  }
}

static void test_conversation(void) {
  static const burst vb[] = {{2.0, 2.5, 440}, {5.2, 5.6, 440}};
  static const burst ab[] = {{3.5, 4.0, 880}};
  const double call_s = 7.0;
  /* Visitor: seq wraps at ~0.7 s, ts at 1.5 s; 5 % loss, 10 lost at 2.2 s (in the tone). */
  party v = {.channel = 0, .join_s = 0.0, .bursts = vb, .nbursts = 2, .loss = 0.05, .burst_loss_at = 2.2,
             .ssrc_change_at = -1, .seq0 = 65500, .ts0 = 0xFFFFFFFFu - 72000, .ssrc0 = 0x11111111};
  /* Agent: joins at 0.3 s, 20 % loss, new SSRC at 3.7 s in mid-tone (the
   * network reorders old and new), whose seq wraps too. */
  party a = {.channel = 1, .join_s = 0.3, .bursts = ab, .nbursts = 1, .loss = 0.20, .burst_loss_at = -1,
             .ssrc_change_at = 3.7, .seq0 = 1000, .ts0 = 123456789, .ssrc0 = 0x22222222};
  net nt = {0};
  simulate_party(&v, call_s, &nt);
  simulate_party(&a, call_s, &nt);
  qsort(nt.ev, (size_t)nt.n, sizeof *nt.ev, by_arrival);
  printf("  network: %d packets sent, %d lost, %d late, %d DTX gaps\n", nt.sent, nt.lost, nt.late, nt.dtx_gaps);
  CHECK(nt.dtx_gaps >= 4);

  char path[128], copy[128], wavp[128], cmd[512];
  path_in(path, sizeof path, "mixed.opus");
  path_in(copy, sizeof copy, "crashed.opus");
  lcc_why why = {{0}};
  lcc_mixer_info info = {.call_id = "call-42", .start_iso = "2026-11-25T00:00:00.000Z", .start_us = START_US};
  lcc_mixer *m = lcc_mixer_open(path, &info, &why);
  CHECK(m != NULL);
  if (!m) return;
  int e = 0;
  for (int tick = 1; tick <= (int)(call_s * 10); tick++) { /* the recorder thread, every 100 ms */
    uint64_t now = START_US + MS(100 * tick);
    for (; e < nt.n && nt.ev[e].arrival_us <= now; e++) {
      const event *ev = &nt.ev[e];
      CHECK_EQ_INT(lcc_mixer_push(m, ev->channel, ev->ssrc, ev->seq, ev->ts, ev->arrival_us, ev->data,
                                  ev->len, &why), LCC_OK);
    }
    if (tick == 50) lcc_mixer_pause(m, now);
    if (tick == 60) lcc_mixer_resume(m, now);
    if (tick < 70) CHECK_EQ_INT(lcc_mixer_advance(m, now, &why), LCC_OK);
    if (tick % 10 == 0 && tick < 70) CHECK_EQ_INT(lcc_mixer_flush(m, &why), LCC_OK);
    if (tick == 45) { /* a crash now: the file so far must play up to the last flush (4.0 s - 200 ms) */
      snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, copy);
      CHECK_EQ_INT(run(cmd), 0);
    }
    int pages = 0;
    CHECK(whole_pages(path, &pages) && pages >= 2); /* a kill at any tick leaves whole pages only */
  }
  lcc_mixer_stats st;
  CHECK_EQ_INT(lcc_mixer_close(m, START_US + MS(7000), &st, &why), LCC_OK);
  lcc_mixer_destroy(m);
  for (int k = 0; k < 2; k++)
    printf("  %s: decoded %llu, concealed %llu, fec %llu, late-dropped %llu\n", k ? "agent" : "visitor",
           (unsigned long long)st.ch[k].decoded, (unsigned long long)st.ch[k].concealed,
           (unsigned long long)st.ch[k].fec_recovered, (unsigned long long)st.ch[k].late_dropped);
  CHECK_EQ_INT(st.duration_ms, 7000);
  CHECK_EQ_INT(st.ch[0].decoded + st.ch[1].decoded, nt.n - nt.late);
  CHECK(st.ch[0].late_dropped + st.ch[1].late_dropped >= (uint64_t)nt.late);
  CHECK(st.ch[0].concealed + st.ch[0].fec_recovered >= 10);
  CHECK(st.ch[1].concealed + st.ch[1].fec_recovered > 0);

  int has_error = 1;
  CHECK_EQ_INT(opusinfo(path, &has_error, 1), 0);
  CHECK(!has_error);
  path_in(wavp, sizeof wavp, "mixed.wav");
  wav w;
  if (decode(path, wavp, &w) == 0) {
    CHECK_EQ_INT(w.channels, 2);
    CHECK_EQ_INT(w.rate, 48000);
    double dur = (double)w.frames / w.rate, e440, e880;
    printf("  mixed.opus: %.3f s for a %.3f s call\n", dur, call_s);
    CHECK(fabs(dur - call_s) <= 0.100);
    check_tones(&w, &e440, &e880, 1, 1);
    printf("  placement error: 440 Hz %+.1f ms, 880 Hz %+.1f ms\n", e440 * 1000, e880 * 1000);
    free(w.pcm);
  }

  /* The copy taken at 4.5 s, before close: no EOS, yet it opens and plays. */
  CHECK_EQ_INT(opusinfo(copy, &has_error, 0), 0);
  CHECK(!has_error);
  path_in(wavp, sizeof wavp, "crashed.wav");
  if (decode(copy, wavp, &w) == 0) {
    double dur = (double)w.frames / w.rate, e440, e880;
    printf("  copy before close: %.3f s playable (last flush covered 3.8 s)\n", dur);
    CHECK(dur >= 3.8 - 0.040 && dur <= 4.4);
    check_tones(&w, &e440, &e880, 0, 0);
    free(w.pcm);
  }
  free(nt.ev);
}

/* The same SSRC jumps its timestamps back by 10 s (consecutive seq): re-anchored,
 * not moved 10 s later. The agent sends nothing: its channel is silence. */
static void test_ts_jump(void) {
  static const burst vb[] = {{1.0, 1.3, 440}};
  party v = {.channel = 0, .bursts = vb, .nbursts = 1, .burst_loss_at = -1, .ssrc_change_at = -1,
             .ts_jump_at = 0.5, .seq0 = 7, .ts0 = 1000, .ssrc0 = 0x33333333};
  net nt = {0};
  simulate_party(&v, 1.6, &nt);
  qsort(nt.ev, (size_t)nt.n, sizeof *nt.ev, by_arrival);
  char path[128], wavp[128];
  path_in(path, sizeof path, "jump.opus");
  path_in(wavp, sizeof wavp, "jump.wav");
  lcc_why why = {{0}};
  lcc_mixer_info info = {.call_id = "jump", .start_us = START_US, .jitter_ms = 150};
  lcc_mixer *m = lcc_mixer_open(path, &info, &why);
  CHECK(m != NULL);
  if (!m) return;
  int e = 0;
  for (int tick = 1; tick <= 16; tick++) {
    uint64_t now = START_US + MS(100 * tick);
    for (; e < nt.n && nt.ev[e].arrival_us <= now; e++)
      CHECK_EQ_INT(lcc_mixer_push(m, 0, nt.ev[e].ssrc, nt.ev[e].seq, nt.ev[e].ts, nt.ev[e].arrival_us,
                                  nt.ev[e].data, nt.ev[e].len, &why), LCC_OK);
    CHECK_EQ_INT(lcc_mixer_advance(m, now, &why), LCC_OK);
  }
  CHECK_EQ_INT(lcc_mixer_close(m, START_US + MS(1600), NULL, &why), LCC_OK);
  lcc_mixer_destroy(m);
  wav w;
  if (decode(path, wavp, &w) == 0) {
    tone_found l = find_tone(&w, 0, 440, 0, 1.6), r = find_tone(&w, 1, 440, 0, 1.6);
    printf("  ts jump: 440 Hz left at %.3f s (error %+.1f ms), right peak %.4f, %.3f s long\n", l.onset_s,
           (l.onset_s - 1.0) * 1000, r.max_amp, (double)w.frames / w.rate);
    CHECK(l.max_amp > 0.15);
    CHECK(fabs(l.onset_s - 1.0) <= 0.060);
    CHECK(r.max_amp < 0.01); /* below -30 dB: what the stereo coder lets through */
    CHECK(fabs((double)w.frames / w.rate - 1.6) <= 0.100);
    free(w.pcm);
  }
  free(nt.ev);
}

/* CPU cost of mixing + encoding one minute of call with both parties talking
 * (tones) at 5 % loss: printed, never asserted. */
static void measure_cpu(void) {
  static const burst vb[] = {{0, 61, 440}};
  static const burst ab[] = {{0, 61, 880}};
  party v = {.channel = 0, .bursts = vb, .nbursts = 1, .loss = 0.05, .burst_loss_at = -1,
             .ssrc_change_at = -1, .seq0 = 1, .ts0 = 1, .ssrc0 = 1};
  party a = v;
  a.channel = 1, a.bursts = ab, a.ssrc0 = 2;
  net nt = {0};
  simulate_party(&v, 60.0, &nt);
  simulate_party(&a, 60.0, &nt);
  qsort(nt.ev, (size_t)nt.n, sizeof *nt.ev, by_arrival);
  char path[128];
  path_in(path, sizeof path, "cpu.opus");
  lcc_why why = {{0}};
  lcc_mixer_info info = {.call_id = "cpu", .start_us = START_US};
  struct timespec t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  lcc_mixer *m = lcc_mixer_open(path, &info, &why);
  CHECK(m != NULL);
  if (!m) return;
  int e = 0;
  for (int tick = 1; tick <= 600; tick++) {
    uint64_t now = START_US + MS(100 * tick);
    for (; e < nt.n && nt.ev[e].arrival_us <= now; e++)
      lcc_mixer_push(m, nt.ev[e].channel, nt.ev[e].ssrc, nt.ev[e].seq, nt.ev[e].ts, nt.ev[e].arrival_us,
                     nt.ev[e].data, nt.ev[e].len, &why);
    CHECK_EQ_INT(lcc_mixer_advance(m, now, &why), LCC_OK);
    if (tick % 10 == 0) CHECK_EQ_INT(lcc_mixer_flush(m, &why), LCC_OK);
  }
  CHECK_EQ_INT(lcc_mixer_close(m, START_US + MS(60000), NULL, &why), LCC_OK);
  lcc_mixer_destroy(m);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("  CPU: %.0f ms to mix and encode 60 s of call (%.2f %% of one core)\n", ms, ms / 600.0);
  free(nt.ev);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/lcc-mixer-XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  hann_init();
  test_errors();
  test_short_calls();
  test_conversation();
  test_ts_jump();
  /* A figure, not a check: `LCC_MIXER_CPU=1 test/unit/c/out/mixer_test` (test/bench/README.md). */
  if (getenv("LCC_MIXER_CPU")) measure_cpu();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (!getenv("LCC_KEEP_MIXER_FILES")) run(cmd);
  else printf("  files kept in %s\n", tmpdir);
  return check_done("mixer");
}
