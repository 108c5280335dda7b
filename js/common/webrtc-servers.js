'use strict';
// Rocket.Chat's WebRTC_Servers setting (or an RTCIceServer[] array) -> checked
// RTCIceServer[]. Pure string work, shared by the media API (js/api) and the
// Rocket.Chat App (js/app, which runs in the Apps-Engine sandbox and bundles
// this file): keep it free of anything but Node's `net`.
//
// The string format is the one Rocket.Chat's LiveChat WebRTC client parses
// (WebRTCClass in Rocket.Chat's webrtc client): all whitespace is removed, the
// string is split on ',', each entry on '@'; the last part is the URL and a
// single part before it is `user:password`, each URI-decoded. So
//   'stun:stun.l.google.com:19302, team%40rocket.chat:demo@turn:numb.viagenie.ca:3478'
// gives [{urls: 'stun:stun.l.google.com:19302'},
//        {urls: 'turn:numb.viagenie.ca:3478', username: 'team@rocket.chat', credential: 'demo'}].
// Where Rocket.Chat would silently build a server no browser accepts (an empty
// entry, two '@', a password holding a raw ':', a TURN URL without
// credentials), this throws an Error with code ERR_INVALID_OPTION naming the
// entry instead.

const net = require('net');
const { describe } = require('./describe');

/** The core's buffers: username/credential are char[256]. */
const MAX_CREDENTIAL_BYTES = 255;
const DEFAULT_PORTS = { stun: 3478, turn: 3478, turns: 5349 };
const URL_FORMS = 'stun:host[:port], turn:host[:port][?transport=udp|tcp] or turns:host[:port][?transport=tcp]';
const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/**
 * A STUN or TURN server, as in the browser's RTCConfiguration.iceServers.
 * @typedef {object} RTCIceServer
 * @property {string|string[]} urls stun:host[:port], turn:host[:port][?transport=udp|tcp], turns:host[:port]
 * @property {string} [username] required for TURN
 * @property {string} [credential] required for TURN
 */

/** An Error with code ERR_INVALID_OPTION (js/api turns it into an LccError). */
function invalid(message) {
  return Object.assign(new Error(message), { code: 'ERR_INVALID_OPTION' });
}

function invalidOption(name, expected, value) {
  return invalid(`${name} must be ${expected}, got ${describe(value)}`);
}

function bad(where, problem) {
  return invalid(`${where} ${problem}`);
}

/**
 * Parses one STUN/TURN URL (RFC 7064 / RFC 7065).
 * @returns {{scheme: 'stun'|'turn'|'turns', host: string, port: number, transport: 'udp'|'tcp'}}
 */
function parseIceUrl(url, where) {
  if (typeof url !== 'string') throw invalidOption(`${where} url`, 'a string', url);
  const m = /^([A-Za-z]+):(\[[^\]]*\]|[^:?/[\]@]*)(?::([0-9]{1,5}))?(?:\?transport=([A-Za-z]+))?$/.exec(url);
  if (!m) throw bad(where, `has URL ${describe(url)}, expected ${URL_FORMS}`);
  const scheme = m[1].toLowerCase();
  const transport = m[4] ? m[4].toLowerCase() : null;
  if (scheme === 'stuns') throw bad(where, `has URL ${describe(url)}: stuns: is not supported (use stun: or turns:)`);
  if (!(scheme in DEFAULT_PORTS)) throw bad(where, `has URL ${describe(url)}, expected ${URL_FORMS}`);
  let host = m[2];
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (net.isIPv6(host) === false) throw bad(where, `has URL ${describe(url)}: '${host}' is not an IPv6 address`);
  } else if (!net.isIPv4(host) && !HOSTNAME_RE.test(host)) {
    throw bad(where, `has URL ${describe(url)}: ${describe(host)} is not a host name or IP address`);
  }
  const port = m[3] ? Number(m[3]) : DEFAULT_PORTS[scheme];
  if (port < 1 || port > 65535) throw bad(where, `has URL ${describe(url)}: port must be 1–65535`);
  if (transport && scheme === 'stun') throw bad(where, `has URL ${describe(url)}: ?transport= is only valid for turn: and turns:`);
  if (transport && transport !== 'udp' && transport !== 'tcp') throw bad(where, `has URL ${describe(url)}: transport must be udp or tcp`);
  if (scheme === 'turns' && transport === 'udp') throw bad(where, `has URL ${describe(url)}: TURN over DTLS (turns: with transport=udp) is not supported`);
  return /** @type {{scheme: 'stun'|'turn'|'turns', host: string, port: number, transport: 'udp'|'tcp'}} */ (
    { scheme, host, port, transport: transport || (scheme === 'turns' ? 'tcp' : 'udp') });
}

function decode(part, what, where) {
  try {
    return decodeURIComponent(part);
  } catch {
    throw bad(where, `has a ${what} with a malformed %-escape`);
  }
}

/** Checks one RTCIceServer's URLs and credentials (where names it in errors). */
function checkServer(server, where) {
  const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
  for (const url of urls) {
    const { scheme } = parseIceUrl(url, where);
    if (scheme !== 'stun' && (!server.username || !server.credential)) {
      throw bad(where, `has TURN URL ${describe(url)} but no user name and password (expected user:password@${url})`);
    }
  }
  for (const key of ['username', 'credential']) {
    if (server[key] !== undefined && Buffer.byteLength(server[key]) > MAX_CREDENTIAL_BYTES) {
      throw bad(where, `has a ${key} longer than ${MAX_CREDENTIAL_BYTES} bytes`);
    }
  }
}

/** One entry of the WebRTC_Servers string ("[user:pass@]url"), as Rocket.Chat reads it. */
function parseEntry(entry, index) {
  const parts = entry.split('@');
  // Errors end up in logs: they name the entry by its URL, never quoting a
  // user name or password (found by test/fuzz/js/webrtc_servers.fuzz.js).
  const shown = parts.length > 1 ? `<credentials hidden>@${parts[parts.length - 1]}` : entry;
  const where = `iceServers entry ${index + 1} (${describe(shown)})`;
  if (entry === '') throw bad(`iceServers entry ${index + 1}`, 'is empty (a stray comma?)');
  const server = { urls: parts.pop() };
  if (parts.length > 1) throw bad(where, "has more than one '@' (write '@' in a user name or password as %40)");
  if (parts.length === 1) {
    const creds = parts[0].split(':');
    if (creds.length !== 2) throw bad(where, "has credentials that are not user:password (write ':' in a user name or password as %3A)");
    server.username = decode(creds[0], 'user name', where);
    server.credential = decode(creds[1], 'password', where);
    if (!server.username || !server.credential) throw bad(where, 'has an empty user name or password');
  }
  checkServer(server, where);
  return server;
}

const SERVER_KEYS = new Set(['urls', 'username', 'credential', 'credentialType']);

/** One RTCIceServer object, checked and copied. */
function normalizeServer(server, index) {
  const where = `iceServers[${index}]`;
  if (server === null || typeof server !== 'object' || Array.isArray(server)) {
    throw invalidOption(where, 'an RTCIceServer object ({urls, username?, credential?})', server);
  }
  for (const key of Object.keys(server)) {
    if (!SERVER_KEYS.has(key)) throw bad(where, `has unknown key '${key}' (expected urls, username, credential)`);
  }
  const { urls, username, credential, credentialType } = server;
  const urlsOk = typeof urls === 'string' || (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string'));
  if (!urlsOk) throw invalidOption(`${where}.urls`, 'a URL string or a non-empty array of URL strings', urls);
  if (username !== undefined && typeof username !== 'string') throw invalidOption(`${where}.username`, 'a string', username);
  if (credential !== undefined && typeof credential !== 'string') throw invalidOption(`${where}.credential`, 'a string', credential);
  if (credentialType !== undefined && credentialType !== 'password') throw invalidOption(`${where}.credentialType`, "'password'", credentialType);
  const out = { urls: Array.isArray(urls) ? [...urls] : urls };
  if (username !== undefined) out.username = username;
  if (credential !== undefined) out.credential = credential;
  checkServer(out, where);
  return out;
}

/**
 * Parses STUN/TURN servers given as Rocket.Chat's WebRTC_Servers setting
 * (`'[user:pass@]url, ...'`, user and password URI-encoded) or as an
 * RTCIceServer[] array, and checks every URL.
 * @param {string | RTCIceServer[] | null | undefined} input
 * @returns {RTCIceServer[]} new objects; `[]` for an empty string, null or undefined
 * @throws {Error} code ERR_INVALID_OPTION, naming the malformed entry
 */
function parseIceServers(input) {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') {
    if (input.trim() === '') return [];
    return input.replace(/\s/g, '').split(',').map(parseEntry);
  }
  if (Array.isArray(input)) return input.map(normalizeServer);
  throw invalidOption('iceServers', "a string in Rocket.Chat's WebRTC_Servers format or an array of RTCIceServer", input);
}

module.exports = { parseIceServers, parseIceUrl, describe, MAX_CREDENTIAL_BYTES };
