'use strict';
// Fuzz target for js/service/signalling/messages.js decodeMessage, which
// every WebSocket frame from a browser goes through before anything else
// reads it (the sender is anyone holding a socket; before `join`, anyone).
// The input is one text frame; when its first byte is odd it is also given
// as two chunks (a fragmented frame: Buffer[]). Promises checked:
// - it never throws; it returns {message} or {error: {code, message}} with a
//   documented code (docs/signalling.md);
// - a message has a known string type, and decoding JSON.stringify(message)
//   again gives the same message (what a peer is forwarded means the same);
// - the chunked frame decodes exactly as the whole one;
// - binary frames are always refused.
// Jazzer.js-compatible: module.exports.fuzz(data: Buffer); returns an outcome label.

const assert = require('assert');
const { decodeMessage } = require('../../../js/service/signalling/messages');

const CODES = new Set(['ERR_INVALID_MESSAGE', 'ERR_MESSAGE_TOO_LARGE', 'ERR_UNKNOWN_TYPE']);
const TYPES = new Set(['join', 'offer', 'answer', 'candidate', 'state', 'media', 'hangup', 'quality']);

function fuzz(data) {
  const r = decodeMessage(data, false);
  assert(r && typeof r === 'object');
  if (data.length > 0 && data[0] & 1) {
    const cut = data[0] % (data.length + 1);
    assert.deepStrictEqual(decodeMessage([data.subarray(0, cut), data.subarray(cut)], false), r, 'chunked frame');
  }
  assert(decodeMessage(data, true).error, 'binary frame accepted');
  if (r.error) {
    assert(CODES.has(r.error.code), `undocumented code ${r.error.code}`);
    assert(typeof r.error.message === 'string' && r.error.message.length > 0);
    assert(!('message' in r));
    // The label keeps the words of the reason, not the values it quotes.
    return `error:${r.error.code}:${r.error.message.replace(/[^a-z ]/g, '').split(' ').slice(0, 3).join(' ')}`;
  }
  const m = r.message;
  assert(m && typeof m === 'object' && TYPES.has(m.type), 'unknown type accepted');
  const again = decodeMessage(Buffer.from(JSON.stringify(m)), false);
  assert.deepStrictEqual(again, { message: m }, 'round trip');
  return `ok:${m.type}`;
}

module.exports = { fuzz };
