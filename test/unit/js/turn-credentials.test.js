'use strict';

const assert = require('assert');
const crypto = require('crypto');
const {
  mintTurnCredential, turnIceServers, parseTurnOptions, turnOptionsFromEnv,
} = require('../../../js/service/calls/turn-credentials');

const SECRET = 'coturn-shared-secret';
const CALL = '6773640a-ad7f-4b1c-aee5-85e283da1efd';
// 2025-11-25T01:00:00Z
const NOW = Date.UTC(2025, 10, 25, 1, 0, 0);

function invalidOption(re) {
  return (err) => {
    assert.strictEqual(err.code, 'ERR_INVALID_OPTION', `code of: ${err.message}`);
    assert.match(err.message, re);
    return true;
  };
}

describe('turn-credentials: mintTurnCredential', function () {
  it('matches a known-answer vector (computed with openssl dgst -sha1 -hmac ... -binary | base64)', function () {
    // printf '%s' '1764036000:<CALL>-visitor' | openssl dgst -sha1 -hmac 'coturn-shared-secret' -binary | base64
    const c = mintTurnCredential({ secret: SECRET, id: `${CALL}-visitor`, ttlSeconds: 3600, now: NOW });
    assert.strictEqual(c.username, `1764036000:${CALL}-visitor`);
    assert.strictEqual(c.credential, 'Garb4w8Eu9ImofYex/va/AFdX0Y=');
    assert.strictEqual(c.expiresAt.toISOString(), '2025-11-25T02:00:00.000Z');
  });

  it('has the TURN REST API format: <unix expiry>:<id>, base64(HMAC-SHA1(secret, username))', function () {
    const now = Date.now();
    const c = mintTurnCredential({ secret: 's3cret', id: 'call-1-agent', ttlSeconds: 600, now });
    const m = /^([0-9]+):(.+)$/.exec(c.username);
    assert.ok(m, c.username);
    assert.strictEqual(m[2], 'call-1-agent');
    assert.strictEqual(Number(m[1]), Math.floor(now / 1000) + 600);
    assert.strictEqual(c.expiresAt.getTime(), Number(m[1]) * 1000);
    const expected = crypto.createHmac('sha1', 's3cret').update(c.username, 'utf8').digest('base64');
    assert.strictEqual(c.credential, expected);
    assert.strictEqual(Buffer.from(c.credential, 'base64').length, 20);
  });

  it('defaults: ttl 3600 s, now = Date.now()', function () {
    const before = Math.floor(Date.now() / 1000);
    const c = mintTurnCredential({ secret: SECRET, id: 'x' });
    const expiry = Number(c.username.split(':')[0]);
    const after = Math.floor(Date.now() / 1000);
    assert.ok(expiry >= before + 3600 && expiry <= after + 3600, `${expiry} vs ${before}`);
  });

  it('can mint an already expired credential for tests (now in the past)', function () {
    const c = mintTurnCredential({ secret: SECRET, id: 'x', ttlSeconds: 60, now: Date.now() - 3600 * 1000 });
    assert.ok(c.expiresAt.getTime() < Date.now());
  });

  it('validates its arguments, never echoing the secret', function () {
    const ok = { secret: SECRET, id: 'call-visitor' };
    assert.throws(() => mintTurnCredential({ ...ok, secret: '' }), invalidOption(/^secret must be a non-empty string$/));
    assert.throws(() => mintTurnCredential({ ...ok, secret: 42 }), invalidOption(/^secret /));
    assert.throws(() => mintTurnCredential({ ...ok, secret: undefined }), invalidOption(/^secret /));
    assert.throws(() => mintTurnCredential({ ...ok, id: '' }), invalidOption(/^id must be a non-empty string without ':'/));
    assert.throws(() => mintTurnCredential({ ...ok, id: 'a:b' }), invalidOption(/^id .*'a:b'/));
    assert.throws(() => mintTurnCredential({ ...ok, id: 7 }), invalidOption(/^id /));
    assert.throws(() => mintTurnCredential({ ...ok, id: 'x'.repeat(250) }), invalidOption(/^id is too long/));
    for (const ttl of [59, 86401, 1.5, '3600', null, NaN]) {
      assert.throws(() => mintTurnCredential({ ...ok, ttlSeconds: ttl }), invalidOption(/^ttlSeconds must be an integer 60–86400/));
    }
    assert.throws(() => mintTurnCredential({ ...ok, now: 'yesterday' }), invalidOption(/^now /));
    assert.throws(() => mintTurnCredential(), invalidOption(/^secret /));
    // Edge values are accepted.
    mintTurnCredential({ ...ok, ttlSeconds: 60 });
    mintTurnCredential({ ...ok, ttlSeconds: 86400 });
  });

  it('errors about a bad secret do not contain it', function () {
    const secret = ['not', 'a', 'string-secret-value'];
    try {
      mintTurnCredential({ secret, id: 'x' });
      assert.fail('should throw');
    } catch (e) {
      assert.ok(!e.message.includes('string-secret-value'), e.message);
    }
  });
});

describe('turn-credentials: turnIceServers', function () {
  const turn = { secret: SECRET, urls: ['turn:turn.example.org:3478', 'turn:turn.example.org:3478?transport=tcp', 'turns:turn.example.org:5349'], ttlSeconds: 1800 };

  it('gives one RTCIceServer with minted credentials for the TURN URLs', function () {
    const servers = turnIceServers(turn, `${CALL}-agent`, NOW);
    assert.strictEqual(servers.length, 1);
    const [s] = servers;
    assert.deepStrictEqual(Object.keys(s).sort(), ['credential', 'urls', 'username']);
    assert.deepStrictEqual(s.urls, turn.urls);
    assert.notStrictEqual(s.urls, turn.urls, 'a copy, not the option array');
    const expected = mintTurnCredential({ secret: SECRET, id: `${CALL}-agent`, ttlSeconds: 1800, now: NOW });
    assert.strictEqual(s.username, expected.username);
    assert.strictEqual(s.credential, expected.credential);
    assert.strictEqual(s.username, `${Math.floor(NOW / 1000) + 1800}:${CALL}-agent`);
  });

  it('puts stun: URLs in a separate entry without credentials', function () {
    const servers = turnIceServers({ ...turn, urls: ['stun:stun.example.org', ...turn.urls, 'stun:127.0.0.1:3478'] }, 'id', NOW);
    assert.deepStrictEqual(servers[0], { urls: ['stun:stun.example.org', 'stun:127.0.0.1:3478'] });
    assert.deepStrictEqual(servers[1].urls, turn.urls);
    assert.ok(servers[1].username && servers[1].credential);
  });

  it('never puts the secret in its output', function () {
    const secret = 'a-very-recognisable-secret-4711';
    const out = JSON.stringify(turnIceServers({ ...turn, secret }, 'call-visitor'));
    assert.ok(!out.includes(secret), out);
    assert.ok(!out.includes(Buffer.from(secret).toString('base64')), out);
    assert.ok(!out.includes('secret'), out); // no key named like it either
  });

  it('checks the URLs with parseIceUrl', function () {
    assert.throws(() => turnIceServers({ ...turn, urls: ['http://x'] }, 'id'), invalidOption(/^turn\.urls\[0\] has URL 'http:\/\/x'/));
    assert.throws(() => turnIceServers({ ...turn, urls: ['turn:a', 'turn:b:99999'] }, 'id'), invalidOption(/^turn\.urls\[1\] .*port/));
    assert.throws(() => turnIceServers({ ...turn, urls: ['stun:a'] }, 'id'), invalidOption(/at least one turn: or turns: URL/));
    assert.throws(() => turnIceServers({ ...turn, urls: [] }, 'id'), invalidOption(/^turn\.urls must be a non-empty array/));
    assert.throws(() => turnIceServers({ ...turn, urls: 'turn:a' }, 'id'), invalidOption(/^turn\.urls must be/));
    assert.throws(() => turnIceServers(turn, 'a:b'), invalidOption(/^id /));
  });
});

describe('turn-credentials: parseTurnOptions', function () {
  it('returns null without the option', function () {
    assert.strictEqual(parseTurnOptions(undefined), null);
    assert.strictEqual(parseTurnOptions(null), null);
  });

  it('fills in the default ttl and accepts a comma-separated URL string', function () {
    assert.deepStrictEqual(parseTurnOptions({ secret: 's', urls: ['turn:127.0.0.1:3478'] }),
      { secret: 's', urls: ['turn:127.0.0.1:3478'], ttlSeconds: 3600 });
    assert.deepStrictEqual(parseTurnOptions({ secret: 's', urls: ' turn:a:3478, turns:a:5349 ,stun:a', ttlSeconds: 120 }),
      { secret: 's', urls: ['turn:a:3478', 'turns:a:5349', 'stun:a'], ttlSeconds: 120 });
  });

  it('names the field in its errors', function () {
    const ok = { secret: SECRET, urls: ['turn:127.0.0.1'] };
    assert.throws(() => parseTurnOptions('x'), invalidOption(/^turn must be an object/));
    assert.throws(() => parseTurnOptions([]), invalidOption(/^turn must be an object/));
    assert.throws(() => parseTurnOptions({ ...ok, user: 'x' }), invalidOption(/^unknown option 'turn\.user'/));
    assert.throws(() => parseTurnOptions({ ...ok, secret: '' }), invalidOption(/^turn\.secret must be a non-empty string$/));
    assert.throws(() => parseTurnOptions({ urls: ok.urls }), invalidOption(/^turn\.secret /));
    assert.throws(() => parseTurnOptions({ ...ok, urls: undefined }), invalidOption(/^turn\.urls must be/));
    assert.throws(() => parseTurnOptions({ ...ok, urls: ['turn:ok', 'turn:bad host'] }), invalidOption(/^turn\.urls\[1\] /));
    assert.throws(() => parseTurnOptions({ ...ok, urls: ['stuns:x'] }), invalidOption(/^turn\.urls\[0\] /));
    assert.throws(() => parseTurnOptions({ ...ok, ttlSeconds: 10 }), invalidOption(/^turn\.ttlSeconds must be an integer 60–86400, got 10/));
  });
});

describe('turn-credentials: turnOptionsFromEnv', function () {
  it('is null when no TURN variable is set', function () {
    assert.strictEqual(turnOptionsFromEnv({}), null);
    assert.strictEqual(turnOptionsFromEnv({ LCC_TURN_SECRET: '', LCC_TURN_URLS: '' }), null);
  });

  it('reads LCC_TURN_SECRET, LCC_TURN_URLS (comma-separated) and LCC_TURN_TTL', function () {
    assert.deepStrictEqual(
      turnOptionsFromEnv({ LCC_TURN_SECRET: 'sek', LCC_TURN_URLS: 'turn:t.example.org:3478?transport=udp, turns:t.example.org:443', LCC_TURN_TTL: '900' }),
      { secret: 'sek', urls: ['turn:t.example.org:3478?transport=udp', 'turns:t.example.org:443'], ttlSeconds: 900 });
    assert.strictEqual(turnOptionsFromEnv({ LCC_TURN_SECRET: 'sek', LCC_TURN_URLS: 'turn:a' }).ttlSeconds, 3600);
  });

  it('names the variable in its errors, without the secret', function () {
    assert.throws(() => turnOptionsFromEnv({ LCC_TURN_SECRET: 'hush-hush' }), (e) => {
      assert.strictEqual(e.code, 'ERR_INVALID_OPTION');
      assert.match(e.message, /LCC_TURN_URLS is not/);
      assert.ok(!e.message.includes('hush-hush'));
      return true;
    });
    assert.throws(() => turnOptionsFromEnv({ LCC_TURN_URLS: 'turn:a' }), invalidOption(/LCC_TURN_SECRET is not/));
    assert.throws(() => turnOptionsFromEnv({ LCC_TURN_TTL: '600' }), invalidOption(/^LCC_TURN_TTL is set/));
    assert.throws(() => turnOptionsFromEnv({ LCC_TURN_SECRET: 's', LCC_TURN_URLS: 'turn:a,http://b' }), invalidOption(/^LCC_TURN_URLS\[1\] has URL 'http:\/\/b'/));
    assert.throws(() => turnOptionsFromEnv({ LCC_TURN_SECRET: 's', LCC_TURN_URLS: ' , ' }), invalidOption(/^LCC_TURN_URLS must be/));
    assert.throws(() => turnOptionsFromEnv({ LCC_TURN_SECRET: 's', LCC_TURN_URLS: 'turn:a', LCC_TURN_TTL: '1h' }), invalidOption(/^LCC_TURN_TTL must be an integer/));
    assert.throws(() => turnOptionsFromEnv({ LCC_TURN_SECRET: 's', LCC_TURN_URLS: 'turn:a', LCC_TURN_TTL: '30' }), invalidOption(/^LCC_TURN_TTL must be an integer 60–86400, got 30/));
  });
});
