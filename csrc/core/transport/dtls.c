/* DTLS 1.2 handshakes for DTLS-SRTP (RFC 5763, RFC 5764) on OpenSSL.
 *
 * A custom BIO stands in for the socket: lcc_dtls_feed lends OpenSSL one
 * received datagram through the BIO's read side, and every BIO write leaves
 * as one datagram through the send callback. During the handshake OpenSSL
 * puts its own buffering BIO in front, packs records into datagrams of at
 * most LCC_DTLS_MTU bytes and flushes each one as a single write.
 * After the handshake the peer's certificate is checked against the SDP
 * fingerprint (RFC 8122 §5) and SRTP keys are exported (RFC 5764 §4.2).
 *
 * Leaves to others: ICE, which carries the datagrams; the retransmission
 * timer, armed by the leg from lcc_dtls_timeout_us; SRTP itself (srtp.c,
 * keyed with what connected() hands over).
 *
 * OpenSSL is Node's own in the add-on, so only 3.0 APIs that need no provider
 * or config file are used. OpenSSL's error queue is per thread and other
 * code on the thread may leave entries: it is cleared before each SSL call
 * and drained after.
 *
 * Thread: the server's media thread. A certificate is shared by the legs of
 * one server; a session belongs to one leg. */
#include "dtls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "base/rd.h"

/* ECDSA suites are what browsers negotiate with our P-256 key; the RSA ones
 * matter when we are the client and the peer (GStreamer, SIP gateways)
 * presents an RSA certificate. AEAD only: with CBC and encrypt-then-MAC,
 * OpenSSL 3.0 ends a DTLS session on one record with a bad MAC, which anyone
 * able to spoof a datagram could send. */
#define DTLS_CIPHERS                                                                    \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"                        \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"                          \
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"
#define DTLS_GROUPS "X25519:P-256:P-384"
#define DTLS_CN "livechat-calls"
#define DTLS_DAY_S (24L * 60 * 60)
/* RFC 6347 §4.2.4.1 suggests 1 s; WebRTC stacks start lower so a lost flight
 * costs less call setup time. Doubling, capped: OpenSSL gives up at the 13th
 * timeout (after about 22 s here). */
#define DTLS_TIMER_FIRST_US 250000u
#define DTLS_TIMER_MAX_US 2000000u
#define DTLS_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
#define DTLS_FP_TEXT (EVP_MAX_MD_SIZE * 3) /* "AB:" per byte, the last ':' becomes NUL */
#define DTLS_WHY 320                       /* a sha-512 mismatch message fits */

typedef struct {
  lcc_srtp_profile id;
  const char *openssl; /* RFC 5764 §4.1.2 name, as OpenSSL spells it */
  const char *name;
  size_t key_len, salt_len;
} dtls_profile;

static const dtls_profile dtls_profiles[] = {
    {LCC_SRTP_AEAD_AES_128_GCM, "SRTP_AEAD_AES_128_GCM", "AEAD_AES_128_GCM", 16, 12},
    {LCC_SRTP_AES128_CM_SHA1_80, "SRTP_AES128_CM_SHA1_80", "AES_CM_128_HMAC_SHA1_80", 16, 14},
};
#define DTLS_NPROFILES (sizeof dtls_profiles / sizeof dtls_profiles[0])

typedef struct {
  const char *name; /* RFC 8122 §5 hash function token */
  const EVP_MD *(*md)(void);
} dtls_fp_alg;

static const dtls_fp_alg dtls_fp_algs[] = {
    {"sha-1", EVP_sha1},     {"sha-224", EVP_sha224}, {"sha-256", EVP_sha256},
    {"sha-384", EVP_sha384}, {"sha-512", EVP_sha512},
};

/* Owns: the SSL_CTX (which holds the key and certificate) and the BIO method
 * every session's BIO is made from. */
struct lcc_dtls_cert {
  SSL_CTX *ctx;
  BIO_METHOD *bio_meth;
  char fp[32 * 3];
};

typedef enum { DTLS_NEW, DTLS_HANDSHAKING, DTLS_CONNECTED, DTLS_FAILED, DTLS_CLOSED } dtls_state;

/* Owns: the SSL (which owns the BIO). Borrows: the certificate, cb/ctx, and
 * the datagram being fed (in/in_len, NULL outside lcc_dtls_feed). */
struct lcc_dtls {
  SSL *ssl;
  lcc_dtls_cb cb;
  void *ctx;
  dtls_state state;
  bool active;
  bool mismatch;      /* the verify callback rejected the peer's certificate */
  bool got_handshake; /* a handshake message from the peer was read */
  const char *fp_alg;
  const EVP_MD *fp_md;
  uint8_t fp[EVP_MAX_MD_SIZE];
  size_t fp_len;
  const uint8_t *in;
  size_t in_len;
  char why[DTLS_WHY];
};

const char *lcc_srtp_profile_name(lcc_srtp_profile p) {
  for (size_t i = 0; i < DTLS_NPROFILES; i++)
    if (dtls_profiles[i].id == p) return dtls_profiles[i].name;
  return "unknown";
}

static const dtls_profile *dtls_profile_by_id(unsigned long id) {
  for (size_t i = 0; i < DTLS_NPROFILES; i++)
    if ((unsigned long)dtls_profiles[i].id == id) return &dtls_profiles[i];
  return NULL;
}

/* Writes "what: <first queued OpenSSL error>" and empties the queue. */
static void dtls_ssl_reason(char *buf, size_t cap, const char *what) {
  char err[160];
  unsigned long e = ERR_peek_error();
  if (e)
    ERR_error_string_n(e, err, sizeof err);
  else
    snprintf(err, sizeof err, "no OpenSSL error queued");
  snprintf(buf, cap, "%s: %s", what, err);
  ERR_clear_error();
}

static lcc_err dtls_fail_openssl(lcc_why *why, lcc_err err, const char *what) {
  char buf[DTLS_WHY];
  dtls_ssl_reason(buf, sizeof buf, what);
  return lcc_fail(why, err, "%.200s", buf);
}

/* Upper-case hex with colons (RFC 8122 §5); out holds at least 3 * n bytes. */
static void dtls_hex(const uint8_t *md, size_t n, char *out) {
  static const char digits[] = "0123456789ABCDEF";
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    out[3 * i] = digits[md[i] >> 4];
    out[3 * i + 1] = digits[md[i] & 15];
    out[3 * i + 2] = i + 1 < n ? ':' : '\0';
  }
}

static int dtls_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses exactly n colon-separated hex bytes, either case. */
static bool dtls_unhex(const char *s, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && *s++ != ':') return false;
    int hi = dtls_hexval(s[0]);
    int lo = hi < 0 ? -1 : dtls_hexval(s[1]);
    if (lo < 0) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
    s += 2;
  }
  return *s == '\0';
}

/* ---- certificate ---- */

static X509 *cert_x509(EVP_PKEY *key) {
  X509 *x = X509_new();
  X509_NAME *name = X509_NAME_new();
  uint64_t serial = 0;
  if (!x || !name || RAND_bytes((unsigned char *)&serial, sizeof serial) != 1) goto fail;
  serial = (serial >> 1) | 1; /* positive and non-zero: 8 DER octets at most */
  if (!X509_set_version(x, X509_VERSION_3) ||
      !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) ||
      !X509_gmtime_adj(X509_getm_notBefore(x), -DTLS_DAY_S) || /* peers with a slow clock */
      !X509_gmtime_adj(X509_getm_notAfter(x), 30 * DTLS_DAY_S) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)DTLS_CN, -1,
                                  -1, 0) ||
      !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
      !X509_set_pubkey(x, key) || X509_sign(x, key, EVP_sha256()) <= 0)
    goto fail;
  X509_NAME_free(name);
  return x;
fail:
  X509_NAME_free(name);
  X509_free(x);
  return NULL;
}

/* Certificates are self-signed, so chain errors are expected: what counts is
 * the leaf's digest against the SDP fingerprint (RFC 5763 §5). */
static bool dtls_peer_matches(lcc_dtls *d, X509 *x);

static int dtls_verify_cb(int preverify_ok, X509_STORE_CTX *store) {
  (void)preverify_ok;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  lcc_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
  X509 *x = X509_STORE_CTX_get_current_cert(store);
  if (d && x && dtls_peer_matches(d, x)) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED); /* sends bad_certificate */
  return 0;
}

static SSL_CTX *cert_ctx(X509 *x, EVP_PKEY *key) {
  SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
  if (!ctx) return NULL;
  /* SSL_CTX_set_tlsext_use_srtp returns 0 on success. The list is our
   * preference as a server (RFC 5764 §4.1.1: the server picks). */
  if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
      !SSL_CTX_set_cipher_list(ctx, DTLS_CIPHERS) ||
      !SSL_CTX_set1_groups_list(ctx, DTLS_GROUPS) ||
      SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0 ||
      !SSL_CTX_use_certificate(ctx, x) || !SSL_CTX_use_PrivateKey(ctx, key) ||
      !SSL_CTX_check_private_key(ctx)) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  /* The MTU is ours to set, not the kernel's. No resumption or renegotiation:
   * every handshake shows a certificate to check, and keys never change
   * behind srtp.c's back. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_read_ahead(ctx, 0);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, dtls_verify_cb);
  return ctx;
}

static int dtls_bio_write(BIO *b, const char *buf, int len);
static int dtls_bio_read(BIO *b, char *buf, int len);
static long dtls_bio_ctrl(BIO *b, int cmd, long num, void *ptr);
static int dtls_bio_create(BIO *b);

/* A fixed type rather than BIO_get_new_index(): OpenSSL hands out only about
 * 127 indexes per process and a server makes a method per certificate. */
static BIO_METHOD *cert_bio_method(void) {
  BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "livechat-calls dtls");
  if (!m) return NULL;
  if (!BIO_meth_set_write(m, dtls_bio_write) || !BIO_meth_set_read(m, dtls_bio_read) ||
      !BIO_meth_set_ctrl(m, dtls_bio_ctrl) || !BIO_meth_set_create(m, dtls_bio_create)) {
    BIO_meth_free(m);
    return NULL;
  }
  return m;
}

static lcc_err cert_fill(lcc_dtls_cert *c, lcc_why *why) {
  lcc_err err = LCC_ERR_INTERNAL;
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509 *x = NULL;
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  if (!key) return dtls_fail_openssl(why, err, "P-256 key generation");
  x = cert_x509(key);
  if (!x) {
    err = dtls_fail_openssl(why, err, "self-signed certificate");
    goto fail;
  }
  if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32) {
    err = dtls_fail_openssl(why, err, "certificate fingerprint");
    goto fail;
  }
  dtls_hex(md, n, c->fp);
  c->ctx = cert_ctx(x, key);
  c->bio_meth = cert_bio_method();
  if (!c->ctx || !c->bio_meth) {
    err = dtls_fail_openssl(why, err, "DTLS context");
    goto fail;
  }
  err = LCC_OK;
fail: /* the context holds its own references to x and key */
  X509_free(x);
  EVP_PKEY_free(key);
  return err;
}

lcc_dtls_cert *lcc_dtls_cert_create(lcc_why *why) {
  lcc_dtls_cert *c = calloc(1, sizeof *c);
  if (!c) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "DTLS certificate");
    return NULL;
  }
  ERR_clear_error();
  if (cert_fill(c, why) != LCC_OK) {
    lcc_dtls_cert_destroy(c);
    return NULL;
  }
  return c;
}

void lcc_dtls_cert_destroy(lcc_dtls_cert *c) {
  if (!c) return;
  BIO_meth_free(c->bio_meth);
  SSL_CTX_free(c->ctx);
  free(c);
}

const char *lcc_dtls_cert_fingerprint(const lcc_dtls_cert *c) { return c ? c->fp : NULL; }

/* ---- the BIO: one datagram per write; the fed datagram on read ---- */

static int dtls_bio_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static int dtls_bio_write(BIO *b, const char *buf, int len) {
  lcc_dtls *d = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  if (!d || len <= 0) return 0;
  d->cb.send(d->ctx, (const uint8_t *)buf, (size_t)len);
  return len;
}

/* Hands over the whole datagram once; then "try again later", which OpenSSL
 * turns into SSL_ERROR_WANT_READ. A datagram larger than OpenSSL's buffer
 * (16 KB and more) is cut and then discarded as a bad record. */
static int dtls_bio_read(BIO *b, char *buf, int len) {
  lcc_dtls *d = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  if (!d || !d->in) {
    BIO_set_retry_read(b);
    return -1;
  }
  if (len <= 0) return 0;
  size_t n = d->in_len < (size_t)len ? d->in_len : (size_t)len;
  memcpy(buf, d->in, n);
  d->in = NULL;
  d->in_len = 0;
  return (int)n;
}

static long dtls_bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)num;
  (void)ptr;
  lcc_dtls *d = BIO_get_data(b);
  switch (cmd) {
  case BIO_CTRL_FLUSH: /* every write has already left */
    return 1;
  case BIO_CTRL_DGRAM_QUERY_MTU:
    return LCC_DTLS_MTU;
  case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: /* LCC_DTLS_MTU counts DTLS bytes only */
  case BIO_CTRL_WPENDING:               /* nothing is held back */
    return 0;
  case BIO_CTRL_PENDING:
    return d && d->in ? (long)d->in_len : 0;
  case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT: /* the leg's timer, from lcc_dtls_timeout_us */
    return 1;
  default:
    return 0;
  }
}

/* ---- session ---- */

static unsigned int dtls_timer_cb(SSL *ssl, unsigned int timer_us) {
  (void)ssl;
  if (timer_us == 0) return DTLS_TIMER_FIRST_US;
  return timer_us >= DTLS_TIMER_MAX_US / 2 ? DTLS_TIMER_MAX_US : 2 * timer_us;
}

/* OpenSSL takes records of any DTLS 1.x version until the first handshake
 * message arrives: a ClientHello or HelloVerifyRequest may say 1.0 (RFC 6347
 * §4.2.1). This callback sees that message arrive. */
static void dtls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                        SSL *ssl, void *arg) {
  (void)version, (void)buf, (void)len, (void)arg;
  lcc_dtls *d = SSL_get_app_data(ssl);
  if (d && !write_p && content_type == SSL3_RT_HANDSHAKE) d->got_handshake = true;
}

static lcc_err dtls_parse_fp(lcc_dtls *d, const char *alg, const char *fp, lcc_why *why) {
  const dtls_fp_alg *a = NULL;
  for (size_t i = 0; alg && i < sizeof dtls_fp_algs / sizeof dtls_fp_algs[0]; i++)
    if (strcasecmp(alg, dtls_fp_algs[i].name) == 0) a = &dtls_fp_algs[i];
  if (!a)
    return lcc_fail(why, LCC_ERR_SDP_INVALID,
                    "fingerprint algorithm '%.32s' is not sha-1, sha-224, sha-256, sha-384 or "
                    "sha-512",
                    alg ? alg : "");
  d->fp_md = a->md();
  int n = d->fp_md ? EVP_MD_get_size(d->fp_md) : -1;
  if (n <= 0 || n > EVP_MAX_MD_SIZE) return lcc_fail(why, LCC_ERR_INTERNAL, "no %s", a->name);
  if (!fp || !dtls_unhex(fp, d->fp, (size_t)n))
    return lcc_fail(why, LCC_ERR_SDP_INVALID,
                    "fingerprint: expected %d colon-separated hex bytes for %s", n, a->name);
  d->fp_alg = a->name;
  d->fp_len = (size_t)n;
  return LCC_OK;
}

static lcc_err dtls_new_ssl(lcc_dtls *d, lcc_dtls_cert *cert, lcc_why *why) {
  ERR_clear_error();
  d->ssl = SSL_new(cert->ctx);
  BIO *bio = BIO_new(cert->bio_meth);
  if (!d->ssl || !bio) {
    BIO_free(bio);
    return dtls_fail_openssl(why, LCC_ERR_NO_MEMORY, "DTLS session");
  }
  BIO_set_data(bio, d);
  SSL_set_bio(d->ssl, bio, bio); /* one reference, both directions */
  /* SSL_set_mtu needs the BIO (its overhead) and SSL_OP_NO_QUERY_MTU. */
  if (!SSL_set_app_data(d->ssl, d) || SSL_set_mtu(d->ssl, LCC_DTLS_MTU) <= 0)
    return dtls_fail_openssl(why, LCC_ERR_INTERNAL, "DTLS session setup");
  DTLS_set_timer_cb(d->ssl, dtls_timer_cb);
  SSL_set_msg_callback(d->ssl, dtls_msg_cb);
  if (d->active)
    SSL_set_connect_state(d->ssl);
  else
    SSL_set_accept_state(d->ssl);
  ERR_clear_error();
  return LCC_OK;
}

lcc_dtls *lcc_dtls_create(lcc_dtls_cert *cert, bool active, const char *remote_fp_alg,
                          const char *remote_fp, const lcc_dtls_cb *cb, void *ctx,
                          lcc_why *why) {
  if (!cert || !cb || !cb->send || !cb->connected || !cb->failed || !cb->closed) {
    lcc_fail(why, LCC_ERR_INVALID_OPTION, "DTLS session needs a certificate and four callbacks");
    return NULL;
  }
  lcc_dtls *d = calloc(1, sizeof *d);
  if (!d) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "DTLS session");
    return NULL;
  }
  d->cb = *cb;
  d->ctx = ctx;
  d->active = active;
  if (dtls_parse_fp(d, remote_fp_alg, remote_fp, why) != LCC_OK ||
      dtls_new_ssl(d, cert, why) != LCC_OK)
    goto fail;
  return d;
fail:
  lcc_dtls_destroy(d);
  return NULL;
}

lcc_err lcc_dtls_set_profiles(lcc_dtls *d, const lcc_srtp_profile *profiles, size_t n,
                              lcc_why *why) {
  char list[128] = "";
  if (!d || !profiles || n == 0 || n > DTLS_NPROFILES)
    return lcc_fail(why, LCC_ERR_INVALID_OPTION, "SRTP profiles: expected 1 to %zu",
                    DTLS_NPROFILES);
  for (size_t i = 0; i < n; i++) {
    const dtls_profile *p = dtls_profile_by_id((unsigned long)profiles[i]);
    if (!p) return lcc_fail(why, LCC_ERR_INVALID_OPTION, "unknown SRTP profile %d", profiles[i]);
    if (i > 0) strcat(list, ":");
    strcat(list, p->openssl); /* at most two names of < 32 bytes */
  }
  ERR_clear_error();
  if (SSL_set_tlsext_use_srtp(d->ssl, list) != 0) /* 0 is success */
    return dtls_fail_openssl(why, LCC_ERR_INTERNAL, "SRTP profiles");
  return LCC_OK;
}

/* ---- handshake ---- */

static bool dtls_peer_matches(lcc_dtls *d, X509 *x) {
  uint8_t md[EVP_MAX_MD_SIZE];
  char hex[DTLS_FP_TEXT];
  unsigned int n = 0;
  if (!X509_digest(x, d->fp_md, md, &n)) {
    snprintf(d->why, sizeof d->why, "cannot hash the remote certificate with %s", d->fp_alg);
    d->mismatch = true;
    return false;
  }
  if (n == d->fp_len && memcmp(md, d->fp, n) == 0) return true;
  dtls_hex(md, n, hex);
  snprintf(d->why, sizeof d->why, "remote certificate %s %s differs from the SDP fingerprint",
           d->fp_alg, hex);
  d->mismatch = true;
  return false;
}

/* Ends the session with failed(); the callback may destroy d. */
static void dtls_fail(lcc_dtls *d, lcc_err err) {
  char why[DTLS_WHY];
  memcpy(why, d->why, sizeof why);
  ERR_clear_error();
  d->state = DTLS_FAILED;
  d->in = NULL;
  d->cb.failed(d->ctx, err, why);
}

/* RFC 5764 §4.2: client key, server key, client salt, server salt. */
static lcc_err dtls_export_keys(lcc_dtls *d, const dtls_profile *p, lcc_srtp_keys *keys) {
  uint8_t km[2 * sizeof keys->local];
  size_t kl = p->key_len, sl = p->salt_len;
  if (SSL_export_keying_material(d->ssl, km, 2 * (kl + sl), DTLS_EXPORTER_LABEL,
                                 strlen(DTLS_EXPORTER_LABEL), NULL, 0, 0) != 1) {
    dtls_ssl_reason(d->why, sizeof d->why, "SRTP key export");
    return LCC_ERR_DTLS_FAILED;
  }
  bool server = SSL_is_server(d->ssl) == 1;
  uint8_t *client_out = server ? keys->remote : keys->local;
  uint8_t *server_out = server ? keys->local : keys->remote;
  memcpy(client_out, km, kl);
  memcpy(client_out + kl, km + 2 * kl, sl);
  memcpy(server_out, km + kl, kl);
  memcpy(server_out + kl, km + 2 * kl + sl, sl);
  keys->profile = p->id;
  keys->key_len = kl;
  keys->salt_len = sl;
  OPENSSL_cleanse(km, sizeof km);
  return LCC_OK;
}

static lcc_err dtls_finish(lcc_dtls *d, lcc_srtp_keys *keys) {
  X509 *peer = SSL_get0_peer_certificate(d->ssl);
  if (!peer) {
    snprintf(d->why, sizeof d->why, "the peer sent no certificate");
    return LCC_ERR_DTLS_FAILED;
  }
  /* The verify callback checked already; this also covers any path that
   * skipped it. */
  if (!dtls_peer_matches(d, peer)) return LCC_ERR_FINGERPRINT_MISMATCH;
  const SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(d->ssl);
  const dtls_profile *p = sp ? dtls_profile_by_id(sp->id) : NULL;
  if (!p) {
    snprintf(d->why, sizeof d->why, "no SRTP profile negotiated (use_srtp, RFC 5764 §4.1.2)");
    return LCC_ERR_DTLS_FAILED;
  }
  return dtls_export_keys(d, p, keys);
}

/* Returns true when a final callback ran (d may be gone). */
static bool dtls_handshake_done(lcc_dtls *d) {
  lcc_srtp_keys keys;
  memset(&keys, 0, sizeof keys);
  lcc_err err = dtls_finish(d, &keys);
  if (err != LCC_OK) {
    dtls_fail(d, err);
    return true;
  }
  ERR_clear_error();
  d->state = DTLS_CONNECTED;
  d->in = NULL;
  d->cb.connected(d->ctx, &keys);
  OPENSSL_cleanse(&keys, sizeof keys);
  return true;
}

/* Returns true when a final callback ran (d may be gone). */
static bool dtls_handshake(lcc_dtls *d) {
  ERR_clear_error();
  int r = SSL_do_handshake(d->ssl);
  if (r == 1) return dtls_handshake_done(d);
  int e = SSL_get_error(d->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    return false;
  }
  if (d->mismatch) { /* reason already in d->why */
    dtls_fail(d, LCC_ERR_FINGERPRINT_MISMATCH);
    return true;
  }
  dtls_ssl_reason(d->why, sizeof d->why, "DTLS handshake");
  dtls_fail(d, LCC_ERR_DTLS_FAILED);
  return true;
}

/* After the handshake: alerts, and the peer's retransmitted last flight
 * (OpenSSL answers it from here). Application data is not part of
 * DTLS-SRTP and is dropped. Returns true when a final callback ran. */
static bool dtls_read(lcc_dtls *d) {
  uint8_t buf[2048];
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(d->ssl, buf, sizeof buf);
    if (r > 0) continue;
    int e = SSL_get_error(d->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      return false;
    }
    if (e == SSL_ERROR_ZERO_RETURN) { /* close_notify */
      ERR_clear_error();
      d->state = DTLS_CLOSED;
      d->in = NULL;
      d->cb.closed(d->ctx);
      return true;
    }
    dtls_ssl_reason(d->why, sizeof d->why, "DTLS");
    dtls_fail(d, LCC_ERR_DTLS_FAILED);
    return true;
  }
}

/* The smallest sealed record: RFC 5288's explicit nonce and tag for AES-GCM
 * (also before the cipher is known), RFC 7905's tag for ChaCha20-Poly1305. */
static uint16_t dtls_min_sealed(const lcc_dtls *d) {
  const SSL_CIPHER *c = SSL_get_current_cipher(d->ssl);
  if (c && SSL_CIPHER_get_cipher_nid(c) == NID_chacha20_poly1305) return 16;
  return 8 + 16;
}

/* RFC 6347 §4.1.2.7 says to drop invalid records, and OpenSSL 3.0 mostly
 * does, but (1) a sealed record shorter than the AEAD's nonce and tag is an
 * "internal error" to it: the session ends with a fatal alert to the peer;
 * (2) a header it rejects for its version or length is skipped alone, and
 * the next header is read from inside that record's body, where (1) can
 * hide. One spoofed datagram would end the call. So a datagram reaches
 * OpenSSL only as whole records it takes in full: content type 20..23,
 * version 1.2 (1.0 for alerts and hellos), sealed ones long enough. */
static bool dtls_records_ok(const lcc_dtls *d, const uint8_t *buf, size_t len) {
  uint16_t min_sealed = dtls_min_sealed(d);
  bool hello = !d->got_handshake;
  lcc_rd r = lcc_rd_init(buf, len);
  while (lcc_rd_left(&r) > 0) {
    uint8_t type = lcc_rd_u8(&r);
    uint16_t version = lcc_rd_u16(&r);
    uint16_t epoch = lcc_rd_u16(&r);
    lcc_rd_skip(&r, 6); /* sequence number */
    uint16_t n = lcc_rd_u16(&r);
    lcc_rd_skip(&r, n);
    if (r.bad || type < SSL3_RT_CHANGE_CIPHER_SPEC || type > SSL3_RT_APPLICATION_DATA ||
        n > SSL3_RT_MAX_ENCRYPTED_LENGTH)
      return false;
    if (version != DTLS1_2_VERSION &&
        !(version == DTLS1_VERSION && (type == SSL3_RT_ALERT || hello)))
      return false;
    if (epoch != 0 && n < min_sealed) return false;
  }
  return true;
}

void lcc_dtls_start(lcc_dtls *d) {
  if (!d || d->state != DTLS_NEW) return;
  d->state = DTLS_HANDSHAKING;
  if (d->active) dtls_handshake(d); /* ClientHello; a server waits for one */
}

void lcc_dtls_feed(lcc_dtls *d, const uint8_t *buf, size_t len) {
  if (!d || !buf || len == 0) return;
  if (d->state == DTLS_FAILED || d->state == DTLS_CLOSED) return;
  if (d->state == DTLS_NEW && d->active) return; /* a server never speaks first */
  if (!dtls_records_ok(d, buf, len)) return;
  d->in = buf;
  d->in_len = len;
  bool ended;
  if (d->state == DTLS_CONNECTED) {
    ended = dtls_read(d);
  } else {
    /* A ClientHello may arrive before the leg calls start (the browser saw
     * ICE succeed first). */
    d->state = DTLS_HANDSHAKING;
    ended = dtls_handshake(d);
  }
  if (!ended) d->in = NULL;
}

int64_t lcc_dtls_timeout_us(lcc_dtls *d) {
  struct timeval tv;
  if (!d || d->state == DTLS_FAILED || d->state == DTLS_CLOSED) return -1;
  if (DTLSv1_get_timeout(d->ssl, &tv) != 1) return -1;
  return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

void lcc_dtls_handle_timeout(lcc_dtls *d) {
  if (!d || (d->state != DTLS_HANDSHAKING && d->state != DTLS_CONNECTED)) return;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(d->ssl) >= 0) {
    ERR_clear_error();
    return;
  }
  dtls_ssl_reason(d->why, sizeof d->why, "DTLS retransmission");
  dtls_fail(d, LCC_ERR_DTLS_FAILED);
}

bool lcc_dtls_is_connected(const lcc_dtls *d) { return d && d->state == DTLS_CONNECTED; }

/* close_notify only: DTLS does not wait for the peer's (RFC 5246 §7.2.1). */
void lcc_dtls_close(lcc_dtls *d) {
  if (!d || d->state != DTLS_CONNECTED) return;
  ERR_clear_error();
  SSL_shutdown(d->ssl);
  ERR_clear_error();
  d->state = DTLS_CLOSED;
}

void lcc_dtls_destroy(lcc_dtls *d) {
  if (!d) return;
  SSL_free(d->ssl);
  free(d);
}

const char *lcc_dtls_openssl_version(void) { return OpenSSL_version(OPENSSL_VERSION); }
