'use strict';
// DNS-rebinding defence (docs/security.md#the-host-header): every HTTP request
// and WebSocket upgrade must name this service in its Host header. A page on
// evil.example whose name an attacker re-points at 127.0.0.1 reaches a
// service on loopback as same-origin; its requests still say
// `Host: evil.example`, and are refused here with 421.
//
// Allowed, with any port: the public URL's host, the address the service
// binds (when it is one address), localhost, 127.0.0.1, [::1], and the names
// of the allowedHosts option (LCC_ALLOWED_HOSTS: e.g. the internal name the
// Rocket.Chat App reaches the service by). Any IP address too: a browser sends
// an address as Host only to that address, so a rebinding page, which needs
// a name it controls, never does (and health probes and an App configured
// with the service's address keep working).

const net = require('net');

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The host name of a Host header or URL host as the URL parser writes it
 * (lower case, IPv6 in brackets, no trailing dot); null when it is not one.
 * @param {unknown} host e.g. 'Calls.Example.org:443', '[::1]:3000'
 * @returns {string|null}
 */
function hostName(host) {
  if (typeof host !== 'string' || host === '' || /[/?#@\s\\]/.test(host)) return null;
  try {
    return new URL(`http://${host}`).hostname.replace(/\.$/, '');
  } catch {
    return null;
  }
}

/**
 * @param {{publicUrl: () => string|null, host: string, allowedHosts?: string[]}} opts
 *   publicUrl: read at each request (the service learns it on listen when not configured)
 * @returns {(req: import('http').IncomingMessage) => boolean} whether the request names this service
 */
function createHostCheck({ publicUrl, host, allowedHosts = [] }) {
  const fixed = new Set([...LOOPBACK_NAMES, ...allowedHosts.map(hostName)]);
  const bound = ANY_ADDRESS.has(host) ? null : hostName(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  if (bound) fixed.add(bound);
  return (req) => {
    const name = hostName(req.headers.host);
    if (name === null) return false;
    if (fixed.has(name) || net.isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 0) return true;
    const url = publicUrl();
    return url !== null && new URL(url).hostname.replace(/\.$/, '') === name;
  };
}

/** What a refused request is told. */
function hostRefusal(req) {
  const shown = String(req.headers.host || '').slice(0, 100);
  return {
    status: 421,
    code: 'ERR_HOST_NOT_ALLOWED',
    message: `this service does not answer for the host '${shown}' (it answers for its public URL's host, localhost, IP addresses and LCC_ALLOWED_HOSTS)`,
  };
}

module.exports = { createHostCheck, hostRefusal, hostName };
