'use strict';
// Counts concurrent connections (the signalling WebSockets) per client IP and
// refuses more than `max` at once from one address.
//
//   const limiter = createIpLimiter({ max: 20 });
//   if (!limiter.acquire(req.socket.remoteAddress)) { refuse (e.g. 429 / close 1008); return; }
//   ws.once('close', () => limiter.release(req.socket.remoteAddress));
//
// Take the address once and release exactly what you acquired: release() of an
// address with no connection counted is ignored. One address counts once
// however it is spelt (normalizeIp): IPv4-mapped IPv6 ('::ffff:1.2.3.4', what
// a dual-stack server sees for IPv4 clients, also in hex) counts as the IPv4
// address; IPv6 in its RFC 5952 form (lower case, zeros compressed); a port or
// brackets (as some proxies write X-Forwarded-For) are dropped. A missing
// address (a socket already closed has remoteAddress undefined) counts as 'unknown'.

const net = require('net');

/** '::ffff:102:304' (the URL parser's spelling of ::ffff:1.2.3.4) as '1.2.3.4'; null for other addresses. */
function mappedIpv4(canonical) {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return null;
  const [hi, lo] = [parseInt(m[1], 16), parseInt(m[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * The form an address is counted under.
 * @param {unknown} ip
 * @returns {string}
 */
function normalizeIp(ip) {
  if (typeof ip !== 'string' || ip.trim() === '') return 'unknown';
  let a = ip.trim().toLowerCase();
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(a);
  if (v4WithPort) a = v4WithPort[1];
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(a);
  if (bracketed) a = bracketed[1];
  if (!net.isIPv6(a)) return a;
  let canonical;
  try {
    canonical = new URL(`http://[${a}]`).hostname.slice(1, -1); // RFC 5952 serialisation
  } catch {
    return a; // e.g. a zone index (fe80::1%eth0), which URLs do not take
  }
  return mappedIpv4(canonical) || canonical;
}

/**
 * @param {{max?: number}} [opts] max (required): connections allowed at once per address, an integer >= 1
 * @returns {{acquire: (ip: string) => boolean, release: (ip: string) => void, count: (ip: string) => number,
 *   readonly size: number, readonly total: number, max: number}}
 *   acquire: counts a connection and returns true, or returns false (counting nothing) when ip has max already;
 *   release: forgets one connection of ip; count: connections counted for ip;
 *   size: addresses with at least one connection; total: connections counted over all addresses
 * @throws {Error} code ERR_INVALID_OPTION when max is not an integer >= 1
 */
function createIpLimiter({ max } = {}) {
  if (!Number.isInteger(max) || max < 1) {
    throw Object.assign(new Error(`max must be an integer >= 1, got ${typeof max === 'number' ? max : typeof max}`),
      { code: 'ERR_INVALID_OPTION' });
  }
  const counts = new Map();
  let total = 0;
  return {
    max,
    acquire(ip) {
      const key = normalizeIp(ip);
      const n = counts.get(key) || 0;
      if (n >= max) return false;
      counts.set(key, n + 1);
      total++;
      return true;
    },
    release(ip) {
      const key = normalizeIp(ip);
      const n = counts.get(key) || 0;
      if (n === 0) return;
      if (n === 1) counts.delete(key);
      else counts.set(key, n - 1);
      total--;
    },
    count(ip) {
      return counts.get(normalizeIp(ip)) || 0;
    },
    get size() {
      return counts.size;
    },
    get total() {
      return total;
    },
  };
}

module.exports = { createIpLimiter, normalizeIp };
