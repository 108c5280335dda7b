/* SRTP and SRTCP for one leg on libsrtp2 (RFC 3711; AES-GCM per RFC 7714).
 *
 * Two libsrtp sessions: inbound keyed with the remote master key and salt,
 * for any SSRC the peer sends; outbound keyed with the local ones, for any
 * SSRC we send. Packets are transformed in place.
 *
 * Leaves to others: the keys (dtls.c exports them), parsing RTP/RTCP
 * (rtp.c, rtcp.c), and deciding what a failed unprotect means: replays,
 * late packets and forged tags are normal on the internet, so errors are
 * returned, never logged.
 *
 * Thread: the leg's (media thread). srtp_init runs once per process; its
 * tables are never torn down (no module-wide cleanup). */
#include "srtp.h"

#include <limits.h>
#include <pthread.h>
#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* srtp_protect_rtcp may append SRTP_MAX_TRAILER_LEN plus the SRTCP index. */
_Static_assert(LCC_SRTP_MAX_TRAILER >= SRTP_MAX_TRAILER_LEN + 4, "trailer room");

/* Video NACK retransmissions arrive well behind the newest packet; libsrtp's
 * default window of 128 would reject them as too old. */
#define SESSION_REPLAY_WINDOW 1024

/* Owns: both libsrtp sessions. */
struct lcc_srtp {
  srtp_t in;
  srtp_t out;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t lib_status = srtp_err_status_init_fail;

static void lib_init(void) { lib_status = srtp_init(); }

/* Fills both crypto policies for the profile; false when the keys do not
 * have the profile's lengths. */
static bool session_crypto(const lcc_srtp_keys *k, srtp_policy_t *p) {
  if (k->profile == LCC_SRTP_AES128_CM_SHA1_80 && k->key_len == 16 && k->salt_len == 14) {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
    return true;
  }
  if (k->profile == LCC_SRTP_AEAD_AES_128_GCM && k->key_len == 16 && k->salt_len == 12) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    return true;
  }
  return false;
}

static lcc_err session_create(srtp_t *out, const lcc_srtp_keys *k, const uint8_t *master,
                              bool inbound, lcc_why *why) {
  srtp_policy_t p;
  uint8_t key[sizeof k->local]; /* libsrtp takes a non-const pointer */
  memset(&p, 0, sizeof p);
  if (!session_crypto(k, &p))
    return lcc_fail(why, LCC_ERR_SRTP_FAILED, "SRTP keys do not fit profile %d (%zu/%zu bytes)",
                    (int)k->profile, k->key_len, k->salt_len);
  memcpy(key, master, k->key_len + k->salt_len);
  p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  p.key = key;
  p.window_size = SESSION_REPLAY_WINDOW;
  p.allow_repeat_tx = 1; /* a forwarded retransmission keeps its sequence number */
  srtp_err_status_t st = srtp_create(out, &p);
  explicit_bzero(key, sizeof key);
  if (st != srtp_err_status_ok) {
    *out = NULL;
    return lcc_fail(why, LCC_ERR_SRTP_FAILED, "srtp_create (%s): libsrtp error %d",
                    inbound ? "inbound" : "outbound", (int)st);
  }
  return LCC_OK;
}

lcc_srtp *lcc_srtp_create(const lcc_srtp_keys *keys, lcc_why *why) {
  if (!keys) {
    lcc_fail(why, LCC_ERR_SRTP_FAILED, "no SRTP keys");
    return NULL;
  }
  pthread_once(&lib_once, lib_init);
  if (lib_status != srtp_err_status_ok) {
    lcc_fail(why, LCC_ERR_SRTP_FAILED, "srtp_init: libsrtp error %d", (int)lib_status);
    return NULL;
  }
  lcc_srtp *s = calloc(1, sizeof *s);
  if (!s) {
    lcc_fail(why, LCC_ERR_NO_MEMORY, "SRTP session");
    return NULL;
  }
  if (session_create(&s->in, keys, keys->remote, true, why) != LCC_OK ||
      session_create(&s->out, keys, keys->local, false, why) != LCC_OK)
    goto fail;
  return s;
fail:
  lcc_srtp_destroy(s);
  return NULL;
}

void lcc_srtp_destroy(lcc_srtp *s) {
  if (!s) return;
  if (s->out) srtp_dealloc(s->out);
  if (s->in) srtp_dealloc(s->in);
  free(s);
}

static lcc_err transform_protect(srtp_t ctx, uint8_t *buf, size_t *len, size_t cap, bool rtcp) {
  if (!ctx || !buf || !len) return LCC_ERR_INVALID_OPTION;
  if (*len > cap || cap - *len < LCC_SRTP_MAX_TRAILER) return LCC_ERR_BUFFER_TOO_SMALL;
  if (*len > INT_MAX - LCC_SRTP_MAX_TRAILER) return LCC_ERR_PACKET_INVALID;
  int n = (int)*len;
  srtp_err_status_t st = rtcp ? srtp_protect_rtcp(ctx, buf, &n) : srtp_protect(ctx, buf, &n);
  if (st != srtp_err_status_ok) return LCC_ERR_SRTP_FAILED;
  *len = (size_t)n;
  return LCC_OK;
}

/* auth_fail, replay_fail and replay_old are expected from the network. */
static lcc_err transform_unprotect(srtp_t ctx, uint8_t *buf, size_t *len, bool rtcp) {
  if (!ctx || !buf || !len) return LCC_ERR_INVALID_OPTION;
  if (*len > INT_MAX) return LCC_ERR_PACKET_INVALID;
  int n = (int)*len;
  srtp_err_status_t st = rtcp ? srtp_unprotect_rtcp(ctx, buf, &n) : srtp_unprotect(ctx, buf, &n);
  if (st != srtp_err_status_ok) return LCC_ERR_SRTP_FAILED;
  *len = (size_t)n;
  return LCC_OK;
}

lcc_err lcc_srtp_protect_rtp(lcc_srtp *s, uint8_t *buf, size_t *len, size_t cap) {
  return transform_protect(s ? s->out : NULL, buf, len, cap, false);
}

lcc_err lcc_srtp_unprotect_rtp(lcc_srtp *s, uint8_t *buf, size_t *len) {
  return transform_unprotect(s ? s->in : NULL, buf, len, false);
}

lcc_err lcc_srtp_protect_rtcp(lcc_srtp *s, uint8_t *buf, size_t *len, size_t cap) {
  return transform_protect(s ? s->out : NULL, buf, len, cap, true);
}

lcc_err lcc_srtp_unprotect_rtcp(lcc_srtp *s, uint8_t *buf, size_t *len) {
  return transform_unprotect(s ? s->in : NULL, buf, len, true);
}
