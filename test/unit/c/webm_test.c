/* Unit tests of csrc/core/webm.c on real media made here: VP8 from libvpx
 * (640x360, a moving pattern, 30 fps, a keyframe every 30 frames),
 * packetized per RFC 7741 into RTP-sized pieces, and Opus from libopus
 * (20 ms mono). The stream starts on a delta frame and loses one packet, so
 * the writer must drop frames up to the next keyframe and ask for keyframes.
 * The files are checked with Debian's ffprobe/ffmpeg, an independent
 * reader of what our own writer produced: a VP8 and an Opus stream, 640x360, the duration, the
 * first video packet a keyframe at the right time, every packet decodable
 * (ffmpeg -xerror), and a copy taken after a flush but before close still
 * opens, and so does the file cut in the middle of a cluster (up to the last
 * whole cluster). Also: no overwrite, bad options, an unwritable folder, and a full
 * disk (RLIMIT_FSIZE). Needs the ffmpeg package. Run from test/unit/c. */
#include "record/webm.h"

#include <math.h>
#include <opus.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include "check.h"

#define W 640
#define H 360
#define FPS 30
#define NFRAMES 120
#define KF_EVERY 30
#define NAUDIO 200 /* 20 ms each: 4 s */
#define MTU 1000
#define LOST_FRAME 45 /* its first packet is lost */

static char tmpdir[64];

typedef struct {
  uint8_t *data;
  size_t len;
  bool key;
} vframe;

static vframe frames[NFRAMES];

static void fill_pattern(vpx_image_t *img, int f) {
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      img->planes[0][y * img->stride[0] + x] = (uint8_t)(((x + 4 * f) / 16 + (y + 2 * f) / 16) % 2 ? 200 : 40);
  for (int p = 1; p < 3; p++)
    for (int y = 0; y < H / 2; y++)
      memset(img->planes[p] + y * img->stride[p], 128 + (p == 1 ? f : -f) % 64, W / 2);
}

static bool encode_video(void) {
  vpx_codec_enc_cfg_t cfg;
  vpx_codec_ctx_t codec;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0)) return false;
  cfg.g_w = W;
  cfg.g_h = H;
  cfg.g_timebase.num = 1;
  cfg.g_timebase.den = FPS;
  cfg.rc_target_bitrate = 600;
  cfg.g_lag_in_frames = 0;
  cfg.kf_mode = VPX_KF_DISABLED; /* keyframes exactly where we force them */
  if (vpx_codec_enc_init(&codec, vpx_codec_vp8_cx(), &cfg, 0)) return false;
  vpx_codec_control(&codec, VP8E_SET_CPUUSED, 16);
  vpx_image_t img;
  vpx_img_alloc(&img, VPX_IMG_FMT_I420, W, H, 1);
  for (int f = 0; f < NFRAMES; f++) {
    fill_pattern(&img, f);
    vpx_codec_encode(&codec, &img, f, 1, f % KF_EVERY == 0 ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME);
    vpx_codec_iter_t it = NULL;
    const vpx_codec_cx_pkt_t *p;
    while ((p = vpx_codec_get_cx_data(&codec, &it))) {
      if (p->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      frames[f].data = malloc(p->data.frame.sz);
      memcpy(frames[f].data, p->data.frame.buf, p->data.frame.sz);
      frames[f].len = p->data.frame.sz;
      frames[f].key = p->data.frame.flags & VPX_FRAME_IS_KEY;
    }
  }
  vpx_img_free(&img);
  vpx_codec_destroy(&codec);
  for (int f = 0; f < NFRAMES; f++)
    if (!frames[f].data || frames[f].key != (f % KF_EVERY == 0)) return false;
  return true;
}

typedef struct {
  uint8_t data[400];
  int len;
} apkt;

static apkt audio[NAUDIO];

static bool encode_audio(void) {
  int err;
  OpusEncoder *enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
  if (!enc) return false;
  int16_t pcm[960];
  for (int k = 0; k < NAUDIO; k++) {
    for (int i = 0; i < 960; i++) pcm[i] = (int16_t)(8000 * sin(2 * M_PI * 440 * (k * 960 + i) / 48000.0));
    audio[k].len = opus_encode(enc, pcm, 960, audio[k].data, sizeof audio[k].data);
    if (audio[k].len <= 0) return false;
  }
  opus_encoder_destroy(enc);
  return true;
}

/* Runs a command and returns its stdout (heap, NUL-terminated) or NULL. */
static char *run(const char *cmd, int *status) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *out = malloc(cap);
  size_t r;
  while ((r = fread(out + n, 1, cap - n - 1, p)) > 0) {
    n += r;
    if (n + 1 == cap) out = realloc(out, cap *= 2);
  }
  out[n] = 0;
  int st = pclose(p);
  if (status) *status = st;
  return out;
}

static bool copy_file(const char *from, const char *to) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
  return system(cmd) == 0;
}

typedef struct {
  int need_reports;
  int need_at_loss;
  int video_written_before_key;
} feed_result;

/* Feeds audio and video interleaved by arrival time; video starts at frame 1
 * (a delta frame), frame LOST_FRAME loses its first packet. Flushes every
 * second; at 2.5 s takes a copy of the file into copy_path. */
static void feed(lcc_webm *w, const char *path, const char *copy_path, feed_result *res) {
  const uint32_t vts0 = 0xFFFFF000u; /* wraps in the first second */
  const uint32_t ats0 = 123456789u;
  uint16_t seq = 65000;
  uint8_t pl[MTU + 8];
  lcc_why why;
  int f = 1, k = 0;
  uint64_t next_flush = 1000000;
  bool copied = false;
  while (f < NFRAMES || k < NAUDIO) {
    uint64_t vt = (uint64_t)f * 1000000 / FPS, at = (uint64_t)k * 20000;
    if (f < NFRAMES && (k >= NAUDIO || vt <= at)) {
      for (size_t off = 0; off < frames[f].len; off += MTU) {
        size_t n = frames[f].len - off < MTU ? frames[f].len - off : MTU;
        /* RFC 7741 descriptor: X, S on the first piece, 15-bit PictureID. */
        pl[0] = (uint8_t)(0x80 | (off == 0 ? 0x10 : 0));
        pl[1] = 0x80;
        pl[2] = (uint8_t)(0x80 | ((f >> 8) & 0x7F));
        pl[3] = (uint8_t)f;
        memcpy(pl + 4, frames[f].data + off, n);
        bool need = false;
        if (!(f == LOST_FRAME && off == 0)) {
          lcc_err e = lcc_webm_video_rtp(w, pl, n + 4, seq, vts0 + (uint32_t)f * 3000,
                                         off + n == frames[f].len, vt + 5000, &need, &why);
          CHECK_EQ_INT(e, LCC_OK);
        }
        seq++;
        if (need) {
          res->need_reports++;
          if (f == LOST_FRAME) res->need_at_loss++;
        }
      }
      f++;
    } else {
      CHECK_EQ_INT(lcc_webm_audio(w, ats0 + (uint32_t)k * 960, audio[k].data, (size_t)audio[k].len,
                                  at + 3000, &why),
                   LCC_OK);
      k++;
    }
    uint64_t now = vt < at ? vt : at;
    if (now >= next_flush) {
      CHECK_EQ_INT(lcc_webm_flush(w, &why), LCC_OK);
      next_flush += 1000000;
      if (!copied && now >= 2500000 && copy_path) {
        CHECK(copy_file(path, copy_path));
        copied = true;
      }
    }
  }
}

static double field(const char *out, const char *key) {
  const char *p = strstr(out, key);
  return p ? atof(p + strlen(key)) : -1;
}

static void check_probe(const char *path, bool finished) {
  char cmd[512];
  int st;
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -show_entries stream=codec_name,width,height,channels:format=duration,format_name "
           "-of default=nw=1 '%s' 2>&1",
           path);
  char *out = run(cmd, &st);
  CHECK(out && st == 0);
  if (!out) return;
  CHECK(strstr(out, "codec_name=vp8") != NULL);
  CHECK(strstr(out, "codec_name=opus") != NULL);
  CHECK(strstr(out, "width=640") != NULL && strstr(out, "height=360") != NULL);
  CHECK(strstr(out, "channels=1") != NULL);
  CHECK(strstr(out, "format_name=matroska,webm") != NULL);
  if (finished) {
    double d = field(out, "duration=");
    printf("ffprobe duration %.3f s\n", d);
    CHECK(fabs(d - 4.0) < 0.1);
  }
  free(out);

  /* The first video packet is a keyframe, at 1 s (frame 30: the first keyframe fed). */
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -select_streams v -show_entries packet=pts_time,flags -of csv=p=0 '%s'", path);
  out = run(cmd, &st);
  CHECK(out && st == 0);
  if (!out) return;
  double pts = atof(out);
  const char *comma = strchr(out, ',');
  CHECK(comma && comma[1] == 'K');
  CHECK(fabs(pts - 1.005) < 0.01);
  int lines = 0;
  for (const char *p = out; *p; p++) lines += *p == '\n';
  /* Frames 30..44 and 60..119: frame 45 lost a packet, 46..59 wait for a keyframe. */
  if (finished) CHECK_EQ_INT(lines, 15 + 60);
  else CHECK(lines > 0);
  free(out);

  /* File order is block-time order across both tracks (Opus block times are
   * the presentation time plus the 6.5 ms codec delay). */
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -show_entries packet=stream_index,pts_time -of csv=p=0 '%s'", path);
  out = run(cmd, &st);
  CHECK(out && st == 0);
  if (!out) return;
  double prev = -1, first_audio = -1;
  int unordered = 0;
  for (char *line = out; *line;) {
    int idx = atoi(line);
    const char *c = strchr(line, ',');
    double t = c ? atof(c + 1) + (idx == 1 ? 0.0065 : 0) : 0;
    if (idx == 1 && first_audio < 0) first_audio = t - 0.0065;
    if (t < prev - 0.0011) unordered++;
    if (t > prev) prev = t;
    char *nl = strchr(line, '\n');
    if (!nl) break;
    line = nl + 1;
  }
  CHECK_EQ_INT(unordered, 0);
  /* The first Opus packet lands at its arrival (3 ms), the codec delay undone by the reader. */
  CHECK(fabs(first_audio - 0.003) < 0.0015);
  free(out);

  /* Every packet decodes: nothing written refers to a dropped frame. */
  snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -xerror -i '%s' -f null - 2>&1", path);
  out = run(cmd, &st);
  CHECK(out && st == 0 && out[0] == 0);
  if (out && out[0]) fprintf(stderr, "ffmpeg: %s\n", out);
  free(out);
}

/* The EBML header as asked (DocType webm, version 4, read version 2); the
 * segment has unknown size until close, then its real size. */
static void check_layout(const char *path, const char *copy) {
  static const uint8_t ebml[] = {0x1A, 0x45, 0xDF, 0xA3};
  static const uint8_t doctype[] = {0x42, 0x82, 0x84, 'w', 'e', 'b', 'm', 0x42, 0x87, 0x81,
                                    0x04, 0x42, 0x85, 0x81, 0x02};
  static const uint8_t unknown[] = {0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0xFF};
  size_t n, cn;
  char *f = check_read_file(path, &n);
  char *c = check_read_file(copy, &cn);
  CHECK(f && c && n > 64 && cn > 64);
  if (f && c && n > 64 && cn > 64) {
    CHECK(memcmp(f, ebml, sizeof ebml) == 0);
    size_t hdr = 5 + (size_t)(f[4] & 0x7F); /* EBML header: ID + 1-byte size + content */
    CHECK(memmem(f, hdr, doctype, sizeof doctype) != NULL);
    CHECK(memcmp(c + hdr, unknown, sizeof unknown) == 0);
    uint64_t size = 0;
    for (int i = 1; i < 8; i++) size = size << 8 | (uint8_t)f[hdr + 4 + i];
    CHECK(memcmp(f + hdr, unknown, 5) == 0 && size == n - hdr - 12);
  }
  free(f);
  free(c);
}

/* A file cut in the middle of a cluster (a crash during a write) still opens
 * and decodes up to there. */
static void check_cut(const char *path) {
  char cut[160], cmd[512];
  snprintf(cut, sizeof cut, "%s.cut.webm", path);
  snprintf(cmd, sizeof cmd, "head -c 150000 '%s' > '%s'", path, cut);
  CHECK(system(cmd) == 0);
  snprintf(cmd, sizeof cmd,
           "ffprobe -v quiet -select_streams v -show_entries packet=flags -of csv=p=0 '%s' | wc -l", cut);
  int st;
  char *out = run(cmd, &st);
  int frames = out ? atoi(out) : 0;
  printf("cut at 150000 bytes: %d video frames readable\n", frames);
  CHECK(frames > 15 && frames < 75);
  free(out);
  snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v quiet -xerror -i '%s' -f null - 2>&1", cut);
  out = run(cmd, &st);
  CHECK(out && st == 0);
  free(out);
}

/* Audio only, stereo (the camera is off): the header comes after the hold
 * with the declared video size, channels from the TOC stereo bit. */
static void test_stereo_audio_only(void) {
  char path[128], cmd[512];
  snprintf(path, sizeof path, "%s/stereo.webm", tmpdir);
  int err;
  OpusEncoder *enc = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
  CHECK(enc != NULL);
  if (!enc) return;
  lcc_why why;
  lcc_webm_info info = {.width = 320, .height = 240};
  lcc_webm *w = lcc_webm_open(path, &info, &why);
  CHECK(w != NULL);
  CHECK(check_created_mode(path, 0640)); /* a conversation: never world-readable */
  int16_t pcm[960 * 2];
  uint8_t pkt[400];
  for (int k = 0; w && k < 150; k++) {
    for (int i = 0; i < 960; i++) {
      pcm[2 * i] = (int16_t)(6000 * sin(2 * M_PI * 440 * (k * 960 + i) / 48000.0));
      pcm[2 * i + 1] = (int16_t)(6000 * sin(2 * M_PI * 660 * (k * 960 + i) / 48000.0));
    }
    int n = opus_encode(enc, pcm, 960, pkt, sizeof pkt);
    CHECK(n > 0 && (pkt[0] & 0x04));
    CHECK_EQ_INT(lcc_webm_audio(w, 0xFFFF0000u + (uint32_t)k * 960, pkt, (size_t)n,
                                (uint64_t)k * 20000 + 250000, &why),
                 LCC_OK);
  }
  opus_encoder_destroy(enc);
  if (!w) return;
  lcc_webm_stats st;
  CHECK_EQ_INT(lcc_webm_close(w, &st, &why), LCC_OK);
  CHECK_EQ_INT(st.audio_packets, 150);
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -show_entries stream=channels,width,height:format=duration "
           "-of default=nw=1 '%s' 2>&1", path);
  char *out = run(cmd, NULL);
  CHECK(out && strstr(out, "channels=2") && strstr(out, "width=320") && strstr(out, "height=240"));
  CHECK(out && fabs(field(out, "duration=") - 3.25) < 0.05);
  free(out);
  snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -xerror -i '%s' -f null - 2>&1", path);
  int status;
  out = run(cmd, &status);
  CHECK(out && status == 0 && out[0] == 0);
  free(out);
}

static void test_recording(void) {
  char path[128], copy[128];
  snprintf(path, sizeof path, "%s/visitor.webm", tmpdir);
  snprintf(copy, sizeof copy, "%s/visitor-crash.webm", tmpdir);
  lcc_why why = {{0}};
  lcc_webm_info info = {.call_id = "call-1", .party = "visitor", .start_time = "2024-01-01T00:00:00Z"};
  lcc_webm *w = lcc_webm_open(path, &info, &why);
  CHECK(w != NULL);
  if (!w) return;
  feed_result res = {0};
  feed(w, path, copy, &res);
  lcc_webm_stats st;
  CHECK_EQ_INT(lcc_webm_close(w, &st, &why), LCC_OK);
  /* Reported at the first (delta) frame, repeated while waiting, and at the loss. */
  CHECK(res.need_reports >= 2);
  CHECK_EQ_INT(res.need_at_loss, 1);
  CHECK_EQ_INT(st.video_frames, 75);
  CHECK_EQ_INT(st.keyframes, 3);
  CHECK_EQ_INT(st.dropped_frames, 29 + 15);
  CHECK_EQ_INT(st.audio_packets, NAUDIO);
  CHECK(st.duration_ms >= 3990 && st.duration_ms <= 4010);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (uint64_t)sb.st_size == st.bytes);
  check_probe(path, true);
  check_probe(copy, false);

  check_layout(path, copy);
  check_cut(path);

  /* The tags went in. */
  char cmd[256];
  snprintf(cmd, sizeof cmd, "ffprobe -v error -show_entries format_tags -of default=nw=1 '%s'", path);
  char *out = run(cmd, NULL);
  CHECK(out && strstr(out, "CALL_ID=call-1") && strstr(out, "PARTY=visitor"));
  free(out);

  /* Never overwrites. */
  w = lcc_webm_open(path, &info, &why);
  CHECK(w == NULL);
  CHECK(strstr(why.msg, "overwrite") != NULL);
}

static void test_options(void) {
  lcc_why why;
  char path[128];
  snprintf(path, sizeof path, "%s/bad.webm", tmpdir);
  lcc_webm_info bad = {.channels = 3};
  CHECK(lcc_webm_open(path, &bad, &why) == NULL);
  CHECK(lcc_webm_open(path, NULL, &why) == NULL);
  lcc_webm_info big = {.width = 20000};
  CHECK(lcc_webm_open(path, &big, &why) == NULL);
  CHECK(access(path, F_OK) != 0);
  lcc_webm_info ok = {0};
  CHECK(lcc_webm_open("/nonexistent-dir/x.webm", &ok, &why) == NULL);
  CHECK(strstr(why.msg, "cannot create") != NULL);
  lcc_webm_destroy(NULL);

  /* A file that never got a packet still closes (FFmpeg's own demuxer will
   * not open a WebM without a cluster, so the caller may delete it);
   * a malformed Opus packet or VP8 payload is refused and counted. */
  lcc_webm *w = lcc_webm_open(path, &ok, &why);
  CHECK(w != NULL);
  CHECK_EQ_INT(lcc_webm_audio(w, 0, (const uint8_t *)"", 0, 0, &why), LCC_ERR_PACKET_INVALID);
  bool need;
  CHECK_EQ_INT(lcc_webm_video_rtp(w, (const uint8_t *)"\x90", 1, 1, 0, true, 0, &need, &why),
               LCC_ERR_PACKET_INVALID);
  lcc_webm_stats st;
  CHECK_EQ_INT(lcc_webm_close(w, &st, &why), LCC_OK);
  CHECK_EQ_INT(st.audio_dropped, 1);
  CHECK_EQ_INT(st.video_frames + st.audio_packets, 0);
  CHECK(access(path, F_OK) == 0);
}

/* A disk that fills up: writes fail with EFBIG under RLIMIT_FSIZE. */
static void test_disk_full(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/full.webm", tmpdir);
  lcc_why why;
  lcc_webm_info info = {0};
  lcc_webm *w = lcc_webm_open(path, &info, &why);
  CHECK(w != NULL);
  if (!w) return;
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 4000;
  signal(SIGXFSZ, SIG_IGN);
  setrlimit(RLIMIT_FSIZE, &lim);
  lcc_err e = LCC_OK;
  for (int k = 0; k < NAUDIO && e == LCC_OK; k++) {
    e = lcc_webm_audio(w, (uint32_t)k * 960, audio[k].data, (size_t)audio[k].len, (uint64_t)k * 20000, &why);
    if (e == LCC_OK && k % 10 == 9) e = lcc_webm_flush(w, &why);
  }
  CHECK_EQ_INT(e, LCC_ERR_RECORDING_FAILED);
  CHECK(strstr(why.msg, "File too large") != NULL);
  /* Sticky: later calls fail the same way. */
  CHECK_EQ_INT(lcc_webm_audio(w, 0, audio[0].data, (size_t)audio[0].len, 0, &why), LCC_ERR_RECORDING_FAILED);
  CHECK_EQ_INT(lcc_webm_flush(w, &why), LCC_ERR_RECORDING_FAILED);
  lcc_webm_destroy(w);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_DFL);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/webm_test.XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  bool media = encode_video() && encode_audio();
  CHECK(media);
  if (media) {
    test_recording();
    test_stereo_audio_only();
    test_options();
    test_disk_full();
  }
  for (int f = 0; f < NFRAMES; f++) free(frames[f].data);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (getenv("LCC_WEBM_KEEP")) printf("files kept in %s\n", tmpdir); /* for mkvinfo and players */
  else if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  return check_done("webm_test");
}
