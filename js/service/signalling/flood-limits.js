'use strict';
// Flood limits for one WebSocket, shared by /ws and /ring (docs/security.md#limits):
//
// - what a socket may send: a token bucket of messages (`burst` at once, then
//   `perSecond`), so that a party cannot make the service work or forward
//   without end;
// - what the service may queue for a socket (`ws.bufferedAmount`): a peer that
//   does not read must not make the service buffer without bound.
//
//   const bucket = createMessageBucket({ perSecond: 20, burst: 200 });
//   if (!bucket.take()) socket.close(CLOSE_TOO_MANY, 'too many messages');
//   if (queueFull(ws, maxBufferedBytes)) ... // cut off whoever fills it
//
// The close codes are in docs/signalling.md#close-codes.

/** Sent too many messages, or more than the other party could take. */
const CLOSE_TOO_MANY = 4429;
/** Did not read what the service sent it. */
const CLOSE_NOT_READING = 4408;

/**
 * @param {{perSecond: number, burst: number}} rate
 * @param {() => number} [now] milliseconds (tests may pass a clock)
 * @returns {{take: () => boolean}} take: spends one message; false when none is left
 */
function createMessageBucket({ perSecond, burst }, now = Date.now) {
  let tokens = burst;
  let last = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * perSecond);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * Whether the service already holds more than `maxBytes` unsent for this
 * socket (the kernel's buffers are full: the peer is not reading).
 * @param {{bufferedAmount: number}} ws
 * @param {number} maxBytes
 */
function queueFull(ws, maxBytes) {
  return ws.bufferedAmount > maxBytes;
}

module.exports = { createMessageBucket, queueFull, CLOSE_TOO_MANY, CLOSE_NOT_READING };
