/* ICE candidate attributes (RFC 8839 §5.1): a strict parser, so a peer's
 * garbage gets a precise error before it reaches the ICE agent.
 *   candidate:<foundation> <component> <transport> <priority> <address> <port>
 *     typ <host|srflx|prflx|relay> [raddr <addr>] [rport <port>] [<ext-name> <ext-value>]...
 * Pure: (buffer, length) in, struct out; no allocation. Thread: any. */
#ifndef LCC_CANDIDATE_H
#define LCC_CANDIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef enum { LCC_CAND_HOST = 0, LCC_CAND_SRFLX, LCC_CAND_PRFLX, LCC_CAND_RELAY } lcc_cand_type;

typedef struct {
  char foundation[33];
  uint16_t component;   /* 1..256 */
  bool tcp;             /* transport TCP (else UDP) */
  char tcptype[8];      /* "active", "passive", "so" or "" */
  uint32_t priority;
  char address[256];    /* an IP literal or an mDNS name */
  bool mdns;            /* address ends in ".local" (RFC 8828 obfuscation) */
  uint16_t port;
  lcc_cand_type type;
} lcc_candidate;

/* Parses "candidate:..." (an optional "a=" prefix is allowed). LCC_ERR_CANDIDATE_INVALID
 * with why naming the bad field. */
lcc_err lcc_candidate_parse(const char *text, size_t len, lcc_candidate *out, lcc_why *why);

#endif
