'use strict';
// Whether a set-up serves this machine alone: what the demo (no login) and an
// open /metrics are allowed on (docs/security.md#who-can-reach-what).
//
// Loopback alone is not enough: behind the recommended reverse proxy the
// service binds 127.0.0.1 and the whole Internet reaches it through the proxy.
// A set-up that names a public URL off loopback, or trusts a proxy, is
// reachable from elsewhere.

const net = require('net');

/** localhost, 127.0.0.0/8 or ::1 (with or without brackets). */
function isLoopbackHost(host) {
  const h = String(host).toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (h === 'localhost' || h === '::1') return true;
  return net.isIPv4(h) && h.startsWith('127.');
}

/**
 * @param {{host: string, publicUrl?: string|null, trustProxy?: boolean}} config service options (or validated config)
 * @returns {boolean} true when only this machine can reach the service
 */
function servesThisMachineOnly({ host, publicUrl = null, trustProxy = false }) {
  if (trustProxy || !isLoopbackHost(host)) return false;
  return !publicUrl || isLoopbackHost(new URL(publicUrl).hostname);
}

module.exports = { servesThisMachineOnly, isLoopbackHost };
