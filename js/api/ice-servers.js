'use strict';
// STUN/TURN servers for the media core: RTCIceServer[] (parsed and checked by
// js/common/webrtc-servers.js, which also reads Rocket.Chat's WebRTC_Servers
// string) -> the native form ({kind, host, port, username, credential}, host
// a numeric IP).
//
// Host names are resolved here (dns.promises.lookup, IPv4 first), so the media
// thread never blocks on DNS.

const dns = require('dns');
const net = require('net');
const { LccError, describe } = require('./errors');
const common = require('../common/webrtc-servers');

/** The core's limit on STUN/TURN URLs (LCC_MAX_ICE_SERVERS in csrc/core/transport/ice.h). */
const MAX_ICE_URLS = 8;

/** Runs a js/common parser, turning its plain ERR_INVALID_OPTION errors into LccError. */
function asLccError(fn) {
  try {
    return fn();
  } catch (err) {
    if (err && err.code === 'ERR_INVALID_OPTION' && !(err instanceof LccError)) throw new LccError(err.code, err.message);
    throw err;
  }
}

/**
 * Parses STUN/TURN servers given as Rocket.Chat's WebRTC_Servers setting
 * (`'[user:pass@]url, ...'`, user and password URI-encoded) or as an
 * RTCIceServer[] array, and checks every URL.
 * @param {string | import('../common/webrtc-servers').RTCIceServer[] | null | undefined} input
 * @returns {import('../common/webrtc-servers').RTCIceServer[]} new objects; `[]` for an empty string, null or undefined
 * @throws {LccError} ERR_INVALID_OPTION naming the malformed entry
 */
function parseIceServers(input) {
  return asLccError(() => common.parseIceServers(input));
}

function parseIceUrl(url, where) {
  return asLccError(() => common.parseIceUrl(url, where));
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
