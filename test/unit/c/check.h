/* A tiny assertion helper for the C unit tests: CHECK() records a failure
 * with file and line and goes on; check_done() prints "N passed, N failed"
 * and returns the process exit status. */
#ifndef LCC_CHECK_H
#define LCC_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_passed_, check_failed_;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (cond) {                                                                      \
      check_passed_++;                                                               \
    } else {                                                                         \
      check_failed_++;                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
    }                                                                                \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                           \
  do {                                                                               \
    long long a_ = (long long)(a), b_ = (long long)(b);                              \
    if (a_ == b_) {                                                                  \
      check_passed_++;                                                               \
    } else {                                                                         \
      check_failed_++;                                                               \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__,  \
              #a, #b, a_, b_);                                                       \
    }                                                                                \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                           \
  do {                                                                               \
    const char *a_ = (a), *b_ = (b);                                                 \
    if (a_ && b_ && strcmp(a_, b_) == 0) {                                           \
      check_passed_++;                                                               \
    } else {                                                                         \
      check_failed_++;                                                               \
      fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,        \
              __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");             \
    }                                                                                \
  } while (0)

/* A file or folder the code under test created has mode `mode` as narrowed
 * by the process umask (recordings are never world-readable). */
static inline int check_created_mode(const char *path, unsigned mode) {
  struct stat st;
  mode_t mask = umask(0);
  umask(mask);
  if (stat(path, &st) != 0) return 0;
  unsigned got = (unsigned)st.st_mode & 0777, want = mode & ~(unsigned)mask;
  if (got != want) fprintf(stderr, "  %s: mode %03o, expected %03o\n", path, got, want);
  return got == want;
}

static inline int check_done(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, check_passed_, check_failed_);
  return check_failed_ ? 1 : 0;
}

/* Reads a whole fixture file into a NUL-terminated heap buffer. */
static inline char *check_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = (char *)malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = 0;
    if (len) *len = (size_t)n;
  }
  return buf;
}

/* The RTP/RTCP fixture `name` (test/fixtures/rtp/), which must exist; free() it. */
static inline uint8_t *check_load_rtp_fixture(const char *name, size_t *len) {
  char path[256];
  snprintf(path, sizeof path, "../../fixtures/rtp/%s", name);
  uint8_t *b = (uint8_t *)check_read_file(path, len);
  if (!b) fprintf(stderr, "cannot read %s\n", path);
  CHECK(b != NULL);
  return b;
}

#endif
