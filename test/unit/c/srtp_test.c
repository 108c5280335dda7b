/* srtp.c: known-answer packets from libsrtp's own reference vectors, round
 * trips between two sides with crossed keys for both profiles, and the
 * rejections a hostile network produces (tampering, replays, packets older
 * than the window), plus the trailer-room check. DTLS-derived keys are
 * exercised in dtls_test.c. */
#include "transport/srtp.h"

#include <stdint.h>
#include <string.h>

#include "check.h"

/* Reference packets from libsrtp's test/srtp_driver.c (srtp_validate and
 * srtp_validate_gcm, libsrtp 2.x): SSRC 0xcafebabe, seq 0x1234, 16 bytes of
 * 0xab payload; the SRTCP packets carry index 1 with the E bit. */
static const uint8_t cm_key[30] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41,
    0x39, 0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
static const uint8_t gcm_key[28] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xa0, 0xa1, 0xa2, 0xa3,
                                    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};
static const uint8_t rtp_plain[28] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                      0xba, 0xbe, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                      0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
static const uint8_t rtcp_plain[24] = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,
                                       0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                       0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
static const uint8_t cm_srtp[38] = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe,
                                    0xba, 0xbe, 0x4e, 0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8,
                                    0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d,
                                    0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};
static const uint8_t cm_srtcp[38] = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28,
                                     0x03, 0x5b, 0xe4, 0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41,
                                     0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00, 0x00, 0x01, 0x99, 0x3e,
                                     0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98};
static const uint8_t gcm_srtp[44] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xc5, 0x00, 0x2e,
    0xde, 0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11, 0x59, 0xe0, 0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97,
    0x68, 0x26, 0xf7, 0x96, 0xb2, 0x01, 0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92};
static const uint8_t gcm_srtcp[44] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xc9, 0x8b, 0x8b, 0x5d, 0xf0, 0x39, 0x2a,
    0x55, 0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25, 0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3,
    0xb4, 0x46, 0xea, 0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e, 0x80, 0x00, 0x00, 0x01};

#define CAP (1500 + LCC_SRTP_MAX_TRAILER)

static lcc_srtp_keys make_keys(lcc_srtp_profile p, const uint8_t *local, const uint8_t *remote) {
  lcc_srtp_keys k;
  memset(&k, 0, sizeof k);
  k.profile = p;
  k.key_len = 16;
  k.salt_len = p == LCC_SRTP_AEAD_AES_128_GCM ? 12 : 14;
  memcpy(k.local, local, k.key_len + k.salt_len);
  memcpy(k.remote, remote, k.key_len + k.salt_len);
  return k;
}

/* Two sides with crossed keys: A sends with k1 and B receives with k1. */
static void make_pair(lcc_srtp_profile p, lcc_srtp **a, lcc_srtp **b) {
  uint8_t k1[30], k2[30];
  for (int i = 0; i < 30; i++) {
    k1[i] = (uint8_t)(0x10 + 7 * i);
    k2[i] = (uint8_t)(0xc3 ^ (13 * i));
  }
  lcc_srtp_keys ka = make_keys(p, k1, k2), kb = make_keys(p, k2, k1);
  lcc_why why = {""};
  *a = lcc_srtp_create(&ka, &why);
  *b = lcc_srtp_create(&kb, &why);
  CHECK(*a != NULL && *b != NULL);
}

static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload) {
  buf[0] = 0x80;
  buf[1] = 111; /* Opus */
  buf[2] = (uint8_t)(seq >> 8);
  buf[3] = (uint8_t)seq;
  uint32_t ts = 960u * seq;
  for (int i = 0; i < 4; i++) {
    buf[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
    buf[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
  }
  for (size_t i = 0; i < payload; i++) buf[12 + i] = (uint8_t)(i * 31 + seq);
  return 12 + payload;
}

/* A receiver report from ssrc with one report block. */
static size_t make_rtcp(uint8_t *buf, uint32_t ssrc) {
  memset(buf, 0, 32);
  buf[0] = 0x81;
  buf[1] = 201;
  buf[3] = 7;
  for (int i = 0; i < 4; i++) {
    buf[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    buf[8 + i] = (uint8_t)(0x5eed1234u >> (24 - 8 * i));
  }
  buf[15] = 3; /* cumulative lost */
  return 32;
}

static void test_known_answers(lcc_srtp_profile p, const uint8_t *key, const uint8_t *srtp_ref,
                               const uint8_t *srtcp_ref, size_t out_len) {
  lcc_srtp_keys k = make_keys(p, key, key);
  lcc_why why = {""};
  lcc_srtp *tx = lcc_srtp_create(&k, &why);
  lcc_srtp *rx = lcc_srtp_create(&k, &why);
  CHECK(tx != NULL && rx != NULL);
  uint8_t buf[CAP];
  size_t len = sizeof rtp_plain;
  memcpy(buf, rtp_plain, len);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(tx, buf, &len, sizeof buf), LCC_OK);
  CHECK_EQ_INT(len, out_len);
  CHECK(memcmp(buf, srtp_ref, out_len) == 0);
  len = sizeof rtcp_plain;
  memcpy(buf, rtcp_plain, len);
  CHECK_EQ_INT(lcc_srtp_protect_rtcp(tx, buf, &len, sizeof buf), LCC_OK);
  CHECK_EQ_INT(len, out_len);
  CHECK(memcmp(buf, srtcp_ref, out_len) == 0);

  memcpy(buf, srtp_ref, out_len);
  len = out_len;
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(rx, buf, &len), LCC_OK);
  CHECK_EQ_INT(len, sizeof rtp_plain);
  CHECK(memcmp(buf, rtp_plain, sizeof rtp_plain) == 0);
  memcpy(buf, srtcp_ref, out_len);
  len = out_len;
  CHECK_EQ_INT(lcc_srtp_unprotect_rtcp(rx, buf, &len), LCC_OK);
  CHECK_EQ_INT(len, sizeof rtcp_plain);
  CHECK(memcmp(buf, rtcp_plain, sizeof rtcp_plain) == 0);
  lcc_srtp_destroy(tx);
  lcc_srtp_destroy(rx);
}

/* A -> B and B -> A give back identical bytes; a side cannot read what it
 * sent itself (its inbound key is the peer's), so directions are not mixed. */
static void test_round_trip(lcc_srtp_profile p, size_t tag) {
  lcc_srtp *a, *b;
  make_pair(p, &a, &b);
  uint8_t plain[CAP], buf[CAP];
  for (uint16_t seq = 100; seq < 110; seq++) {
    lcc_srtp *from = seq % 2 ? a : b, *to = seq % 2 ? b : a;
    size_t n = make_rtp(plain, seq, 0x11223344u + (seq % 2), 160 + seq);
    size_t len = n;
    memcpy(buf, plain, n);
    CHECK_EQ_INT(lcc_srtp_protect_rtp(from, buf, &len, sizeof buf), LCC_OK);
    CHECK_EQ_INT(len, n + tag);
    CHECK(memcmp(buf, plain, 12) == 0);           /* header stays clear */
    CHECK(memcmp(buf + 12, plain + 12, 16) != 0); /* payload does not */
    uint8_t copy[CAP];
    size_t copy_len = len;
    memcpy(copy, buf, len);
    CHECK_EQ_INT(lcc_srtp_unprotect_rtp(from, copy, &copy_len), LCC_ERR_SRTP_FAILED);
    CHECK_EQ_INT(lcc_srtp_unprotect_rtp(to, buf, &len), LCC_OK);
    CHECK_EQ_INT(len, n);
    CHECK(memcmp(buf, plain, n) == 0);
  }
  for (int i = 0; i < 2; i++) {
    lcc_srtp *from = i ? a : b, *to = i ? b : a;
    size_t n = make_rtcp(plain, 0xabcdef00u + (uint32_t)i), len = n;
    memcpy(buf, plain, n);
    CHECK_EQ_INT(lcc_srtp_protect_rtcp(from, buf, &len, sizeof buf), LCC_OK);
    CHECK_EQ_INT(len, n + 4 + tag); /* E bit + index, then the tag */
    CHECK_EQ_INT(lcc_srtp_unprotect_rtcp(to, buf, &len), LCC_OK);
    CHECK_EQ_INT(len, n);
    CHECK(memcmp(buf, plain, n) == 0);
  }
  lcc_srtp_destroy(a);
  lcc_srtp_destroy(b);
}

/* A flipped bit anywhere fails authentication; the genuine packet still
 * passes afterwards (a forgery does not poison the replay window). */
static void test_tamper_and_replay(lcc_srtp_profile p) {
  lcc_srtp *a, *b;
  make_pair(p, &a, &b);
  uint8_t pkt[CAP], buf[CAP];
  size_t len = make_rtp(pkt, 7, 0x01020304u, 100);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, pkt, &len, sizeof pkt), LCC_OK);
  size_t spots[] = {2, 20, len - 1}; /* header, payload, tag */
  for (size_t i = 0; i < 3; i++) {
    size_t l = len;
    memcpy(buf, pkt, len);
    buf[spots[i]] ^= 0x01;
    CHECK_EQ_INT(lcc_srtp_unprotect_rtp(b, buf, &l), LCC_ERR_SRTP_FAILED);
  }
  size_t l = len;
  memcpy(buf, pkt, len);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(b, buf, &l), LCC_OK);
  l = len;
  memcpy(buf, pkt, len);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(b, buf, &l), LCC_ERR_SRTP_FAILED); /* replay */

  len = make_rtcp(pkt, 0x0a0b0c0du);
  CHECK_EQ_INT(lcc_srtp_protect_rtcp(a, pkt, &len, sizeof pkt), LCC_OK);
  l = len;
  memcpy(buf, pkt, len);
  buf[10] ^= 0x80;
  CHECK_EQ_INT(lcc_srtp_unprotect_rtcp(b, buf, &l), LCC_ERR_SRTP_FAILED);
  l = len;
  memcpy(buf, pkt, len);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtcp(b, buf, &l), LCC_OK);
  l = len;
  memcpy(buf, pkt, len);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtcp(b, buf, &l), LCC_ERR_SRTP_FAILED); /* replay */
  lcc_srtp_destroy(a);
  lcc_srtp_destroy(b);
}

/* A forwarded retransmission reuses its sequence number: protect accepts it
 * and, same key and index, produces the same bytes. */
static void test_repeat_outbound(void) {
  lcc_srtp *a, *b;
  make_pair(LCC_SRTP_AES128_CM_SHA1_80, &a, &b);
  uint8_t first[CAP], again[CAP];
  size_t n1 = make_rtp(first, 500, 0x55667788u, 300), n2 = make_rtp(again, 500, 0x55667788u, 300);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, first, &n1, sizeof first), LCC_OK);
  size_t mid = make_rtp(again, 501, 0x55667788u, 300);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, again, &mid, sizeof again), LCC_OK);
  n2 = make_rtp(again, 500, 0x55667788u, 300);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, again, &n2, sizeof again), LCC_OK);
  CHECK_EQ_INT(n1, n2);
  CHECK(memcmp(first, again, n1) == 0);
  lcc_srtp_destroy(a);
  lcc_srtp_destroy(b);
}

/* Window 1024: a packet 1000 behind the newest still plays (a late NACK
 * answer); one 1200 behind is too old. */
static void test_replay_window(void) {
  lcc_srtp *a, *b;
  make_pair(LCC_SRTP_AEAD_AES_128_GCM, &a, &b);
  uint8_t old[CAP], late[CAP], newest[CAP];
  size_t n_old = make_rtp(old, 800, 0x99u, 50), n_late = make_rtp(late, 1000, 0x99u, 50);
  size_t n_new = make_rtp(newest, 2000, 0x99u, 50);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, old, &n_old, sizeof old), LCC_OK);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, late, &n_late, sizeof late), LCC_OK);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, newest, &n_new, sizeof newest), LCC_OK);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(b, newest, &n_new), LCC_OK);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(b, late, &n_late), LCC_OK);
  CHECK_EQ_INT(n_late, 62);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(b, old, &n_old), LCC_ERR_SRTP_FAILED);
  lcc_srtp_destroy(a);
  lcc_srtp_destroy(b);
}

static void test_capacity(void) {
  lcc_srtp *a, *b;
  make_pair(LCC_SRTP_AES128_CM_SHA1_80, &a, &b);
  uint8_t buf[CAP], plain[CAP];
  size_t n = make_rtp(plain, 1, 0x42u, 80), len = n;
  memcpy(buf, plain, n);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, buf, &len, n + LCC_SRTP_MAX_TRAILER - 1),
               LCC_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(len, n);
  CHECK(memcmp(buf, plain, n) == 0); /* untouched */
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, buf, &len, n - 1), LCC_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(lcc_srtp_protect_rtcp(a, buf, &len, n + 10), LCC_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(lcc_srtp_protect_rtp(a, buf, &len, n + LCC_SRTP_MAX_TRAILER), LCC_OK);
  CHECK_EQ_INT(len, n + 10);
  lcc_srtp_destroy(a);
  lcc_srtp_destroy(b);
}

static void test_bad_keys(void) {
  uint8_t k[30] = {1};
  lcc_why why = {""};
  lcc_srtp_keys keys = make_keys(LCC_SRTP_AES128_CM_SHA1_80, k, k);
  keys.salt_len = 12; /* GCM's salt with the CM profile */
  CHECK(lcc_srtp_create(&keys, &why) == NULL);
  CHECK(strstr(why.msg, "do not fit profile 1") != NULL);
  keys = make_keys(LCC_SRTP_AEAD_AES_128_GCM, k, k);
  keys.profile = (lcc_srtp_profile)2;
  why.msg[0] = 0;
  CHECK(lcc_srtp_create(&keys, &why) == NULL);
  CHECK(strstr(why.msg, "profile 2") != NULL);
  CHECK(lcc_srtp_create(NULL, &why) == NULL);
  lcc_srtp_destroy(NULL);
}

/* Random bytes of every short length: an error each time, never a crash
 * (run under ASan and valgrind). */
static void test_garbage(void) {
  lcc_srtp *a, *b;
  make_pair(LCC_SRTP_AES128_CM_SHA1_80, &a, &b);
  uint32_t x = 0x9e3779b9u;
  int ok = 0;
  for (size_t n = 0; n < 200; n++) {
    uint8_t buf[256];
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      buf[i] = (uint8_t)x;
    }
    if (n > 0) buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3f)); /* looks like RTP v2 */
    size_t l = n;
    ok += lcc_srtp_unprotect_rtp(b, buf, &l) == LCC_OK;
    l = n;
    ok += lcc_srtp_unprotect_rtcp(b, buf, &l) == LCC_OK;
  }
  CHECK_EQ_INT(ok, 0);
  size_t l = 0;
  uint8_t one = 0x80;
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(NULL, &one, &l), LCC_ERR_INVALID_OPTION);
  lcc_srtp_destroy(a);
  lcc_srtp_destroy(b);
}

int main(void) {
  test_known_answers(LCC_SRTP_AES128_CM_SHA1_80, cm_key, cm_srtp, cm_srtcp, 38);
  test_known_answers(LCC_SRTP_AEAD_AES_128_GCM, gcm_key, gcm_srtp, gcm_srtcp, 44);
  test_round_trip(LCC_SRTP_AES128_CM_SHA1_80, 10);
  test_round_trip(LCC_SRTP_AEAD_AES_128_GCM, 16);
  test_tamper_and_replay(LCC_SRTP_AES128_CM_SHA1_80);
  test_tamper_and_replay(LCC_SRTP_AEAD_AES_128_GCM);
  test_repeat_outbound();
  test_replay_window();
  test_capacity();
  test_bad_keys();
  test_garbage();
  return check_done("srtp");
}
