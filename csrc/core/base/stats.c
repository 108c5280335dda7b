#include "stats.h"

#include <stdlib.h>

lcc_stats_snapshot *lcc_stats_snapshot_new(size_t n) {
  if (n > (SIZE_MAX - sizeof(lcc_stats_snapshot)) / sizeof(lcc_stats_call)) return NULL;
  lcc_stats_snapshot *s = calloc(1, sizeof *s + n * sizeof s->calls[0]);
  if (s) s->n = n;
  return s;
}
