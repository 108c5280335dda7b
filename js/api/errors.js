'use strict';
// One error class for the whole API, carrying a stable `code`. The codes mirror
// the C table in csrc/core/base/err.h (a test checks that every native code is
// here), plus a few that only JS raises. docs/api.md lists them.

const { describe } = require('../common/describe');

/**
 * Every code an LccError can carry, with its default message.
 * @type {Readonly<Record<string, string>>}
 */
const MESSAGES = Object.freeze({
  // From csrc/core/base/err.h (same order).
  ERR_INVALID_OPTION: 'invalid option',
  ERR_NO_MEMORY: 'out of memory',
  ERR_INTERNAL: 'internal error',
  ERR_SDP_INVALID: 'malformed SDP',
  ERR_SDP_UNSUPPORTED: 'no usable media in SDP',
  ERR_CANDIDATE_INVALID: 'invalid ICE candidate',
  ERR_FINGERPRINT_MISMATCH: 'DTLS fingerprint differs from the SDP',
  ERR_DTLS_FAILED: 'DTLS handshake failed',
  ERR_SRTP_FAILED: 'SRTP error',
  ERR_ICE_FAILED: 'ICE failed',
  ERR_CALL_ENDED: 'the call has ended',
  ERR_CALL_EXISTS: 'a call with this id exists',
  ERR_CALL_NOT_FOUND: 'no call with this id',
  ERR_INVALID_PARTY: "party must be 'visitor' or 'agent'",
  ERR_INVALID_STATE: 'not allowed in the current state',
  ERR_SERVER_CLOSED: 'the media server is closed',
  ERR_PACKET_INVALID: 'malformed packet',
  ERR_BUFFER_TOO_SMALL: 'output buffer too small',
  ERR_TIMEOUT: 'timed out',
  ERR_RECORDING_FAILED: 'recording failed',
  ERR_NO_DESCRIPTORS: 'too few file descriptors left',
  // JS only.
  ERR_ADDON_NOT_BUILT: 'the native add-on is not built (run `npm run build`)',
  ERR_ICE_SERVER_UNRESOLVED: 'an ICE server host name could not be resolved',
});

/**
 * The error codes as constants: `errorCodes.ERR_SDP_INVALID === 'ERR_SDP_INVALID'`.
 * @type {Readonly<Record<string, string>>}
 */
const errorCodes = Object.freeze(Object.fromEntries(Object.keys(MESSAGES).map((c) => [c, c])));

/**
 * The error every livechat-calls API throws or rejects with.
 * @extends Error
 */
class LccError extends Error {
  /**
   * @param {string} code one of {@link errorCodes}
   * @param {string} [message] defaults to the code's default message
   */
  constructor(code, message) {
    super(message || MESSAGES[code] || code);
    /** @type {string} A stable code such as 'ERR_SDP_INVALID'. */
    this.code = code;
  }
}
Object.defineProperty(LccError.prototype, 'name', { value: 'LccError', writable: true, configurable: true });

/** An Error coming from the add-on (a plain Error with `code`) as an LccError. */
function fromNative(err) {
  if (err instanceof LccError) return err;
  if (err && typeof err.code === 'string' && err.code.startsWith('ERR_')) return new LccError(err.code, err.message);
  return err;
}

/** LccError(ERR_INVALID_OPTION) "<name> must be <expected>, got <value>". */
function invalidOption(name, expected, value) {
  return new LccError('ERR_INVALID_OPTION', `${name} must be ${expected}, got ${describe(value)}`);
}

module.exports = { LccError, errorCodes, MESSAGES, fromNative, describe, invalidOption };
