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

function passwords(text) {
  const out = [];
  for (const entry of text.replace(/\s/g, '').split(',')) {
    const parts = entry.split('@');
    if (parts.length < 2) continue;
    const creds = parts[0].split(':');
    if (creds.length >= 2) out.push(...creds.slice(1));
  }
  return out;
}

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
      // The message may quote URLs (the part after the last '@', maybe cut to 77
      // characters); what is left must not hold a password.
      let rest = err.message;
      for (const entry of input.replace(/\s/g, '').split(',')) {
        const url = entry.split('@').pop();
        if (url) rest = rest.split(url).join('').split(url.slice(0, 77)).join('');
      }
      for (const p of passwords(input)) {
        // A password long enough to be one and not also written elsewhere in the input.
        if (p.length >= 6 && text.split(p).length === 2) assert(!rest.includes(p), `error quotes the password: ${err.message}`);
      }
    }
    return `error:${err.message.replace(/'[^']*'|\d+/g, '_').slice(0, 60)}`;
  }
  assert(Array.isArray(servers));
  for (const s of servers) {
    assert(s && (typeof s.urls === 'string' || Array.isArray(s.urls)));
    assert((s.username === undefined) === (s.credential === undefined) || s.username === undefined || s.credential === undefined);
  }
  if (typeof input === 'string') assert.deepStrictEqual(parseIceServers(format(servers)), servers, 'round trip');
  return `ok:${servers.length}:${servers.map((s) => (s.username ? 'c' : 'n')).join('')}`;
}

module.exports = { fuzz };
