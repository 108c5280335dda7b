'use strict';
// Party tokens: what a browser presents on the signalling WebSocket to prove it
// may join one call as one party. The App asks the service for one (over the
// signed control API) and hands it to the browser; the service checks it
// without any lookup, so it carries its own call id, party and expiry, and an
// HMAC-SHA256 over them.
//
//   v1.<base64url(JSON {c: callId, p: party, e: expiry (unix s), n: nonce})>.<base64url(mac)>
//
// The mac covers "v1.<payload>" under a key derived from the service secret,
// so a token can never be mistaken for a control-request signature.

const crypto = require('crypto');
const { isParty } = require('../../common/parties');

const VERSION = 'v1';
const KEY_LABEL = 'livechat-calls party token v1';
/** Longer input is refused before any work: a token is about 200 characters. */
const MAX_TOKEN_CHARS = 1024;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
const MAC_BYTES = 32;
/** The last second a Date can represent (so expiresAt can always be built). */
const MAX_EXPIRY_SECONDS = 8.64e12;

/**
 * The party-token key for a service secret (HMAC-SHA256(secret, label)).
 * @param {string|Buffer} secret
 * @returns {Buffer}
 */
function derivePartyTokenKey(secret) {
  return crypto.createHmac('sha256', secret).update(KEY_LABEL).digest();
}

function mac(key, signed) {
  return crypto.createHmac('sha256', key).update(signed).digest();
}

/**
 * Mints a token for one party of one call.
 * @param {Buffer} key from derivePartyTokenKey()
 * @param {{callId: string, party: 'visitor'|'agent', ttlSeconds: number, now?: number}} args now in ms since the epoch
 * @returns {{token: string, expiresAt: string}} expiresAt as an ISO date
 */
function mintPartyToken(key, { callId, party, ttlSeconds, now = Date.now() }) {
  if (typeof callId !== 'string' || callId === '') throw new TypeError('callId must be a non-empty string');
  if (!isParty(party)) throw new TypeError("party must be 'visitor' or 'agent'");
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('ttlSeconds must be a positive integer');
  const e = Math.floor(now / 1000) + ttlSeconds;
  const payload = Buffer.from(JSON.stringify({ c: callId, p: party, e, n: crypto.randomBytes(12).toString('base64url') })).toString('base64url');
  const signed = `${VERSION}.${payload}`;
  return { token: `${signed}.${mac(key, signed).toString('base64url')}`, expiresAt: new Date(e * 1000).toISOString() };
}

/**
 * Checks a token. Never throws, whatever `token` is.
 * @param {Buffer} key from derivePartyTokenKey()
 * @param {unknown} token
 * @param {{now?: number}} [opts] now in ms since the epoch
 * @returns {{ok: true, callId: string, party: 'visitor'|'agent', expiresAt: string} | {ok: false, reason: 'malformed'|'bad signature'|'expired'}}
 */
function verifyPartyToken(key, token, { now = Date.now() } = {}) {
  const malformed = { ok: false, reason: 'malformed' };
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return malformed;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !B64URL_RE.test(parts[1]) || !B64URL_RE.test(parts[2])) return malformed;
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== MAC_BYTES) return malformed;
  // The mac is checked before the payload is parsed: nothing unsigned is interpreted.
  if (!crypto.timingSafeEqual(given, mac(key, `${parts[0]}.${parts[1]}`))) return { ok: false, reason: 'bad signature' };
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return malformed;
  }
  if (claims === null || typeof claims !== 'object' || typeof claims.c !== 'string' || !isParty(claims.p) || !Number.isInteger(claims.e)
    || claims.e <= 0 || claims.e > MAX_EXPIRY_SECONDS) {
    return malformed;
  }
  if (Math.floor(now / 1000) >= claims.e) return { ok: false, reason: 'expired' };
  return { ok: true, callId: claims.c, party: claims.p, expiresAt: new Date(claims.e * 1000).toISOString() };
}

module.exports = { derivePartyTokenKey, mintPartyToken, verifyPartyToken, MAX_TOKEN_CHARS };
