'use strict';
// STUN/TURN servers: Rocket.Chat's WebRTC_Servers setting -> RTCIceServer[] ->
// the native form ({kind, host, port, username, credential}, host a numeric IP).
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
// credentials), this throws ERR_INVALID_OPTION naming the entry instead.
//
// Host names are resolved here (dns.promises.lookup, IPv4 first), so the media
// thread never blocks on DNS.

const dns = require('dns');
const net = require('net');
const { LccError, describe, invalidOption } = require('./errors');

/** The core's limit on STUN/TURN URLs (LCC_MAX_ICE_SERVERS in csrc/core/server.h). */
const MAX_ICE_URLS = 8;
/** The core's buffers: username/credential are char[256], host char[64]. */
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

function bad(where, problem) {
  return new LccError('ERR_INVALID_OPTION', `${where} ${problem}`);
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
  return { scheme, host, port, transport: transport || (scheme === 'turns' ? 'tcp' : 'udp') };
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
  const where = `iceServers entry ${index + 1} (${describe(entry)})`;
  if (entry === '') throw bad(`iceServers entry ${index + 1}`, 'is empty (a stray comma?)');
  const parts = entry.split('@');
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
 * @throws {LccError} ERR_INVALID_OPTION naming the malformed entry
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

/**
 * RTCIceServer[] (already checked by parseIceServers) -> one native entry per URL,
 * hosts not yet resolved.
 * @returns {{kind: 'stun'|'turn-udp'|'turn-tcp'|'turn-tls', host: string, port: number, username: string, credential: string}[]}
 */
function toNativeIceServers(servers) {
  const out = [];
  servers.forEach((server, i) => {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      const u = parseIceUrl(url, `iceServers[${i}]`);
      const kind = u.scheme === 'stun' ? 'stun' : u.scheme === 'turns' ? 'turn-tls' : `turn-${u.transport}`;
      const turn = kind !== 'stun';
      out.push({ kind, host: u.host, port: u.port, username: turn ? server.username : '', credential: turn ? server.credential : '' });
    }
  });
  if (out.length > MAX_ICE_URLS) {
    throw new LccError('ERR_INVALID_OPTION', `iceServers must hold at most ${MAX_ICE_URLS} URLs in all, got ${out.length}`);
  }
  return out;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The first IPv4 address of a lookup result, else the first address. */
function pickAddress(result) {
  const list = Array.isArray(result) ? result : [typeof result === 'string' ? { address: result } : result];
  const found = list.find((a) => a && a.family === 4) || list.find((a) => a && a.address);
  if (!found) throw new Error('no address');
  return found.address;
}

/**
 * Resolves the host names of native entries to numeric IPs (IPv4 first).
 * Entries whose host does not resolve are left out and reported.
 * @param {ReturnType<typeof toNativeIceServers>} entries
 * @param {{lookup?: Function, timeoutMs?: number}} [opts] lookup defaults to dns.promises.lookup
 * @returns {Promise<{servers: object[], failures: LccError[]}>}
 */
async function resolveIceServers(entries, { lookup = dns.promises.lookup, timeoutMs = 5000 } = {}) {
  const byHost = new Map();
  const resolveHost = (host) => {
    if (net.isIP(host)) return Promise.resolve(host);
    if (!byHost.has(host)) {
      byHost.set(host, withTimeout(Promise.resolve().then(() => lookup(host, { all: true })), timeoutMs, `lookup of ${host}`).then(pickAddress));
    }
    return byHost.get(host);
  };
  const results = await Promise.allSettled(entries.map((e) => resolveHost(e.host)));
  const servers = [];
  const failures = [];
  results.forEach((r, i) => {
    const e = entries[i];
    if (r.status === 'fulfilled') {
      servers.push({ ...e, host: r.value });
    } else {
      failures.push(new LccError('ERR_ICE_SERVER_UNRESOLVED',
        `ICE server ${e.kind} ${e.host}:${e.port} left out: cannot resolve ${describe(e.host)} (${r.reason && (r.reason.code || r.reason.message)})`));
    }
  });
  return { servers, failures };
}

module.exports = { parseIceServers, parseIceUrl, toNativeIceServers, resolveIceServers, MAX_ICE_URLS };
