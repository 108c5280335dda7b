/* One call: the visitor's and the agent's legs and the bridge between them.
 * The server routes commands here and the call reports events through the
 * env's emit callback. The server brackets each command with
 * lcc_call_begin_command / lcc_call_after_command: events raised while a
 * command runs are held until its reply is queued, so JS sees the reply first.
 * Thread: the server's media thread only.
 * Owns: both legs, the bridge state. Borrows: env (outlives every call). */
#ifndef LCC_CALL_H
#define LCC_CALL_H

#include <glib.h>
#include <stdbool.h>

#include "transport/dtls.h"
#include "base/event.h"
#include "base/stats.h"
#include "leg.h"
#include "record/recorder.h"
#include "base/vocab.h"

typedef struct {
  GMainContext *ctx;
  lcc_dtls_cert *cert;
  const lcc_leg_opts *leg_opts; /* the server's; ice_servers may change between legs */
  const char *recordings_dir;    /* the server's; "" = recording off */
  lcc_rec_thread *rec;         /* the server's recorder thread */
  /* Queues an event (transfer full). */
  void (*emit)(void *emit_ctx, lcc_event *ev);
  void *emit_ctx;
} lcc_call_env;

typedef struct lcc_call lcc_call;

lcc_call *lcc_call_create(const lcc_call_env *env, const char *id, bool record);
/* Ends the call (legs closed, each emits 'closed'), returns the summary JSON
 * (transfer full) and frees the call. */
char *lcc_call_end(lcc_call *c);

/* Each returns LCC_OK or an error with why; *out (transfer full) is SDP text. */
lcc_err lcc_call_answer(lcc_call *c, lcc_party p, const char *offer, char **out, lcc_why *why);
lcc_err lcc_call_offer(lcc_call *c, lcc_party p, char **out, lcc_why *why);
lcc_err lcc_call_accept_answer(lcc_call *c, lcc_party p, const char *answer, lcc_why *why);
lcc_err lcc_call_add_candidate(lcc_call *c, lcc_party p, const char *cand, const char *mid,
                               int mline_index, lcc_why *why);
lcc_err lcc_call_restart_ice(lcc_call *c, lcc_party p, char **out, lcc_why *why);
/* Closes and drops the party's leg; the next answer/offer creates a new one. */
lcc_err lcc_call_reset_leg(lcc_call *c, lcc_party p, lcc_why *why);
/* Asks a party for a video keyframe (for the recorder). */
void lcc_call_request_keyframe(lcc_call *c, lcc_party p);
/* Recording control. */
typedef enum { LCC_REC_START = 0, LCC_REC_PAUSE, LCC_REC_RESUME, LCC_REC_STOP } lcc_call_rec_op;
lcc_err lcc_call_recording(lcc_call *c, lcc_call_rec_op op, lcc_why *why);
/* A command starts: events are held from now on. */
void lcc_call_begin_command(lcc_call *c);
/* Releases the events held while a command ran (after its reply is queued). */
void lcc_call_after_command(lcc_call *c);
/* Copies the call's statistics into *out (no allocation). */
void lcc_call_stats_read(lcc_call *c, lcc_stats_call *out);
/* The ICE-TCP guard's judgement of both legs' connections (lcc_ice_guard_tcp). */
size_t lcc_call_guard_tcp(lcc_call *c, lcc_tcp_guard *g);

#endif
