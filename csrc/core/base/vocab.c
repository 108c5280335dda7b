#include "vocab.h"

const char *lcc_party_name(lcc_party p) { return p == LCC_PARTY_AGENT ? "agent" : "visitor"; }

const char *lcc_leg_state_name(lcc_leg_state s) {
  static const char *const names[] = {"new",          "connecting", "connected",
                                      "disconnected", "failed",     "closed"};
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}
