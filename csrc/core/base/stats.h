/* What getStats() reports, as plain structs: one vocabulary for
 * call.getStats(), media.getStats() and the end-of-call summary.
 *
 * The relay fills them on the media thread (copied values and strings, no
 * pointer into a leg), the server hands them to its owner in the reply to a
 * stats command, and the glue turns them into JS objects on the JS thread, so
 * no stats request builds JSON on the media thread. The summary is rendered
 * to JSON from the same structs, once per call (relay/stats_json.h).
 * Thread: any (plain data). */
#ifndef LCC_STATS_H
#define LCC_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

/* One end of the selected ICE candidate pair. */
typedef struct {
  char address[64];
  uint16_t port;
  char type[8];     /* host, srflx, prflx, relay */
  char protocol[8]; /* udp, tcp */
} lcc_stats_endpoint;

/* One negotiated medium (audio or video) of a leg. `in` is what the party's
 * browser sent to the server, `out` what the server sent to it. */
typedef struct {
  bool active; /* negotiated; false reports null */
  char mid[64];
  uint8_t payload_type;
  uint64_t packets_in, bytes_in, packets_out, bytes_out;
  uint64_t packets_lost;         /* RFC 3550 receive statistics of what arrives */
  double loss_rate, jitter_ms;
  int32_t remote_packets_lost;   /* what the browser's receiver reports say */
  double remote_fraction_lost, remote_jitter_ms;
  double rtt_ms;                 /* < 0: unknown (null) */
  uint64_t nacks_in, plis_in, firs_in;
} lcc_stats_media;

/* One party's leg. */
typedef struct {
  bool present; /* the party has a leg; false reports null */
  lcc_leg_state state;
  uint64_t connected_at_ms; /* wall clock; 0: never (null) */
  bool has_pair;            /* a selected candidate pair exists */
  lcc_stats_endpoint local, remote;
  bool ice_controlling;
  bool has_dtls, dtls_client; /* has_dtls false reports dtlsRole null */
  char srtp_profile[32];      /* "": not keyed yet (null) */
  double rtt_ms;              /* < 0: unknown (null) */
  lcc_stats_media audio, video;
  uint64_t srtp_errors;
} lcc_stats_leg;

typedef struct {
  char id[LCC_CALL_ID_MAX];
  uint64_t started_at_ms; /* wall clock */
  lcc_stats_leg parties[LCC_PARTY_COUNT];
} lcc_stats_call;

/* The answer to one stats command: the calls it covers, in one allocation. */
typedef struct {
  size_t n;
  lcc_stats_call calls[];
} lcc_stats_snapshot;

/* Room for n calls, zeroed (transfer full: free()); NULL without memory. */
lcc_stats_snapshot *lcc_stats_snapshot_new(size_t n);

#endif
