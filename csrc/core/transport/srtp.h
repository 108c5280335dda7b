/* SRTP/SRTCP for one leg with libsrtp2: an inbound session keyed with the
 * remote keys and an outbound one keyed with the local keys, for every SSRC
 * (ssrc_any_inbound / ssrc_any_outbound). Replay window large enough for
 * video retransmissions; repeated outbound sequence numbers allowed (a
 * forwarded retransmission keeps its number).
 *
 * Buffers are transformed in place: protect needs cap - *len >= LCC_SRTP_MAX_TRAILER.
 * Thread: the leg's (media thread); library initialisation is once per process. */
#ifndef LCC_SRTP_H
#define LCC_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "dtls.h"
#include "base/err.h"

#define LCC_SRTP_MAX_TRAILER 148 /* libsrtp2's SRTP_MAX_TRAILER_LEN + the 4-byte SRTCP index */

typedef struct lcc_srtp lcc_srtp;

/* Returns (transfer full) or NULL with why (LCC_ERR_SRTP_FAILED). */
lcc_srtp *lcc_srtp_create(const lcc_srtp_keys *keys, lcc_why *why);
void lcc_srtp_destroy(lcc_srtp *s);

lcc_err lcc_srtp_protect_rtp(lcc_srtp *s, uint8_t *buf, size_t *len, size_t cap);
lcc_err lcc_srtp_unprotect_rtp(lcc_srtp *s, uint8_t *buf, size_t *len);
lcc_err lcc_srtp_protect_rtcp(lcc_srtp *s, uint8_t *buf, size_t *len, size_t cap);
lcc_err lcc_srtp_unprotect_rtcp(lcc_srtp *s, uint8_t *buf, size_t *len);

#endif
