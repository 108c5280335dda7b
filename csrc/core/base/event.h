/* What the core tells its owner: one event per candidate, state change, reply,
 * ended call or finished recording. Calls create them on the media thread,
 * the server queues them, and the owner drains and frees them (any thread). */
#ifndef LCC_EVENT_H
#define LCC_EVENT_H

#include <stdint.h>

#include "err.h"
#include "stats.h"
#include "vocab.h"

typedef enum {
  LCC_EV_REPLY = 0, /* req, err/why, text, or stats for a stats command */
  LCC_EV_CANDIDATE, /* call_id, party, text = "candidate:..." or NULL = gathering done, mid, mline_index */
  LCC_EV_STATE,     /* call_id, party, state, err/why when failed */
  LCC_EV_CALL_END,  /* call_id, text = summary JSON (also sent for calls ended by lcc_server_destroy) */
  LCC_EV_RECORDING, /* call_id, text = the recording's sidecar JSON: it ended (err OK) or failed
                       (err LCC_ERR_RECORDING_FAILED, why); from the recorder thread */
} lcc_event_kind;

/* An event from the media thread. Owned by whoever drained it. */
typedef struct lcc_event {
  lcc_event_kind kind;
  uint64_t req;
  char call_id[LCC_CALL_ID_MAX];
  lcc_party party;
  lcc_err err;
  char why[256];
  char *text; /* owned, may be NULL */
  lcc_stats_snapshot *stats; /* owned, may be NULL: the reply to a stats command */
  char mid[64];
  int mline_index;
  lcc_leg_state state;
  struct lcc_event *next;
} lcc_event;

/* A zeroed event of a kind for a call (mline_index -1), or NULL without memory (transfer full). */
lcc_event *lcc_event_new(lcc_event_kind kind, const char *call_id, lcc_party party);
/* Frees a list of events (next links) and their texts. NULL is a no-op. */
void lcc_event_free_list(lcc_event *ev);

#endif
