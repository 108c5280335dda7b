/* dtls.c: two sessions, one active and one passive, joined by in-memory
 * datagram queues. Covers the handshake and its SRTP keys (run through
 * srtp.c, and checked against a plain OpenSSL peer's exporter), profile
 * choice, fingerprint checks with every hash, lost flights recovered by the
 * retransmission timer, close_notify, and garbage datagrams (including the
 * ones OpenSSL 3.0 itself would die on). Every datagram must fit
 * LCC_DTLS_MTU. Time only drives the retransmission timer; no assertion
 * depends on how long anything took. */
#include "transport/dtls.h"

#include <ctype.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "transport/srtp.h"

#define QCAP 256

typedef struct side side;
struct side {
  const char *name;
  lcc_dtls *d;
  side *peer;
  uint8_t *q[QCAP];
  size_t qlen[QCAP];
  size_t qhead, qn;
  int connected, failed, closed;
  lcc_err err;
  char why[512];
  lcc_srtp_keys keys;
  size_t max_dgram;
  int sent, sent_in_timeout, overflow;
  bool in_timeout;
  int send_calls; /* calls into the session that sent something */
  int drop_call;  /* drop all output of this call (1-based), 0 for none */
  bool dropping;
  int dropped;
};

static void on_send(void *ctx, const uint8_t *buf, size_t len) {
  side *s = ctx;
  s->sent++;
  if (len > s->max_dgram) s->max_dgram = len;
  if (s->in_timeout) s->sent_in_timeout++;
  if (s->dropping) {
    s->dropped++;
    return;
  }
  side *p = s->peer;
  if (p->qn == QCAP) {
    s->overflow++;
    return;
  }
  size_t i = (p->qhead + p->qn++) % QCAP;
  p->q[i] = malloc(len);
  memcpy(p->q[i], buf, len);
  p->qlen[i] = len;
}

static void on_connected(void *ctx, const lcc_srtp_keys *keys) {
  side *s = ctx;
  s->connected++;
  s->keys = *keys;
}

static void on_failed(void *ctx, lcc_err err, const char *why) {
  side *s = ctx;
  s->failed++;
  s->err = err;
  snprintf(s->why, sizeof s->why, "%s", why);
}

static void on_closed(void *ctx) { ((side *)ctx)->closed++; }

static const lcc_dtls_cb cbs = {on_send, on_connected, on_failed, on_closed};

/* Bookkeeping around each call into a session, so a test can drop the
 * whole output of, say, its first flight. */
static void call_begin(side *s, bool timeout) {
  s->in_timeout = timeout;
  s->dropping = s->drop_call > 0 && s->drop_call == s->send_calls + 1;
}

static void call_end(side *s, int sent_before) {
  if (s->sent > sent_before) s->send_calls++;
  s->dropping = false;
  s->in_timeout = false;
}

static void side_start(side *s) {
  int before = s->sent;
  call_begin(s, false);
  lcc_dtls_start(s->d);
  call_end(s, before);
}

static void side_feed(side *s, const uint8_t *buf, size_t len) {
  int before = s->sent;
  call_begin(s, false);
  lcc_dtls_feed(s->d, buf, len);
  call_end(s, before);
}

static void side_timeout(side *s) {
  int before = s->sent;
  call_begin(s, true);
  lcc_dtls_handle_timeout(s->d);
  call_end(s, before);
}

static bool deliver_one(side *s) {
  if (s->qn == 0) return false;
  size_t i = s->qhead;
  s->qhead = (s->qhead + 1) % QCAP;
  s->qn--;
  side_feed(s, s->q[i], s->qlen[i]);
  free(s->q[i]);
  return true;
}

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool settled(const side *s) { return s->connected || s->failed || s->closed; }

/* Delivers datagrams and runs expired timers until both sides settled,
 * nothing can happen any more, or max_ms passed. */
static void pump(side *a, side *b, int max_ms) {
  int64_t deadline = now_us() + (int64_t)max_ms * 1000;
  while (now_us() < deadline) {
    bool moved = deliver_one(a);
    moved = deliver_one(b) || moved;
    if (moved) continue;
    if (settled(a) && settled(b)) return;
    int64_t ta = lcc_dtls_timeout_us(a->d), tb = lcc_dtls_timeout_us(b->d);
    if (ta < 0 && tb < 0) return;
    if (ta == 0) side_timeout(a);
    if (tb == 0) side_timeout(b);
    if (ta != 0 && tb != 0) {
      struct timespec ts = {0, 2000000}; /* 2 ms steps */
      nanosleep(&ts, NULL);
    }
  }
}

static void side_init(side *s, const char *name, side *peer) {
  memset(s, 0, sizeof *s);
  s->name = name;
  s->peer = peer;
}

static void side_free(side *s) {
  while (s->qn) {
    free(s->q[s->qhead]);
    s->qhead = (s->qhead + 1) % QCAP;
    s->qn--;
  }
  lcc_dtls_destroy(s->d);
  s->d = NULL;
}

typedef struct {
  side c, s;
} pair;

/* c is active (DTLS client) with cert cc and expects the server's
 * fingerprint (c_alg, c_fp); s is passive with cert sc. */
static bool pair_make(pair *p, lcc_dtls_cert *cc, lcc_dtls_cert *sc, const char *c_alg,
                      const char *c_fp, const char *s_alg, const char *s_fp) {
  lcc_why why = {""};
  side_init(&p->c, "client", &p->s);
  side_init(&p->s, "server", &p->c);
  p->c.d = lcc_dtls_create(cc, true, c_alg, c_fp, &cbs, &p->c, &why);
  p->s.d = lcc_dtls_create(sc, false, s_alg, s_fp, &cbs, &p->s, &why);
  CHECK(p->c.d != NULL && p->s.d != NULL);
  if (!p->c.d || !p->s.d) fprintf(stderr, "create: %s\n", why.msg);
  return p->c.d && p->s.d;
}

static void pair_run(pair *p) {
  side_start(&p->s);
  side_start(&p->c);
  pump(&p->c, &p->s, 10000);
}

static void pair_free(pair *p) {
  CHECK(p->c.max_dgram <= LCC_DTLS_MTU && p->s.max_dgram <= LCC_DTLS_MTU);
  CHECK_EQ_INT(p->c.overflow + p->s.overflow, 0);
  side_free(&p->c);
  side_free(&p->s);
}

static lcc_dtls_cert *cert_a, *cert_b;

/* Protects with one side's keys and unprotects with the other's. */
static void check_srtp_between(const lcc_srtp_keys *from, const lcc_srtp_keys *to) {
  lcc_why why = {""};
  lcc_srtp *tx = lcc_srtp_create(from, &why), *rx = lcc_srtp_create(to, &why);
  CHECK(tx != NULL && rx != NULL);
  uint8_t pkt[64 + LCC_SRTP_MAX_TRAILER] = {0x80, 111, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};
  for (int i = 12; i < 64; i++) pkt[i] = (uint8_t)i;
  uint8_t copy[sizeof pkt];
  memcpy(copy, pkt, sizeof pkt);
  size_t len = 64;
  CHECK_EQ_INT(lcc_srtp_protect_rtp(tx, pkt, &len, sizeof pkt), LCC_OK);
  CHECK_EQ_INT(lcc_srtp_unprotect_rtp(rx, pkt, &len), LCC_OK);
  CHECK_EQ_INT(len, 64);
  CHECK(memcmp(pkt, copy, 64) == 0);
  lcc_srtp_destroy(tx);
  lcc_srtp_destroy(rx);
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

/* Both connected on the same profile with crossed keys that SRTP accepts. */
static void check_connected(pair *p, lcc_srtp_profile want, size_t salt_len) {
  lcc_srtp_keys *c = &p->c.keys, *s = &p->s.keys;
  CHECK_EQ_INT(p->c.connected, 1);
  CHECK_EQ_INT(p->s.connected, 1);
  CHECK_EQ_INT(p->c.failed + p->s.failed, 0);
  if (p->c.failed || p->s.failed) fprintf(stderr, "failed: '%s' '%s'\n", p->c.why, p->s.why);
  CHECK(lcc_dtls_is_connected(p->c.d) && lcc_dtls_is_connected(p->s.d));
  CHECK_EQ_INT(c->profile, want);
  CHECK_EQ_INT(s->profile, want);
  CHECK_EQ_INT(c->key_len, 16);
  CHECK_EQ_INT(c->salt_len, salt_len);
  CHECK_EQ_INT(s->salt_len, salt_len);
  size_t n = c->key_len + c->salt_len;
  CHECK(memcmp(c->local, s->remote, n) == 0);
  CHECK(memcmp(c->remote, s->local, n) == 0);
  CHECK(memcmp(c->local, c->remote, n) != 0);
  CHECK(!all_zero(c->local, n) && !all_zero(c->remote, n));
  check_srtp_between(c, s);
  check_srtp_between(s, c);
}

static void test_cert(void) {
  const char *fp = lcc_dtls_cert_fingerprint(cert_a);
  CHECK_EQ_INT(strlen(fp), 95);
  bool format = true;
  for (int i = 0; i < 95; i++)
    format = format && (i % 3 == 2 ? fp[i] == ':' : (isxdigit((unsigned char)fp[i]) && !islower((unsigned char)fp[i])));
  CHECK(format);
  CHECK(strcmp(fp, lcc_dtls_cert_fingerprint(cert_b)) != 0);
  CHECK(lcc_dtls_cert_fingerprint(NULL) == NULL);
  lcc_dtls_cert_destroy(NULL);
}

static void test_handshake_default(void) {
  pair p;
  if (!pair_make(&p, cert_a, cert_b, "sha-256", lcc_dtls_cert_fingerprint(cert_b), "sha-256",
                 lcc_dtls_cert_fingerprint(cert_a)))
    return;
  CHECK_EQ_INT(lcc_dtls_timeout_us(p.s.d), -1); /* a server waits without a timer */
  side_start(&p.s);
  CHECK_EQ_INT(p.s.sent, 0);
  side_start(&p.c);
  CHECK(p.c.sent >= 1); /* ClientHello */
  int64_t t = lcc_dtls_timeout_us(p.c.d);
  CHECK(t > 0 && t <= 250000);
  pump(&p.c, &p.s, 10000);
  check_connected(&p, LCC_SRTP_AEAD_AES_128_GCM, 12);
  CHECK_EQ_INT(p.c.dropped + p.s.dropped, 0);
  CHECK_EQ_INT(lcc_dtls_timeout_us(p.c.d), -1); /* no timer once connected */
  CHECK_EQ_INT(lcc_dtls_timeout_us(p.s.d), -1);
  pair_free(&p);
}

static void run_profiles(const lcc_srtp_profile *cp, size_t cn, const lcc_srtp_profile *sp,
                         size_t sn, pair *p) {
  if (!pair_make(p, cert_a, cert_b, "sha-256", lcc_dtls_cert_fingerprint(cert_b), "sha-256",
                 lcc_dtls_cert_fingerprint(cert_a)))
    return;
  lcc_why why = {""};
  if (cn) CHECK_EQ_INT(lcc_dtls_set_profiles(p->c.d, cp, cn, &why), LCC_OK);
  if (sn) CHECK_EQ_INT(lcc_dtls_set_profiles(p->s.d, sp, sn, &why), LCC_OK);
  pair_run(p);
}

static void test_profiles(void) {
  const lcc_srtp_profile cm = LCC_SRTP_AES128_CM_SHA1_80, gcm = LCC_SRTP_AEAD_AES_128_GCM;
  const lcc_srtp_profile cm_first[] = {cm, gcm};
  pair p;
  run_profiles(NULL, 0, &cm, 1, &p); /* server accepts only CM */
  if (p.c.d) check_connected(&p, cm, 14);
  pair_free(&p);
  run_profiles(&cm, 1, NULL, 0, &p); /* client offers only CM */
  if (p.c.d) check_connected(&p, cm, 14);
  pair_free(&p);
  /* The server's order decides (RFC 5764 §4.1.1). */
  run_profiles(NULL, 0, cm_first, 2, &p);
  if (p.c.d) check_connected(&p, cm, 14);
  pair_free(&p);
  run_profiles(cm_first, 2, NULL, 0, &p);
  if (p.c.d) check_connected(&p, gcm, 12);
  pair_free(&p);

  /* Nothing in common: the handshake completes without use_srtp, which is
   * a failure for DTLS-SRTP on both sides. */
  run_profiles(&cm, 1, &gcm, 1, &p);
  CHECK_EQ_INT(p.c.connected + p.s.connected, 0);
  CHECK_EQ_INT(p.c.failed, 1);
  CHECK_EQ_INT(p.s.failed, 1);
  CHECK_EQ_INT(p.c.err, LCC_ERR_DTLS_FAILED);
  CHECK_EQ_INT(p.s.err, LCC_ERR_DTLS_FAILED);
  CHECK(strstr(p.s.why, "no SRTP profile") != NULL);
  pair_free(&p);

  CHECK_EQ_STR(lcc_srtp_profile_name(cm), "AES_CM_128_HMAC_SHA1_80");
  CHECK_EQ_STR(lcc_srtp_profile_name(gcm), "AEAD_AES_128_GCM");
}

static void test_profiles_invalid(void) {
  lcc_why why = {""};
  lcc_dtls *d = lcc_dtls_create(cert_a, true, "sha-256", lcc_dtls_cert_fingerprint(cert_b), &cbs,
                                NULL, &why);
  CHECK(d != NULL);
  const lcc_srtp_profile bad[] = {LCC_SRTP_AES128_CM_SHA1_80, (lcc_srtp_profile)5};
  CHECK_EQ_INT(lcc_dtls_set_profiles(d, bad, 0, &why), LCC_ERR_INVALID_OPTION);
  CHECK_EQ_INT(lcc_dtls_set_profiles(d, bad, 2, &why), LCC_ERR_INVALID_OPTION);
  CHECK(strstr(why.msg, "unknown SRTP profile 5") != NULL);
  lcc_dtls_destroy(d);
}

/* Copies the digest out of "remote certificate <alg> <hex> differs ...". */
static bool digest_from_why(const char *why, const char *alg, char *out, size_t cap) {
  char prefix[64];
  snprintf(prefix, sizeof prefix, "remote certificate %s ", alg);
  const char *p = strstr(why, prefix), *end;
  if (!p) return false;
  p += strlen(prefix);
  end = strchr(p, ' ');
  if (!end || (size_t)(end - p) >= cap) return false;
  memcpy(out, p, (size_t)(end - p));
  out[end - p] = '\0';
  return true;
}

static const char *wrong_fp =
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
    "EE:FF";

static void test_wrong_fingerprint_client(void) {
  pair p;
  if (!pair_make(&p, cert_a, cert_b, "sha-256", wrong_fp, "sha-256",
                 lcc_dtls_cert_fingerprint(cert_a)))
    return;
  pair_run(&p);
  CHECK_EQ_INT(p.c.connected + p.s.connected, 0);
  CHECK_EQ_INT(p.c.failed, 1);
  CHECK_EQ_INT(p.c.err, LCC_ERR_FINGERPRINT_MISMATCH);
  char want[256];
  snprintf(want, sizeof want, "remote certificate sha-256 %s differs from the SDP fingerprint",
           lcc_dtls_cert_fingerprint(cert_b));
  CHECK_EQ_STR(p.c.why, want);
  /* The client's bad_certificate alert ends the server too. */
  CHECK_EQ_INT(p.s.failed, 1);
  CHECK_EQ_INT(p.s.err, LCC_ERR_DTLS_FAILED);
  CHECK(strstr(p.s.why, "bad certificate") != NULL);
  CHECK_EQ_INT(lcc_dtls_timeout_us(p.c.d), -1);
  pair_free(&p);
}

static void test_wrong_fingerprint_server(void) {
  pair p;
  if (!pair_make(&p, cert_a, cert_b, "sha-256", lcc_dtls_cert_fingerprint(cert_b), "sha-256",
                 wrong_fp))
    return;
  pair_run(&p);
  CHECK_EQ_INT(p.c.connected + p.s.connected, 0);
  CHECK_EQ_INT(p.s.failed, 1);
  CHECK_EQ_INT(p.s.err, LCC_ERR_FINGERPRINT_MISMATCH);
  char got[200] = "";
  CHECK(digest_from_why(p.s.why, "sha-256", got, sizeof got));
  CHECK_EQ_STR(got, lcc_dtls_cert_fingerprint(cert_a));
  CHECK_EQ_INT(p.c.failed, 1);
  CHECK_EQ_INT(p.c.err, LCC_ERR_DTLS_FAILED);
  pair_free(&p);
}

/* Learns cert_b's digest with alg from a mismatch report (checked against
 * the independent sha-256 fingerprint above), then connects with it. */
static void test_fingerprint_alg(const char *alg, size_t bytes) {
  char wrong[200], digest[200] = "";
  memset(wrong, 0, sizeof wrong);
  for (size_t i = 0; i < bytes; i++) memcpy(wrong + 3 * i, i + 1 < bytes ? "AB:" : "AB", 3);
  pair p;
  if (!pair_make(&p, cert_a, cert_b, alg, wrong, "sha-256", lcc_dtls_cert_fingerprint(cert_a)))
    return;
  pair_run(&p);
  CHECK_EQ_INT(p.c.err, LCC_ERR_FINGERPRINT_MISMATCH);
  CHECK(digest_from_why(p.c.why, alg, digest, sizeof digest));
  CHECK_EQ_INT(strlen(digest), 3 * bytes - 1);
  pair_free(&p);
  for (char *q = digest; *q; q++) *q = (char)tolower((unsigned char)*q); /* case-insensitive */
  if (!pair_make(&p, cert_a, cert_b, alg, digest, "SHA-256", lcc_dtls_cert_fingerprint(cert_a)))
    return;
  pair_run(&p);
  check_connected(&p, LCC_SRTP_AEAD_AES_128_GCM, 12);
  pair_free(&p);
}

static void test_create_invalid(void) {
  lcc_why why = {""};
  const char *fp = lcc_dtls_cert_fingerprint(cert_b);
  CHECK(lcc_dtls_create(cert_a, true, "md5", fp, &cbs, NULL, &why) == NULL);
  CHECK(strstr(why.msg, "'md5'") != NULL);
  CHECK(lcc_dtls_create(cert_a, true, "sha-1", fp, &cbs, NULL, &why) == NULL);
  CHECK(strstr(why.msg, "expected 20 ") != NULL);
  char fp_short[96];
  snprintf(fp_short, sizeof fp_short, "%.92s", fp); /* one byte short */
  CHECK(lcc_dtls_create(cert_a, true, "sha-256", fp_short, &cbs, NULL, &why) == NULL);
  char fp_colon[100];
  snprintf(fp_colon, sizeof fp_colon, "%s:", fp);
  CHECK(lcc_dtls_create(cert_a, true, "sha-256", fp_colon, &cbs, NULL, &why) == NULL);
  char fp_bad[96];
  snprintf(fp_bad, sizeof fp_bad, "%s", fp);
  fp_bad[4] = 'G';
  CHECK(lcc_dtls_create(cert_a, true, "sha-256", fp_bad, &cbs, NULL, &why) == NULL);
  CHECK(lcc_dtls_create(cert_a, true, "sha-256", NULL, &cbs, NULL, &why) == NULL);
  lcc_dtls_cb no_send = cbs;
  no_send.send = NULL;
  CHECK(lcc_dtls_create(cert_a, true, "sha-256", fp, &no_send, NULL, &why) == NULL);
  CHECK(lcc_dtls_create(NULL, true, "sha-256", fp, &cbs, NULL, &why) == NULL);
  lcc_dtls_destroy(NULL);
}

static bool pair_default(pair *p) {
  return pair_make(p, cert_a, cert_b, "sha-256", lcc_dtls_cert_fingerprint(cert_b), "sha-256",
                   lcc_dtls_cert_fingerprint(cert_a));
}

/* The server's first flight is lost: the timers bring it back. */
static void test_lost_first_flight(void) {
  pair p;
  if (!pair_default(&p)) return;
  p.s.drop_call = 1;
  pair_run(&p);
  CHECK(p.s.dropped >= 1);
  CHECK(p.s.sent_in_timeout >= 1); /* the server's own retransmission */
  check_connected(&p, LCC_SRTP_AEAD_AES_128_GCM, 12);
  pair_free(&p);
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost after it
 * connected: the client retransmits on its timer and the connected server
 * answers with its last flight again. */
static void test_lost_last_flight(void) {
  pair p;
  if (!pair_default(&p)) return;
  p.s.drop_call = 2;
  pair_run(&p);
  CHECK(p.s.dropped >= 1);
  CHECK(p.c.sent_in_timeout >= 1);
  check_connected(&p, LCC_SRTP_AEAD_AES_128_GCM, 12);
  pair_free(&p);
}

/* A plain OpenSSL DTLS peer on memory BIOs. Two lcc_dtls sessions agree with
 * each other even if both split the exported keys wrongly; this peer checks
 * the split against OpenSSL's own exporter (RFC 5764 §4.2). */
typedef struct {
  SSL_CTX *ctx;
  SSL *ssl;
  BIO *rbio, *wbio;
  char fp[96];
} raw_peer;

static int raw_accept_any(int ok, X509_STORE_CTX *store) {
  (void)ok, (void)store;
  return 1;
}

static X509 *raw_cert(EVP_PKEY *key, char *fp) {
  X509 *x = X509_new();
  X509_NAME *name = X509_get_subject_name(x);
  unsigned char md[32];
  unsigned int n = 0;
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"raw", -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  X509_sign(x, key, EVP_sha256());
  X509_digest(x, EVP_sha256(), md, &n);
  for (unsigned int i = 0; i < n; i++) sprintf(fp + 3 * i, i + 1 < n ? "%02X:" : "%02X", md[i]);
  return x;
}

static bool raw_make(raw_peer *r, bool server, const char *profiles) {
  memset(r, 0, sizeof *r);
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *x = key ? raw_cert(key, r->fp) : NULL;
  r->ctx = SSL_CTX_new(DTLS_method());
  bool ok = x && r->ctx && SSL_CTX_use_certificate(r->ctx, x) &&
            SSL_CTX_use_PrivateKey(r->ctx, key) &&
            SSL_CTX_set_tlsext_use_srtp(r->ctx, profiles) == 0;
  X509_free(x);
  EVP_PKEY_free(key);
  if (!ok) return false;
  SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, raw_accept_any);
  r->ssl = SSL_new(r->ctx);
  r->rbio = BIO_new(BIO_s_mem());
  r->wbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(r->rbio, -1); /* empty means "later", not EOF */
  SSL_set_bio(r->ssl, r->rbio, r->wbio);
  if (server)
    SSL_set_accept_state(r->ssl);
  else
    SSL_set_connect_state(r->ssl);
  return true;
}

static void raw_free(raw_peer *r) {
  SSL_free(r->ssl);
  SSL_CTX_free(r->ctx);
}

/* Runs the raw peer and hands what it wrote to s as one datagram (a memory
 * BIO joins a flight's datagrams; the records inside stay whole). */
static void raw_step(raw_peer *r, side *s) {
  uint8_t buf[8192];
  SSL_do_handshake(r->ssl);
  int n = BIO_read(r->wbio, buf, sizeof buf);
  if (n > 0) side_feed(s, buf, (size_t)n);
}

static void check_against_openssl(bool lcc_active, const char *profiles, lcc_srtp_profile want) {
  raw_peer r;
  side lc, sink;
  CHECK(raw_make(&r, lcc_active, profiles));
  side_init(&lc, "lcc", &sink);
  side_init(&sink, "raw", &lc);
  lcc_why why = {""};
  lc.d = lcc_dtls_create(cert_a, lcc_active, "sha-256", r.fp, &cbs, &lc, &why);
  CHECK(lc.d != NULL);
  if (!lc.d || !r.ssl) goto done;
  side_start(&lc);
  for (int i = 0; i < 20 && !(lc.connected && SSL_is_init_finished(r.ssl)) && !lc.failed; i++) {
    while (sink.qn) { /* lcc -> raw */
      BIO_write(r.rbio, sink.q[sink.qhead], (int)sink.qlen[sink.qhead]);
      free(sink.q[sink.qhead]);
      sink.qhead = (sink.qhead + 1) % QCAP;
      sink.qn--;
    }
    raw_step(&r, &lc);
  }
  CHECK_EQ_INT(lc.connected, 1);
  CHECK(SSL_is_init_finished(r.ssl));
  CHECK_EQ_INT(lc.keys.profile, want);
  size_t kl = lc.keys.key_len, sl = lc.keys.salt_len;
  uint8_t km[60], client[30], server[30];
  CHECK(SSL_export_keying_material(r.ssl, km, 2 * (kl + sl), "EXTRACTOR-dtls_srtp", 19, NULL,
                                   0, 0) == 1);
  memcpy(client, km, kl); /* client key, server key, client salt, server salt */
  memcpy(client + kl, km + 2 * kl, sl);
  memcpy(server, km + kl, kl);
  memcpy(server + kl, km + 2 * kl + sl, sl);
  CHECK(memcmp(lc.keys.local, lcc_active ? client : server, kl + sl) == 0);
  CHECK(memcmp(lc.keys.remote, lcc_active ? server : client, kl + sl) == 0);
done:
  side_free(&lc);
  side_free(&sink);
  raw_free(&r);
}

static void test_keys_against_openssl(void) {
  check_against_openssl(true, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
                        LCC_SRTP_AEAD_AES_128_GCM);
  check_against_openssl(false, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
                        LCC_SRTP_AEAD_AES_128_GCM);
  check_against_openssl(true, "SRTP_AES128_CM_SHA1_80", LCC_SRTP_AES128_CM_SHA1_80);
  check_against_openssl(false, "SRTP_AES128_CM_SHA1_80", LCC_SRTP_AES128_CM_SHA1_80);
}

static void test_close(void) {
  pair p;
  if (!pair_default(&p)) return;
  pair_run(&p);
  CHECK(lcc_dtls_is_connected(p.c.d));
  int sent = p.c.sent;
  lcc_dtls_close(p.c.d);
  CHECK_EQ_INT(p.c.sent, sent + 1); /* close_notify */
  CHECK(!lcc_dtls_is_connected(p.c.d));
  pump(&p.c, &p.s, 1000);
  CHECK_EQ_INT(p.s.closed, 1);
  CHECK_EQ_INT(p.c.closed, 0); /* closed() reports the peer's close_notify only */
  CHECK_EQ_INT(p.s.failed + p.c.failed, 0);
  CHECK(!lcc_dtls_is_connected(p.s.d));
  CHECK_EQ_INT(lcc_dtls_timeout_us(p.s.d), -1);
  lcc_dtls_close(p.c.d); /* again: nothing to send */
  CHECK_EQ_INT(p.c.sent, sent + 1);
  pair_free(&p);
}

static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

static void fill(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rng();
}

/* A DTLS record header; returns 13. */
static size_t record(uint8_t *p, uint8_t type, uint16_t version, uint16_t epoch, uint16_t len) {
  p[0] = type;
  p[1] = (uint8_t)(version >> 8), p[2] = (uint8_t)version;
  p[3] = (uint8_t)(epoch >> 8), p[4] = (uint8_t)epoch;
  fill(p + 5, 6);
  p[11] = (uint8_t)(len >> 8), p[12] = (uint8_t)len;
  return 13;
}

/* Garbage that must never reach OpenSSL: a first byte of 24..63 (not a
 * DTLS 1.2 content type), a sealed record too short for its AEAD (which
 * OpenSSL 3.0 would take for an internal error and end the session), or one
 * hidden in the body of a record whose header OpenSSL would skip alone (a
 * version other than 1.2; 1.0 only counts once the peer's first handshake
 * message was read, so only with after_hello). */
static size_t garbage_ignored(uint8_t *buf, bool after_hello) {
  size_t n;
  switch (rng() % (after_hello ? 4 : 3)) {
  case 0:
    n = 1 + rng() % 300;
    fill(buf, n);
    buf[0] = (uint8_t)(24 + rng() % 40);
    return n;
  case 1:
    n = record(buf, (uint8_t)(20 + rng() % 4), 0xfefd, 1, (uint16_t)(rng() % 24));
    fill(buf + n, buf[12]);
    return n + buf[12];
  default:
    n = record(buf, 22, after_hello ? 0xfeff : 0xfe00 | (uint16_t)(rng() % 0xfd), 0, 13 + 8);
    n += record(buf + n, 23, 0xfefd, 1, 8);
    fill(buf + n, 8);
    return n + 8;
  }
}

/* Well-formed records with random contents: 1 to 3 per datagram, epoch 0 or
 * 1, sealed ones long enough to be tried (and fail) as AEAD records. */
static size_t garbage_records(uint8_t *buf) {
  size_t n = 0;
  for (int k = 1 + (int)(rng() % 3); k > 0; k--) {
    uint16_t epoch = (uint16_t)(rng() % 2), len = (uint16_t)(rng() % 200);
    if (epoch && len < 24) len = 24;
    n += record(buf + n, (uint8_t)(20 + rng() % 4), rng() % 8 ? 0xfefd : 0xfeff, epoch, len);
    fill(buf + n, len);
    n += len;
  }
  return n;
}

static void feed_garbage(side *s, int count, bool well_formed) {
  uint8_t buf[1500];
  for (int i = 0; i < count; i++) {
    size_t n = well_formed ? garbage_records(buf) : garbage_ignored(buf, s->connected);
    side_feed(s, buf, n);
  }
}

/* Each side ends exactly one way, and a failure is a DTLS failure. */
static void check_clean_end(const side *s) {
  CHECK_EQ_INT(s->connected + s->failed, 1);
  if (s->failed) CHECK_EQ_INT(s->err, LCC_ERR_DTLS_FAILED);
}

/* Garbage interleaved with a handshake. Datagrams that cannot be DTLS 1.2
 * records are ignored, so the handshake completes; well-formed plaintext
 * records with random contents may break it (DTLS 1.2 handshake messages
 * are unauthenticated until Finished), but only as a clean failure. */
static void test_garbage_handshake(bool well_formed) {
  int connected_runs = 0;
  for (int run = 0; run < 10; run++) {
    pair p;
    if (!pair_default(&p)) return;
    side_start(&p.s);
    feed_garbage(&p.c, 5, well_formed); /* a client before start ignores everything */
    CHECK_EQ_INT(p.c.sent, 0);
    feed_garbage(&p.s, 5, well_formed);
    side_start(&p.c);
    for (int step = 0; step < 40 && !(settled(&p.c) && settled(&p.s)); step++) {
      feed_garbage(step % 2 ? &p.c : &p.s, 2, well_formed);
      deliver_one(&p.c);
      deliver_one(&p.s);
    }
    pump(&p.c, &p.s, 10000);
    check_clean_end(&p.c);
    check_clean_end(&p.s);
    if (!well_formed) CHECK(p.c.connected && p.s.connected);
    connected_runs += p.c.connected && p.s.connected;
    pair_free(&p);
  }
  if (well_formed) printf("dtls: %d of 10 handshakes survived well-formed garbage\n", connected_runs);
}

/* After the handshake every kind of garbage is dropped: sealed records fail
 * authentication, plaintext ones are from a past epoch. */
static void test_garbage_connected(void) {
  pair p;
  if (!pair_default(&p)) return;
  pair_run(&p);
  for (int i = 0; i < 4; i++) {
    feed_garbage(&p.c, 300, i % 2);
    feed_garbage(&p.s, 300, i % 2);
  }
  pump(&p.c, &p.s, 100);
  CHECK_EQ_INT(p.c.failed + p.s.failed + p.c.closed + p.s.closed, 0);
  CHECK(lcc_dtls_is_connected(p.c.d) && lcc_dtls_is_connected(p.s.d));
  lcc_dtls_close(p.s.d); /* and the session still works */
  pump(&p.c, &p.s, 1000);
  CHECK_EQ_INT(p.c.closed, 1);
  pair_free(&p);
}

int main(void) {
  lcc_why why = {""};
  cert_a = lcc_dtls_cert_create(&why);
  cert_b = lcc_dtls_cert_create(&why);
  CHECK(cert_a != NULL && cert_b != NULL);
  if (!cert_a || !cert_b) {
    fprintf(stderr, "cert: %s\n", why.msg);
    return check_done("dtls");
  }
  test_cert();
  test_handshake_default();
  test_profiles();
  test_profiles_invalid();
  test_wrong_fingerprint_client();
  test_wrong_fingerprint_server();
  test_fingerprint_alg("sha-1", 20);
  test_fingerprint_alg("sha-512", 64);
  test_create_invalid();
  test_keys_against_openssl();
  test_lost_first_flight();
  test_lost_last_flight();
  test_close();
  test_garbage_handshake(false);
  test_garbage_handshake(true);
  test_garbage_connected();
  lcc_dtls_cert_destroy(cert_b);
  lcc_dtls_cert_destroy(cert_a);
  return check_done("dtls");
}
