/* The core's shared words: who a leg belongs to (the party), the state of a
 * leg as JS sees it, and the size of a call id. Every layer from the relay up
 * speaks them; this header depends on nothing, so none of those layers has to
 * include a higher one to name a party or a state. */
#ifndef LCC_VOCAB_H
#define LCC_VOCAB_H

typedef enum { LCC_PARTY_VISITOR = 0, LCC_PARTY_AGENT = 1, LCC_PARTY_COUNT = 2 } lcc_party;

/* The state of one party's leg, as JS sees it (RTCPeerConnectionState-like). */
typedef enum {
  LCC_STATE_NEW = 0,
  LCC_STATE_CONNECTING,
  LCC_STATE_CONNECTED,
  LCC_STATE_DISCONNECTED,
  LCC_STATE_FAILED,
  LCC_STATE_CLOSED
} lcc_leg_state;

#define LCC_CALL_ID_MAX 128

const char *lcc_party_name(lcc_party p);            /* "visitor", "agent" */
const char *lcc_leg_state_name(lcc_leg_state s);    /* "new", "connecting", ... */

#endif
