/* Error codes of the core: one table, each error listed once with its JS code
 * and a default message. Functions return lcc_err (LCC_OK is 0, failures are
 * negative); when a caller needs the detail, an lcc_why buffer carries it.
 * Thread: any. */
#ifndef LCC_ERR_H
#define LCC_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define LCC_ERRORS(X)                                                                   \
  X(INVALID_OPTION, "ERR_INVALID_OPTION", "invalid option")                             \
  X(NO_MEMORY, "ERR_NO_MEMORY", "out of memory")                                        \
  X(INTERNAL, "ERR_INTERNAL", "internal error")                                         \
  X(SDP_INVALID, "ERR_SDP_INVALID", "malformed SDP")                                    \
  X(SDP_UNSUPPORTED, "ERR_SDP_UNSUPPORTED", "no usable media in SDP")                   \
  X(CANDIDATE_INVALID, "ERR_CANDIDATE_INVALID", "invalid ICE candidate")                \
  X(FINGERPRINT_MISMATCH, "ERR_FINGERPRINT_MISMATCH", "DTLS fingerprint differs from the SDP") \
  X(DTLS_FAILED, "ERR_DTLS_FAILED", "DTLS handshake failed")                            \
  X(SRTP_FAILED, "ERR_SRTP_FAILED", "SRTP error")                                       \
  X(ICE_FAILED, "ERR_ICE_FAILED", "ICE failed")                                         \
  X(CALL_ENDED, "ERR_CALL_ENDED", "the call has ended")                                 \
  X(CALL_EXISTS, "ERR_CALL_EXISTS", "a call with this id exists")                       \
  X(CALL_NOT_FOUND, "ERR_CALL_NOT_FOUND", "no call with this id")                       \
  X(INVALID_PARTY, "ERR_INVALID_PARTY", "party must be 'visitor' or 'agent'")           \
  X(INVALID_STATE, "ERR_INVALID_STATE", "not allowed in the current state")             \
  X(SERVER_CLOSED, "ERR_SERVER_CLOSED", "the media server is closed")                   \
  X(PACKET_INVALID, "ERR_PACKET_INVALID", "malformed packet")                           \
  X(BUFFER_TOO_SMALL, "ERR_BUFFER_TOO_SMALL", "output buffer too small")                \
  X(TIMEOUT, "ERR_TIMEOUT", "timed out")                                               \
  X(RECORDING_FAILED, "ERR_RECORDING_FAILED", "recording failed")                       \
  X(NO_DESCRIPTORS, "ERR_NO_DESCRIPTORS", "too few file descriptors left")

typedef enum {
  LCC_OK = 0,
#define LCC_ERR_ENUM_(name, code, msg) LCC_ERR_##name,
  LCC_ERR_FIRST_ = -1000,
  LCC_ERRORS(LCC_ERR_ENUM_)
#undef LCC_ERR_ENUM_
  LCC_ERR_LAST_
} lcc_err;

/* The JS `code` of an error ("ERR_SDP_INVALID"); "ERR_INTERNAL" for unknown values. */
const char *lcc_err_code(lcc_err err);
/* The default human-readable message of an error. */
const char *lcc_err_message(lcc_err err);

/* A reason for a failure, written by the callee when the caller passed one. */
typedef struct {
  char msg[256];
} lcc_why;

/* Formats a reason into why (may be NULL) and returns err, so callers can
 * write `return lcc_fail(why, LCC_ERR_SDP_INVALID, "line %u: ...", n);`. */
lcc_err lcc_fail(lcc_why *why, lcc_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
