/* The conversation mixer (mixed.opus): per-channel jitter buffer, timeline
 * anchoring, libopus decoding with PLC/FEC, and libopusenc encoding in pull
 * mode so that this file, not libopusenc, decides when pages reach the disk.
 * See mixer.h for the model. Thread: the caller's (one at a time). */
#include "mixer.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <opus/opus.h>
#include <opus/opusenc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RATE 48000
#define MAX_FRAME 5760          /* 120 ms, the longest Opus packet */
#define MAX_PAYLOAD 4000        /* larger than any RTP payload over UDP we relay */
#define CHUNK 24000             /* samples mixed per encoder write (500 ms) */
#define PCM_CAP (CHUNK + 2 * MAX_FRAME)
#define MAX_PENDING 512         /* ~10 s of 20 ms packets per channel */
#define NSRC 8                  /* sources a channel remembers (SSRC changes, re-anchors) */
#define DRIFT_TOL 480           /* 10 ms: anchor moves below this are not corrected mid-stream */
#define PLC_MAX 9600            /* 200 ms: conceal at most this much, then silence */
#define PLC_STEP 960            /* conceal in 20 ms steps */
#define REANCHOR 144000         /* 3 s: a timestamp jump past this against arrivals re-anchors */
#define WINDOW_US 10000000ULL   /* anchor minimum window: follows slow clock drift */

typedef struct {
  unsigned id;                  /* 0: unused slot; unique per channel otherwise */
  uint32_t ssrc;
  int64_t ref_seq, ref_ts;      /* highest extended seq / ts pushed: the unwrap reference */
  int64_t min_cur, min_prev;    /* min(arrival - end ts) in samples, this and the previous window */
  uint64_t win_start_us;
} msrc;

typedef struct {
  unsigned src_id;
  int slot;
  int64_t ext_seq, ext_ts;
  int dur;                      /* samples at 48 kHz */
  int fec_used;                 /* its FEC already filled the frame before it */
  size_t len;
  uint8_t *data;                /* owned */
} mpkt;

typedef struct {
  OpusDecoder *dec;
  msrc src[NSRC];
  int cur;                      /* slot of the newest source, -1 before the first packet */
  unsigned next_id;
  mpkt pk[MAX_PENDING];
  int npk;
  float *pcm;                   /* rendered samples [buf_start, cursor) */
  int64_t buf_start, cursor;
  int has_last;                 /* the last decoded packet, for continuity */
  unsigned last_id;
  int64_t last_seq, last_ts_end, dec_end;
  int plc_run;                  /* nothing but decoded/concealed audio since dec_end */
  lcc_mixer_channel_stats st;
} mchan;

typedef struct {
  int64_t from, to;             /* samples; to is INT64_MAX while paused */
} mpause;

struct lcc_mixer {
  int fd;                       /* owned until close; -1: none */
  off_t good_off;               /* bytes of whole pages in the file */
  OggOpusEnc *enc;              /* owned */
  uint64_t start_us, jitter_us;
  int64_t mix_pos;              /* samples encoded so far */
  mchan ch[2];
  float *out;                   /* CHUNK interleaved stereo frames */
  mpause *pauses;
  int npauses, cap_pauses;
  int failed, closed;
};

static int64_t to_samples(const lcc_mixer *m, uint64_t us) {
  int64_t d = (int64_t)us - (int64_t)m->start_us;
  return d * (RATE / 1000) / 1000;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- the file ---------------------------------------------------------- */

static lcc_err io_fail(lcc_mixer *m, lcc_why *why, const char *what) {
  m->failed = 1;
  return lcc_fail(why, LCC_ERR_RECORDING_FAILED, "mixed file: %s: %s", what, strerror(errno));
}

/* Writes one page with write(2), no stdio buffer in between, so the file
 * always ends on a whole page when the process dies (a buffer flushed when
 * full would cut pages anywhere). A short or failed write (ENOSPC, EIO,
 * EFBIG) cuts the file back to its last whole page so it stays playable. */
static lcc_err write_page(lcc_mixer *m, const unsigned char *page, size_t len, lcc_why *why) {
  size_t done = 0;
  while (done < len) {
    ssize_t k = write(m->fd, page + done, len - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      int err = k < 0 ? errno : EIO;
      if (done && ftruncate(m->fd, m->good_off) == 0) lseek(m->fd, m->good_off, SEEK_SET);
      errno = err;
      return io_fail(m, why, "write");
    }
    done += (size_t)k;
  }
  m->good_off += (off_t)len;
  return LCC_OK;
}

/* Moves the encoder's finished pages to the file; flush forces out a page
 * with whatever is encoded, which is what makes a crash lose < 1 flush. */
static lcc_err write_pages(lcc_mixer *m, int flush, lcc_why *why) {
  unsigned char *page;
  opus_int32 len;
  int r;
  while ((r = ope_encoder_get_page(m->enc, &page, &len, flush)) == 1) {
    lcc_err e = write_page(m, page, (size_t)len, why);
    if (e) return e;
  }
  if (r < 0) {
    m->failed = 1;
    return lcc_fail(why, LCC_ERR_RECORDING_FAILED, "libopusenc: %s", ope_strerror(r));
  }
  return LCC_OK;
}

static lcc_err sync_file(lcc_mixer *m, lcc_why *why) {
  if (fdatasync(m->fd) != 0 && errno != EINVAL) return io_fail(m, why, "fdatasync");
  return LCC_OK;
}

static uint32_t serial_of(const char *call_id) { /* FNV-1a */
  uint32_t h = 2166136261u;
  for (const char *c = call_id ? call_id : ""; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
  return h;
}

static OggOpusEnc *create_encoder(const lcc_mixer_info *info, lcc_why *why) {
  OggOpusComments *tags = ope_comments_create();
  if (!tags) return NULL;
  int err = OPE_OK;
  if (info->call_id) err |= ope_comments_add(tags, "LIVECHAT_CALL_ID", info->call_id);
  if (info->start_iso) {
    err |= ope_comments_add(tags, "DATE", info->start_iso);
    err |= ope_comments_add(tags, "LIVECHAT_START", info->start_iso);
  }
  err |= ope_comments_add(tags, "LIVECHAT_CHANNELS", "left=visitor right=agent");
  OggOpusEnc *enc = NULL;
  if (err == OPE_OK) enc = ope_encoder_create_pull(tags, RATE, 2, 0, &err);
  ope_comments_destroy(tags); /* the encoder keeps its own copy */
  if (!enc) {
    lcc_fail(why, LCC_ERR_RECORDING_FAILED, "libopusenc: %s", ope_strerror(err));
    return NULL;
  }
  /* Encode each 20 ms frame as soon as it is written (the default holds 2 s
   * back for decisions this stream never needs), so a flush covers it. */
  ope_encoder_ctl(enc, OPE_SET_DECISION_DELAY(0));
  /* The default already, but libopusenc 0.2.1 only stores the request it is
   * given here and reads it uninitialised while draining otherwise. */
  ope_encoder_ctl(enc, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_20_MS));
  /* A serial number of our own: 0.2.1 takes rand() unseeded, the same in every file. */
  ope_encoder_ctl(enc, OPE_SET_SERIALNO((opus_int32)serial_of(info->call_id)));
  ope_encoder_ctl(enc, OPUS_SET_BITRATE(info->bitrate > 0 ? info->bitrate : 48000));
  return enc;
}

/* ---- sources and the jitter buffer ------------------------------------- */

static int64_t anchor(const msrc *s) { return min64(s->min_cur, s->min_prev); }

static int64_t pos(const mchan *c, const mpkt *p) {
  return p->ext_ts + anchor(&c->src[p->slot]);
}

static void remove_pkt(mchan *c, int i) {
  free(c->pk[i].data);
  c->pk[i] = c->pk[--c->npk];
}

static msrc *new_source(mchan *c, uint32_t ssrc, uint16_t seq, uint32_t ts, uint64_t arrival_us) {
  int slot = (c->cur + 1) % NSRC;
  unsigned old = c->src[slot].id;
  for (int i = c->npk - 1; i >= 0; i--) {
    if (old && c->pk[i].src_id == old) {  /* eight re-anchors within the jitter window */
      remove_pkt(c, i);
      c->st.late_dropped++;
    }
  }
  msrc *s = &c->src[slot];
  *s = (msrc){.id = c->next_id++, .ssrc = ssrc, .ref_seq = seq, .ref_ts = ts,
              .min_cur = INT64_MAX, .min_prev = INT64_MAX, .win_start_us = arrival_us};
  c->cur = slot;
  return s;
}

/* Extends seq and ts against source s, and says whether the packet fits its
 * anchor (within 3 s of it against the arrival clock). */
static int fits(const msrc *s, uint16_t seq, uint32_t ts, int dur, int64_t arr, int64_t *ext_seq,
                int64_t *ext_ts) {
  *ext_seq = s->ref_seq + (int16_t)(uint16_t)(seq - (uint16_t)s->ref_seq);
  *ext_ts = s->ref_ts + (int32_t)(uint32_t)(ts - (uint32_t)s->ref_ts);
  return s->min_cur == INT64_MAX || llabs(arr - (*ext_ts + dur) - anchor(s)) <= REANCHOR;
}

/* The newest source of this SSRC the packet fits, or a new one: a new SSRC,
 * or a sender that restarted its RTP clock (placing by the old anchor would
 * move everything by the jump). Looking at older sources too means a packet
 * reordered across the change does not restart either side's anchor. */
static msrc *source_of(mchan *c, uint32_t ssrc, uint16_t seq, uint32_t ts, int dur, int64_t arr,
                       uint64_t arrival_us, int64_t *ext_seq, int64_t *ext_ts) {
  msrc *best = NULL;
  int64_t es, et;
  for (int i = 0; i < NSRC; i++) {
    msrc *s = &c->src[i];
    if (s->id && s->ssrc == ssrc && (!best || s->id > best->id) && fits(s, seq, ts, dur, arr, &es, &et)) {
      best = s;
      *ext_seq = es;
      *ext_ts = et;
    }
  }
  if (best) return best;
  *ext_seq = seq;
  *ext_ts = ts;
  return new_source(c, ssrc, seq, ts, arrival_us);
}

static void note_arrival(msrc *s, int64_t off, uint64_t arrival_us) {
  if (arrival_us - s->win_start_us >= WINDOW_US) {
    s->min_prev = s->min_cur;
    s->min_cur = off;
    s->win_start_us = arrival_us;
  } else if (off < s->min_cur) {
    s->min_cur = off;
  }
}

lcc_err lcc_mixer_push(lcc_mixer *m, int channel, uint32_t ssrc, uint16_t seq, uint32_t rtp_ts,
                       uint64_t arrival_us, const uint8_t *opus, size_t len, lcc_why *why) {
  if (channel != 0 && channel != 1)
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "channel must be 0 or 1, got %d", channel);
  if (m->closed) return lcc_fail(why, LCC_ERR_INVALID_STATE, "mixer closed");
  int dur = len > 0 && len <= MAX_PAYLOAD ? opus_packet_get_nb_samples(opus, (opus_int32)len, RATE) : -1;
  if (dur <= 0 || dur > MAX_FRAME)
    return lcc_fail(why, LCC_ERR_PACKET_INVALID, "opus payload of %zu bytes: cannot size it", len);
  mchan *c = &m->ch[channel];
  int64_t arr = to_samples(m, arrival_us);
  int64_t ext_seq, ext_ts;
  msrc *s = source_of(c, ssrc, seq, rtp_ts, dur, arr, arrival_us, &ext_seq, &ext_ts);
  if (ext_seq > s->ref_seq) s->ref_seq = ext_seq;
  if (ext_ts > s->ref_ts) s->ref_ts = ext_ts;
  /* A packet leaves once its last sample is captured: anchoring on its end
   * keeps the frame length out of the placement error. */
  note_arrival(s, arr - (ext_ts + dur), arrival_us);
  if (c->npk == MAX_PENDING) { /* advance() is not being called: keep the older audio */
    c->st.late_dropped++;
    return LCC_OK;
  }
  uint8_t *copy = malloc(len);
  if (!copy) return lcc_fail(why, LCC_ERR_NO_MEMORY, "mixer packet");
  memcpy(copy, opus, len);
  c->pk[c->npk++] = (mpkt){.src_id = s->id, .slot = (int)(s - c->src), .ext_seq = ext_seq, .ext_ts = ext_ts,
                           .dur = dur, .len = len, .data = copy};
  return LCC_OK;
}

/* ---- rendering one channel --------------------------------------------- */

static int next_pkt(const mchan *c) {
  int best = -1;
  int64_t bp = 0;
  for (int i = 0; i < c->npk; i++) {
    int64_t p = pos(c, &c->pk[i]);
    if (best < 0 || p < bp || (p == bp && c->pk[i].ext_seq < c->pk[best].ext_seq)) {
      best = i;
      bp = p;
    }
  }
  return best;
}

static void append(mchan *c, const float *pcm, int n) {
  int64_t at = c->cursor - c->buf_start;
  if (n <= 0) return;
  if (at + n > PCM_CAP) n = (int)(PCM_CAP - at); /* cannot happen: see render() bounds */
  if (pcm) memcpy(c->pcm + at, pcm, (size_t)n * sizeof *pcm);
  else memset(c->pcm + at, 0, (size_t)n * sizeof *pcm);
  c->cursor += n;
}

static void zeros(mchan *c, int64_t until) {
  if (until <= c->cursor) return;
  append(c, NULL, (int)(until - c->cursor));
  c->plc_run = 0;
}

static void conceal(mchan *c, const mpkt *fec_from, int n) {
  float tmp[MAX_FRAME];
  int got = fec_from ? opus_decode_float(c->dec, fec_from->data, (opus_int32)fec_from->len, tmp, n, 1)
                     : opus_decode_float(c->dec, NULL, 0, tmp, n, 0);
  if (got < 0) memset(tmp, 0, sizeof tmp);
  append(c, tmp, n);
  c->dec_end = c->cursor;
  c->plc_run = 1;
}

static void decode_pkt(mchan *c, int i, int64_t skip, int cont) {
  mpkt *p = &c->pk[i];
  float tmp[MAX_FRAME];
  if (!cont && c->has_last) opus_decoder_ctl(c->dec, OPUS_RESET_STATE); /* a new stream */
  int n = opus_decode_float(c->dec, p->data, (opus_int32)p->len, tmp, MAX_FRAME, 0);
  if (n < 0) { /* corrupt payload: conceal its duration instead */
    n = opus_decode_float(c->dec, NULL, 0, tmp, p->dur, 0);
    if (n < 0) {
      memset(tmp, 0, sizeof tmp);
      n = p->dur;
    }
    c->st.concealed++;
  } else {
    c->st.decoded++;
  }
  if (skip < n) append(c, tmp + skip, (int)(n - skip));
  if (cont) {
    int64_t lost = p->ext_seq - c->last_seq - 1;
    c->st.fec_recovered += (uint64_t)p->fec_used;
    c->st.concealed += (uint64_t)(lost - p->fec_used);
  }
  c->has_last = 1;
  c->last_id = p->src_id;
  c->last_seq = p->ext_seq;
  c->last_ts_end = p->ext_ts + p->dur;
  c->dec_end = c->cursor;
  c->plc_run = 1;
  remove_pkt(c, i);
}

/* Whether an Opus packet carries SILK LBRR (in-band FEC) data for the frame
 * before it. libopus 1.3 has no call for this (1.5 adds opus_packet_has_lbrr)
 * and its FEC decode silently conceals instead, then fades the next frame in.
 * RFC 6716 §4.2.3-4.2.4: the SILK layer starts with one VAD flag per SILK
 * frame and one LBRR flag per channel, each a range-coded bit of
 * probability 1/2; the range decoder below is §4.1.1-4.1.3.2. */
typedef struct {
  const uint8_t *buf;
  int len, offs, rem;
  uint32_t rng, val;
} rdec;

static int rd_byte(rdec *d) { return d->offs < d->len ? d->buf[d->offs++] : 0; }

static void rd_normalize(rdec *d) {
  while (d->rng <= (1u << 23)) {
    int sym = d->rem;
    d->rem = rd_byte(d);
    sym = (sym << 8 | d->rem) >> 1;
    d->val = ((d->val << 8) + (255 & ~(uint32_t)sym)) & 0x7FFFFFFF;
    d->rng <<= 8;
  }
}

static int rd_bit(rdec *d) {
  uint32_t s = d->rng >> 1;
  int bit = d->val < s;
  if (!bit) d->val -= s;
  d->rng = bit ? s : d->rng - s;
  rd_normalize(d);
  return bit;
}

static int has_lbrr(const uint8_t *pkt, size_t len) {
  const unsigned char *frames[48];
  opus_int16 sizes[48];
  unsigned char toc;
  if ((pkt[0] >> 3) >= 16) return 0; /* CELT only: no SILK layer */
  if (opus_packet_parse(pkt, (opus_int32)len, &toc, frames, sizes, NULL) <= 0 || sizes[0] <= 0) return 0;
  int spf = opus_packet_get_samples_per_frame(pkt, RATE);
  int silk_frames = spf <= 960 ? 1 : spf / 960, channels = (toc >> 2 & 1) ? 2 : 1;
  rdec d = {.buf = frames[0], .len = sizes[0], .rng = 128};
  d.rem = rd_byte(&d);
  d.val = d.rng - 1 - (uint32_t)(d.rem >> 1);
  rd_normalize(&d);
  int lbrr = 0;
  for (int c = 0; c < channels; c++) {
    for (int i = 0; i < silk_frames; i++) rd_bit(&d); /* VAD flags */
    lbrr |= rd_bit(&d);
  }
  return lbrr;
}

/* Fills part of the gap before packet p (at P): PLC right after the last
 * audio for lost packets, FEC from p for the frame just before it, silence
 * for DTX, for long losses and while nothing is known. */
static void gap_piece(mchan *c, mpkt *p, int64_t P, int cont, int64_t target) {
  int64_t lost = cont ? p->ext_seq - c->last_seq - 1 : 0;
  /* LBRR in p means the frame just before it was speech, and lost. */
  int fec = lost > 0 && !p->fec_used && P - p->dur >= c->cursor && has_lbrr(p->data, p->len);
  int64_t fec_start = fec ? P - p->dur : P;
  int64_t plc_end = c->cursor;
  if (c->plc_run && lost > 0) plc_end = min64(c->dec_end + min64(lost * p->dur, PLC_MAX), fec_start);
  if (c->cursor < plc_end) {
    int n = (int)(min64(plc_end - c->cursor, PLC_STEP) / 120 * 120); /* 2.5 ms multiples */
    if (n > 0) {
      conceal(c, NULL, n);
      return;
    }
  }
  if (c->cursor < fec_start) {
    zeros(c, min64(fec_start, target));
    return;
  }
  if (fec && c->cursor == fec_start) {
    conceal(c, p, p->dur);
    p->fec_used = 1;
    return;
  }
  zeros(c, min64(P, target));
}

/* Renders channel c up to at least target. Never writes more than one packet
 * (or one PLC step) past target, which PCM_CAP allows for. */
static void render(mchan *c, int64_t target) {
  while (c->cursor < target) {
    int i = next_pkt(c);
    if (i < 0) {
      zeros(c, target);
      break;
    }
    mpkt *p = &c->pk[i];
    int64_t P = pos(c, p);
    int cont = c->has_last && p->src_id == c->last_id;
    if ((cont && p->ext_seq <= c->last_seq) || (!cont && P + p->dur <= c->cursor)) {
      remove_pkt(c, i); /* its place is written already, or a duplicate */
      c->st.late_dropped++;
      continue;
    }
    int64_t gap = P - c->cursor;
    int contiguous = cont && p->ext_seq == c->last_seq + 1 && p->ext_ts == c->last_ts_end;
    if (contiguous && gap <= DRIFT_TOL && gap >= -DRIFT_TOL) {
      decode_pkt(c, i, 0, 1); /* jitter of the anchor: keep the stream seamless */
    } else if (gap <= 0) {
      decode_pkt(c, i, -gap, cont); /* starts before the cursor: drop its head */
    } else {
      gap_piece(c, p, P, cont, target);
    }
  }
}

/* ---- mixing ------------------------------------------------------------- */

static void apply_pauses(lcc_mixer *m, int64_t from, int n) {
  for (int k = 0; k < m->npauses; k++) {
    int64_t a = m->pauses[k].from > from ? m->pauses[k].from : from;
    int64_t b = min64(m->pauses[k].to, from + n);
    if (a < b) memset(m->out + 2 * (a - from), 0, (size_t)(b - a) * 2 * sizeof(float));
  }
  int j = 0; /* forget pauses wholly before what comes next */
  for (int k = 0; k < m->npauses; k++)
    if (m->pauses[k].to > from + n) m->pauses[j++] = m->pauses[k];
  m->npauses = j;
}

static lcc_err mix_to(lcc_mixer *m, int64_t target, lcc_why *why) {
  if (m->failed) return lcc_fail(why, LCC_ERR_RECORDING_FAILED, "mixed file: an earlier write failed");
  while (m->mix_pos < target) {
    int64_t end = min64(target, m->mix_pos + CHUNK);
    int n = (int)(end - m->mix_pos);
    for (int k = 0; k < 2; k++) render(&m->ch[k], end);
    for (int i = 0; i < n; i++) {
      m->out[2 * i] = m->ch[0].pcm[i];
      m->out[2 * i + 1] = m->ch[1].pcm[i];
    }
    apply_pauses(m, m->mix_pos, n);
    int r = ope_encoder_write_float(m->enc, m->out, n);
    if (r != OPE_OK) {
      m->failed = 1;
      return lcc_fail(why, LCC_ERR_RECORDING_FAILED, "libopusenc: %s", ope_strerror(r));
    }
    for (int k = 0; k < 2; k++) {
      mchan *c = &m->ch[k];
      memmove(c->pcm, c->pcm + n, (size_t)(c->cursor - end) * sizeof(float));
      c->buf_start = end;
    }
    m->mix_pos = end;
  }
  return write_pages(m, 0, why);
}

lcc_err lcc_mixer_advance(lcc_mixer *m, uint64_t now_us, lcc_why *why) {
  if (m->closed) return lcc_fail(why, LCC_ERR_INVALID_STATE, "mixer closed");
  if (now_us < m->start_us + m->jitter_us) return LCC_OK;
  return mix_to(m, to_samples(m, now_us - m->jitter_us), why);
}

lcc_err lcc_mixer_flush(lcc_mixer *m, lcc_why *why) {
  if (m->closed) return lcc_fail(why, LCC_ERR_INVALID_STATE, "mixer closed");
  if (m->failed) return lcc_fail(why, LCC_ERR_RECORDING_FAILED, "mixed file: an earlier write failed");
  lcc_err e = write_pages(m, 1, why);
  return e ? e : sync_file(m, why);
}

void lcc_mixer_pause(lcc_mixer *m, uint64_t now_us) {
  if (m->npauses > 0 && m->pauses[m->npauses - 1].to == INT64_MAX) return;
  if (m->npauses == m->cap_pauses) {
    int cap = m->cap_pauses ? 2 * m->cap_pauses : 8;
    mpause *p = realloc(m->pauses, (size_t)cap * sizeof *p);
    if (!p) return; /* out of memory: the pause is recorded as sound */
    m->pauses = p;
    m->cap_pauses = cap;
  }
  m->pauses[m->npauses++] = (mpause){to_samples(m, now_us), INT64_MAX};
}

void lcc_mixer_resume(lcc_mixer *m, uint64_t now_us) {
  if (m->npauses > 0 && m->pauses[m->npauses - 1].to == INT64_MAX)
    m->pauses[m->npauses - 1].to = to_samples(m, now_us);
}

/* ---- lifetime ----------------------------------------------------------- */

lcc_mixer *lcc_mixer_open(const char *path, const lcc_mixer_info *info, lcc_why *why) {
  lcc_mixer *m = calloc(1, sizeof *m);
  if (!m) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "mixer");
    return NULL;
  }
  m->fd = -1;
  m->start_us = info->start_us;
  m->jitter_us = (uint64_t)(info->jitter_ms ? info->jitter_ms : 200) * 1000;
  m->out = malloc(CHUNK * 2 * sizeof(float));
  if (!m->out) goto nomem;
  for (int k = 0; k < 2; k++) {
    int err;
    m->ch[k].cur = -1;
    m->ch[k].next_id = 1;
    m->ch[k].pcm = malloc(PCM_CAP * sizeof(float));
    m->ch[k].dec = opus_decoder_create(RATE, 1, &err); /* mono: a channel of the stereo file */
    if (!m->ch[k].pcm || !m->ch[k].dec) goto nomem;
  }
  m->enc = create_encoder(info, why);
  if (!m->enc) goto fail;
  /* A new file (never an earlier recording's), with the recordings' mode. */
  m->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, LCC_REC_FILE_MODE);
  if (m->fd < 0) {
    int err = errno;
    lcc_fail(why, LCC_ERR_RECORDING_FAILED, "cannot create %s: %s%s", path, strerror(err),
             err == EEXIST ? " (refusing to overwrite an earlier recording)" : "");
    goto fail;
  }
  int r = ope_encoder_flush_header(m->enc);
  if (r != OPE_OK) {
    lcc_fail(why, LCC_ERR_RECORDING_FAILED, "libopusenc: %s", ope_strerror(r));
    goto fail;
  }
  if (write_pages(m, 1, why) || sync_file(m, why)) goto fail;
  return m;
nomem:
  lcc_fail(why, LCC_ERR_NO_MEMORY, "mixer buffers");
fail:
  lcc_mixer_destroy(m);
  return NULL;
}

void lcc_mixer_get_stats(const lcc_mixer *m, lcc_mixer_stats *stats) {
  stats->duration_ms = (uint64_t)(m->mix_pos > 0 ? m->mix_pos : 0) * 1000 / RATE;
  stats->ch[0] = m->ch[0].st;
  stats->ch[1] = m->ch[1].st;
}

lcc_err lcc_mixer_close(lcc_mixer *m, uint64_t end_us, lcc_mixer_stats *stats, lcc_why *why) {
  if (m->closed) return lcc_fail(why, LCC_ERR_INVALID_STATE, "mixer closed");
  /* libopusenc (0.2.1) drained before any sample reads uninitialised memory
   * and ends the file with a garbage granule or an assertion (found by
   * test/fuzz/mixer_fuzz.c): the file always holds at least one 20 ms frame,
   * silence when the call was shorter, as ogg_opus.h does for its files. */
  int64_t end = to_samples(m, end_us);
  if (end < PLC_STEP) end = PLC_STEP;
  lcc_err e = mix_to(m, end, why);
  if (!e) {
    int r = ope_encoder_drain(m->enc); /* last frame, EOS, end trimming */
    if (r != OPE_OK) e = lcc_fail(why, LCC_ERR_RECORDING_FAILED, "libopusenc: %s", ope_strerror(r));
  }
  if (!e) e = write_pages(m, 1, why);
  if (!e) e = sync_file(m, why);
  m->closed = 1;
  if (close(m->fd) != 0 && !e) e = io_fail(m, why, "close");
  m->fd = -1;
  if (stats) lcc_mixer_get_stats(m, stats);
  return e;
}

void lcc_mixer_destroy(lcc_mixer *m) {
  if (!m) return;
  if (m->fd >= 0) close(m->fd);
  if (m->enc) ope_encoder_destroy(m->enc);
  for (int k = 1; k >= 0; k--) {
    mchan *c = &m->ch[k];
    while (c->npk > 0) remove_pkt(c, c->npk - 1);
    if (c->dec) opus_decoder_destroy(c->dec);
    free(c->pcm);
  }
  free(m->pauses);
  free(m->out);
  free(m);
}
