/* Per-party WebM writer of our own (see webm.h for the layout, timeline and
 * header model): EBML elements are built in memory buffers and written with
 * write(2) onto a descriptor opened with O_EXCL, so we can count bytes, fsync
 * and keep the errno of a failed write. Element IDs and types follow
 * https://www.matroska.org/technical/elements.html and the WebM guidelines.
 * Leaves to others: lacing, BlockGroups, chapters, attachments; more than
 * one video and one audio track. Thread: the recorder thread that owns it. */
#include "webm.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ogg_opus.h"
#include "proto/vp8.h"

/* Element IDs (with their length marker bits, as they appear in the file). */
enum {
  ID_EBML = 0x1A45DFA3, ID_EBML_VERSION = 0x4286, ID_EBML_READ_VERSION = 0x42F7,
  ID_EBML_MAX_ID = 0x42F2, ID_EBML_MAX_SIZE = 0x42F3, ID_DOCTYPE = 0x4282,
  ID_DOCTYPE_VERSION = 0x4287, ID_DOCTYPE_READ_VERSION = 0x4285,
  ID_SEGMENT = 0x18538067, ID_SEEKHEAD = 0x114D9B74, ID_SEEK = 0x4DBB, ID_SEEK_ID = 0x53AB,
  ID_SEEK_POS = 0x53AC, ID_INFO = 0x1549A966, ID_TIMESTAMP_SCALE = 0x2AD7B1,
  ID_MUXING_APP = 0x4D80, ID_WRITING_APP = 0x5741, ID_DURATION = 0x4489,
  ID_TRACKS = 0x1654AE6B, ID_TRACK_ENTRY = 0xAE, ID_TRACK_NUMBER = 0xD7, ID_TRACK_UID = 0x73C5,
  ID_TRACK_TYPE = 0x83, ID_FLAG_LACING = 0x9C, ID_CODEC_ID = 0x86, ID_CODEC_PRIVATE = 0x63A2,
  ID_CODEC_DELAY = 0x56AA, ID_SEEK_PREROLL = 0x56BB, ID_VIDEO = 0xE0, ID_PIXEL_WIDTH = 0xB0,
  ID_PIXEL_HEIGHT = 0xBA, ID_AUDIO = 0xE1, ID_SAMPLING_FREQ = 0xB5, ID_CHANNELS = 0x9F,
  ID_TAGS = 0x1254C367, ID_TAG = 0x7373, ID_TARGETS = 0x63C0, ID_SIMPLE_TAG = 0x67C8,
  ID_TAG_NAME = 0x45A3, ID_TAG_STRING = 0x4487, ID_CLUSTER = 0x1F43B675, ID_TIMESTAMP = 0xE7,
  ID_SIMPLE_BLOCK = 0xA3, ID_CUES = 0x1C53BB6B, ID_CUE_POINT = 0xBB, ID_CUE_TIME = 0xB3,
  ID_CUE_TRACK_POSITIONS = 0xB7, ID_CUE_TRACK = 0xF7, ID_CUE_CLUSTER_POS = 0xF1, ID_VOID = 0xEC,
};

#define TRACK_VIDEO 1
#define TRACK_AUDIO 2
#define HOLD_MAX 1024 /* queued blocks, whatever their span */
#define MAX_TAG 1024
#define OPUS_PRE_SKIP LCC_OGG_OPUS_PRE_SKIP
/* Matroska Opus mapping: CodecDelay is the pre-skip in ns (312 samples at
 * 48 kHz = 6.5 ms) and block times include it; SeekPreRoll is 80 ms. */
#define OPUS_CODEC_DELAY_NS 6500000
#define OPUS_SEEK_PREROLL_NS 80000000
#define SEEKHEAD_ROOM 96 /* reserved after the segment header, patched at close */
#define DURATION_ROOM 11 /* ID (2) + size (1) + float64 (8) */
#define CLUSTER_HDR 12   /* ID (4) + 8-byte size, patched when the cluster ends */

/* A growable byte buffer; an allocation failure is remembered in oom. */
typedef struct {
  uint8_t *p;
  size_t len, cap;
  bool oom;
} buf;

/* Maps one stream's RTP timestamps onto the recording's timeline (µs). */
typedef struct {
  bool anchored;
  bool reanchor; /* new source: place the next packet by its arrival */
  int64_t ext;   /* newest timestamp, unwrapped */
  int64_t anchor_ext;
  int64_t anchor_us;
  int64_t last_us; /* newest pts accepted */
  bool wrote;
  uint32_t rate;
} clock_map;

/* A block waiting for the header or for the other stream. Owns data. */
typedef struct {
  int64_t pts_us; /* block time: presentation, plus the codec delay for Opus */
  uint8_t track;
  bool key;
  size_t len;
  uint8_t *data;
} block;

typedef struct {
  int64_t ms;
  uint64_t pos; /* cluster offset from the segment's data start */
  uint8_t track;
} cue;

struct lcc_webm {
  int fd;
  lcc_vp8_depack *vp8;
  bool header_done;
  bool have_size, have_channels;
  int width, height, channels;
  char *tags[3]; /* CALL_ID, PARTY, START_TIME (copies) */
  block *q;      /* sorted by pts_us, stable */
  size_t nq, capq;
  int64_t qlast[3]; /* per track: newest pts queued; INT64_MIN: none yet */
  clock_map vclock, aclock;
  bool pli_sent;
  uint64_t last_pli_us;
  int64_t end_us;
  /* File layout, as offsets in the file. */
  uint64_t seg_data;      /* first byte of the segment's data */
  uint64_t seekhead_at, duration_at, info_at, tracks_at, tags_at;
  uint64_t pos;           /* where the next write goes (end of file) */
  buf cluster;            /* the cluster being built (len 0: none open) */
  int64_t cluster_ms;
  int64_t last_ms;        /* newest block time written, file-wide */
  cue *cues;
  size_t ncues, capcues;
  lcc_err failed; /* sticky once a write failed */
  char fail_msg[200];
  lcc_webm_stats stats;
};

/* ---- EBML encoding ---- */

static void buf_put(buf *b, const void *data, size_t n) {
  if (b->oom) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, data, n);
  b->len += n;
}

static void buf_free(buf *b) {
  free(b->p);
  *b = (buf){0};
}

/* Big-endian, the n low bytes of v. */
static void put_be(buf *b, uint64_t v, int n) {
  uint8_t t[8];
  for (int i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
  buf_put(b, t, (size_t)n);
}

static void put_id(buf *b, uint32_t id) {
  int n = id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
  put_be(b, id, n);
}

/* A data size as the shortest vint (all ones is reserved for "unknown"). */
static void put_size(buf *b, uint64_t n) {
  int len = 1;
  while (len < 8 && n >= (1ull << (7 * len)) - 1) len++;
  put_be(b, n | (1ull << (7 * len)), len);
}

/* A size in exactly 8 bytes, for sizes patched later. */
static void set_size8(uint8_t *p, uint64_t n) {
  p[0] = 0x01;
  for (int i = 1; i < 8; i++) p[i] = (uint8_t)(n >> (8 * (7 - i)));
}

static void el_uint(buf *b, uint32_t id, uint64_t v) {
  int n = 1;
  while (n < 8 && (v >> (8 * n)) != 0) n++;
  put_id(b, id);
  put_size(b, (uint64_t)n);
  put_be(b, v, n);
}

static void el_float(buf *b, uint32_t id, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  put_id(b, id);
  put_size(b, 8);
  put_be(b, bits, 8);
}

static void el_bin(buf *b, uint32_t id, const void *data, size_t n) {
  put_id(b, id);
  put_size(b, n);
  buf_put(b, data, n);
}

static void el_str(buf *b, uint32_t id, const char *s) { el_bin(b, id, s, strlen(s)); }

/* A master element around what child holds; frees child. */
static void el_master(buf *b, uint32_t id, buf *child) {
  if (child->oom) b->oom = true;
  el_bin(b, id, child->p, child->len);
  buf_free(child);
}

/* A Void element filling exactly n bytes (2 <= n <= 128). */
static void el_void(buf *b, size_t n) {
  put_id(b, ID_VOID);
  put_size(b, n - 2);
  for (size_t i = 0; i < n - 2; i++) buf_put(b, "", 1);
}

/* ---- file I/O ---- */

static lcc_err failed(lcc_webm *w, lcc_why *why) {
  return lcc_fail(why, w->failed, "%s", w->fail_msg);
}

static lcc_err set_failed(lcc_webm *w, const char *what, int err, lcc_why *why) {
  snprintf(w->fail_msg, sizeof w->fail_msg, "recording %s failed: %s", what, strerror(err));
  w->failed = LCC_ERR_RECORDING_FAILED;
  return failed(w, why);
}

/* Writes n bytes at offset off (pwrite: patches do not move pos). */
static lcc_err file_write(lcc_webm *w, uint64_t off, const void *data, size_t n, lcc_why *why) {
  if (w->failed) return failed(w, why);
  size_t done = 0;
  while (done < n) {
    ssize_t r = pwrite(w->fd, (const uint8_t *)data + done, n - done, (off_t)(off + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return set_failed(w, "write", r < 0 ? errno : ENOSPC, why);
    done += (size_t)r;
  }
  if (off + n > w->stats.bytes) w->stats.bytes = off + n;
  return LCC_OK;
}

/* Appends a whole buffer at the end of the file; frees it. */
static lcc_err file_append(lcc_webm *w, buf *b, lcc_why *why) {
  lcc_err e = b->oom ? lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM buffer")
                     : file_write(w, w->pos, b->p, b->len, why);
  if (e == LCC_OK) w->pos += b->len;
  buf_free(b);
  return e;
}

static lcc_err sync_file(lcc_webm *w, lcc_why *why) {
  if (fsync(w->fd) == 0 || errno == EINVAL || errno == EROFS) return LCC_OK; /* not a regular file */
  return set_failed(w, "fsync", errno, why);
}

/* ---- header ---- */

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_ebml_header(buf *b) {
  buf h = {0};
  el_uint(&h, ID_EBML_VERSION, 1);
  el_uint(&h, ID_EBML_READ_VERSION, 1);
  el_uint(&h, ID_EBML_MAX_ID, 4);
  el_uint(&h, ID_EBML_MAX_SIZE, 8);
  el_str(&h, ID_DOCTYPE, "webm");
  el_uint(&h, ID_DOCTYPE_VERSION, 4);
  el_uint(&h, ID_DOCTYPE_READ_VERSION, 2);
  el_master(b, ID_EBML, &h);
}

/* Info, with room for Duration (a Void now, patched at close). */
static void put_info(lcc_webm *w, buf *b) {
  buf i = {0};
  el_uint(&i, ID_TIMESTAMP_SCALE, 1000000);
  el_str(&i, ID_MUXING_APP, "livechat-calls");
  el_str(&i, ID_WRITING_APP, "livechat-calls");
  el_void(&i, DURATION_ROOM); /* last in Info, so it ends where Info ends */
  w->info_at = w->pos + b->len;
  el_master(b, ID_INFO, &i);
  w->duration_at = w->pos + b->len - DURATION_ROOM;
}

/* RFC 7845 §5.1 OpusHead, the Matroska Opus CodecPrivate; mapping family 0. */
static void put_opus_track(lcc_webm *w, buf *b) {
  uint8_t head[19] = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, (uint8_t)w->channels};
  put_le16(head + 10, OPUS_PRE_SKIP);
  put_le16(head + 12, 48000 & 0xFFFF);
  put_le16(head + 14, 48000 >> 16);
  buf t = {0}, a = {0};
  el_uint(&t, ID_TRACK_NUMBER, TRACK_AUDIO);
  el_uint(&t, ID_TRACK_UID, TRACK_AUDIO);
  el_uint(&t, ID_TRACK_TYPE, 2);
  el_uint(&t, ID_FLAG_LACING, 0);
  el_str(&t, ID_CODEC_ID, "A_OPUS");
  el_bin(&t, ID_CODEC_PRIVATE, head, sizeof head);
  el_uint(&t, ID_CODEC_DELAY, OPUS_CODEC_DELAY_NS);
  el_uint(&t, ID_SEEK_PREROLL, OPUS_SEEK_PREROLL_NS);
  el_float(&a, ID_SAMPLING_FREQ, 48000.0);
  el_uint(&a, ID_CHANNELS, (uint64_t)w->channels);
  el_master(&t, ID_AUDIO, &a);
  el_master(b, ID_TRACK_ENTRY, &t);
}

static void put_tracks(lcc_webm *w, buf *b) {
  buf tr = {0}, t = {0}, v = {0};
  el_uint(&t, ID_TRACK_NUMBER, TRACK_VIDEO);
  el_uint(&t, ID_TRACK_UID, TRACK_VIDEO);
  el_uint(&t, ID_TRACK_TYPE, 1);
  el_uint(&t, ID_FLAG_LACING, 0);
  el_str(&t, ID_CODEC_ID, "V_VP8");
  el_uint(&v, ID_PIXEL_WIDTH, (uint64_t)w->width);
  el_uint(&v, ID_PIXEL_HEIGHT, (uint64_t)w->height);
  el_master(&t, ID_VIDEO, &v);
  el_master(&tr, ID_TRACK_ENTRY, &t);
  put_opus_track(w, &tr);
  w->tracks_at = w->pos + b->len;
  el_master(b, ID_TRACKS, &tr);
}

/* Segment-wide tags (ffprobe shows them as the format's tags). */
static void put_tags(lcc_webm *w, buf *b) {
  static const char *const keys[3] = {"CALL_ID", "PARTY", "START_TIME"};
  buf tags = {0}, tag = {0};
  buf targets = {0};
  el_master(&tag, ID_TARGETS, &targets);
  bool any = false;
  for (int i = 0; i < 3; i++) {
    if (!w->tags[i]) continue;
    buf st = {0};
    el_str(&st, ID_TAG_NAME, keys[i]);
    el_str(&st, ID_TAG_STRING, w->tags[i]);
    el_master(&tag, ID_SIMPLE_TAG, &st);
    any = true;
  }
  if (!any) {
    buf_free(&tag);
    return;
  }
  el_master(&tags, ID_TAG, &tag);
  w->tags_at = w->pos + b->len;
  el_master(b, ID_TAGS, &tags);
}

static lcc_err release(lcc_webm *w, bool all, lcc_why *why);

static lcc_err write_header(lcc_webm *w, lcc_why *why) {
  if (!w->channels) w->channels = 1;
  buf b = {0};
  put_ebml_header(&b);
  put_id(&b, ID_SEGMENT);
  put_be(&b, 0x01FFFFFFFFFFFFFFull, 8); /* unknown size until close */
  w->seg_data = w->pos + b.len;
  w->seekhead_at = w->seg_data;
  el_void(&b, SEEKHEAD_ROOM);
  put_info(w, &b);
  put_tracks(w, &b);
  put_tags(w, &b);
  w->header_done = true;
  lcc_err e = file_append(w, &b, why);
  return e != LCC_OK ? e : release(w, false, why);
}

/* ---- clusters ---- */

static lcc_err add_cue(lcc_webm *w, int64_t ms, uint8_t track) {
  if (w->ncues == w->capcues) {
    size_t cap = w->capcues ? 2 * w->capcues : 64;
    cue *c = realloc(w->cues, cap * sizeof *c);
    if (!c) return LCC_ERR_NO_MEMORY;
    w->cues = c;
    w->capcues = cap;
  }
  w->cues[w->ncues++] = (cue){ms, w->pos - w->seg_data, track};
  return LCC_OK;
}

/* Writes the open cluster, if any, with its size. */
static lcc_err end_cluster(lcc_webm *w, lcc_why *why) {
  if (w->cluster.len == 0) return LCC_OK;
  if (!w->cluster.oom) set_size8(w->cluster.p + 4, w->cluster.len - CLUSTER_HDR);
  return file_append(w, &w->cluster, why);
}

static lcc_err start_cluster(lcc_webm *w, int64_t ms, uint8_t track, lcc_why *why) {
  if (add_cue(w, ms, track) != LCC_OK) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM cues");
  put_id(&w->cluster, ID_CLUSTER);
  put_be(&w->cluster, 0, 8); /* size, set by end_cluster */
  el_uint(&w->cluster, ID_TIMESTAMP, (uint64_t)ms);
  w->cluster_ms = ms;
  return LCC_OK;
}

/* Block time in ms, never before what the file already holds (a block that
 * comes after a flush wrote later ones), so clusters stay in order. */
static int64_t block_ms(lcc_webm *w, const block *k) {
  int64_t ms = (k->pts_us + 500) / 1000;
  return ms < w->last_ms ? w->last_ms : ms;
}

static lcc_err write_block(lcc_webm *w, const block *k, lcc_why *why) {
  int64_t ms = block_ms(w, k);
  bool open = w->cluster.len > 0;
  if (open && ((k->track == TRACK_VIDEO && k->key) || ms - w->cluster_ms >= LCC_WEBM_CLUSTER_MS)) {
    lcc_err e = end_cluster(w, why);
    if (e != LCC_OK) return e;
    open = false;
  }
  if (!open) {
    lcc_err e = start_cluster(w, ms, k->track, why);
    if (e != LCC_OK) return e;
  }
  int16_t rel = (int16_t)(ms - w->cluster_ms); /* 0..LCC_WEBM_CLUSTER_MS */
  uint8_t hdr[4] = {(uint8_t)(0x80 | k->track), (uint8_t)((uint16_t)rel >> 8), (uint8_t)rel,
                    k->key ? 0x80 : 0x00};
  put_id(&w->cluster, ID_SIMPLE_BLOCK);
  put_size(&w->cluster, sizeof hdr + k->len);
  buf_put(&w->cluster, hdr, sizeof hdr);
  buf_put(&w->cluster, k->data, k->len);
  w->last_ms = ms;
  if (w->cluster.oom) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM cluster");
  return LCC_OK;
}

/* ---- the queue ---- */

static lcc_err enqueue(lcc_webm *w, int64_t pts, uint8_t track, bool key, const uint8_t *data,
                       size_t len, lcc_why *why) {
  if (w->nq == w->capq) {
    size_t cap = w->capq ? 2 * w->capq : 64;
    block *q = realloc(w->q, cap * sizeof *q);
    if (!q) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM queue");
    w->q = q;
    w->capq = cap;
  }
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM block");
  if (len) memcpy(copy, data, len);
  size_t at = w->nq;
  while (at > 0 && w->q[at - 1].pts_us > pts) at--; /* stable: after equal times */
  memmove(w->q + at + 1, w->q + at, (w->nq - at) * sizeof *w->q);
  w->q[at] = (block){pts, track, key, len, copy};
  w->nq++;
  if (pts > w->qlast[track]) w->qlast[track] = pts;
  return LCC_OK;
}

/* Whether queued block i (all before it written) may go: nothing older can
 * come from the other stream, or it has waited long enough, or the queue is
 * full. */
static bool may_release(const lcc_webm *w, size_t i) {
  int64_t v = w->qlast[TRACK_VIDEO], a = w->qlast[TRACK_AUDIO];
  int64_t newest = v > a ? v : a, both = v < a ? v : a;
  int64_t head = w->q[i].pts_us;
  return head <= both || newest - head >= LCC_WEBM_INTERLEAVE_US || w->nq - i >= HOLD_MAX;
}

/* Writes queued blocks in time order: all of them, or those may_release lets go. */
static lcc_err release(lcc_webm *w, bool all, lcc_why *why) {
  size_t n = 0;
  lcc_err e = LCC_OK;
  while (n < w->nq && e == LCC_OK && (all || may_release(w, n))) {
    e = write_block(w, &w->q[n], why);
    free(w->q[n].data);
    n++;
  }
  if (n) memmove(w->q, w->q + n, (w->nq - n) * sizeof *w->q);
  w->nq -= n;
  return e;
}

/* Takes one block: queues it, writes the header when it is due, then
 * whatever the interleaving lets go. */
static lcc_err submit(lcc_webm *w, int64_t pts, uint8_t track, bool key, const uint8_t *data,
                      size_t len, lcc_why *why) {
  lcc_err e = enqueue(w, pts, track, key, data, len, why);
  if (e != LCC_OK) return e;
  if (w->header_done) return release(w, false, why);
  bool ready = w->have_size && w->have_channels;
  bool full = w->nq >= HOLD_MAX || w->q[w->nq - 1].pts_us - w->q[0].pts_us >= LCC_WEBM_HOLD_US;
  return ready || full ? write_header(w, why) : LCC_OK;
}

/* ---- open ---- */

static bool tag_ok(const char *s) { return !s || strnlen(s, MAX_TAG + 1) <= MAX_TAG; }

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

static lcc_err copy_tags(lcc_webm *w, const lcc_webm_info *info, lcc_why *why) {
  const char *src[3] = {info->call_id, info->party, info->start_time};
  for (int i = 0; i < 3; i++) {
    if (!src[i]) continue;
    w->tags[i] = strdup(src[i]);
    if (!w->tags[i]) return lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM tags");
  }
  return LCC_OK;
}

lcc_webm *lcc_webm_open(const char *path, const lcc_webm_info *info, lcc_why *why) {
  if (check_info(info, why) != LCC_OK) return NULL;
  lcc_webm *w = calloc(1, sizeof *w);
  if (!w) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "WebM writer");
    return NULL;
  }
  w->fd = -1;
  w->vclock.rate = 90000;
  w->aclock.rate = 48000;
  for (int i = 0; i < 3; i++) w->qlast[i] = INT64_MIN;
  w->channels = info->channels;
  w->have_channels = info->channels != 0;
  w->width = info->width ? info->width : 640;
  w->height = info->height ? info->height : 360;
  if (copy_tags(w, info, why) != LCC_OK) goto fail;
  w->vp8 = lcc_vp8_depack_create(why);
  if (!w->vp8) goto fail;
  w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, LCC_REC_FILE_MODE);
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

/* ---- timeline ---- */

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

/* ---- media in ---- */

static lcc_err video_frame(lcc_webm *w, const lcc_vp8_frame *f, lcc_why *why) {
  int64_t pts = clock_us(&w->vclock, f->rtp_ts);
  if (pts < 0 || (w->vclock.wrote && pts <= w->vclock.last_us)) {
    w->stats.dropped_frames++; /* timestamps went back */
    return LCC_OK;
  }
  if (f->keyframe && !w->have_size) {
    w->have_size = true;
    w->width = f->width;
    w->height = f->height;
  }
  w->vclock.wrote = true;
  w->vclock.last_us = pts;
  note_end(w, pts);
  w->stats.video_frames++;
  if (f->keyframe) w->stats.keyframes++;
  return submit(w, pts, TRACK_VIDEO, f->keyframe, f->data, f->len, why);
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
  if (w->failed) return failed(w, why);
  lcc_vp8_stats before, after;
  lcc_vp8_depack_get_stats(w->vp8, &before);
  lcc_vp8_frame f;
  bool ready = false, need = false;
  lcc_err e = lcc_vp8_depack_push(w->vp8, rtp_payload, len, seq, ts, marker, &f, &ready, &need, why);
  lcc_vp8_depack_get_stats(w->vp8, &after);
  w->stats.dropped_frames += after.dropped - before.dropped;
  if (len > 0 && after.late == before.late) clock_anchor(&w->vclock, ts, arrival_us);
  if (need) *need_keyframe = want_pli(w, arrival_us);
  if (ready) {
    w->pli_sent = false; /* a good frame: the next loss asks at once */
    lcc_err we = video_frame(w, &f, why);
    if (we != LCC_OK) return we;
  }
  return e;
}

lcc_err lcc_webm_audio(lcc_webm *w, uint32_t ts, const uint8_t *opus, size_t len,
                       uint64_t arrival_us, lcc_why *why) {
  if (w->failed) return failed(w, why);
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
  if (pts < 0 || (w->aclock.wrote && pts <= w->aclock.last_us)) {
    w->stats.audio_dropped++; /* late or duplicate */
    return LCC_OK;
  }
  if (!w->have_channels) {
    w->have_channels = true;
    w->channels = (opus[0] & 0x04) ? 2 : 1; /* TOC stereo bit, RFC 6716 §3.1 */
  }
  w->aclock.wrote = true;
  w->aclock.last_us = pts;
  note_end(w, pts + (int64_t)samples * 1000000 / 48000);
  w->stats.audio_packets++;
  /* Matroska Opus: block times include the codec delay (players subtract it). */
  return submit(w, pts + OPUS_CODEC_DELAY_NS / 1000, TRACK_AUDIO, true, opus, len, why);
}

void lcc_webm_new_source(lcc_webm *w, lcc_webm_stream stream) {
  (stream == LCC_WEBM_VIDEO ? &w->vclock : &w->aclock)->reanchor = true;
}

lcc_err lcc_webm_flush(lcc_webm *w, lcc_why *why) {
  if (w->failed) return failed(w, why);
  if (!w->header_done) return LCC_OK; /* nothing in the file yet */
  lcc_err e = release(w, true, why);
  if (e == LCC_OK) e = end_cluster(w, why);
  return e != LCC_OK ? e : sync_file(w, why);
}

void lcc_webm_get_stats(const lcc_webm *w, lcc_webm_stats *out) {
  *out = w->stats;
  out->duration_ms = w->end_us > 0 ? (uint64_t)w->end_us / 1000 : 0;
}

/* ---- close ---- */

static lcc_err write_cues(lcc_webm *w, uint64_t *cues_at, lcc_why *why) {
  buf c = {0};
  for (size_t i = 0; i < w->ncues; i++) {
    buf p = {0}, t = {0};
    el_uint(&p, ID_CUE_TIME, (uint64_t)w->cues[i].ms);
    el_uint(&t, ID_CUE_TRACK, w->cues[i].track);
    el_uint(&t, ID_CUE_CLUSTER_POS, w->cues[i].pos);
    el_master(&p, ID_CUE_TRACK_POSITIONS, &t);
    el_master(&c, ID_CUE_POINT, &p);
  }
  *cues_at = w->pos;
  buf b = {0};
  el_master(&b, ID_CUES, &c);
  return file_append(w, &b, why);
}

static void put_seek(buf *b, uint32_t id, uint64_t pos) {
  buf s = {0}, idb = {0};
  put_id(&idb, id);
  el_bin(&s, ID_SEEK_ID, idb.p, idb.len);
  buf_free(&idb);
  el_uint(&s, ID_SEEK_POS, pos);
  el_master(b, ID_SEEK, &s);
}

/* Fills the room left after the segment header: a SeekHead, then a Void. */
static lcc_err patch_seekhead(lcc_webm *w, uint64_t cues_at, lcc_why *why) {
  buf s = {0}, b = {0};
  put_seek(&s, ID_INFO, w->info_at - w->seg_data);
  put_seek(&s, ID_TRACKS, w->tracks_at - w->seg_data);
  if (w->tags_at) put_seek(&s, ID_TAGS, w->tags_at - w->seg_data);
  if (cues_at) put_seek(&s, ID_CUES, cues_at - w->seg_data);
  el_master(&b, ID_SEEKHEAD, &s);
  if (!b.oom && b.len + 2 <= SEEKHEAD_ROOM) el_void(&b, SEEKHEAD_ROOM - b.len);
  lcc_err e = b.oom ? lcc_fail(why, LCC_ERR_NO_MEMORY, "SeekHead")
            : b.len == SEEKHEAD_ROOM ? file_write(w, w->seekhead_at, b.p, b.len, why)
                                     : LCC_OK; /* cannot happen: 4 seeks fit */
  buf_free(&b);
  return e;
}

static lcc_err patch_trailer(lcc_webm *w, uint64_t cues_at, lcc_why *why) {
  buf d = {0};
  el_float(&d, ID_DURATION, (double)w->end_us / 1000.0);
  lcc_err e = d.oom ? lcc_fail(why, LCC_ERR_NO_MEMORY, "Duration")
                    : file_write(w, w->duration_at, d.p, d.len, why);
  buf_free(&d);
  if (e == LCC_OK) e = patch_seekhead(w, cues_at, why);
  if (e != LCC_OK) return e;
  uint8_t size[8];
  set_size8(size, w->pos - w->seg_data);
  return file_write(w, w->seg_data - 8, size, sizeof size, why);
}

static lcc_err finish(lcc_webm *w, lcc_why *why) {
  if (w->failed) return failed(w, why);
  lcc_err e = w->header_done ? LCC_OK : write_header(w, why);
  if (e == LCC_OK) e = release(w, true, why);
  if (e == LCC_OK) e = end_cluster(w, why);
  uint64_t cues_at = 0;
  if (e == LCC_OK && w->ncues) e = write_cues(w, &cues_at, why);
  if (e == LCC_OK) e = patch_trailer(w, cues_at, why);
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
  free(w->cues);
  buf_free(&w->cluster);
  for (size_t i = 0; i < w->nq; i++) free(w->q[i].data);
  free(w->q);
  lcc_vp8_depack_destroy(w->vp8);
  for (int i = 2; i >= 0; i--) free(w->tags[i]);
  if (w->fd >= 0) close(w->fd);
  free(w);
}
