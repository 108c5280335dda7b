/* Strict ICE candidate parser. See candidate.h. Thread: any. */
#include "candidate.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 24

typedef struct {
  const char *p;
  size_t len;
} field;

/* Splits on single or repeated spaces; false when there are too many fields. */
static bool split(const char *s, size_t len, field *out, size_t *n) {
  *n = 0;
  size_t i = 0;
  while (i < len) {
    while (i < len && s[i] == ' ') i++;
    if (i == len) break;
    size_t start = i;
    while (i < len && s[i] != ' ') i++;
    if (*n == MAX_FIELDS) return false;
    out[(*n)++] = (field){s + start, i - start};
  }
  return true;
}

static bool eq(field f, const char *lit) { return f.len == strlen(lit) && strncasecmp(f.p, lit, f.len) == 0; }

/* A decimal number of at most `digits` digits no larger than max. */
static bool number(field f, size_t digits, uint64_t max, uint64_t *out) {
  if (f.len == 0 || f.len > digits) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < f.len; i++) {
    if (f.p[i] < '0' || f.p[i] > '9') return false;
    v = v * 10 + (uint64_t)(f.p[i] - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.1) */
static bool ice_chars(field f, size_t max) {
  if (f.len == 0 || f.len > max) return false;
  for (size_t i = 0; i < f.len; i++) {
    char c = f.p[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

static bool address(field f, lcc_candidate *c) {
  if (f.len == 0 || f.len >= sizeof c->address) return false;
  memcpy(c->address, f.p, f.len);
  c->address[f.len] = 0;
  unsigned char buf[16];
  if (inet_pton(AF_INET, c->address, buf) == 1 || inet_pton(AF_INET6, c->address, buf) == 1) return true;
  /* RFC 8828: browsers hide host addresses behind <uuid>.local names. */
  c->mdns = f.len > 6 && strcasecmp(c->address + f.len - 6, ".local") == 0;
  for (size_t i = 0; c->mdns && i < f.len; i++) {
    char ch = f.p[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
      return false;
  }
  return c->mdns;
}

static bool cand_type(field f, lcc_cand_type *t) {
  static const char *const names[] = {"host", "srflx", "prflx", "relay"};
  for (int i = 0; i < 4; i++)
    if (eq(f, names[i])) {
      *t = (lcc_cand_type)i;
      return true;
    }
  return false;
}

static lcc_err extensions(const field *f, size_t n, lcc_candidate *c, lcc_why *why) {
  if (n % 2) return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: extension '%.*s' has no value", (int)f[n - 1].len, f[n - 1].p);
  for (size_t i = 0; i < n; i += 2) {
    uint64_t v;
    if (eq(f[i], "rport") && !number(f[i + 1], 5, 65535, &v))
      return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: bad rport '%.*s'", (int)f[i + 1].len, f[i + 1].p);
    if (eq(f[i], "tcptype")) {
      if (!(eq(f[i + 1], "active") || eq(f[i + 1], "passive") || eq(f[i + 1], "so")))
        return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: bad tcptype '%.*s'", (int)f[i + 1].len, f[i + 1].p);
      memcpy(c->tcptype, f[i + 1].p, f[i + 1].len);
      c->tcptype[f[i + 1].len] = 0;
    }
  }
  return LCC_OK;
}

lcc_err lcc_candidate_parse(const char *text, size_t len, lcc_candidate *c, lcc_why *why) {
  memset(c, 0, sizeof *c);
  if (len >= 2 && strncmp(text, "a=", 2) == 0) text += 2, len -= 2;
  if (len < 10 || strncmp(text, "candidate:", 10) != 0)
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate must start with 'candidate:'");
  field f[MAX_FIELDS];
  size_t n;
  if (!split(text + 10, len - 10, f, &n))
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate has more than %d fields", MAX_FIELDS);
  if (n < 8) return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate has %zu fields, needs at least 8", n);
  uint64_t comp, prio, port;
  if (!ice_chars(f[0], 32)) return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: bad foundation");
  memcpy(c->foundation, f[0].p, f[0].len);
  if (!number(f[1], 3, 256, &comp) || comp == 0)
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: bad component '%.*s'", (int)f[1].len, f[1].p);
  if (!eq(f[2], "udp") && !eq(f[2], "tcp"))
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: transport '%.*s' is not UDP or TCP", (int)f[2].len, f[2].p);
  if (!number(f[3], 10, UINT32_MAX, &prio))
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: bad priority '%.*s'", (int)f[3].len, f[3].p);
  if (!address(f[4], c))
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: address '%.*s' is not an IP or an mDNS name", (int)(f[4].len > 64 ? 64 : f[4].len), f[4].p);
  if (!number(f[5], 5, 65535, &port))
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: bad port '%.*s'", (int)f[5].len, f[5].p);
  if (!eq(f[6], "typ") || !cand_type(f[7], &c->type))
    return lcc_fail(why, LCC_ERR_CANDIDATE_INVALID, "candidate: expected 'typ host|srflx|prflx|relay'");
  c->component = (uint16_t)comp;
  c->tcp = eq(f[2], "tcp");
  c->priority = (uint32_t)prio;
  c->port = (uint16_t)port;
  return extensions(f + 8, n - 8, c, why);
}

static lcc_ip_scope ipv4_scope(const uint8_t a[4]) {
  if (a[0] == 0) return LCC_IP_UNSPECIFIED;
  if (a[0] == 127) return LCC_IP_LOOPBACK;
  if (a[0] == 169 && a[1] == 254) return LCC_IP_LINK_LOCAL;
  if (a[0] >= 224) return LCC_IP_MULTICAST; /* 224/4 multicast, 240/4 reserved, broadcast */
  if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) ||
      (a[0] == 100 && (a[1] & 0xC0) == 64))
    return LCC_IP_PRIVATE;
  return LCC_IP_PUBLIC;
}

lcc_ip_scope lcc_ip_scope_of(const char *ip) {
  uint8_t a[16];
  if (inet_pton(AF_INET, ip, a) == 1) return ipv4_scope(a);
  if (inet_pton(AF_INET6, ip, a) != 1) return LCC_IP_INVALID;
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (memcmp(a, mapped, sizeof mapped) == 0) return ipv4_scope(a + 12);
  static const uint8_t zero[16] = {0};
  if (memcmp(a, zero, 15) == 0) return a[15] == 1 ? LCC_IP_LOOPBACK : a[15] == 0 ? LCC_IP_UNSPECIFIED : LCC_IP_PUBLIC;
  if (a[0] == 0xFF) return LCC_IP_MULTICAST;
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return LCC_IP_LINK_LOCAL;
  if ((a[0] & 0xFE) == 0xFC) return LCC_IP_PRIVATE;
  return LCC_IP_PUBLIC;
}

const char *lcc_ip_scope_name(lcc_ip_scope scope) {
  static const char *const names[] = {"invalid", "public", "private", "loopback", "link-local", "multicast", "unspecified"};
  return (unsigned)scope < sizeof names / sizeof names[0] ? names[scope] : "invalid";
}
