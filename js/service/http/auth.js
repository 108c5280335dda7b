'use strict';
// Authentication of control requests (the Rocket.Chat App is the only client):
// the HMAC scheme of js/common/request-signing.js over the method, the path
// with its query exactly as sent, and the raw body bytes. One NonceCache per
// authenticator, so each service refuses replays of what it has accepted.

const { verifyRequest, NonceCache, DEFAULT_WINDOW_MS } = require('../../common/request-signing');

/**
 * @param {{secret: string, windowMs?: number, now?: () => number}} options
 * @returns {{check(req: import('http').IncomingMessage, body: Buffer): {ok: true} | {ok: false, reason: string}}}
 */
function createAuthenticator({ secret, windowMs = DEFAULT_WINDOW_MS, now = Date.now }) {
  const nonces = new NonceCache(windowMs);
  return {
    check(req, body) {
      return verifyRequest({ secret, method: req.method, path: req.url, headers: req.headers, body, now: now(), windowMs, nonces });
    },
  };
}

module.exports = { createAuthenticator };
