/* The recording's files: one Ogg Opus writer per party and the stereo mixer,
 * fed from the ring in arrival order. Thread: the recorder thread. */
#include <glib.h>
#include <stdio.h>
#include <sys/stat.h>

#include "recorder_internal.h"

static void iso_time(uint64_t wall_us, char out[32]) {
  time_t s = (time_t)(wall_us / 1000000);
  struct tm tm;
  gmtime_r(&s, &tm);
  size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  g_snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(wall_us / 1000 % 1000));
}

bool lcc_rec_open_writers(lcc_recorder *r, lcc_why *why) {
  char start[32], path[1300];
  iso_time(r->start_wall_us, start);
  for (int p = 0; p < LCC_PARTY_COUNT; p++) {
    g_snprintf(path, sizeof path, "%s/%s.opus", r->dir, lcc_party_name(p));
    lcc_ogg_opus_info info = {r->call_id, lcc_party_name(p), start, 0};
    r->party[p].ogg = lcc_ogg_opus_open(path, &info, why);
    if (!r->party[p].ogg) return false;
  }
  g_snprintf(path, sizeof path, "%s/mixed.opus", r->dir);
  lcc_mixer_info mi = {.call_id = r->call_id, .start_iso = start, .start_us = r->start_mono_us};
  r->mixer = lcc_mixer_open(path, &mi, why);
  r->last_flush_us = r->last_sidecar_us = (uint64_t)g_get_monotonic_time();
  return r->mixer != NULL;
}

/* 48 kHz samples from the call's start to a local monotonic time. */
static int64_t timeline_samples(const lcc_recorder *r, uint64_t at_us) {
  return at_us > r->start_mono_us ? (int64_t)((at_us - r->start_mono_us) * 48 / 1000) : 0;
}

/* Opens <party>.webm at the party's first video packet. */
static lcc_err open_webm(lcc_recorder *r, int p, lcc_why *why) {
  char start[32], path[1300];
  iso_time(r->start_wall_us, start);
  g_snprintf(path, sizeof path, "%s/%s.webm", r->dir, lcc_party_name(p));
  lcc_webm_info info = {.call_id = r->call_id, .party = lcc_party_name(p), .start_time = start};
  r->party[p].webm = lcc_webm_open(path, &info, why);
  r->party[p].had_video = true;
  return r->party[p].webm ? LCC_OK : LCC_ERR_RECORDING_FAILED;
}

static lcc_err feed_video(lcc_recorder *r, const lcc_ring_packet *p, lcc_why *why) {
  lcc_rec_party *party = &r->party[p->party];
  if (!party->webm) {
    if (party->had_video) return LCC_OK; /* closed after a failure */
    lcc_err err = open_webm(r, p->party, why);
    if (err != LCC_OK) return err;
  }
  if (party->have_video_ssrc && party->video_ssrc != p->ssrc) lcc_webm_new_source(party->webm, LCC_WEBM_VIDEO);
  party->have_video_ssrc = true;
  party->video_ssrc = p->ssrc;
  bool need_keyframe = false;
  uint64_t at = p->arrival_us > r->start_mono_us ? p->arrival_us - r->start_mono_us : 0;
  lcc_err err = lcc_webm_video_rtp(party->webm, p->data, p->len, p->seq, p->ts, p->marker, at, &need_keyframe, why);
  if (need_keyframe) lcc_rec_request_keyframe(r, (lcc_party)p->party);
  return err == LCC_ERR_PACKET_INVALID ? LCC_OK : err;
}

lcc_err lcc_rec_feed(lcc_recorder *r, const lcc_ring_packet *p, lcc_why *why) {
  if (p->kind == 1) return feed_video(r, p, why);
  lcc_rec_party *party = &r->party[p->party];
  lcc_err err;
  if (!party->have_ssrc || party->ssrc != p->ssrc) {
    /* A new source starts where the wall clock says: its timestamps say nothing about the old one's. */
    err = lcc_ogg_opus_new_source(party->ogg, p->ts, timeline_samples(r, p->arrival_us), why);
    if (err != LCC_OK) return err;
    party->have_ssrc = true;
    party->ssrc = p->ssrc;
  }
  party->received++;
  err = lcc_ogg_opus_write(party->ogg, p->ts, p->seq, p->data, p->len, why);
  if (err == LCC_ERR_PACKET_INVALID) return LCC_OK; /* one bad packet is dropped, not the recording */
  if (err != LCC_OK) return err;
  err = lcc_mixer_push(r->mixer, p->party, p->ssrc, p->seq, p->ts, p->arrival_us, p->data, p->len, why);
  if (err != LCC_OK && err != LCC_ERR_PACKET_INVALID) return err;
  if (party->webm) {
    uint64_t at = p->arrival_us > r->start_mono_us ? p->arrival_us - r->start_mono_us : 0;
    err = lcc_webm_audio(party->webm, p->ts, p->data, p->len, at, why);
    if (err != LCC_OK && err != LCC_ERR_PACKET_INVALID) return err;
  }
  return LCC_OK;
}

void lcc_rec_pause_writers(lcc_recorder *r, uint64_t at_us) {
  if (r->n_pauses < LCC_REC_MAX_PAUSES) {
    r->pause_start[r->n_pauses] = at_us;
    r->pause_end[r->n_pauses++] = 0;
  }
  if (r->failed) return;
  for (int p = 0; p < LCC_PARTY_COUNT; p++) lcc_ogg_opus_pause(r->party[p].ogg, NULL);
  lcc_mixer_pause(r->mixer, at_us);
}

void lcc_rec_resume_writers(lcc_recorder *r, uint64_t at_us) {
  if (r->n_pauses) r->pause_end[r->n_pauses - 1] = at_us;
  if (r->failed) return;
  for (int p = 0; p < LCC_PARTY_COUNT; p++) {
    lcc_ogg_opus_resume(r->party[p].ogg);
    r->party[p].have_ssrc = false; /* re-anchor on the wall clock: the sender may have paused too */
  }
  lcc_mixer_resume(r->mixer, at_us);
}

bool lcc_rec_advance(lcc_recorder *r, uint64_t now_us, lcc_why *why) {
  return lcc_mixer_advance(r->mixer, now_us, why) == LCC_OK;
}

bool lcc_rec_flush(lcc_recorder *r, lcc_why *why) {
  for (int p = 0; p < LCC_PARTY_COUNT; p++) {
    if (lcc_ogg_opus_flush(r->party[p].ogg, why) != LCC_OK) return false;
    if (r->party[p].webm && lcc_webm_flush(r->party[p].webm, why) != LCC_OK) return false;
  }
  return lcc_mixer_flush(r->mixer, why) == LCC_OK;
}

bool lcc_rec_close_writers_final(lcc_recorder *r, lcc_why *why) {
  bool ok = true;
  if (r->paused) lcc_rec_resume_writers(r, r->end_mono_us);
  for (int p = 0; p < LCC_PARTY_COUNT; p++) {
    if (lcc_ogg_opus_close(r->party[p].ogg, &r->party[p].final, ok ? why : NULL) != LCC_OK) ok = false;
    r->party[p].ogg = NULL;
    if (r->party[p].webm && lcc_webm_close(r->party[p].webm, &r->party[p].webm_final, ok ? why : NULL) != LCC_OK)
      ok = false;
    r->party[p].webm = NULL;
  }
  if (lcc_mixer_close(r->mixer, r->end_mono_us, &r->mixer_final, ok ? why : NULL) != LCC_OK) ok = false;
  lcc_mixer_destroy(r->mixer);
  r->mixer = NULL;
  r->closed = true;
  return ok;
}

void lcc_rec_drop_writers(lcc_recorder *r) {
  for (int p = 0; p < LCC_PARTY_COUNT; p++) {
    if (r->party[p].ogg) lcc_ogg_opus_get_stats(r->party[p].ogg, &r->party[p].final);
    lcc_ogg_opus_destroy(r->party[p].ogg);
    r->party[p].ogg = NULL;
    if (r->party[p].webm) lcc_webm_get_stats(r->party[p].webm, &r->party[p].webm_final);
    lcc_webm_destroy(r->party[p].webm);
    r->party[p].webm = NULL;
  }
  if (r->mixer) lcc_mixer_get_stats(r->mixer, &r->mixer_final);
  lcc_mixer_destroy(r->mixer);
  r->mixer = NULL;
}
