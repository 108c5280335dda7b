'use strict';
// Option validation happens before anything native exists, so these tests run
// without the add-on: every bad option must throw ERR_INVALID_OPTION with a
// message naming the option.

const assert = require('assert');
const path = require('path');
const { validateServerOptions, validateCallOptions, DEFAULTS } = require('../../../js/api/options');
const { MediaServer, LccError } = require('../../../js');

function rejects(options, pattern) {
  assert.throws(() => validateServerOptions(options), (err) => {
    assert.ok(err instanceof LccError, `expected an LccError, got ${err}`);
    assert.strictEqual(err.code, 'ERR_INVALID_OPTION');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('MediaServer options', () => {
  it('new MediaServer() with no options uses the documented defaults', () => {
    const o = validateServerOptions(undefined);
    assert.deepStrictEqual(o.listenAddresses, []);
    assert.strictEqual(o.announcedAddress, null);
    assert.deepStrictEqual(o.ports, { min: 40000, max: 49999 });
    assert.deepStrictEqual(o.iceServers, []);
    assert.strictEqual(o.recordingsDir, path.resolve('./recordings'));
    assert.strictEqual(o.disconnectedAfterMs, DEFAULTS.disconnectedAfterMs);
    assert.strictEqual(o.dtlsTimeoutMs, DEFAULTS.dtlsTimeoutMs);
  });

  it('the options from the issue are accepted as they are', () => {
    const o = validateServerOptions({
      listenAddresses: ['127.0.0.1'],
      announcedAddress: undefined,
      ports: { min: 40000, max: 49999 },
      iceServers: 'user:pass@turn:turn.example.org:3478, stun:stun.example.org',
      recordingsDir: './recordings',
    });
    assert.deepStrictEqual(o.listenAddresses, ['127.0.0.1']);
    assert.strictEqual(o.iceServers.length, 2);
    assert.deepStrictEqual(o.nativeIceServers.map((s) => s.kind), ['turn-udp', 'stun']);
  });

  it('new MediaServer() with ports.min \'abc\' throws ERR_INVALID_OPTION before loading the add-on', () => {
    assert.throws(() => new MediaServer({ ports: { min: 'abc' } }), {
      code: 'ERR_INVALID_OPTION',
      message: "ports.min must be an integer 1024–65535, got 'abc'",
    });
  });

  it('a non-object options value throws ERR_INVALID_OPTION naming options', () => rejects('fast', /^options must be an object, got 'fast'/));
  it('an unknown option throws ERR_INVALID_OPTION naming it', () => rejects({ listenAddress: ['127.0.0.1'] }, /unknown option 'listenAddress'/));
  it('listenAddresses that is not an array throws', () => rejects({ listenAddresses: '127.0.0.1' }, /^listenAddresses must be an array/));
  it('a host name in listenAddresses throws: addresses must be numeric', () => rejects({ listenAddresses: ['localhost'] }, /^listenAddresses\[0\] must be a numeric IPv4 or IPv6 address, got 'localhost'/));
  it('more than 8 listenAddresses throws', () => rejects({ listenAddresses: Array(9).fill('127.0.0.1') }, /^listenAddresses must hold at most 8/));
  it('a host name as announcedAddress throws', () => rejects({ announcedAddress: 'example.org' }, /^announcedAddress must be a numeric IPv4 or IPv6 address, got 'example.org'/));
  it('ports that is not an object throws', () => rejects({ ports: 40000 }, /^ports must be an object \{min, max\}, got 40000/));
  it('ports.min below 1024 throws', () => rejects({ ports: { min: 80 } }, /^ports\.min must be an integer 1024–65535, got 80/));
  it('ports.max above 65535 throws', () => rejects({ ports: { max: 70000 } }, /^ports\.max must be an integer 1024–65535, got 70000/));
  it('a fractional port throws', () => rejects({ ports: { min: 40000.5 } }, /^ports\.min must be an integer/));
  it('ports.min above ports.max throws naming both', () => rejects({ ports: { min: 50000, max: 40000 } }, /ports\.min must not exceed ports\.max, got min 50000 and max 40000/));
  it('an unknown key in ports throws', () => rejects({ ports: { from: 1 } }, /unknown option 'ports\.from'/));
  it('iceServers of the wrong type throws', () => rejects({ iceServers: 42 }, /^iceServers must be a string in Rocket\.Chat's WebRTC_Servers format or an array of RTCIceServer, got 42/));
  it('a malformed iceServers entry throws naming the entry', () => rejects({ iceServers: 'stun:ok.example.org, bogus' }, /^iceServers entry 2 \('bogus'\)/));
  it('an empty recordingsDir throws', () => rejects({ recordingsDir: '' }, /^recordingsDir must be a non-empty path string, got ''/));
  it('disconnectedAfterMs out of range throws', () => rejects({ disconnectedAfterMs: 10 }, /^disconnectedAfterMs must be an integer 500–600000, got 10/));
  it('dtlsTimeoutMs that is not a number throws', () => rejects({ dtlsTimeoutMs: '15s' }, /^dtlsTimeoutMs must be an integer 1000–600000, got '15s'/));
  it('announcedAddress null or \'\' means none', () => {
    assert.strictEqual(validateServerOptions({ announcedAddress: null }).announcedAddress, null);
    assert.strictEqual(validateServerOptions({ announcedAddress: '' }).announcedAddress, null);
    assert.strictEqual(validateServerOptions({ announcedAddress: '203.0.113.7' }).announcedAddress, '203.0.113.7');
  });
});

describe('createCall() options', () => {
  function rejectsCall(options, pattern) {
    assert.throws(() => validateCallOptions(options), (err) => {
      assert.strictEqual(err.code, 'ERR_INVALID_OPTION');
      assert.match(err.message, pattern);
      return true;
    });
  }

  it('an id of letters, digits, dot, dash and underscore is accepted; record defaults to false', () => {
    assert.deepStrictEqual(validateCallOptions({ id: 'room42-call7' }), { id: 'room42-call7', record: false });
    assert.deepStrictEqual(validateCallOptions({ id: 'A.b_c-9', record: true }), { id: 'A.b_c-9', record: true });
    assert.strictEqual(validateCallOptions({ id: 'x'.repeat(127) }).id.length, 127);
  });
  it('createCall() without options throws ERR_INVALID_OPTION', () => rejectsCall(undefined, /^createCall\(\) options must be an object/));
  it('createCall() with an empty id throws ERR_INVALID_OPTION', () => rejectsCall({ id: '' }, /^id must be 1–127 characters/));
  it('createCall() with a 128-character id throws ERR_INVALID_OPTION', () => rejectsCall({ id: 'x'.repeat(128) }, /^id must be 1–127 characters/));
  it('createCall() with a slash or space in the id throws ERR_INVALID_OPTION', () => {
    rejectsCall({ id: '../etc' }, /^id must be/);
    rejectsCall({ id: 'a b' }, /^id must be/);
  });
  it('createCall() with a numeric id throws ERR_INVALID_OPTION', () => rejectsCall({ id: 42 }, /^id must be .*, got 42/));
  it('createCall() with a non-boolean record throws ERR_INVALID_OPTION', () => rejectsCall({ id: 'a', record: 'yes' }, /^record must be a boolean, got 'yes'/));
  it('createCall() with an unknown option throws ERR_INVALID_OPTION', () => rejectsCall({ id: 'a', recording: true }, /unknown option 'recording'/));
});
