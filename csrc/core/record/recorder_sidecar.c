/* recording.json: what a recording holds, written atomically (a temp file,
 * fsync, rename, fsync of the folder) so a reader never sees half a file.
 * Written when the files are created (complete: false), every few seconds,
 * and at the end (complete: true unless the recording failed). See
 * docs/recording.md for the schema. Thread: the recorder thread. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder_internal.h"
#include "files.h"

static void add_time(cJSON *o, const char *key, uint64_t wall_us) {
  char buf[32];
  time_t s = (time_t)(wall_us / 1000000);
  struct tm tm;
  gmtime_r(&s, &tm);
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  g_snprintf(buf + n, sizeof buf - n, ".%03uZ", (unsigned)(wall_us / 1000 % 1000));
  cJSON_AddStringToObject(o, key, buf);
}

static uint64_t wall_of(const lcc_recorder *r, uint64_t mono_us) {
  return r->start_wall_us + (mono_us > r->start_mono_us ? mono_us - r->start_mono_us : 0);
}

static uint64_t file_bytes(const lcc_recorder *r, const char *name) {
  char path[1300];
  struct stat st;
  g_snprintf(path, sizeof path, "%s/%s", r->dir, name);
  return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void add_file(cJSON *files, const lcc_recorder *r, const char *name, const char *kind,
                     const char *party, uint64_t duration_ms) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "name", name);
  cJSON_AddStringToObject(f, "kind", kind);
  if (party) cJSON_AddStringToObject(f, "party", party);
  else cJSON_AddNullToObject(f, "party");
  cJSON_AddNumberToObject(f, "bytes", (double)file_bytes(r, name));
  cJSON_AddNumberToObject(f, "durationMs", (double)duration_ms);
  cJSON_AddItemToArray(files, f);
}

static void add_files_and_packets(cJSON *o, const lcc_recorder *r) {
  cJSON *files = cJSON_AddArrayToObject(o, "files");
  cJSON *packets = cJSON_AddObjectToObject(o, "packets");
  lcc_mixer_stats ms = r->mixer_final;
  if (r->mixer && !r->closed) lcc_mixer_get_stats(r->mixer, &ms);
  for (int p = 0; p < LCC_PARTY_COUNT; p++) {
    lcc_ogg_opus_stats st = r->party[p].final;
    if (r->party[p].ogg) lcc_ogg_opus_get_stats(r->party[p].ogg, &st);
    char name[32];
    g_snprintf(name, sizeof name, "%s.opus", lcc_party_name(p));
    add_file(files, r, name, "audio", lcc_party_name(p), st.duration_ms);
    if (r->party[p].had_video) {
      lcc_webm_stats ws = r->party[p].webm_final;
      if (r->party[p].webm) lcc_webm_get_stats(r->party[p].webm, &ws);
      g_snprintf(name, sizeof name, "%s.webm", lcc_party_name(p));
      add_file(files, r, name, "video", lcc_party_name(p), ws.duration_ms);
    }
    cJSON *pk = cJSON_AddObjectToObject(packets, lcc_party_name(p));
    cJSON_AddNumberToObject(pk, "received", (double)r->party[p].received);
    cJSON_AddNumberToObject(pk, "lost", (double)st.lost);
    cJSON_AddNumberToObject(pk, "silenceMs", (double)st.silence_ms);
    cJSON_AddNumberToObject(pk, "beforeFirstPacketMs", (double)st.before_first_ms);
    cJSON_AddNumberToObject(pk, "concealed", (double)ms.ch[p].concealed);
    cJSON_AddNumberToObject(pk, "fecRecovered", (double)ms.ch[p].fec_recovered);
    cJSON_AddNumberToObject(pk, "late", (double)(st.late + st.duplicates));
  }
  add_file(files, r, "mixed.opus", "mixed-audio", NULL, ms.duration_ms);
}

static char *build(const lcc_recorder *r, bool complete) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "version", 1);
  cJSON_AddStringToObject(o, "callId", r->call_id);
  cJSON_AddStringToObject(o, "folder", r->dir_name);
  /* Who writes it: after a crash, a restart on the same host can tell a dead writer from a live one. */
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  cJSON_AddStringToObject(o, "host", host);
  cJSON_AddNumberToObject(o, "pid", (double)getpid());
  cJSON *parties = cJSON_AddArrayToObject(o, "parties");
  for (int p = 0; p < LCC_PARTY_COUNT; p++) cJSON_AddItemToArray(parties, cJSON_CreateString(lcc_party_name(p)));
  add_time(o, "startedAt", r->start_wall_us);
  uint64_t end = r->end_mono_us ? r->end_mono_us : (uint64_t)g_get_monotonic_time();
  if (r->end_mono_us) add_time(o, "endedAt", wall_of(r, end));
  else cJSON_AddNullToObject(o, "endedAt");
  cJSON_AddNumberToObject(o, "durationMs", (double)((end - r->start_mono_us) / 1000));
  add_files_and_packets(o, r);
  cJSON *pauses = cJSON_AddArrayToObject(o, "pauses");
  for (size_t i = 0; i < r->n_pauses; i++) {
    cJSON *p = cJSON_CreateObject();
    add_time(p, "startedAt", wall_of(r, r->pause_start[i]));
    if (r->pause_end[i]) add_time(p, "endedAt", wall_of(r, r->pause_end[i]));
    else cJSON_AddNullToObject(p, "endedAt");
    cJSON_AddItemToArray(pauses, p);
  }
  cJSON_AddBoolToObject(o, "complete", complete);
  if (r->failed) cJSON_AddStringToObject(o, "error", r->error);
  else cJSON_AddNullToObject(o, "error");
  char *s = cJSON_Print(o);
  cJSON_Delete(o);
  return s;
}

static bool write_atomically(const char *dir, const char *json) {
  char tmp[1300], final[1300];
  g_snprintf(tmp, sizeof tmp, "%s/.recording.json.tmp", dir);
  g_snprintf(final, sizeof final, "%s/recording.json", dir);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, LCC_REC_FILE_MODE);
  if (fd < 0) return false;
  size_t len = strlen(json), off = 0;
  while (off < len) {
    ssize_t n = write(fd, json + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += (size_t)n;
  }
  bool ok = off == len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, final) != 0) {
    unlink(tmp);
    return false;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return true;
}

char *lcc_rec_sidecar_write(lcc_recorder *r, bool complete) {
  char *json = build(r, complete);
  if (json && r->dir[0]) write_atomically(r->dir, json); /* a full disk keeps the previous sidecar */
  return json;
}
