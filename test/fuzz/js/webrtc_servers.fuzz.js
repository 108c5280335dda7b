'use strict';
// Fuzz target for js/common/webrtc-servers.js parseIceServers: the
// WebRTC_Servers setting an admin types into Rocket.Chat (the App and the
// service both parse it), as a string, or, when the input starts with '[',
// as the JSON RTCIceServer[] the API takes. Promises checked:
// - it returns an array of {urls, username?, credential?} or throws an Error
//   with code ERR_INVALID_OPTION and a message; nothing else escapes;
// - an error never quotes a password (issue 11, item 7: errors end up in logs);
// - what parses from a string round-trips: written back in the setting's
//   format (user and password URI-encoded) it parses to the same servers.
// Jazzer.js-compatible: module.exports.fuzz(data: Buffer); returns an outcome
// label that the plain-Node driver (driver.js) uses as feedback.

const assert = require('assert');
const { parseIceServers } = require('../../../js/common/webrtc-servers');

const PROBLEMS = ["more than one '@'", 'not user:password', 'malformed %-escape', 'empty user name or password',
  'stuns: is not supported', 'is not an IPv6 address', 'is not a host name', 'port must be', '?transport= is only valid',
  'transport must be', 'TURN over DTLS', 'no user name and password', 'longer than', 'is empty', 'unknown key',
  'has URL', 'must be'];

function format(servers) {
  return servers.map((s) => {
    const urls = Array.isArray(s.urls) ? s.urls : [s.urls];
    const cred = s.username !== undefined ? `${encodeURIComponent(s.username)}:${encodeURIComponent(s.credential)}@` : '';
    return urls.map((u) => cred + u).join(',');
  }).join(',');
}

function fuzz(data) {
  const text = data.toString('utf8');
  let input = text;
  if (text.startsWith('[')) {
    try {
      input = JSON.parse(text);
    } catch {
      input = text;
    }
  }
  let servers;
  try {
    servers = parseIceServers(input);
  } catch (err) {
    assert(err instanceof Error, 'threw a non-Error');
    assert.strictEqual(err.code, 'ERR_INVALID_OPTION', `unexpected ${err.code}: ${err.message}`);
    assert(typeof err.message === 'string' && err.message.length > 0);
    if (typeof input === 'string') {
      // The credentials of the entry the message names (everything before its
      // last '@') never appear in what it quotes of the entry, unless they could
      // also be read in what it may show: '***@' and the URL.
      const named = /^iceServers entry (\d+) \(('[\s\S]*')\) /.exec(err.message);
      const entry = named ? input.replace(/\s/g, '').split(',')[Number(named[1]) - 1] : undefined;
      if (entry !== undefined) {
        const at = entry.lastIndexOf('@');
        const creds = entry.slice(0, Math.max(at, 0));
        const shown = `'***@${entry.slice(at + 1)}'`;
        if (creds.length >= 6 && !shown.includes(creds)) assert(!named[2].includes(creds), `error quotes the credentials: ${err.message}`);
      }
    }
    // The label names the problem (the parser's fixed phrases), not the values it quotes.
    return `error:${PROBLEMS.findIndex((p) => err.message.includes(p))}`;
  }
  assert(Array.isArray(servers));
  for (const s of servers) {
    assert(s && (typeof s.urls === 'string' || Array.isArray(s.urls)));
    assert((s.username === undefined) === (s.credential === undefined) || s.username === undefined || s.credential === undefined);
  }
  if (typeof input === 'string') assert.deepStrictEqual(parseIceServers(format(servers)), servers, 'round trip');
  return `ok:${Math.min(servers.length, 4)}:${servers.slice(0, 4).map((s) => (s.username ? 'c' : 'n')).join('')}`;
}

module.exports = { fuzz };
