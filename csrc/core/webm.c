/* Per-party WebM writer over libavformat's webm muxer (see webm.h for the
 * timeline and header model). libavformat writes through our own AVIOContext
 * onto a file descriptor we opened with O_EXCL, so we can fsync it, count its
 * bytes and keep the errno of a failed write.
 * Thread: the recorder thread that owns the writer. */
#include "webm.h"

#include <errno.h>
#include <fcntl.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ogg_opus.h"
#include "vp8.h"

#define IO_BUF 65536
#define HOLD_MAX 512
#define OPUS_PRE_SKIP LCC_OGG_OPUS_PRE_SKIP
/* RFC 7845 §4.6 / Matroska Opus mapping: 80 ms of pre-roll after a seek. */
#define OPUS_SEEK_PREROLL 3840
#define MAX_TAG 1024

/* Maps one stream's RTP timestamps onto the recording's timeline (µs). */
typedef struct {
  bool anchored;
  bool reanchor; /* new source: place the next packet by its arrival */
  int64_t ext;   /* newest timestamp, unwrapped */
  int64_t anchor_ext;
  int64_t anchor_us;
  int64_t last_us; /* newest pts written (or held) */
  bool wrote;
  uint32_t rate;
} clock_map;

struct lcc_webm {
  int fd;
  AVFormatContext *ctx;
  AVIOContext *io;
  AVPacket *pkt;
  lcc_vp8_depack *vp8;
  AVStream *vs, *as;
  bool header_done;
  bool have_size, have_channels;
  int width, height, channels;
  char *tags[3]; /* CALL_ID, PARTY, START_TIME (copies) */
  AVPacket *held[HOLD_MAX];
  size_t nheld;
  clock_map vclock, aclock;
  bool pli_sent;
  uint64_t last_pli_us;
  int64_t end_us;
  int io_errno;       /* first failed write(2) */
  uint64_t bytes;     /* file size */
  int64_t pos;        /* our write offset */
  lcc_err failed;     /* sticky once a write failed */
  char fail_msg[200];
  lcc_webm_stats stats;
};

static void quiet_ffmpeg(void) { av_log_set_level(AV_LOG_QUIET); }

/* FFmpeg must not print: its log level is process-wide, set once. */
static void init_once(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, quiet_ffmpeg);
}

static int io_write(void *opaque, uint8_t *buf, int size) {
  lcc_webm *w = opaque;
  size_t done = 0;
  while (done < (size_t)size) {
    ssize_t n = write(w->fd, buf + done, (size_t)size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!w->io_errno) w->io_errno = n < 0 ? errno : ENOSPC;
      return AVERROR(w->io_errno);
    }
    done += (size_t)n;
  }
  w->pos += size;
  if ((uint64_t)w->pos > w->bytes) w->bytes = (uint64_t)w->pos;
  return size;
}

/* Seekable output lets the muxer fill in the duration and cues at close. */
static int64_t io_seek(void *opaque, int64_t off, int whence) {
  lcc_webm *w = opaque;
  if (whence & AVSEEK_SIZE) return (int64_t)w->bytes;
  off_t r = lseek(w->fd, (off_t)off, whence & ~AVSEEK_FORCE);
  if (r < 0) return AVERROR(errno);
  w->pos = r;
  return r;
}

/* Turns a libavformat result into our error, remembering the first failure. */
static lcc_err check_av(lcc_webm *w, int ret, const char *what, lcc_why *why) {
  if (w->failed) return lcc_fail(why, w->failed, "%s", w->fail_msg);
  if (ret >= 0 && !w->io_errno && !(w->ctx->pb && w->ctx->pb->error)) return LCC_OK;
  if (w->io_errno) {
    snprintf(w->fail_msg, sizeof w->fail_msg, "recording %s failed: %s", what, strerror(w->io_errno));
  } else {
    char e[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(ret < 0 ? ret : w->ctx->pb->error, e, sizeof e);
    snprintf(w->fail_msg, sizeof w->fail_msg, "recording %s failed: %s", what, e);
  }
  w->failed = LCC_ERR_RECORDING_FAILED;
  return lcc_fail(why, w->failed, "%s", w->fail_msg);
}

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

/* RFC 7845 §5.1 OpusHead, which the Matroska Opus mapping takes as
 * CodecPrivate; mapping family 0 (mono or stereo). */
static int set_opus_head(AVCodecParameters *par, int channels) {
  par->extradata = av_mallocz(19 + AV_INPUT_BUFFER_PADDING_SIZE);
  if (!par->extradata) return AVERROR(ENOMEM);
  uint8_t *p = par->extradata;
  memcpy(p, "OpusHead", 8);
  p[8] = 1;
  p[9] = (uint8_t)channels;
  put_le16(p + 10, OPUS_PRE_SKIP);
  put_le16(p + 12, 48000 & 0xFFFF);
  put_le16(p + 14, 48000 >> 16);
  par->extradata_size = 19;
  return 0;
}

static lcc_err add_streams(lcc_webm *w, lcc_why *why) {
  w->vs = avformat_new_stream(w->ctx, NULL);
  w->as = avformat_new_stream(w->ctx, NULL);
  if (!w->vs || !w->as) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM streams");
  AVCodecParameters *v = w->vs->codecpar, *a = w->as->codecpar;
  v->codec_type = AVMEDIA_TYPE_VIDEO;
  v->codec_id = AV_CODEC_ID_VP8;
  w->vs->time_base = (AVRational){1, 1000};
  a->codec_type = AVMEDIA_TYPE_AUDIO;
  a->codec_id = AV_CODEC_ID_OPUS;
  a->sample_rate = 48000;
  /* The muxer writes CodecDelay from this and shifts timestamps by it. */
  a->initial_padding = OPUS_PRE_SKIP;
  a->seek_preroll = OPUS_SEEK_PREROLL;
  w->as->time_base = (AVRational){1, 1000};
  return LCC_OK;
}

static bool tag_ok(const char *s) { return !s || strnlen(s, MAX_TAG + 1) <= MAX_TAG; }

static lcc_err copy_tags(lcc_webm *w, const lcc_webm_info *info, lcc_why *why) {
  const char *src[3] = {info->call_id, info->party, info->start_time};
  for (int i = 0; i < 3; i++) {
    if (!src[i]) continue;
    w->tags[i] = strdup(src[i]);
    if (!w->tags[i]) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM tags");
  }
  return LCC_OK;
}

static lcc_err check_info(const lcc_webm_info *info, lcc_why *why) {
  if (!info) return lcc_fail(why, LCC_ERR_INVALID_OPTION, "info is required");
  if (info->channels < 0 || info->channels > 2)
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "channels must be 0, 1 or 2");
  if (info->width < 0 || info->width > 16383 || info->height < 0 || info->height > 16383)
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "width and height must be 0..16383");
  if (!tag_ok(info->call_id) || !tag_ok(info->party) || !tag_ok(info->start_time))
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "tags must be at most %d bytes", MAX_TAG);
  return LCC_OK;
}

static lcc_err setup_av(lcc_webm *w, lcc_why *why) {
  if (avformat_alloc_output_context2(&w->ctx, NULL, "webm", NULL) < 0 || !w->ctx)
    return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM muxer");
  uint8_t *buf = av_malloc(IO_BUF);
  if (!buf) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM I/O buffer");
  w->io = avio_alloc_context(buf, IO_BUF, 1, w, NULL, io_write, io_seek);
  if (!w->io) {
    av_free(buf);
    return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM I/O");
  }
  w->ctx->pb = w->io;
  w->ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  /* A stream that stalls holds the other back at most 1 s (but see flush). */
  w->ctx->max_interleave_delta = 1000000;
  w->pkt = av_packet_alloc();
  w->vp8 = lcc_vp8_depack_create(why);
  if (!w->pkt || !w->vp8) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM packets");
  return add_streams(w, why);
}

lcc_webm *lcc_webm_open(const char *path, const lcc_webm_info *info, lcc_why *why) {
  if (check_info(info, why) != LCC_OK) return NULL;
  init_once();
  lcc_webm *w = calloc(1, sizeof *w);
  if (!w) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM writer");
    return NULL;
  }
  w->fd = -1;
  w->vclock.rate = 90000;
  w->aclock.rate = 48000;
  w->channels = info->channels;
  w->have_channels = info->channels != 0;
  w->width = info->width ? info->width : 640;
  w->height = info->height ? info->height : 360;
  if (copy_tags(w, info, why) != LCC_OK || setup_av(w, why) != LCC_OK) goto fail;
  w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    int err = errno;
    lcc_fail(why, LCC_ERR_RECORDING_FAILED, "cannot create %s: %s%s", path, strerror(err),
             err == EEXIST ? " (refusing to overwrite)" : "");
    goto fail;
  }
  return w;
fail:
  lcc_webm_destroy(w);
  return NULL;
}

static void set_tags(lcc_webm *w) {
  static const char *const keys[3] = {"CALL_ID", "PARTY", "START_TIME"};
  for (int i = 0; i < 3; i++)
    if (w->tags[i]) av_dict_set(&w->ctx->metadata, keys[i], w->tags[i], 0);
}

static lcc_err write_pkt(lcc_webm *w, AVPacket *p, lcc_why *why) {
  AVStream *st = w->ctx->streams[p->stream_index];
  /* Held and new packets carry µs until the muxer has fixed its time base. */
  av_packet_rescale_ts(p, AV_TIME_BASE_Q, st->time_base);
  return check_av(w, av_interleaved_write_frame(w->ctx, p), "write", why);
}

static lcc_err write_header(lcc_webm *w, lcc_why *why) {
  AVCodecParameters *v = w->vs->codecpar, *a = w->as->codecpar;
  v->width = w->width;
  v->height = w->height;
  int ch = w->channels ? w->channels : 1;
  av_channel_layout_default(&a->ch_layout, ch);
  if (set_opus_head(a, ch) < 0) return lcc_fail(why, LCC_ERR_NO_MEMORY, "OpusHead");
  set_tags(w);
  AVDictionary *opts = NULL;
  /* A cluster at least every second bounds what a crash loses between flushes. */
  av_dict_set(&opts, "cluster_time_limit", "1000", 0);
  int ret = avformat_write_header(w->ctx, &opts);
  av_dict_free(&opts);
  w->header_done = true;
  lcc_err e = check_av(w, ret, "header", why);
  for (size_t i = 0; i < w->nheld; i++) {
    if (e == LCC_OK) e = write_pkt(w, w->held[i], why);
    av_packet_free(&w->held[i]);
  }
  w->nheld = 0;
  return e;
}

/* Takes w->pkt (pts in µs): writes it, or holds it until the header is due. */
static lcc_err submit(lcc_webm *w, lcc_why *why) {
  if (w->failed) return lcc_fail(why, w->failed, "%s", w->fail_msg);
  if (w->header_done) return write_pkt(w, w->pkt, why);
  AVPacket *p = av_packet_alloc();
  if (!p) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM held packet");
  av_packet_move_ref(p, w->pkt);
  w->held[w->nheld++] = p;
  bool ready = w->have_size && w->have_channels;
  bool full = w->nheld == HOLD_MAX || p->pts - w->held[0]->pts >= LCC_WEBM_HOLD_US;
  if (ready || full) return write_header(w, why);
  return LCC_OK;
}

static int64_t clock_extend(clock_map *c, uint32_t ts) {
  c->ext += (int32_t)(ts - (uint32_t)c->ext);
  return c->ext;
}

/* Places the first packet (or a new source's) by its arrival time. */
static void clock_anchor(clock_map *c, uint32_t ts, uint64_t arrival_us) {
  if (c->anchored && !c->reanchor) return;
  int64_t at = (int64_t)arrival_us;
  if (c->wrote && at <= c->last_us) at = c->last_us + 1000; /* never before what is written */
  c->anchored = true;
  c->reanchor = false;
  c->ext = ts;
  c->anchor_ext = ts;
  c->anchor_us = at;
}

static int64_t clock_us(clock_map *c, uint32_t ts) {
  int64_t d = clock_extend(c, ts) - c->anchor_ext;
  return c->anchor_us + d * 1000000 / (int64_t)c->rate;
}

static void note_end(lcc_webm *w, int64_t end_us) {
  if (end_us > w->end_us) w->end_us = end_us;
}

static lcc_err video_frame(lcc_webm *w, const lcc_vp8_frame *f, lcc_why *why) {
  int64_t pts = clock_us(&w->vclock, f->rtp_ts);
  if (w->vclock.wrote && pts < w->vclock.last_us) {
    w->stats.dropped_frames++; /* timestamps went back: the muxer would refuse it */
    return LCC_OK;
  }
  if (f->keyframe && !w->have_size) {
    w->have_size = true;
    w->width = f->width;
    w->height = f->height;
  }
  if (av_new_packet(w->pkt, (int)f->len) < 0) return lcc_fail(why, LCC_ERR_NO_MEMORY, "VP8 frame");
  memcpy(w->pkt->data, f->data, f->len);
  w->pkt->pts = w->pkt->dts = pts;
  w->pkt->stream_index = w->vs->index;
  if (f->keyframe) w->pkt->flags |= AV_PKT_FLAG_KEY;
  w->vclock.wrote = true;
  w->vclock.last_us = pts;
  note_end(w, pts);
  w->stats.video_frames++;
  if (f->keyframe) w->stats.keyframes++;
  return submit(w, why);
}

/* Asks for a keyframe, but not more often than LCC_WEBM_PLI_INTERVAL_US. */
static bool want_pli(lcc_webm *w, uint64_t now) {
  if (w->pli_sent && now - w->last_pli_us < LCC_WEBM_PLI_INTERVAL_US) return false;
  w->pli_sent = true;
  w->last_pli_us = now;
  return true;
}

lcc_err lcc_webm_video_rtp(lcc_webm *w, const uint8_t *rtp_payload, size_t len, uint16_t seq,
                           uint32_t ts, bool marker, uint64_t arrival_us, bool *need_keyframe,
                           lcc_why *why) {
  *need_keyframe = false;
  if (w->failed) return lcc_fail(why, w->failed, "%s", w->fail_msg);
  lcc_vp8_stats before, after;
  lcc_vp8_depack_get_stats(w->vp8, &before);
  lcc_vp8_frame f;
  bool ready, need;
  lcc_err e = lcc_vp8_depack_push(w->vp8, rtp_payload, len, seq, ts, marker, &f, &ready, &need, why);
  lcc_vp8_depack_get_stats(w->vp8, &after);
  w->stats.dropped_frames += after.dropped - before.dropped;
  if (len > 0 && after.late == before.late) clock_anchor(&w->vclock, ts, arrival_us);
  if (need) *need_keyframe = want_pli(w, arrival_us);
  if (ready) {
    w->pli_sent = false; /* a keyframe or a good frame: the next loss asks at once */
    lcc_err we = video_frame(w, &f, why);
    if (we != LCC_OK) return we;
  }
  return e;
}

lcc_err lcc_webm_audio(lcc_webm *w, uint32_t ts, const uint8_t *opus, size_t len,
                       uint64_t arrival_us, lcc_why *why) {
  if (w->failed) return lcc_fail(why, w->failed, "%s", w->fail_msg);
  uint32_t samples;
  lcc_err e = lcc_opus_packet_samples(opus, len, &samples, why);
  if (e == LCC_OK && len > LCC_OGG_OPUS_MAX_PACKET)
    e = lcc_fail(why, LCC_ERR_PACKET_INVALID, "Opus packet of %zu bytes", len);
  if (e != LCC_OK) {
    w->stats.audio_dropped++;
    return e;
  }
  clock_anchor(&w->aclock, ts, arrival_us);
  int64_t pts = clock_us(&w->aclock, ts);
  if (w->aclock.wrote && pts <= w->aclock.last_us) {
    w->stats.audio_dropped++; /* late or duplicate */
    return LCC_OK;
  }
  if (!w->have_channels) {
    w->have_channels = true;
    w->channels = (opus[0] & 0x04) ? 2 : 1; /* TOC stereo bit, RFC 6716 §3.1 */
  }
  if (av_new_packet(w->pkt, (int)len) < 0) return lcc_fail(why, LCC_ERR_NO_MEMORY, "Opus packet");
  memcpy(w->pkt->data, opus, len);
  w->pkt->pts = w->pkt->dts = pts;
  w->pkt->duration = (int64_t)samples * 1000000 / 48000;
  w->pkt->stream_index = w->as->index;
  w->pkt->flags |= AV_PKT_FLAG_KEY;
  w->aclock.wrote = true;
  w->aclock.last_us = pts;
  note_end(w, pts + w->pkt->duration);
  w->stats.audio_packets++;
  return submit(w, why);
}

void lcc_webm_new_source(lcc_webm *w, lcc_webm_stream stream) {
  (stream == LCC_WEBM_VIDEO ? &w->vclock : &w->aclock)->reanchor = true;
}

static lcc_err sync_file(lcc_webm *w, lcc_why *why) {
  if (fsync(w->fd) == 0 || errno == EINVAL || errno == EROFS) return LCC_OK; /* not a regular file */
  w->io_errno = errno;
  return check_av(w, 0, "fsync", why);
}

lcc_err lcc_webm_flush(lcc_webm *w, lcc_why *why) {
  if (w->failed) return lcc_fail(why, w->failed, "%s", w->fail_msg);
  if (!w->header_done) return LCC_OK; /* nothing in the file yet */
  /* libavformat never lets a VP8 stream with no packets yet (camera off)
   * count as stalled, so its interleaving queue would keep all the audio
   * until close: drain it here. Packets of the other stream that come later
   * with earlier times land in the next cluster slightly out of order, which
   * Matroska allows (block times are relative to the cluster, signed). Then
   * NULL closes the muxer's open cluster (webm has AVFMT_ALLOW_FLUSH). */
  lcc_err e = check_av(w, av_interleaved_write_frame(w->ctx, NULL), "flush", why);
  if (e == LCC_OK) e = check_av(w, av_write_frame(w->ctx, NULL), "flush", why);
  if (e != LCC_OK) return e;
  avio_flush(w->io);
  e = check_av(w, 0, "flush", why);
  return e != LCC_OK ? e : sync_file(w, why);
}

void lcc_webm_get_stats(const lcc_webm *w, lcc_webm_stats *out) {
  *out = w->stats;
  out->duration_ms = w->end_us > 0 ? (uint64_t)w->end_us / 1000 : 0;
  out->bytes = w->bytes;
}

static lcc_err finish(lcc_webm *w, lcc_why *why) {
  if (w->failed) return lcc_fail(why, w->failed, "%s", w->fail_msg);
  lcc_err e = w->header_done ? LCC_OK : write_header(w, why);
  if (e != LCC_OK) return e;
  e = check_av(w, av_write_trailer(w->ctx), "trailer", why);
  if (e != LCC_OK) return e;
  avio_flush(w->io);
  e = check_av(w, 0, "trailer", why);
  return e != LCC_OK ? e : sync_file(w, why);
}

lcc_err lcc_webm_close(lcc_webm *w, lcc_webm_stats *out, lcc_why *why) {
  lcc_err e = finish(w, why);
  if (out) lcc_webm_get_stats(w, out);
  int fd = w->fd;
  w->fd = -1;
  lcc_webm_destroy(w);
  if (close(fd) != 0 && e == LCC_OK)
    e = lcc_fail(why, LCC_ERR_RECORDING_FAILED, "recording close failed: %s", strerror(errno));
  return e;
}

void lcc_webm_destroy(lcc_webm *w) {
  if (!w) return;
  for (size_t i = 0; i < w->nheld; i++) av_packet_free(&w->held[i]);
  av_packet_free(&w->pkt);
  lcc_vp8_depack_destroy(w->vp8);
  if (w->io) {
    av_freep(&w->io->buffer);
    avio_context_free(&w->io);
  }
  if (w->ctx) {
    w->ctx->pb = NULL;
    avformat_free_context(w->ctx);
  }
  for (int i = 2; i >= 0; i--) free(w->tags[i]);
  if (w->fd >= 0) close(w->fd);
  free(w);
}
