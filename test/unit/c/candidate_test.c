/* The candidate parser on what Chromium, Firefox and libnice really send
 * (test/fixtures/candidates.txt) and on garbage. */
#include <string.h>

#include "proto/candidate.h"
#include "check.h"

static lcc_err parse(const char *s, lcc_candidate *c, lcc_why *why) {
  return lcc_candidate_parse(s, strlen(s), c, why);
}

static void test_real_candidates(void) {
  size_t len;
  char *text = check_read_file("../../fixtures/candidates.txt", &len);
  CHECK(text != NULL);
  if (!text) return;
  int n = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#' || !line[0]) continue;
    lcc_candidate c;
    lcc_why why = {{0}};
    lcc_err err = parse(line, &c, &why);
    if (err != LCC_OK) fprintf(stderr, "refused: %s (%s)\n", line, why.msg);
    CHECK_EQ_INT(err, LCC_OK);
    n++;
  }
  CHECK(n >= 8);
  free(text);
}

static void test_fields(void) {
  lcc_candidate c;
  CHECK_EQ_INT(parse("candidate:2169522962 1 tcp 1518214911 127.0.0.1 9 typ host tcptype active generation 0 "
                     "ufrag 1b4d network-id 1", &c, NULL), LCC_OK);
  CHECK_EQ_STR(c.foundation, "2169522962");
  CHECK_EQ_INT(c.component, 1);
  CHECK(c.tcp);
  CHECK_EQ_STR(c.tcptype, "active");
  CHECK_EQ_INT(c.priority, 1518214911u);
  CHECK_EQ_STR(c.address, "127.0.0.1");
  CHECK_EQ_INT(c.port, 9);
  CHECK_EQ_INT(c.type, LCC_CAND_HOST);
  CHECK_EQ_INT(parse("a=candidate:1 1 UDP 1686052607 203.0.113.7 50000 typ srflx raddr 10.0.0.2 rport 50000", &c, NULL), LCC_OK);
  CHECK_EQ_INT(c.type, LCC_CAND_SRFLX);
  CHECK(!c.tcp);
  CHECK_EQ_INT(parse("candidate:0 1 UDP 2122252543 4f7d9ad6-3c7e-4b7a-9e89-2bd1c1c4d1a0.local 54321 typ host", &c, NULL), LCC_OK);
  CHECK(c.mdns);
  CHECK_EQ_INT(parse("candidate:3 1 udp 2122262783 ::1 60000 typ host", &c, NULL), LCC_OK);
}

static void test_garbage(void) {
  static const char *const bad[] = {
      "",
      "candidate:",
      "candidate:garbage",
      "candidate:1 1 udp notanumber 127.0.0.1 9 typ host",
      "candidate:1 1 udp 2122260223 999.1.1.1 5000 typ host",
      "candidate:1 1 udp 2122260223 127.0.0.1 65536 typ host",
      "candidate:1 0 udp 2122260223 127.0.0.1 5000 typ host",
      "candidate:1 1 sctp 2122260223 127.0.0.1 5000 typ host",
      "candidate:1 1 udp 99999999999 127.0.0.1 5000 typ host",
      "candidate:1 1 udp 2122260223 127.0.0.1 5000 type host",
      "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ bogus",
      "candidate:1 1 udp 2122260223 example.com 5000 typ host",
      "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host generation",
      "candidate:1 1 tcp 2122260223 127.0.0.1 5000 typ host tcptype sideways",
      "candidate:f$ 1 udp 2122260223 127.0.0.1 5000 typ host",
      "no candidate prefix at all",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lcc_candidate c;
    lcc_why why = {{0}};
    lcc_err err = parse(bad[i], &c, &why);
    if (err != LCC_ERR_CANDIDATE_INVALID) fprintf(stderr, "accepted: '%s'\n", bad[i]);
    CHECK_EQ_INT(err, LCC_ERR_CANDIDATE_INVALID);
    CHECK(why.msg[0] != 0);
  }
  /* Not NUL-terminated: the parser reads only len bytes. */
  char buf[64];
  memset(buf, 'x', sizeof buf);
  memcpy(buf, "candidate:1 1 udp 1 127.0.0.1 9 typ host", 40);
  lcc_candidate c;
  CHECK_EQ_INT(lcc_candidate_parse(buf, 40, &c, NULL), LCC_OK);
  CHECK_EQ_INT(lcc_candidate_parse(buf, 30, &c, NULL), LCC_ERR_CANDIDATE_INVALID);
}

/* Where a candidate's address points decides whether the server may send
 * checks there (RFC 6890's special-purpose ranges). */
static void test_ip_scope(void) {
  static const struct {
    const char *ip;
    lcc_ip_scope scope;
  } cases[] = {
      {"203.0.113.7", LCC_IP_PUBLIC},      {"8.8.8.8", LCC_IP_PUBLIC},
      {"2001:db8::1", LCC_IP_PUBLIC},      {"172.32.0.1", LCC_IP_PUBLIC},
      {"100.128.0.1", LCC_IP_PUBLIC},      {"::2", LCC_IP_PUBLIC},
      {"10.1.2.3", LCC_IP_PRIVATE},        {"172.16.0.1", LCC_IP_PRIVATE},
      {"172.31.255.255", LCC_IP_PRIVATE},  {"192.168.1.1", LCC_IP_PRIVATE},
      {"100.64.0.1", LCC_IP_PRIVATE},      {"fd12:3456::1", LCC_IP_PRIVATE},
      {"fc00::1", LCC_IP_PRIVATE},         {"127.0.0.1", LCC_IP_LOOPBACK},
      {"127.255.0.9", LCC_IP_LOOPBACK},    {"::1", LCC_IP_LOOPBACK},
      {"::ffff:127.0.0.1", LCC_IP_LOOPBACK}, {"::ffff:10.0.0.1", LCC_IP_PRIVATE},
      {"169.254.169.254", LCC_IP_LINK_LOCAL}, {"fe80::1", LCC_IP_LINK_LOCAL},
      {"febf::1", LCC_IP_LINK_LOCAL},      {"fec0::1", LCC_IP_PUBLIC},
      {"224.0.0.1", LCC_IP_MULTICAST},     {"239.255.255.250", LCC_IP_MULTICAST},
      {"255.255.255.255", LCC_IP_MULTICAST}, {"ff02::1", LCC_IP_MULTICAST},
      {"0.0.0.0", LCC_IP_UNSPECIFIED},     {"0.1.2.3", LCC_IP_UNSPECIFIED},
      {"::", LCC_IP_UNSPECIFIED},          {"abcd.local", LCC_IP_INVALID},
      {"", LCC_IP_INVALID},                {"1.2.3.4.5", LCC_IP_INVALID},
      {"::ffff:1.2.3", LCC_IP_INVALID},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lcc_ip_scope got = lcc_ip_scope_of(cases[i].ip);
    if (got != cases[i].scope)
      fprintf(stderr, "  %s: %s, expected %s\n", cases[i].ip, lcc_ip_scope_name(got), lcc_ip_scope_name(cases[i].scope));
    CHECK_EQ_INT(got, cases[i].scope);
  }
  CHECK_EQ_STR(lcc_ip_scope_name(LCC_IP_LINK_LOCAL), "link-local");
  CHECK_EQ_STR(lcc_ip_scope_name((lcc_ip_scope)99), "invalid");
}

int main(void) {
  test_ip_scope();
  test_real_candidates();
  test_fields();
  test_garbage();
  return check_done("candidate");
}
