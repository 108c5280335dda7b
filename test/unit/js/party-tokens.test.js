'use strict';
// Party tokens (js/service/calls/party-tokens.js): minted for one party of one call,
// refused when tampered with, under another key, expired, or not a token at all.

const assert = require('assert');
const { derivePartyTokenKey, mintPartyToken, verifyPartyToken } = require('../../../js/service/calls/party-tokens');

const KEY = derivePartyTokenKey('test-secret-0123456789abcdef');
const NOW = 1_800_000_000_000;
const CALL = '6773640a-ad7f-4b1c-aee5-85e283da1efd';

function mint(extra = {}) {
  return mintPartyToken(KEY, { callId: CALL, party: 'visitor', ttlSeconds: 60, now: NOW, ...extra });
}

/** The token with its payload JSON replaced (mac kept). */
function withPayload(token, change) {
  const [v, payload, mac] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return `${v}.${Buffer.from(JSON.stringify(change(claims))).toString('base64url')}.${mac}`;
}

describe('party tokens', function () {
  it('a fresh token verifies with its call, party and expiry', function () {
    const { token, expiresAt } = mint({ party: 'agent' });
    assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.strictEqual(expiresAt, new Date(NOW + 60000).toISOString());
    assert.deepStrictEqual(verifyPartyToken(KEY, token, { now: NOW }), { ok: true, callId: CALL, party: 'agent', expiresAt });
  });

  it('two tokens for the same party differ (random nonce)', function () {
    assert.notStrictEqual(mint().token, mint().token);
  });

  it('the key is derived from the secret, not the secret itself', function () {
    assert.strictEqual(KEY.length, 32);
    assert.notDeepStrictEqual(KEY, Buffer.from('test-secret-0123456789abcdef'));
  });

  it('a tampered payload (other party) has a bad signature', function () {
    const token = withPayload(mint().token, (c) => ({ ...c, p: 'agent' }));
    assert.deepStrictEqual(verifyPartyToken(KEY, token, { now: NOW }), { ok: false, reason: 'bad signature' });
  });

  it('a tampered payload (later expiry) has a bad signature', function () {
    const token = withPayload(mint().token, (c) => ({ ...c, e: c.e + 3600 }));
    assert.deepStrictEqual(verifyPartyToken(KEY, token, { now: NOW }), { ok: false, reason: 'bad signature' });
  });

  it('a tampered mac has a bad signature', function () {
    const { token } = mint();
    const last = token.at(-2) === 'A' ? 'B' : 'A'; // the second-to-last char carries full bits
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    assert.deepStrictEqual(verifyPartyToken(KEY, tampered, { now: NOW }), { ok: false, reason: 'bad signature' });
  });

  it('a token under another key has a bad signature', function () {
    const other = derivePartyTokenKey('another-secret-0123456789abcdef');
    const { token } = mintPartyToken(other, { callId: CALL, party: 'visitor', ttlSeconds: 60, now: NOW });
    assert.deepStrictEqual(verifyPartyToken(KEY, token, { now: NOW }), { ok: false, reason: 'bad signature' });
  });

  it('a token is expired from its expiry second on', function () {
    const { token } = mint();
    assert.strictEqual(verifyPartyToken(KEY, token, { now: NOW + 59999 }).ok, true);
    assert.deepStrictEqual(verifyPartyToken(KEY, token, { now: NOW + 60000 }), { ok: false, reason: 'expired' });
  });

  describe('garbage is malformed, never a throw', function () {
    const { token } = mint();
    const [, payload, mac] = token.split('.');
    const cases = {
      undefined, null: null, 'a number': 42, 'an object': { token }, 'an empty string': '',
      'one part': 'v1', 'two parts': `v1.${payload}`, 'four parts': `${token}.x`,
      'another version': `v2.${payload}.${mac}`, 'non-base64url characters': `v1.${payload}.${mac.slice(0, -1)}+`,
      'a short mac': `v1.${payload}.${mac.slice(0, 20)}`, 'a very long string': `v1.${'A'.repeat(5000)}.${mac}`,
      'empty parts': 'v1..',
    };
    for (const [what, input] of Object.entries(cases)) {
      it(what, function () {
        assert.deepStrictEqual(verifyPartyToken(KEY, input, { now: NOW }), { ok: false, reason: 'malformed' });
      });
    }

    it('a signed payload that is not JSON claims', function () {
      // Only someone holding the key could make these; they are still refused, not thrown.
      const crypto = require('crypto');
      for (const text of ['not json', '[]', 'null', '{"c":"x","p":"boss","e":1}', '{"c":"x","p":"agent","e":1e300}']) {
        const signed = `v1.${Buffer.from(text).toString('base64url')}`;
        const forged = `${signed}.${crypto.createHmac('sha256', KEY).update(signed).digest('base64url')}`;
        assert.deepStrictEqual(verifyPartyToken(KEY, forged, { now: NOW }), { ok: false, reason: 'malformed' }, text);
      }
    });
  });

  it('minting checks its arguments', function () {
    assert.throws(() => mint({ party: 'boss' }), TypeError);
    assert.throws(() => mint({ callId: '' }), TypeError);
    assert.throws(() => mint({ ttlSeconds: 0 }), TypeError);
  });
});
