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

/* Where a numeric IP address points (RFC 6890 special-purpose ranges): what
 * the server decides whether to send connectivity checks to. An IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d) counts as its IPv4 address. */
typedef enum {
  LCC_IP_INVALID = 0,  /* not a numeric IP (an mDNS name, garbage) */
  LCC_IP_PUBLIC,
  LCC_IP_PRIVATE,      /* 10/8, 172.16/12, 192.168/16, 100.64/10 (CGN), fc00::/7 (ULA) */
  LCC_IP_LOOPBACK,     /* 127/8, ::1 */
  LCC_IP_LINK_LOCAL,   /* 169.254/16, fe80::/10 */
  LCC_IP_MULTICAST,    /* 224/4, 255.255.255.255, ff00::/8 */
  LCC_IP_UNSPECIFIED   /* 0/8, :: */
} lcc_ip_scope;

lcc_ip_scope lcc_ip_scope_of(const char *ip);
const char *lcc_ip_scope_name(lcc_ip_scope scope);

#endif
