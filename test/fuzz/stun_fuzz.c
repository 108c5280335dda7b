/* Fuzz target for libnice's STUN code as our ICE agents run it on every
 * datagram that reaches a media port, before any ICE check has passed: a
 * remote party (or anyone who can reach the port) chooses these bytes.
 * libnice is a system library (libnice-dev), so this target links it and
 * tests it the way its agent (agent.c, conncheck.c; libnice 0.1.21) uses it:
 *   1. stun_message_validate_buffer_length(has_padding = true), which sorts
 *      STUN from the rest (RFC 5389 framing);
 *   2. stun_agent_validate() with an agent set up like NiceAgent's for RFC 5245
 *      (all known attributes, RFC 5389, short-term credentials, FINGERPRINT)
 *      and a validater that, like conncheck_stun_validater, takes the USERNAME
 *      "<our ufrag>:<theirs>" and hands out our password as the HMAC key;
 *   3. on a valid Binding request, what the conncheck reads (PRIORITY,
 *      USE-CANDIDATE, ICE-CONTROLLING / ICE-CONTROLLED) and the reply it
 *      builds (stun_usage_ice_conncheck_create_reply), which must be a
 *      well-framed STUN message.
 * The first input byte chooses the path: even, the rest is the datagram as
 * received; odd, the rest is a list of attributes (type: 2 bytes, length: 1
 * byte, value) that the harness puts into a Binding request after our
 * USERNAME and signs with libnice itself (MESSAGE-INTEGRITY, FINGERPRINT), so
 * that the fuzzer reaches the code behind the integrity check, which it
 * could not reach by guessing an HMAC.
 * libnice is not built with the sanitizers: its own memory accesses are not
 * checked (only the libc calls ASan intercepts) and its branches give
 * libFuzzer no coverage; test/fuzz/README.md says what that means. */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <stun/stunagent.h>
#include <stun/stunmessage.h>
#include <stun/usages/ice.h>

#define REQUIRE(c)     \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

#define LOCAL_UFRAG "srvU"
#define REMOTE_UFRAG "peerUfrag"
#define PASSWORD "serverPasswordOf22chars"

/* conncheck_stun_validater, reduced to one local candidate pair. */
static bool validater(StunAgent *agent, StunMessage *msg, uint8_t *username, uint16_t username_len,
                      uint8_t **password, size_t *password_len, void *user_data) {
  (void)agent;
  (void)msg;
  (void)user_data;
  const size_t ufrag_len = strlen(LOCAL_UFRAG);
  if (username_len < ufrag_len + 1 || memcmp(username, LOCAL_UFRAG ":", ufrag_len + 1) != 0) return false;
  *password = (uint8_t *)PASSWORD;
  *password_len = strlen(PASSWORD);
  return true;
}

static void init_agent(StunAgent *agent) {
  stun_agent_init(agent, STUN_ALL_KNOWN_ATTRIBUTES, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  stun_agent_set_software(agent, "livechat-calls fuzz");
}

/* What the server does with one datagram. buf is writable: libnice's
 * validation may rewrite the message in place while checking it. */
static void server_receives(uint8_t *buf, size_t len) {
  int framed = stun_message_validate_buffer_length(buf, len, true);
  REQUIRE(framed <= (int)len);
  if (framed <= 0) return; /* not STUN: the agent hands it on (to our demux) */
  REQUIRE(framed >= 20 && framed % 4 == 0);

  StunAgent agent;
  init_agent(&agent);
  StunMessage req;
  StunValidationStatus valid = stun_agent_validate(&agent, &req, buf, (size_t)framed, validater, NULL);
  if (valid != STUN_VALIDATION_SUCCESS) return;
  /* A Binding request: message type 0x0001 (libnice does not export the method getter). */
  if (stun_message_get_class(&req) != STUN_REQUEST || buf[0] != 0x00 || buf[1] != 0x01) return;

  uint16_t ulen = 0;
  const void *uname = stun_message_find(&req, STUN_ATTRIBUTE_USERNAME, &ulen);
  REQUIRE(uname != NULL && ulen <= (size_t)framed);
  uint32_t priority = 0;
  (void)stun_message_find32(&req, STUN_ATTRIBUTE_PRIORITY, &priority);
  (void)stun_message_find_flag(&req, STUN_ATTRIBUTE_USE_CANDIDATE);
  uint64_t tie = 0;
  (void)stun_message_find64(&req, STUN_ATTRIBUTE_ICE_CONTROLLING, &tie);
  (void)stun_message_find64(&req, STUN_ATTRIBUTE_ICE_CONTROLLED, &tie);

  struct sockaddr_in from = {.sin_family = AF_INET, .sin_port = htons(50000),
                             .sin_addr = {.s_addr = htonl(0xC0000201)}}; /* 192.0.2.1 */
  struct sockaddr_storage src;
  memset(&src, 0, sizeof src);
  memcpy(&src, &from, sizeof from);
  uint8_t reply_buf[1300];
  size_t reply_len = sizeof reply_buf;
  StunMessage reply;
  bool controlling = true;
  StunUsageIceReturn r = stun_usage_ice_conncheck_create_reply(&agent, &req, &reply, reply_buf, &reply_len, &src,
                                                                sizeof from, &controlling, 0x1122334455667788ull,
                                                                STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  if (r == STUN_USAGE_ICE_RETURN_SUCCESS || r == STUN_USAGE_ICE_RETURN_ROLE_CONFLICT) {
    REQUIRE(reply_len > 0 && reply_len <= sizeof reply_buf);
    REQUIRE(stun_message_validate_buffer_length(reply_buf, reply_len, true) == (int)reply_len);
  }
}

/* Builds a Binding request from fuzzed attributes and signs it as a peer
 * that knows our credentials would. */
static void signed_request(const uint8_t *data, size_t size) {
  StunAgent peer;
  init_agent(&peer);
  uint8_t buf[1500];
  StunMessage msg;
  if (!stun_agent_init_request(&peer, &msg, buf, sizeof buf, STUN_BINDING)) return;
  const char *username = LOCAL_UFRAG ":" REMOTE_UFRAG;
  if (stun_message_append_bytes(&msg, STUN_ATTRIBUTE_USERNAME, username, strlen(username)) != STUN_MESSAGE_RETURN_SUCCESS)
    return;
  size_t off = 0;
  while (size - off >= 3) {
    uint16_t type = (uint16_t)(data[off] << 8 | data[off + 1]);
    size_t alen = data[off + 2];
    off += 3;
    if (alen > size - off) alen = size - off;
    if (stun_message_append_bytes(&msg, (StunAttribute)type, data + off, alen) != STUN_MESSAGE_RETURN_SUCCESS) break;
    off += alen;
  }
  size_t len = stun_agent_finish_message(&peer, &msg, (const uint8_t *)PASSWORD, strlen(PASSWORD));
  if (len == 0) return;
  REQUIRE(len <= sizeof buf);
  /* An exactly sized copy, as a datagram would be. */
  uint8_t *copy = malloc(len);
  if (!copy) return;
  memcpy(copy, buf, len);
  server_receives(copy, len);
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 1) {
    signed_request(data + 1, size - 1);
    return 0;
  }
  uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
  if (!copy) return 0;
  memcpy(copy, data + 1, size - 1);
  server_receives(copy, size - 1);
  free(copy);
  return 0;
}
