'use strict';
// How the Rocket.Chat App authenticates to the call service: every control
// request carries an HMAC-SHA256, keyed with the shared secret, over
//
//   METHOD \n PATH?QUERY \n TIMESTAMP \n NONCE \n SHA256-HEX(BODY)
//
// in three headers (x-lcc-timestamp in ms since the epoch, x-lcc-nonce,
// x-lcc-signature = "v1=" + hex). The service accepts a request only inside
// a time window (clock skew both ways) and only once (it remembers the nonces
// it saw inside the window), and compares signatures in constant time.
//
// Shared by the service (js/service) and the App (js/app bundles this file and
// runs it in the Apps-Engine sandbox): use only Node's `crypto`.

const crypto = require('crypto');

const HEADER_TIMESTAMP = 'x-lcc-timestamp';
const HEADER_NONCE = 'x-lcc-nonce';
const HEADER_SIGNATURE = 'x-lcc-signature';
const SCHEME = 'v1=';
/** Requests older or newer than this (ms) are refused; nonces are kept this long. */
const DEFAULT_WINDOW_MS = 5 * 60 * 1000;
const NONCE_RE = /^[A-Za-z0-9_-]{16,64}$/;

function bodyText(body) {
  if (body === undefined || body === null) return '';
  return Buffer.isBuffer(body) ? body : String(body);
}

/** The string the signature covers. */
function canonical(method, pathWithQuery, timestamp, nonce, body) {
  const bodyHash = crypto.createHash('sha256').update(bodyText(body)).digest('hex');
  return `${String(method).toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

function hmacHex(secret, text) {
  return crypto.createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * The headers that authenticate one request.
 * @param {{secret: string, method: string, path: string, body?: string|Buffer, now?: number, nonce?: string}} req
 *   path includes the query string, exactly as sent
 * @returns {Record<string, string>}
 */
function signRequest({ secret, method, path, body, now = Date.now(), nonce = crypto.randomBytes(16).toString('hex') }) {
  const timestamp = String(Math.floor(now));
  return {
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: SCHEME + hmacHex(secret, canonical(method, path, timestamp, nonce, body)),
  };
}

/**
 * Remembers the nonces seen inside the window so a captured request cannot be
 * replayed. Memory is bounded by the request rate times the window.
 */
class NonceCache {
  constructor(windowMs = DEFAULT_WINDOW_MS) {
    this.windowMs = windowMs;
    /** @type {Map<string, number>} nonce -> time it stops mattering */
    this.seen = new Map();
  }

  /** False if the nonce was already used; else records it. */
  claim(nonce, now) {
    for (const [n, until] of this.seen) {
      if (until > now) break; // Map keeps insertion order, and expiries grow with it
      this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now + 2 * this.windowMs);
    return true;
  }
}

/**
 * Checks one request. Never throws on bad input.
 * @param {{secret: string, method: string, path: string, headers: Record<string, string|string[]|undefined>,
 *          body?: string|Buffer, now?: number, windowMs?: number, nonces?: NonceCache}} req
 * @returns {{ok: true} | {ok: false, reason: string}}
 */
function verifyRequest({ secret, method, path, headers, body, now = Date.now(), windowMs = DEFAULT_WINDOW_MS, nonces }) {
  const timestamp = headers[HEADER_TIMESTAMP];
  const nonce = headers[HEADER_NONCE];
  const signature = headers[HEADER_SIGNATURE];
  if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
    return { ok: false, reason: `missing ${HEADER_TIMESTAMP}, ${HEADER_NONCE} or ${HEADER_SIGNATURE} header` };
  }
  if (!/^[0-9]{1,16}$/.test(timestamp)) return { ok: false, reason: `malformed ${HEADER_TIMESTAMP}` };
  if (!NONCE_RE.test(nonce)) return { ok: false, reason: `malformed ${HEADER_NONCE}` };
  if (Math.abs(now - Number(timestamp)) > windowMs) return { ok: false, reason: 'request expired (check both clocks)' };
  const expected = Buffer.from(SCHEME + hmacHex(secret, canonical(method, path, timestamp, nonce, body)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad signature' };
  }
  // Claimed only once the signature holds, so nobody can burn others' nonces.
  if (nonces && !nonces.claim(nonce, now)) return { ok: false, reason: 'replayed request' };
  return { ok: true };
}

module.exports = {
  signRequest,
  verifyRequest,
  NonceCache,
  DEFAULT_WINDOW_MS,
  HEADER_TIMESTAMP,
  HEADER_NONCE,
  HEADER_SIGNATURE,
};
