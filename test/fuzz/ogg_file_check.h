/* Reads back an Ogg file a recording writer made, with libogg: every byte
 * belongs to a page whose CRC holds, there is one logical stream, it starts
 * with an OpusHead and ends with an EOS page, and granule positions never go
 * back. For the ogg_opus and mixer targets. */
#ifndef LCC_FUZZ_OGG_FILE_CHECK_H
#define LCC_FUZZ_OGG_FILE_CHECK_H

#include <ogg/ogg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns the file's size in bytes; abort() on a broken promise. */
static inline long ogg_file_check(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) abort();
  ogg_sync_state sync;
  ogg_sync_init(&sync);
  long total = 0, pages = 0;
  ogg_int64_t last_granule = -1;
  long serial = 0;
  int eos = 0;
  for (;;) {
    char *buf = ogg_sync_buffer(&sync, 4096);
    size_t n = fread(buf, 1, 4096, f);
    ogg_sync_wrote(&sync, (long)n);
    total += (long)n;
    ogg_page page;
    int r;
    while ((r = ogg_sync_pageout(&sync, &page)) != 0) {
      if (r < 0) abort(); /* bytes that are not a whole, valid page */
      if (eos) abort();   /* nothing after the EOS page */
      if (pages == 0) {
        serial = ogg_page_serialno(&page);
        if (page.body_len < 8 || memcmp(page.body, "OpusHead", 8) != 0) abort();
      } else if (ogg_page_serialno(&page) != serial) {
        abort();
      }
      ogg_int64_t g = ogg_page_granulepos(&page);
      if (g != -1) {
        if (g < last_granule) abort();
        last_granule = g;
      }
      if (ogg_page_eos(&page)) eos = 1;
      pages++;
    }
    if (n == 0) break;
  }
  fclose(f);
  /* Every byte was consumed as a page: nothing half-written is left over. */
  if (sync.fill != sync.returned) abort();
  ogg_sync_clear(&sync);
  if (!eos || pages < 3) abort();
  return total;
}

#endif
