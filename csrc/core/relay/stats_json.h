/* The JSON form of a call's statistics (base/stats.h), for the end-of-call
 * summary: built once per call, on the media thread, when the call ends.
 * getStats() never comes here: its structs become JS objects in the glue.
 * Thread: any (reads plain structs only). */
#ifndef LCC_STATS_JSON_H
#define LCC_STATS_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "base/stats.h"

/* {"visitor": leg|null, "agent": leg|null} in getStats()'s shape (transfer
 * full: cJSON_Delete). With summary, each leg leaves out what only matters
 * while the call is live: selectedCandidatePair, iceRole, dtlsRole. NULL
 * without memory. */
cJSON *lcc_stats_parties_json(const lcc_stats_call *call, bool summary);

#endif
