'use strict';
// Validation of MediaServer and createCall() options, before anything native
// exists. Every default lives in DEFAULTS; every error is ERR_INVALID_OPTION
// naming the option, what was expected and what was given.

const net = require('net');
const path = require('path');
const { LccError, describe, invalidOption } = require('./errors');
const { parseIceServers, toNativeIceServers } = require('./ice-servers');

/** The core's limits (LCC_MAX_LISTEN in csrc/core/transport/ice.h, lcc_server_opts in csrc/core/server/server.h). */
const MAX_LISTEN = 8; // LCC_MAX_LISTEN
const MAX_PATH_BYTES = 1023; // recordings_dir[1024]

/**
 * Options of `new MediaServer(options)`.
 * @typedef {object} MediaServerOptions
 * @property {string[]} [listenAddresses=[]] numeric IPs where host candidates are gathered (at most 8); [] = every non-loopback interface
 * @property {string|null} [announcedAddress=null] a public numeric IP replacing host candidate addresses (1:1 NAT)
 * @property {{min?: number, max?: number}} [ports={min: 40000, max: 49999}] candidate port range, each 1024–65535
 * @property {string|RTCIceServer[]} [iceServers=[]] Rocket.Chat's WebRTC_Servers string or RTCIceServer[] (at most 8 URLs)
 * @property {string} [recordingsDir='./recordings'] where recordings are written
 * @property {number} [disconnectedAfterMs=5000] silence after which a connected leg is 'disconnected' (500–600000)
 * @property {number} [dtlsTimeoutMs=15000] DTLS handshake deadline once ICE connects (1000–600000)
 * @property {boolean} [iceTcp=false] ICE over TCP (RFC 6544): also gather passive TCP candidates and check TCP ones
 * @property {boolean} [allowPrivateCandidates=true] check parties' candidates in private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)
 */
/**
 * Options of `media.createCall(options)`.
 * @typedef {object} CallOptions
 * @property {string} id 1–127 characters from A–Z a–z 0–9 . _ - ; unique among live calls
 * @property {number} [retentionDays=0] remove recordings older than this many days (at start and daily); 0 keeps them
 * @property {boolean} [record=false] record the call into recordingsDir
 */

/** Every MediaServer default, in one place (docs/api.md repeats them). */
const DEFAULTS = Object.freeze({
  listenAddresses: Object.freeze([]), // [] = every non-loopback interface
  announcedAddress: null,
  ports: Object.freeze({ min: 40000, max: 49999 }),
  iceServers: Object.freeze([]),
  recordingsDir: './recordings',
  retentionDays: 0, // 0 = keep recordings forever
  disconnectedAfterMs: 5000,
  dtlsTimeoutMs: 15000,
  iceTcp: false, // opt-in: most parties reach TCP through TURN; when on, the core's tcp_guard caps unchecked connections (docs/security.md)
  allowPrivateCandidates: true,
});

const CALL_DEFAULTS = Object.freeze({ record: false });
const CALL_ID_RE = /^[A-Za-z0-9._-]{1,127}$/;

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function rejectUnknown(obj, known, prefix) {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new LccError('ERR_INVALID_OPTION', `unknown option '${prefix}${key}' (known: ${known.map((k) => prefix + k).join(', ')})`);
    }
  }
}

function checkIp(value, name) {
  if (typeof value !== 'string' || net.isIP(value) === 0) throw invalidOption(name, 'a numeric IPv4 or IPv6 address', value);
  return value;
}

function checkInt(value, name, min, max) {
  if (!Number.isInteger(value) || value < min || value > max) throw invalidOption(name, `an integer ${min}–${max}`, value);
  return value;
}

function checkBool(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value;
}

function listenAddresses(value) {
  if (value === undefined) return [...DEFAULTS.listenAddresses];
  if (!Array.isArray(value)) throw invalidOption('listenAddresses', 'an array of numeric IP addresses', value);
  if (value.length > MAX_LISTEN) {
    throw new LccError('ERR_INVALID_OPTION', `listenAddresses must hold at most ${MAX_LISTEN} addresses, got ${value.length}`);
  }
  return value.map((a, i) => checkIp(a, `listenAddresses[${i}]`));
}

function ports(value) {
  if (value === undefined) return { ...DEFAULTS.ports };
  if (!isPlainObject(value)) throw invalidOption('ports', 'an object {min, max}', value);
  rejectUnknown(value, ['min', 'max'], 'ports.');
  const min = value.min === undefined ? DEFAULTS.ports.min : checkInt(value.min, 'ports.min', 1024, 65535);
  const max = value.max === undefined ? DEFAULTS.ports.max : checkInt(value.max, 'ports.max', 1024, 65535);
  if (min > max) throw new LccError('ERR_INVALID_OPTION', `ports.min must not exceed ports.max, got min ${min} and max ${max}`);
  return { min, max };
}

function recordingsDir(value) {
  if (value === undefined) value = DEFAULTS.recordingsDir;
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw invalidOption('recordingsDir', 'a non-empty path string', value);
  }
  const abs = path.resolve(value);
  if (Buffer.byteLength(abs) > MAX_PATH_BYTES) {
    throw invalidOption('recordingsDir', `a path of at most ${MAX_PATH_BYTES} bytes once absolute`, value);
  }
  return abs;
}

/**
 * Checks MediaServer options and fills in the defaults.
 * @param {object} [options]
 * @returns {{listenAddresses: string[], announcedAddress: string|null, ports: {min: number, max: number},
 *   iceServers: object[], nativeIceServers: object[], recordingsDir: string,
 *   disconnectedAfterMs: number, dtlsTimeoutMs: number, iceTcp: boolean, allowPrivateCandidates: boolean}}
 * @throws {LccError} ERR_INVALID_OPTION
 */
function validateServerOptions(options) {
  if (options === undefined) options = {};
  if (!isPlainObject(options)) throw invalidOption('options', 'an object', options);
  rejectUnknown(options, Object.keys(DEFAULTS), '');
  const announced = options.announcedAddress;
  const iceServers = parseIceServers(options.iceServers === undefined ? DEFAULTS.iceServers : options.iceServers);
  return {
    listenAddresses: listenAddresses(options.listenAddresses),
    announcedAddress: announced === undefined || announced === null || announced === '' ? DEFAULTS.announcedAddress : checkIp(announced, 'announcedAddress'),
    ports: ports(options.ports),
    iceServers,
    nativeIceServers: toNativeIceServers(iceServers),
    recordingsDir: recordingsDir(options.recordingsDir),
    retentionDays: options.retentionDays === undefined ? DEFAULTS.retentionDays : checkInt(options.retentionDays, 'retentionDays', 0, 36500),
    disconnectedAfterMs: options.disconnectedAfterMs === undefined ? DEFAULTS.disconnectedAfterMs : checkInt(options.disconnectedAfterMs, 'disconnectedAfterMs', 500, 600000),
    dtlsTimeoutMs: options.dtlsTimeoutMs === undefined ? DEFAULTS.dtlsTimeoutMs : checkInt(options.dtlsTimeoutMs, 'dtlsTimeoutMs', 1000, 600000),
    iceTcp: checkBool(options.iceTcp, 'iceTcp', DEFAULTS.iceTcp),
    allowPrivateCandidates: checkBool(options.allowPrivateCandidates, 'allowPrivateCandidates', DEFAULTS.allowPrivateCandidates),
  };
}

/**
 * Checks createCall() options.
 * @returns {{id: string, record: boolean}}
 * @throws {LccError} ERR_INVALID_OPTION
 */
function validateCallOptions(options) {
  if (!isPlainObject(options)) throw invalidOption('createCall() options', 'an object {id, record?}', options);
  rejectUnknown(options, ['id', 'record'], '');
  const { id } = options;
  if (typeof id !== 'string' || !CALL_ID_RE.test(id)) {
    throw invalidOption('id', '1–127 characters from A–Z a–z 0–9 . _ -', id);
  }
  const record = options.record === undefined ? CALL_DEFAULTS.record : options.record;
  if (typeof record !== 'boolean') throw invalidOption('record', 'a boolean', record);
  return { id, record };
}

module.exports = { DEFAULTS, CALL_DEFAULTS, validateServerOptions, validateCallOptions, describe };
