'use strict';
// `npm start` configuration: embedded defaults, environment variables on top,
// a secret made once and kept private, and a clear error naming a bad variable.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { configFromEnv } = require('../../../js/service/config');

describe('call service configuration from the environment', () => {
  let cwd;
  beforeEach(() => { cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-cfg-')); });
  afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

  it('defaults: http://localhost:3000, ./data, ./recordings, demo on, a generated secret kept in data/secret (0600) and reused', () => {
    const first = configFromEnv({}, cwd);
    assert.strictEqual(first.service.host, 'localhost');
    assert.strictEqual(first.service.port, 3000);
    assert.strictEqual(first.service.publicUrl, 'http://localhost:3000');
    assert.strictEqual(first.service.dataDir, path.join(cwd, 'data'));
    assert.strictEqual(first.service.media.recordingsDir, path.join(cwd, 'recordings'));
    assert.strictEqual(first.demo, true);
    assert.strictEqual(first.secretCreated, true);
    assert.ok(first.service.secret.length >= 32);
    assert.strictEqual(fs.statSync(path.join(cwd, 'data', 'secret')).mode & 0o777, 0o600);
    const second = configFromEnv({}, cwd);
    assert.strictEqual(second.service.secret, first.service.secret);
    assert.strictEqual(second.secretCreated, false);
  });

  it('variables override: host, port, public URL, secret, media ports and addresses, ICE servers, limits, demo off', () => {
    const c = configFromEnv({
      LCC_HOST: '0.0.0.0', LCC_PORT: '8080', LCC_PUBLIC_URL: 'https://calls.example.com', LCC_SECRET: 's'.repeat(20),
      LCC_MEDIA_PORTS: '50000-50100', LCC_LISTEN_ADDRESSES: '10.0.0.5, 10.0.0.6', LCC_ANNOUNCED_ADDRESS: '203.0.113.9',
      LCC_ICE_SERVERS: 'u:p@turn:127.0.0.1:3478', LCC_MAX_CALLS: '50', LCC_FALLBACK_TIMEOUT_MS: '3000', LCC_DEMO: '0',
      LCC_WS_MESSAGES_PER_SECOND: '5', LCC_WS_MESSAGE_BURST: '40', LCC_WS_MAX_BUFFERED_BYTES: '262144',
    }, cwd);
    assert.deepStrictEqual([c.service.messagesPerSecond, c.service.messageBurst, c.service.maxBufferedBytes], [5, 40, 262144]);
    assert.deepStrictEqual([c.service.host, c.service.port, c.service.publicUrl], ['0.0.0.0', 8080, 'https://calls.example.com']);
    assert.strictEqual(c.service.secret, 's'.repeat(20));
    assert.deepStrictEqual(c.service.media.ports, { min: 50000, max: 50100 });
    assert.deepStrictEqual(c.service.media.listenAddresses, ['10.0.0.5', '10.0.0.6']);
    assert.strictEqual(c.service.media.announcedAddress, '203.0.113.9');
    assert.deepStrictEqual(c.service.media.iceServers, [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'p' }]);
    assert.deepStrictEqual([c.service.maxCalls, c.service.fallbackTimeoutMs, c.demo], [50, 3000, false]);
    assert.strictEqual(configFromEnv({ LCC_HOST: "0.0.0.0", LCC_SECRET: "s".repeat(20) }, cwd).demo, false, "no demo by default off loopback");
    assert.strictEqual(configFromEnv({ LCC_HOST: "0.0.0.0", LCC_SECRET: "s".repeat(20), LCC_DEMO: "1" }, cwd).demo, true);
    assert.ok(!fs.existsSync(path.join(cwd, 'data', 'secret')), 'no secret file when LCC_SECRET is given');
  });

  it('the demo is off by default behind a reverse proxy: a public URL off loopback or LCC_TRUST_PROXY, even on 127.0.0.1', () => {
    const base = { LCC_HOST: '127.0.0.1', LCC_SECRET: 's'.repeat(20) };
    assert.strictEqual(configFromEnv(base, cwd).demo, true, 'npm start on 127.0.0.1');
    assert.strictEqual(configFromEnv({ ...base, LCC_PUBLIC_URL: 'http://127.0.0.1:3000' }, cwd).demo, true);
    assert.strictEqual(configFromEnv({ ...base, LCC_PUBLIC_URL: 'https://calls.example.org' }, cwd).demo, false);
    assert.strictEqual(configFromEnv({ ...base, LCC_TRUST_PROXY: '1' }, cwd).demo, false);
    assert.strictEqual(configFromEnv({ ...base, LCC_PUBLIC_URL: 'https://calls.example.org', LCC_DEMO: '1' }, cwd).demo, true, 'asked for');
  });

  for (const [name, value, why] of [
    ['LCC_PORT', 'eighty', /LCC_PORT must be a whole number/],
    ['LCC_SECRET', 'short', /LCC_SECRET must be at least 16/],
    ['LCC_MEDIA_PORTS', '40000', /LCC_MEDIA_PORTS must be MIN-MAX/],
    ['LCC_ICE_SERVERS', 'turn:127.0.0.1', /LCC_ICE_SERVERS .*no user name and password/],
    ['LCC_DEMO', 'yes', /LCC_DEMO must be 0 or 1/],
    ['LCC_EMBED_ORIGINS', 'https://shop.example.com/cart', /LCC_EMBED_ORIGINS must be origins/],
    ['LCC_ALLOWED_HOSTS', 'calls.internal:3000', /LCC_ALLOWED_HOSTS must be host names/],
    ['LCC_WS_MAX_BUFFERED_BYTES', '1000', /LCC_WS_MAX_BUFFERED_BYTES must be a whole number 65536–/],
  ]) {
    it(`${name}=${value} stops the start with a message naming it`, () => {
      assert.throws(() => configFromEnv({ [name]: value }, cwd), (err) => err.code === 'ERR_INVALID_OPTION' && why.test(err.message));
    });
  }
});
