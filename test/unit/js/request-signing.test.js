'use strict';
// The HMAC scheme the App signs control requests with (js/common/request-signing.js):
// what a signature covers, the time window both ways, replays, and garbage.

const assert = require('assert');
const { signRequest, verifyRequest, NonceCache, DEFAULT_WINDOW_MS } = require('../../../js/common/request-signing');

const SECRET = 'test-secret-0123456789abcdef';
const NOW = 1_800_000_000_000;
const BODY = '{"roomId":"r1"}';
const PATH = '/api/calls?x=1';

function sign(extra = {}) {
  return signRequest({ secret: SECRET, method: 'POST', path: PATH, body: BODY, now: NOW, ...extra });
}

function verify(headers, extra = {}) {
  return verifyRequest({ secret: SECRET, method: 'POST', path: PATH, headers, body: BODY, now: NOW, ...extra });
}

describe('request signing', function () {
  it('a signed request verifies', function () {
    assert.deepStrictEqual(verify(sign()), { ok: true });
  });

  it('a Buffer body verifies like the same text', function () {
    assert.deepStrictEqual(verify(sign(), { body: Buffer.from(BODY) }), { ok: true });
  });

  it('the method is compared without regard to case', function () {
    assert.deepStrictEqual(verify(sign({ method: 'post' })), { ok: true });
  });

  const changes = {
    'a changed method': { method: 'PUT' },
    'a changed path': { path: '/api/calls/other?x=1' },
    'a changed query': { path: '/api/calls?x=2' },
    'a dropped query': { path: '/api/calls' },
    'a changed body': { body: '{"roomId":"r2"}' },
    'an empty body': { body: '' },
    'another secret': { secret: 'another-secret-0123456789abcdef' },
  };
  for (const [what, extra] of Object.entries(changes)) {
    it(`${what} gives 'bad signature'`, function () {
      assert.deepStrictEqual(verify(sign(), extra), { ok: false, reason: 'bad signature' });
    });
  }

  it("a changed timestamp (still inside the window) gives 'bad signature'", function () {
    const h = sign();
    h['x-lcc-timestamp'] = String(NOW + 1000);
    assert.deepStrictEqual(verify(h), { ok: false, reason: 'bad signature' });
  });

  it("a changed nonce gives 'bad signature'", function () {
    const h = sign();
    h['x-lcc-nonce'] = 'a'.repeat(32);
    assert.deepStrictEqual(verify(h), { ok: false, reason: 'bad signature' });
  });

  it('a request older than the window is expired', function () {
    const r = verify(sign({ now: NOW - DEFAULT_WINDOW_MS - 1 }));
    assert.deepStrictEqual(r, { ok: false, reason: 'request expired (check both clocks)' });
  });

  it('a request from further in the future than the window is expired', function () {
    const r = verify(sign({ now: NOW + DEFAULT_WINDOW_MS + 1 }));
    assert.deepStrictEqual(r, { ok: false, reason: 'request expired (check both clocks)' });
  });

  it('requests at the edges of the window verify', function () {
    assert.strictEqual(verify(sign({ now: NOW - DEFAULT_WINDOW_MS })).ok, true);
    assert.strictEqual(verify(sign({ now: NOW + DEFAULT_WINDOW_MS })).ok, true);
  });

  it('a replayed request is refused, a fresh one with the same cache is not', function () {
    const nonces = new NonceCache();
    const h = sign();
    assert.deepStrictEqual(verify(h, { nonces }), { ok: true });
    assert.deepStrictEqual(verify(h, { nonces }), { ok: false, reason: 'replayed request' });
    assert.deepStrictEqual(verify(sign(), { nonces }), { ok: true });
  });

  it('a request with a bad signature does not use up its nonce', function () {
    const nonces = new NonceCache();
    const h = sign();
    assert.strictEqual(verify({ ...h, 'x-lcc-signature': `v1=${'0'.repeat(64)}` }, { nonces }).reason, 'bad signature');
    assert.deepStrictEqual(verify(h, { nonces }), { ok: true });
  });

  it('forgets nonces once they cannot verify any more', function () {
    const nonces = new NonceCache(1000);
    assert.strictEqual(nonces.claim('n'.repeat(16), 0), true);
    assert.strictEqual(nonces.claim('n'.repeat(16), 1000), false);
    assert.strictEqual(nonces.claim('m'.repeat(16), 5000), true);
    assert.strictEqual(nonces.seen.has('n'.repeat(16)), false);
  });

  describe('garbage headers are refused without throwing', function () {
    const good = sign();
    const cases = {
      'no headers': [{}, /^missing /],
      'no signature': [{ ...good, 'x-lcc-signature': undefined }, /^missing /],
      'array headers': [{ ...good, 'x-lcc-nonce': [good['x-lcc-nonce'], 'x'] }, /^missing /],
      'a non-numeric timestamp': [{ ...good, 'x-lcc-timestamp': '12abc' }, /^malformed x-lcc-timestamp$/],
      'a negative timestamp': [{ ...good, 'x-lcc-timestamp': '-1' }, /^malformed x-lcc-timestamp$/],
      'a huge timestamp': [{ ...good, 'x-lcc-timestamp': '9'.repeat(40) }, /^malformed x-lcc-timestamp$/],
      'a short nonce': [{ ...good, 'x-lcc-nonce': 'abc' }, /^malformed x-lcc-nonce$/],
      'a nonce with odd characters': [{ ...good, 'x-lcc-nonce': 'a/b+c=d'.repeat(4) }, /^malformed x-lcc-nonce$/],
      'a signature without the scheme': [{ ...good, 'x-lcc-signature': good['x-lcc-signature'].slice(3) }, /^bad signature$/],
      'an empty signature': [{ ...good, 'x-lcc-signature': '' }, /^bad signature$/],
      'a multi-byte signature': [{ ...good, 'x-lcc-signature': 'é'.repeat(67) }, /^bad signature$/],
    };
    for (const [what, [headers, reason]] of Object.entries(cases)) {
      it(what, function () {
        const r = verify(headers);
        assert.strictEqual(r.ok, false);
        assert.match(r.reason, reason);
      });
    }
  });
});
