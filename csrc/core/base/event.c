#include "event.h"

#include <glib.h>
#include <stdlib.h>

lcc_event *lcc_event_new(lcc_event_kind kind, const char *call_id, lcc_party party) {
  lcc_event *ev = calloc(1, sizeof *ev);
  if (!ev) return NULL;
  ev->kind = kind;
  ev->party = party;
  ev->mline_index = -1;
  if (call_id) g_strlcpy(ev->call_id, call_id, sizeof ev->call_id);
  return ev;
}

void lcc_event_free_list(lcc_event *ev) {
  while (ev) {
    lcc_event *next = ev->next;
    free(ev->text);
    free(ev->stats);
    free(ev);
    ev = next;
  }
}
