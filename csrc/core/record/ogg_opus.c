/* Per-party Ogg Opus writer (RFC 7845) over libogg, and the Opus TOC parser
 * it needs for packet durations (RFC 6716 §3). See ogg_opus.h for the
 * timeline model. Pages go straight to the file descriptor with write(2), one
 * page at a time, so a failed write can be cut back to the last whole page.
 * Thread: the recorder thread that owns the writer. */
#include "ogg_opus.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <ogg/ogg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/rd.h"

/* The reorder window: waiting packets are released once more than this many
 * wait or they span more than 100 ms (jitter seen on WebRTC paths). */
#define WINDOW_PACKETS 5
#define WINDOW_SAMPLES 4800
/* A page at least every second of audio, so a crash loses at most that. */
#define PAGE_SAMPLES 48000
/* Recently stored sequence numbers, to tell a duplicate from a late packet. */
#define SEQ_RING 32
/* Gaps are filled in steps CELT frames can take (20, 10, 5, 2.5 ms). */
#define FILL_STEP 120
#define MAX_TAG 1024

typedef struct {
  int64_t pos; /* timeline position, 48 kHz samples */
  uint32_t dur;
  uint16_t seq;
  size_t len;
  uint8_t data[LCC_OGG_OPUS_MAX_PACKET];
} slot;

struct lcc_ogg_opus {
  int fd;
  ogg_stream_state os;
  int64_t packetno;
  int channels;
  bool headers_done;
  uint8_t *tags; /* OpusTags packet until the headers are written */
  size_t tags_len;

  /* Source mapping: the newest timestamp seen and its timeline position,
   * advanced with each newer packet so 32-bit wraps unwrap. */
  bool have_ref;
  bool origin_pending; /* first source, no explicit placement: sample 0 = earliest packet */
  uint32_t ref_ts;
  int64_t ref_pos;
  bool have_last_seq;
  uint16_t last_seq;
  uint16_t seq_ring[SEQ_RING];
  unsigned seq_n, seq_i;
  /* last_seq and the next stored packet are one sequence: a gap between them
   * is loss. False after a pause and for a new source (their gaps are not). */
  bool seq_continues;

  slot win[WINDOW_PACKETS + 1];
  int order[WINDOW_PACKETS + 1]; /* win indexes sorted by pos */
  bool used[WINDOW_PACKETS + 1];
  int win_n;

  slot held; /* newest stored packet, kept back to carry the EOS flag */
  bool have_held;
  int64_t next_pos;     /* end of what is stored (held packet included) */
  int64_t page_granule; /* granule of the last page written */
  uint64_t filled_samples;
  uint64_t silence_samples;      /* filled with no sequence number missing */
  uint64_t before_first_samples; /* filled before the first packet stored */

  bool paused;
  bool failed;
  char fail_msg[200];
  off_t good_off; /* file size after the last whole page */
  lcc_ogg_opus_stats st;
};

/* ---- TOC parser (RFC 6716 §3) ---- */

/* Frame duration of a TOC configuration (Table 2), in 48 kHz samples. */
static uint32_t toc_frame_samples(uint8_t toc) {
  unsigned config = toc >> 3;
  if (config < 12) {
    static const uint32_t silk[4] = {480, 960, 1920, 2880};
    return silk[config & 3];
  }
  if (config < 16) return (config & 1) ? 960 : 480; /* hybrid: 10, 20 ms */
  static const uint32_t celt[4] = {120, 240, 480, 960};
  return celt[config & 3];
}

/* A frame length of 1 or 2 bytes (§3.2.1). */
static size_t read_frame_len(lcc_rd *r) {
  uint8_t b = lcc_rd_u8(r);
  if (b < 252) return b;
  return (size_t)b + 4u * lcc_rd_u8(r);
}

static lcc_err code3_frames(lcc_rd *r, uint32_t *count, lcc_why *why) {
  uint8_t fc = lcc_rd_u8(r);
  bool vbr = fc & 0x80, padded = fc & 0x40;
  unsigned m = fc & 0x3f;
  if (r->bad || m == 0) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: code 3 with no frames");
  size_t pad = 0;
  while (padded) { /* §3.2.5: 255 means 254 bytes and another length byte */
    uint8_t p = lcc_rd_u8(r);
    pad += p == 255 ? 254 : p;
    padded = p == 255;
  }
  if (r->bad || pad > lcc_rd_left(r))
    return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: padding longer than the packet");
  size_t left = lcc_rd_left(r) - pad, sum = 0;
  if (!vbr) {
    if (left % m || left / m > 1275)
      return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: CBR frames do not divide %zu bytes", left);
  } else {
    for (unsigned i = 0; i + 1 < m; i++) sum += read_frame_len(r);
    if (r->bad || sum > lcc_rd_left(r) - pad || lcc_rd_left(r) - pad - sum > 1275)
      return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: VBR frame lengths exceed the packet");
  }
  *count = m;
  return LCC_OK;
}

lcc_err lcc_opus_packet_samples(const uint8_t *pkt, size_t len, uint32_t *samples, lcc_why *why) {
  lcc_rd r = lcc_rd_init(pkt, len);
  uint8_t toc = lcc_rd_u8(&r);
  if (r.bad) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: empty packet");
  uint32_t count = 1;
  size_t left = lcc_rd_left(&r);
  switch (toc & 3) {
    case 0: /* one frame */
      if (left > 1275) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: frame over 1275 bytes");
      break;
    case 1: /* two frames of equal size */
      if (left % 2 || left / 2 > 1275)
        return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: code 1 with odd or oversized frames");
      count = 2;
      break;
    case 2: { /* two frames, the first length given */
      size_t n1 = read_frame_len(&r);
      if (r.bad || n1 > lcc_rd_left(&r) || lcc_rd_left(&r) - n1 > 1275)
        return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: code 2 frame lengths exceed the packet");
      count = 2;
      break;
    }
    default: {
      lcc_err e = code3_frames(&r, &count, why);
      if (e) return e;
    }
  }
  uint32_t n = count * toc_frame_samples(toc);
  if (n > 5760) return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: packet longer than 120 ms");
  *samples = n;
  return LCC_OK;
}

/* ---- file output ---- */

static lcc_err failed(lcc_ogg_opus *w, lcc_why *why) {
  return lcc_fail(why, LCC_ERR_RECORDING_FAILED, "%s", w->fail_msg);
}

/* Writes one page whole. On a short or failed write (ENOSPC, EIO, EFBIG) the
 * file is cut back to its last whole page so it stays playable. */
static lcc_err write_page(lcc_ogg_opus *w, const ogg_page *og, lcc_why *why) {
  struct iovec iov[2] = {{og->header, (size_t)og->header_len}, {og->body, (size_t)og->body_len}};
  size_t total = iov[0].iov_len + iov[1].iov_len, done = 0;
  while (done < total) {
    struct iovec v[2];
    int n = 0;
    size_t skip = done;
    for (int i = 0; i < 2; i++) {
      if (skip >= iov[i].iov_len) {
        skip -= iov[i].iov_len;
        continue;
      }
      v[n].iov_base = (uint8_t *)iov[i].iov_base + skip;
      v[n++].iov_len = iov[i].iov_len - skip;
      skip = 0;
    }
    ssize_t k = writev(w->fd, v, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      int err = k < 0 ? errno : EIO;
      if (done && ftruncate(w->fd, w->good_off) == 0) lseek(w->fd, w->good_off, SEEK_SET);
      w->failed = true;
      snprintf(w->fail_msg, sizeof w->fail_msg, "recording write failed: %s", strerror(err));
      return failed(w, why);
    }
    done += (size_t)k;
  }
  w->good_off += (off_t)total;
  w->st.bytes += total;
  if (ogg_page_granulepos(og) > w->page_granule) w->page_granule = ogg_page_granulepos(og);
  return LCC_OK;
}

/* Writes the pages libogg has ready; all pending packets when force. */
static lcc_err emit_pages(lcc_ogg_opus *w, bool force, lcc_why *why) {
  ogg_page og;
  while (force ? ogg_stream_flush(&w->os, &og) : ogg_stream_pageout(&w->os, &og)) {
    lcc_err e = write_page(w, &og, why);
    if (e) return e;
  }
  return LCC_OK;
}

static lcc_err packet_in(lcc_ogg_opus *w, const uint8_t *data, size_t len, int64_t granule,
                         bool bos, bool eos, lcc_why *why) {
  ogg_packet op = {(unsigned char *)data, (long)len, bos, eos, granule, w->packetno++};
  if (ogg_stream_packetin(&w->os, &op) != 0)
    return lcc_fail(why, LCC_ERR_INTERNAL, "libogg refused a packet");
  return LCC_OK;
}

static void put_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v) {
  put_le16(p, (uint16_t)v);
  put_le16(p + 2, (uint16_t)(v >> 16));
}

/* OpusHead and OpusTags, each flushed to a page of its own (RFC 7845 §3). */
static lcc_err write_headers(lcc_ogg_opus *w, lcc_why *why) {
  uint8_t head[19] = "OpusHead";
  head[8] = 1; /* version */
  head[9] = (uint8_t)w->channels;
  put_le16(head + 10, LCC_OGG_OPUS_PRE_SKIP);
  put_le32(head + 12, 48000); /* input rate: informational */
  put_le16(head + 16, 0);     /* output gain */
  head[18] = 0;               /* mapping family 0: mono or stereo */
  lcc_err e = packet_in(w, head, sizeof head, 0, true, false, why);
  if (!e) e = emit_pages(w, true, why);
  if (!e) e = packet_in(w, w->tags, w->tags_len, 0, false, false, why);
  if (!e) e = emit_pages(w, true, why);
  free(w->tags);
  w->tags = NULL;
  w->headers_done = true;
  return e;
}

static size_t add_comment(uint8_t *p, const char *key, const char *val) {
  size_t kl = strlen(key), vl = strlen(val);
  if (p) {
    put_le32(p, (uint32_t)(kl + vl));
    memcpy(p + 4, key, kl);
    memcpy(p + 4 + kl, val, vl);
  }
  return 4 + kl + vl;
}

/* RFC 7845 §5.2: vendor string, then user comments. Built twice: sizing, filling. */
static size_t build_tags(uint8_t *p, const lcc_ogg_opus_info *info) {
  static const char vendor[] = "livechat-calls";
  size_t n = 8 + 4 + sizeof vendor - 1 + 4;
  if (p) {
    memcpy(p, "OpusTags", 8);
    put_le32(p + 8, sizeof vendor - 1);
    memcpy(p + 12, vendor, sizeof vendor - 1);
    put_le32(p + 12 + sizeof vendor - 1, 3);
  }
  n += add_comment(p ? p + n : NULL, "CALL_ID=", info->call_id);
  n += add_comment(p ? p + n : NULL, "PARTY=", info->party);
  n += add_comment(p ? p + n : NULL, "START_TIME=", info->start_time);
  return n;
}

static bool tag_ok(const char *s) { return s && strnlen(s, MAX_TAG + 1) <= MAX_TAG; }

lcc_ogg_opus *lcc_ogg_opus_open(const char *path, const lcc_ogg_opus_info *info, lcc_why *why) {
  if (!path || !info || !tag_ok(info->call_id) || !tag_ok(info->party) ||
      !tag_ok(info->start_time) || info->channels < 0 || info->channels > 2) {
    lcc_fail(why, LCC_ERR_INVALID_OPTION, "ogg_opus: path, call id, party and start time "
             "(at most %d bytes each) and channels 0-2 are required", MAX_TAG);
    return NULL;
  }
  lcc_ogg_opus *w = calloc(1, sizeof *w);
  if (!w) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "ogg_opus: out of memory");
    return NULL;
  }
  w->fd = -1;
  w->tags_len = build_tags(NULL, info);
  w->tags = malloc(w->tags_len);
  /* The serial only has to differ between streams of one physical file; vary it anyway. */
  uint32_t serial = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ (uint32_t)(uintptr_t)w;
  if (!w->tags || ogg_stream_init(&w->os, (int)(serial & 0x7fffffff)) != 0) {
    free(w->tags);
    free(w);
    lcc_fail(why, LCC_ERR_NO_MEMORY, "ogg_opus: out of memory");
    return NULL;
  }
  build_tags(w->tags, info);
  w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, LCC_REC_FILE_MODE);
  if (w->fd < 0) {
    int err = errno;
    lcc_fail(why, LCC_ERR_RECORDING_FAILED, "cannot create %s: %s%s", path, strerror(err),
             err == EEXIST ? " (refusing to overwrite an earlier recording)" : "");
    lcc_ogg_opus_destroy(w);
    return NULL;
  }
  w->channels = info->channels;
  if (w->channels && write_headers(w, why) != LCC_OK) {
    lcc_ogg_opus_destroy(w);
    return NULL;
  }
  return w;
}

/* ---- timeline ---- */

static void shift_source(lcc_ogg_opus *w, int64_t delta) {
  w->ref_pos += delta;
  for (int i = 0; i < w->win_n; i++) w->win[w->order[i]].pos += delta;
}

/* Hands a packet to libogg and holds the new one back (see `held`). */
static lcc_err store(lcc_ogg_opus *w, const uint8_t *data, size_t len, int64_t pos, uint32_t dur,
                     lcc_why *why) {
  if (w->have_held) {
    lcc_err e = packet_in(w, w->held.data, w->held.len, w->held.pos + w->held.dur, false, false, why);
    if (e) return e;
    bool page_due = w->held.pos + w->held.dur - w->page_granule >= PAGE_SAMPLES;
    e = emit_pages(w, page_due, why);
    if (e) return e;
  }
  memcpy(w->held.data, data, len);
  w->held.len = len;
  w->held.pos = pos;
  w->held.dur = dur;
  w->have_held = true;
  w->next_pos = pos + dur;
  return LCC_OK;
}

/* Fills [next_pos, to) with zero-length-frame packets: a TOC byte of a CELT
 * fullband frame (configs 28-31: 2.5, 5, 10, 20 ms) and no frame data, which
 * a decoder conceals (RFC 6716 §3.2.1). `to - next_pos` is a multiple of 120. */
static lcc_err fill_gap(lcc_ogg_opus *w, int64_t to, lcc_why *why) {
  static const struct { uint32_t dur; uint8_t toc; } steps[] = {
      {960, 31 << 3}, {480, 30 << 3}, {240, 29 << 3}, {120, 28 << 3}};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    while (to - w->next_pos >= steps[i].dur) {
      lcc_err e = store(w, &steps[i].toc, 1, w->next_pos, steps[i].dur, why);
      if (e) return e;
      w->st.filled_packets++;
      w->filled_samples += steps[i].dur;
    }
  }
  return LCC_OK;
}

static void remember_seq(lcc_ogg_opus *w, uint16_t seq) {
  w->seq_ring[w->seq_i] = seq;
  w->seq_i = (w->seq_i + 1) % SEQ_RING;
  if (w->seq_n < SEQ_RING) w->seq_n++;
  w->have_last_seq = true;
  w->last_seq = seq;
  w->seq_continues = true;
}

/* Counts a gap just filled before the packet with sequence number seq: loss
 * when sequence numbers are missing (RFC 3550 §6.4.1 counts loss from them,
 * not from time), else silence (DTX, a pause, a new source's start), or the
 * time before the party's first packet. */
static void count_gap(lcc_ogg_opus *w, uint16_t seq, uint64_t filled) {
  if (w->st.packets == 0) {
    w->before_first_samples += filled;
    return;
  }
  uint16_t missing = (uint16_t)(seq - w->last_seq - 1);
  if (w->seq_continues && missing > 0 && missing < 0x8000) w->st.lost += missing;
  else w->silence_samples += filled;
}

/* Moves the earliest waiting packet to the file, filling the gap before it. */
static lcc_err release_first(lcc_ogg_opus *w, lcc_why *why) {
  int idx = w->order[0];
  memmove(w->order, w->order + 1, sizeof w->order[0] * (size_t)(w->win_n - 1));
  w->win_n--;
  w->used[idx] = false;
  if (w->origin_pending) { /* sample 0 is the earliest packet of the first source */
    w->origin_pending = false;
    int64_t delta = -w->win[idx].pos;
    shift_source(w, delta);
    w->win[idx].pos += delta;
  }
  slot *s = &w->win[idx];
  if (s->pos < w->next_pos) { /* overlaps what is stored */
    w->st.late++;
    return LCC_OK;
  }
  int64_t rem = (s->pos - w->next_pos) % FILL_STEP;
  if (rem) { /* a gap no frame size fills exactly: pull the source earlier (< 2.5 ms) */
    shift_source(w, -rem);
    s->pos -= rem;
  }
  uint64_t filled_before = w->filled_samples;
  lcc_err e = fill_gap(w, s->pos, why);
  if (e) return e;
  count_gap(w, s->seq, w->filled_samples - filled_before);
  e = store(w, s->data, s->len, s->pos, s->dur, why);
  if (e) return e;
  w->st.packets++;
  remember_seq(w, s->seq);
  return LCC_OK;
}

/* Whether the earliest waiting packet can go: the window is full or spans too
 * long, or nothing can come before it (contiguous, or the next sequence
 * number, so the gap is DTX rather than loss). */
static bool first_due(const lcc_ogg_opus *w) {
  if (w->win_n == 0) return false;
  if (w->win_n > WINDOW_PACKETS) return true;
  const slot *first = &w->win[w->order[0]], *last = &w->win[w->order[w->win_n - 1]];
  if (last->pos + last->dur - first->pos > WINDOW_SAMPLES) return true;
  if (w->origin_pending) return false;
  return first->pos == w->next_pos ||
         (w->have_last_seq && first->seq == (uint16_t)(w->last_seq + 1));
}

static lcc_err drain(lcc_ogg_opus *w, bool all, lcc_why *why) {
  while (all ? w->win_n > 0 : first_due(w)) {
    lcc_err e = release_first(w, why);
    if (e) return e;
  }
  return LCC_OK;
}

static bool is_duplicate(const lcc_ogg_opus *w, uint16_t seq, int64_t pos) {
  for (unsigned i = 0; i < w->seq_n; i++)
    if (w->seq_ring[i] == seq) return true;
  for (int i = 0; i < w->win_n; i++) {
    const slot *s = &w->win[w->order[i]];
    if (s->seq == seq || s->pos == pos) return true;
  }
  return false;
}

/* Timeline position of a timestamp; newer timestamps advance the reference so
 * the 32-bit wrap never matters. */
static int64_t position(lcc_ogg_opus *w, uint32_t ts) {
  if (!w->have_ref) {
    w->have_ref = true;
    w->origin_pending = true;
    w->ref_ts = ts;
    w->ref_pos = 0;
  }
  int32_t d = (int32_t)(ts - w->ref_ts);
  int64_t pos = w->ref_pos + d;
  if (d > 0) {
    w->ref_ts = ts;
    w->ref_pos = pos;
  }
  return pos;
}

static void insert(lcc_ogg_opus *w, int64_t pos, uint32_t dur, uint16_t seq, const uint8_t *p,
                   size_t len) {
  int idx = 0;
  while (w->used[idx]) idx++;
  slot *s = &w->win[idx];
  s->pos = pos;
  s->dur = dur;
  s->seq = seq;
  s->len = len;
  memcpy(s->data, p, len);
  w->used[idx] = true;
  int at = w->win_n;
  while (at > 0 && w->win[w->order[at - 1]].pos > pos) at--;
  memmove(w->order + at + 1, w->order + at, sizeof w->order[0] * (size_t)(w->win_n - at));
  w->order[at] = idx;
  w->win_n++;
}

lcc_err lcc_ogg_opus_write(lcc_ogg_opus *w, uint32_t rtp_ts, uint16_t seq, const uint8_t *opus,
                           size_t len, lcc_why *why) {
  if (w->failed) return failed(w, why);
  uint32_t dur;
  lcc_err e = lcc_opus_packet_samples(opus, len, &dur, why);
  if (!e && len > LCC_OGG_OPUS_MAX_PACKET)
    e = lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus: packet of %zu bytes is too big", len);
  if (e) {
    w->st.invalid++;
    return e;
  }
  if (w->paused) {
    w->st.paused++;
    return LCC_OK;
  }
  if (!w->headers_done) {
    w->channels = (opus[0] & 0x04) ? 2 : 1; /* TOC stereo bit */
    if ((e = write_headers(w, why))) return e;
  }
  int64_t pos = position(w, rtp_ts);
  if (is_duplicate(w, seq, pos)) {
    w->st.duplicates++;
    return LCC_OK;
  }
  if (!w->origin_pending && pos < w->next_pos) {
    w->st.late++;
    return LCC_OK;
  }
  insert(w, pos, dur, seq, opus, len);
  return drain(w, false, why);
}

lcc_err lcc_ogg_opus_new_source(lcc_ogg_opus *w, uint32_t rtp_ts, int64_t offset_samples,
                                lcc_why *why) {
  if (w->failed) return failed(w, why);
  lcc_err e = drain(w, true, why);
  if (e) return e;
  w->have_ref = true;
  w->origin_pending = false;
  w->ref_ts = rtp_ts;
  w->ref_pos = offset_samples > w->next_pos ? offset_samples : w->next_pos;
  w->have_last_seq = false;
  w->seq_continues = false;
  w->seq_n = w->seq_i = 0;
  return LCC_OK;
}

lcc_err lcc_ogg_opus_pause(lcc_ogg_opus *w, lcc_why *why) {
  if (w->failed) return failed(w, why);
  w->paused = true;
  lcc_err e = drain(w, true, why);
  w->seq_continues = false; /* what the sender sends meanwhile is dropped, not lost */
  return e;
}

void lcc_ogg_opus_resume(lcc_ogg_opus *w) { w->paused = false; }

static lcc_err sync_file(lcc_ogg_opus *w, lcc_why *why) {
  if (fsync(w->fd) == 0 || errno == EINVAL || errno == EROFS) return LCC_OK; /* not a regular file */
  w->failed = true;
  snprintf(w->fail_msg, sizeof w->fail_msg, "recording fsync failed: %s", strerror(errno));
  return failed(w, why);
}

lcc_err lcc_ogg_opus_flush(lcc_ogg_opus *w, lcc_why *why) {
  if (w->failed) return failed(w, why);
  lcc_err e = emit_pages(w, true, why);
  return e ? e : sync_file(w, why);
}

void lcc_ogg_opus_get_stats(const lcc_ogg_opus *w, lcc_ogg_opus_stats *out) {
  *out = w->st;
  out->duration_ms = w->next_pos > LCC_OGG_OPUS_PRE_SKIP
                         ? (uint64_t)(w->next_pos - LCC_OGG_OPUS_PRE_SKIP) / 48
                         : 0;
  out->filled_ms = w->filled_samples / 48;
  out->silence_ms = w->silence_samples / 48;
  out->before_first_ms = w->before_first_samples / 48;
}

static lcc_err finish(lcc_ogg_opus *w, lcc_why *why) {
  if (w->failed) return failed(w, why);
  lcc_err e = LCC_OK;
  if (!w->headers_done) {
    w->channels = 1;
    e = write_headers(w, why);
  }
  if (!e) e = drain(w, true, why);
  if (!e && !w->have_held) { /* no audio at all: one concealed frame to carry EOS */
    e = fill_gap(w, w->next_pos + 960, why);
  }
  if (!e) e = packet_in(w, w->held.data, w->held.len, w->held.pos + w->held.dur, false, true, why);
  if (!e) e = emit_pages(w, true, why);
  if (!e) e = sync_file(w, why);
  return e;
}

lcc_err lcc_ogg_opus_close(lcc_ogg_opus *w, lcc_ogg_opus_stats *out, lcc_why *why) {
  lcc_err e = finish(w, why);
  if (out) lcc_ogg_opus_get_stats(w, out);
  if (close(w->fd) != 0 && !e)
    e = lcc_fail(why, LCC_ERR_RECORDING_FAILED, "recording close failed: %s", strerror(errno));
  w->fd = -1;
  lcc_ogg_opus_destroy(w);
  return e;
}

void lcc_ogg_opus_destroy(lcc_ogg_opus *w) {
  if (!w) return;
  if (w->fd >= 0) close(w->fd);
  ogg_stream_clear(&w->os);
  free(w->tags);
  free(w);
}
