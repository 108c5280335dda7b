'use strict';
// Short-lived TURN credentials for a coturn (or any TURN server) configured with
// `use-auth-secret` + `static-auth-secret=<secret>`, as in the TURN REST API draft
// (draft-uberti-behave-turn-rest-00):
//
//   username   = '<unix expiry, seconds>:<id>'            e.g. '1764036000:6773640a-...-visitor'
//   credential = base64(HMAC-SHA1(secret, username))
//
// The TURN server recomputes the credential from the username with the same secret
// and refuses the allocation once the expiry has passed. The service hands each
// browser such a pair for its call; the secret itself never leaves the service.
//
// Service option: `turn: { secret, urls, ttlSeconds }` (parseTurnOptions), or from
// the environment: LCC_TURN_SECRET, LCC_TURN_URLS (comma-separated), LCC_TURN_TTL
// (turnOptionsFromEnv).

const crypto = require('crypto');
const { parseIceUrl, describe, MAX_CREDENTIAL_BYTES } = require('../../common/webrtc-servers');

const DEFAULT_TTL_SECONDS = 3600;
const MIN_TTL_SECONDS = 60;
const MAX_TTL_SECONDS = 86400;

/** An Error with code ERR_INVALID_OPTION (the service turns it into its own error type). */
function invalid(message) {
  return Object.assign(new Error(message), { code: 'ERR_INVALID_OPTION' });
}

function checkSecret(secret, name) {
  // The value is never echoed: it is a secret, even when it is a bad one.
  if (typeof secret !== 'string' || secret === '') throw invalid(`${name} must be a non-empty string`);
}

function checkTtl(ttlSeconds, name) {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TTL_SECONDS || ttlSeconds > MAX_TTL_SECONDS) {
    throw invalid(`${name} must be an integer ${MIN_TTL_SECONDS}–${MAX_TTL_SECONDS}, got ${describe(ttlSeconds)}`);
  }
}

function checkNow(now) {
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
    throw invalid(`now must be a number of milliseconds since the Unix epoch, got ${describe(now)}`);
  }
}

/**
 * Mints one TURN REST API credential.
 * @param {object} [opts]
 * @param {string} [opts.secret] coturn's static-auth-secret (required)
 * @param {string} [opts.id] (required) who it is for, e.g. `<callId>-<party>`: non-empty, no ':'
 * @param {number} [opts.ttlSeconds] integer 60–86400, default 3600
 * @param {number} [opts.now] milliseconds since the epoch, default Date.now()
 * @returns {{username: string, credential: string, expiresAt: Date}}
 *   expiresAt: the expiry written into the username (whole seconds)
 * @throws {Error} code ERR_INVALID_OPTION naming the bad argument
 */
function mintTurnCredential({ secret, id, ttlSeconds = DEFAULT_TTL_SECONDS, now = Date.now() } = {}) {
  checkSecret(secret, 'secret');
  if (typeof id !== 'string' || id === '' || id.includes(':')) {
    throw invalid(`id must be a non-empty string without ':', got ${describe(id)}`);
  }
  checkTtl(ttlSeconds, 'ttlSeconds');
  checkNow(now);
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  const username = `${expiry}:${id}`;
  if (Buffer.byteLength(username) > MAX_CREDENTIAL_BYTES) {
    throw invalid(`id is too long: the TURN username '<expiry>:<id>' must be at most ${MAX_CREDENTIAL_BYTES} bytes`);
  }
  const credential = crypto.createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: new Date(expiry * 1000) };
}

/**
 * Checks a list of STUN/TURN URLs; returns them split into TURN and STUN.
 * @param {unknown} urls
 * @param {string} name the option's name, for errors
 * @returns {{turn: string[], stun: string[]}}
 */
function splitUrls(urls, name) {
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string')) {
    throw invalid(`${name} must be a non-empty array of turn:/turns: URL strings, got ${describe(urls)}`);
  }
  const turn = [];
  const stun = [];
  urls.forEach((url, i) => {
    let parsed;
    try {
      parsed = parseIceUrl(url, `${name}[${i}]`);
    } catch (err) {
      throw invalid(err.message);
    }
    (parsed.scheme === 'stun' ? stun : turn).push(url);
  });
  if (turn.length === 0) throw invalid(`${name} must hold at least one turn: or turns: URL, got only stun: URLs`);
  return { turn, stun };
}

/**
 * RTCIceServer entries for one browser: one TURN entry with freshly minted
 * credentials, preceded by one STUN entry without credentials if `urls` holds
 * stun: URLs. The secret is not in the result.
 * @param {{urls?: string[], secret?: string, ttlSeconds?: number}} turnOptions the `turn` option (see parseTurnOptions)
 * @param {string} id who it is for, e.g. `<callId>-<party>` (no ':')
 * @param {number} [now] milliseconds since the epoch, default Date.now()
 * @returns {Array<{urls: string[], username?: string, credential?: string}>}
 * @throws {Error} code ERR_INVALID_OPTION
 */
function turnIceServers(turnOptions, id, now = Date.now()) {
  const { urls, secret, ttlSeconds = DEFAULT_TTL_SECONDS } = turnOptions || {};
  const { turn, stun } = splitUrls(urls, 'turn.urls');
  const { username, credential } = mintTurnCredential({ secret, id, ttlSeconds, now });
  const servers = [];
  if (stun.length) servers.push({ urls: stun });
  servers.push({ urls: turn, username, credential });
  return servers;
}

const TURN_KEYS = ['secret', 'urls', 'ttlSeconds'];

/**
 * Checks the service option `turn: { secret, urls, ttlSeconds? }`.
 * `urls` may also be one comma-separated string.
 * @param {any} opts undefined or null: no TURN (returns null)
 * @returns {{secret: string, urls: string[], ttlSeconds: number} | null}
 * @throws {Error} code ERR_INVALID_OPTION naming the field (turn.secret, turn.urls[1], turn.ttlSeconds, ...)
 */
function parseTurnOptions(opts) {
  if (opts === undefined || opts === null) return null;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw invalid(`turn must be an object {secret, urls, ttlSeconds?}, got ${describe(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!TURN_KEYS.includes(key)) throw invalid(`unknown option 'turn.${key}' (known: ${TURN_KEYS.join(', ')})`);
  }
  checkSecret(opts.secret, 'turn.secret');
  let urls = opts.urls;
  if (typeof urls === 'string') urls = urls.split(',').map((u) => u.trim()).filter((u) => u !== '');
  splitUrls(urls, 'turn.urls');
  const ttlSeconds = opts.ttlSeconds === undefined ? DEFAULT_TTL_SECONDS : opts.ttlSeconds;
  checkTtl(ttlSeconds, 'turn.ttlSeconds');
  return { secret: opts.secret, urls: [...urls], ttlSeconds };
}

/**
 * The `turn` option from the environment: LCC_TURN_SECRET, LCC_TURN_URLS
 * (comma-separated), LCC_TURN_TTL (seconds, optional). Returns null when neither
 * LCC_TURN_SECRET nor LCC_TURN_URLS is set; one without the other is an error.
 * @param {NodeJS.ProcessEnv} [env] default process.env
 * @returns {{secret: string, urls: string[], ttlSeconds: number} | null}
 * @throws {Error} code ERR_INVALID_OPTION naming the variable
 */
function turnOptionsFromEnv(env = process.env) {
  const secret = env.LCC_TURN_SECRET;
  const urls = env.LCC_TURN_URLS;
  const ttl = env.LCC_TURN_TTL;
  const has = (v) => v !== undefined && v !== '';
  if (!has(secret) && !has(urls)) {
    if (has(ttl)) throw invalid('LCC_TURN_TTL is set but LCC_TURN_SECRET and LCC_TURN_URLS are not');
    return null;
  }
  if (!has(secret)) throw invalid('LCC_TURN_URLS is set but LCC_TURN_SECRET is not (both are needed for TURN)');
  if (!has(urls)) throw invalid('LCC_TURN_SECRET is set but LCC_TURN_URLS is not (both are needed for TURN)');
  let ttlSeconds;
  if (has(ttl)) {
    if (!/^[0-9]{1,6}$/.test(ttl.trim())) {
      throw invalid(`LCC_TURN_TTL must be an integer ${MIN_TTL_SECONDS}–${MAX_TTL_SECONDS}, got ${describe(ttl)}`);
    }
    ttlSeconds = Number(ttl.trim());
  }
  try {
    return parseTurnOptions({ secret, urls, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
  } catch (err) {
    // Name the variable rather than the option field.
    err.message = err.message
      .replace(/^turn\.secret\b/, 'LCC_TURN_SECRET')
      .replace(/^turn\.urls\b/, 'LCC_TURN_URLS')
      .replace(/^turn\.ttlSeconds\b/, 'LCC_TURN_TTL');
    throw err;
  }
}

module.exports = {
  mintTurnCredential,
  turnIceServers,
  parseTurnOptions,
  turnOptionsFromEnv,
  DEFAULT_TTL_SECONDS,
  MIN_TTL_SECONDS,
  MAX_TTL_SECONDS,
};
