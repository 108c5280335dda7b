/* DTLS 1.2 for DTLS-SRTP (RFC 5763, RFC 5764) over OpenSSL with a custom BIO:
 * no sockets here. Incoming datagrams are fed in; outgoing ones leave through
 * the send callback, one datagram per call. The leg arms a timer from
 * lcc_dtls_timeout_us() for handshake retransmission.
 *
 * In the add-on, OpenSSL is the one Node exports (headers from Node's include
 * folder, symbols resolved from the node binary); C tests link the system
 * OpenSSL 3. Only OpenSSL 1.1.1+/3.x APIs are used.
 *
 * Thread: a certificate may be shared by every leg of a server on the media
 * thread; a lcc_dtls belongs to one leg on the media thread. */
#ifndef LCC_DTLS_H
#define LCC_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* A server's identity: an ECDSA P-256 key and a self-signed certificate, and
 * the SSL_CTX every leg's session is made from. */
typedef struct lcc_dtls_cert lcc_dtls_cert;

/* Returns (transfer full) a fresh certificate, or NULL with why. */
lcc_dtls_cert *lcc_dtls_cert_create(lcc_why *why);
void lcc_dtls_cert_destroy(lcc_dtls_cert *c);
/* "AB:CD:..." sha-256 of the DER certificate (borrowed, lives as long as c). */
const char *lcc_dtls_cert_fingerprint(const lcc_dtls_cert *c);

typedef enum {
  LCC_SRTP_AES128_CM_SHA1_80 = 1, /* SRTP_AES128_CM_SHA1_80, RFC 5764 */
  LCC_SRTP_AEAD_AES_128_GCM = 7   /* SRTP_AEAD_AES_128_GCM, RFC 7714 */
} lcc_srtp_profile;

const char *lcc_srtp_profile_name(lcc_srtp_profile p); /* "AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM" */

/* Keying material exported after the handshake (RFC 5764 §4.2): key+salt for
 * what this side sends (local) and what it receives (remote). */
typedef struct {
  lcc_srtp_profile profile;
  uint8_t local[46];  /* master key || master salt */
  uint8_t remote[46];
  size_t key_len, salt_len; /* 16/14 for CM, 16/12 for GCM */
} lcc_srtp_keys;

/* Largest datagram the send callback gets: handshake flights (the
 * certificate!) are fragmented to fit, leaving room for IP/UDP and TURN
 * headers on a 1280-byte IPv6 path. */
#define LCC_DTLS_MTU 1200

/* connected, failed and closed are the last thing a call into this module
 * does, so they may destroy the session; send runs inside OpenSSL and may not. */
typedef struct {
  /* Send one DTLS datagram to the peer. */
  void (*send)(void *ctx, const uint8_t *buf, size_t len);
  /* Handshake complete and the peer's certificate matches the fingerprint. */
  void (*connected)(void *ctx, const lcc_srtp_keys *keys);
  /* Handshake failure, fingerprint mismatch (LCC_ERR_FINGERPRINT_MISMATCH), or a fatal alert. */
  void (*failed)(void *ctx, lcc_err err, const char *why);
  /* The peer sent close_notify. */
  void (*closed)(void *ctx);
} lcc_dtls_cb;

typedef struct lcc_dtls lcc_dtls;

/* Creates a session as DTLS client (active) or server (passive). The remote
 * fingerprint's algorithm may be sha-1, sha-224, sha-256, sha-384 or sha-512
 * (RFC 8122 §5). Borrows cert (must outlive the session) and cb/ctx.
 * Returns (transfer full) or NULL with why. */
lcc_dtls *lcc_dtls_create(lcc_dtls_cert *cert, bool active, const char *remote_fp_alg,
                          const char *remote_fp, const lcc_dtls_cb *cb, void *ctx, lcc_why *why);
/* Limits the SRTP profiles offered (client) or accepted (server), most
 * preferred first; the default is AEAD_AES_128_GCM then AES128_CM_SHA1_80.
 * Call before lcc_dtls_start. LCC_ERR_INVALID_OPTION for an empty list or an
 * unknown profile. */
lcc_err lcc_dtls_set_profiles(lcc_dtls *d, const lcc_srtp_profile *profiles, size_t n, lcc_why *why);
/* Starts the handshake: the client sends its ClientHello; a server waits. */
void lcc_dtls_start(lcc_dtls *d);
/* Feeds one received datagram (first byte 20..63). Callbacks may run inside. */
void lcc_dtls_feed(lcc_dtls *d, const uint8_t *buf, size_t len);
/* µs until lcc_dtls_handle_timeout must run, or -1 when no timer is needed. */
int64_t lcc_dtls_timeout_us(lcc_dtls *d);
/* Retransmits the last flight when its timer expired (RFC 6347 §4.2.4). */
void lcc_dtls_handle_timeout(lcc_dtls *d);
bool lcc_dtls_is_connected(const lcc_dtls *d);
/* Sends close_notify if connected. */
void lcc_dtls_close(lcc_dtls *d);
void lcc_dtls_destroy(lcc_dtls *d);

/* The version of the OpenSSL actually linked at run time ("OpenSSL 3.0.19 ..."):
 * in the add-on, Node's own. */
const char *lcc_dtls_openssl_version(void);

#endif
