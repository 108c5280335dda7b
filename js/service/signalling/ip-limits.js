'use strict';
// Counts concurrent connections (the signalling WebSockets) per client IP and
// refuses more than `max` at once from one address.
//
//   const limiter = createIpLimiter({ max: 20 });
//   if (!limiter.acquire(req.socket.remoteAddress)) { refuse (e.g. 429 / close 1008); return; }
//   ws.once('close', () => limiter.release(req.socket.remoteAddress));
//
// Take the address once and release exactly what you acquired: release() of an
// address with no connection counted is ignored. IPv4-mapped IPv6 addresses
// ('::ffff:1.2.3.4', what a dual-stack server sees for IPv4 clients) count as
// the IPv4 address; IPv6 addresses are compared in lower case. A missing address
// (a socket already closed has remoteAddress undefined) counts as 'unknown'.

const net = require('net');

/**
 * The form an address is counted under.
 * @param {unknown} ip
 * @returns {string}
 */
function normalizeIp(ip) {
  if (typeof ip !== 'string' || ip === '') return 'unknown';
  let a = ip.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped && net.isIPv4(mapped[1])) return mapped[1];
  return a;
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
