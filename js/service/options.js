'use strict';
// Validation of createCallService() options, before anything is started.
// Every default lives in DEFAULTS; every error is ERR_INVALID_OPTION naming the
// option. The `media` options are checked by the MediaServer's own validator.

const path = require('path');
const { LccError, invalidOption } = require('../api/errors');
const { validateServerOptions } = require('../api/options');
const { parseTurnOptions } = require('./calls/turn-credentials');
const { hostName } = require('./http/host-check');

/** Every service default, in one place (docs/service-api.md repeats them). */
const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 3000,
  publicUrl: null, // derived from the bound address
  media: Object.freeze({}),
  dataDir: null, // memory only
  tokenTtlSeconds: 7200,
  maxBodyBytes: 65536,
  maxCalls: 1000,
  turn: null, // {secret, urls, ttlSeconds}: coturn with use-auth-secret; the service mints credentials
  metricsToken: null, // when set, /metrics wants `Authorization: Bearer <token>` (required off this machine)
  metricsRefreshSeconds: 10, // /metrics serves a text rendered this often, not one per scrape
  trustProxy: false, // behind a reverse proxy: the per-address limit reads X-Forwarded-For
  allowedHosts: Object.freeze([]), // Host names answered besides the public URL's, the bound address and loopback
  embedOrigins: Object.freeze([]), // origins that may frame the call page's overlay (/call?embed=1); [] means any
  fallbackTimeoutMs: 5000, // p2p must connect on both sides within this, else relay
  maxConnectionsPerIp: 20, // concurrent signalling WebSockets from one address
  // Flood limits per WebSocket (/ws and /ring): a call's set-up is a few dozen
  // messages at once (SDP, trickled candidates), then a few per minute.
  messagesPerSecond: 20,
  messageBurst: 200,
  maxBufferedBytes: 1024 * 1024, // queued for one socket; an SDP is a few KiB
});
const MIN_SECRET_CHARS = 16;

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function int(value, name, min, max, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalidOption(name, `an integer ${min}–${max}`, value);
  return value;
}

function bool(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value;
}

/** publicUrl: an http(s) URL without query or fragment; kept without a trailing slash. */
function publicUrl(value) {
  if (value === undefined || value === null) return null;
  let url = null;
  try {
    url = typeof value === 'string' ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw invalidOption('publicUrl', 'an http: or https: URL without query, fragment or credentials', value);
  }
  return url.href.replace(/\/+$/, '');
}

/** allowedHosts: host names (no scheme, port or path). */
function hostList(value) {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((h) => typeof h === 'string' && hostName(h) !== null && !/:\d+$/.test(h))) {
    throw invalidOption('allowedHosts', "an array of host names such as 'calls.internal'", value);
  }
  return value.map(hostName);
}

/** embedOrigins: http(s) origins such as 'https://shop.example.com', kept as URL#origin. */
function originList(value) {
  if (value === undefined) return [];
  const origins = Array.isArray(value) ? value.map((o) => {
    try {
      const url = new URL(o);
      return ['http:', 'https:'].includes(url.protocol) && `${url.origin}/` === url.href.replace(/\/?$/, '/') ? url.origin : null;
    } catch {
      return null;
    }
  }) : [null];
  if (origins.includes(null)) throw invalidOption('embedOrigins', "an array of origins such as 'https://shop.example.com'", value);
  return origins;
}

/**
 * Checks createCallService() options and fills in the defaults.
 * @param {object} options
 * @returns {{secret: string, host: string, port: number, publicUrl: string|null, media: object,
 *   recordingsDir: string, dataDir: string|null, tokenTtlSeconds: number, maxBodyBytes: number, maxCalls: number,
 *   fallbackTimeoutMs: number, maxConnectionsPerIp: number,
 *   floodLimits: {messagesPerSecond: number, messageBurst: number, maxBufferedBytes: number}, turn: {secret: string, urls: string[], ttlSeconds: number}|null,
 *   metricsToken: string|null, metricsRefreshSeconds: number, trustProxy: boolean, allowedHosts: string[], embedOrigins: string[]}}
 * @throws {LccError} ERR_INVALID_OPTION naming the option
 */
function validateServiceOptions(options) {
  if (!isPlainObject(options)) throw invalidOption('options', 'an object', options);
  const known = ['secret', ...Object.keys(DEFAULTS)];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new LccError('ERR_INVALID_OPTION', `unknown option '${key}' (known: ${known.join(', ')})`);
  }
  const { secret, host = DEFAULTS.host, media = DEFAULTS.media, dataDir = DEFAULTS.dataDir } = options;
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_CHARS) {
    // The value is not echoed: it is a secret, even when it is a bad one.
    throw new LccError('ERR_INVALID_OPTION', `secret must be a string of at least ${MIN_SECRET_CHARS} characters`);
  }
  if (typeof host !== 'string' || host === '') throw invalidOption('host', 'a non-empty host name or IP address', host);
  if (!isPlainObject(media)) throw invalidOption('media', 'an object of MediaServer options', media);
  if (dataDir !== null && (typeof dataDir !== 'string' || dataDir === '' || dataDir.includes('\0'))) {
    throw invalidOption('dataDir', 'a non-empty path string or null', dataDir);
  }
  let turn;
  try {
    turn = parseTurnOptions(options.turn);
  } catch (err) {
    throw new LccError('ERR_INVALID_OPTION', err.message);
  }
  const { metricsToken = DEFAULTS.metricsToken } = options;
  if (metricsToken !== null && (typeof metricsToken !== 'string' || metricsToken.length < MIN_SECRET_CHARS)) {
    throw new LccError('ERR_INVALID_OPTION', `metricsToken must be null or a string of at least ${MIN_SECRET_CHARS} characters`);
  }
  let mediaChecked;
  try {
    mediaChecked = validateServerOptions(media);
  } catch (err) {
    // Same message, with the option's place in the service options.
    throw new LccError(err.code || 'ERR_INVALID_OPTION', `media: ${err.message}`);
  }
  return {
    secret,
    host,
    port: int(options.port, 'port', 0, 65535, DEFAULTS.port),
    publicUrl: publicUrl(options.publicUrl),
    media: { ...media },
    recordingsDir: mediaChecked.recordingsDir,
    dataDir: dataDir === null ? null : path.resolve(dataDir),
    tokenTtlSeconds: int(options.tokenTtlSeconds, 'tokenTtlSeconds', 1, 7 * 86400, DEFAULTS.tokenTtlSeconds),
    maxBodyBytes: int(options.maxBodyBytes, 'maxBodyBytes', 1024, 16 * 1024 * 1024, DEFAULTS.maxBodyBytes),
    maxCalls: int(options.maxCalls, 'maxCalls', 1, 1000000, DEFAULTS.maxCalls),
    fallbackTimeoutMs: int(options.fallbackTimeoutMs, 'fallbackTimeoutMs', 500, 60000, DEFAULTS.fallbackTimeoutMs),
    maxConnectionsPerIp: int(options.maxConnectionsPerIp, 'maxConnectionsPerIp', 1, 10000, DEFAULTS.maxConnectionsPerIp),
    floodLimits: {
      messagesPerSecond: int(options.messagesPerSecond, 'messagesPerSecond', 1, 10000, DEFAULTS.messagesPerSecond),
      messageBurst: int(options.messageBurst, 'messageBurst', 1, 100000, DEFAULTS.messageBurst),
      maxBufferedBytes: int(options.maxBufferedBytes, 'maxBufferedBytes', 64 * 1024, 1024 * 1024 * 1024, DEFAULTS.maxBufferedBytes),
    },
    turn,
    metricsToken,
    trustProxy: bool(options.trustProxy, 'trustProxy', DEFAULTS.trustProxy),
    metricsRefreshSeconds: int(options.metricsRefreshSeconds, 'metricsRefreshSeconds', 1, 3600, DEFAULTS.metricsRefreshSeconds),
    allowedHosts: hostList(options.allowedHosts),
    embedOrigins: originList(options.embedOrigins),
  };
}

module.exports = { validateServiceOptions, originList, DEFAULTS, MIN_SECRET_CHARS };
