'use strict';
// parseIceServers() reads Rocket.Chat's WebRTC_Servers setting the way
// Rocket.Chat's LiveChat WebRTC client does (strip whitespace, split on ',',
// then '@', URI-decode user:password), and rejects what no browser would
// accept. No DNS traffic: resolution tests use a fake lookup.

const assert = require('assert');
const { parseIceServers, LccError } = require('../../../js');
const { toNativeIceServers, resolveIceServers } = require('../../../js/api/ice-servers');

function rejects(input, pattern) {
  assert.throws(() => parseIceServers(input), (err) => {
    assert.ok(err instanceof LccError, `expected an LccError, got ${err}`);
    assert.strictEqual(err.code, 'ERR_INVALID_OPTION');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('parseIceServers()', () => {
  it("parseIceServers() reads Rocket.Chat's default WebRTC_Servers value", () => {
    assert.deepStrictEqual(
      parseIceServers('stun:stun.l.google.com:19302, stun:23.21.150.121, team%40rocket.chat:demo@turn:numb.viagenie.ca:3478'),
      [
        { urls: 'stun:stun.l.google.com:19302' },
        { urls: 'stun:23.21.150.121' },
        { urls: 'turn:numb.viagenie.ca:3478', username: 'team@rocket.chat', credential: 'demo' },
      ],
    );
  });

  it('parseIceServers() URI-decodes the user name and password', () => {
    assert.deepStrictEqual(parseIceServers('us%3Aer%40x:p%40ss%3Aw%2Crd%20@turn:127.0.0.1'), [
      { urls: 'turn:127.0.0.1', username: 'us:er@x', credential: 'p@ss:w,rd ' },
    ]);
  });

  it('parseIceServers() removes all whitespace, as Rocket.Chat does', () => {
    assert.deepStrictEqual(parseIceServers('  stun:a.example.org ,\n\tuser:pa ss@turn:b.example.org:3478?transport=tcp  '), [
      { urls: 'stun:a.example.org' },
      { urls: 'turn:b.example.org:3478?transport=tcp', username: 'user', credential: 'pass' },
    ]);
  });

  it('parseIceServers() gives STUN without credentials no username or credential keys', () => {
    const [s] = parseIceServers('stun:stun.example.org');
    assert.deepStrictEqual(Object.keys(s), ['urls']);
  });

  it('parseIceServers() keeps credentials given for a STUN URL, as Rocket.Chat does', () => {
    assert.deepStrictEqual(parseIceServers('u:p@stun:stun.example.org'), [{ urls: 'stun:stun.example.org', username: 'u', credential: 'p' }]);
  });

  it('parseIceServers() accepts turns: and ?transport=tcp', () => {
    assert.deepStrictEqual(parseIceServers('u:p@turns:turn.example.org:443?transport=tcp, u:p@turn:turn.example.org?transport=tcp'), [
      { urls: 'turns:turn.example.org:443?transport=tcp', username: 'u', credential: 'p' },
      { urls: 'turn:turn.example.org?transport=tcp', username: 'u', credential: 'p' },
    ]);
  });

  it('parseIceServers() accepts bracketed IPv6 hosts', () => {
    assert.deepStrictEqual(parseIceServers('stun:[2001:db8::1]:3478'), [{ urls: 'stun:[2001:db8::1]:3478' }]);
  });

  it("parseIceServers('') , null and undefined give []", () => {
    assert.deepStrictEqual(parseIceServers(''), []);
    assert.deepStrictEqual(parseIceServers('   '), []);
    assert.deepStrictEqual(parseIceServers(null), []);
    assert.deepStrictEqual(parseIceServers(undefined), []);
  });

  it('parseIceServers() with an RTCIceServer[] checks and copies it', () => {
    const input = [{ urls: ['stun:a.example.org', 'turn:b.example.org'], username: 'u', credential: 'p', credentialType: 'password' }];
    const out = parseIceServers(input);
    assert.deepStrictEqual(out, [{ urls: ['stun:a.example.org', 'turn:b.example.org'], username: 'u', credential: 'p' }]);
    assert.notStrictEqual(out[0], input[0]);
    assert.notStrictEqual(out[0].urls, input[0].urls);
  });

  describe('malformed entries throw ERR_INVALID_OPTION naming the entry', () => {
    it('an empty entry (a stray comma)', () => rejects('stun:a.example.org,', /^iceServers entry 2 is empty/));
    it('two @ (an unencoded @ in the user name)', () => rejects('team@rocket.chat:demo@turn:numb.viagenie.ca', /^iceServers entry 1 \('\*\*\*@turn:numb\.viagenie\.ca'\) has more than one '@'/));
    it('an error never quotes the credentials (they end up in logs)', () => {
      for (const bad of ['alice:s3cret:Passw0rd@turn:a.example.org', 'alice:s3cretPassw0rd@turn:a.example.org:70000', 'al%zzice:s3cretPassw0rd@turn:a.example.org', 'x@alice:s3cretPassw0rd@turn:a.example.org']) {
        assert.throws(() => parseIceServers(bad), (err) => err.code === 'ERR_INVALID_OPTION' && !/s3cret|Passw0rd|alice/.test(err.message));
      }
    });
    it('a raw : in the password', () => rejects('user:pa:ss@turn:a.example.org', /^iceServers entry 1 .* credentials that are not user:password/));
    it('credentials without a password', () => rejects('user@turn:a.example.org', /^iceServers entry 1 .* credentials that are not user:password/));
    it('an empty password', () => rejects('user:@turn:a.example.org', /^iceServers entry 1 .* empty user name or password/));
    it('a malformed %-escape', () => rejects('us%zzer:p@turn:a.example.org', /^iceServers entry 1 .* malformed %-escape/));
    it('a TURN URL without credentials', () => rejects('stun:a.example.org, turn:b.example.org:3478', /^iceServers entry 2 \('turn:b\.example\.org:3478'\) has TURN URL .* no user name and password/));
    it('an http URL', () => rejects('https://stun.example.org', /^iceServers entry 1 .* expected stun:host\[:port\]/));
    it('a bare host name', () => rejects('stun.example.org', /^iceServers entry 1 \('stun\.example\.org'\) has URL/));
    it('stuns:', () => rejects('stuns:a.example.org', /stuns: is not supported/));
    it('?transport on a stun: URL', () => rejects('stun:a.example.org?transport=udp', /\?transport= is only valid for turn: and turns:/));
    it('an unknown transport', () => rejects('u:p@turn:a.example.org?transport=sctp', /has URL/));
    it('turns: over udp', () => rejects('u:p@turns:a.example.org?transport=udp', /TURN over DTLS/));
    it('port 0 or above 65535', () => {
      rejects('stun:a.example.org:0', /port must be 1–65535/);
      rejects('stun:a.example.org:70000', /port must be 1–65535/);
    });
    it('a bad host name', () => rejects('stun:exa mple!.org', /is not a host name or IP address/));
    it('an RTCIceServer without urls', () => rejects([{ url: 'stun:a.example.org' }], /^iceServers\[0\] has unknown key 'url'/));
    it('an RTCIceServer with a numeric username', () => rejects([{ urls: 'turn:a.example.org', username: 1, credential: 'p' }], /^iceServers\[0\]\.username must be a string, got 1/));
    it('an RTCIceServer array entry that is not an object', () => rejects(['stun:a.example.org'], /^iceServers\[0\] must be an RTCIceServer object/));
    it('an RTCIceServer with a numeric credential, not quoted', () => rejects([{ urls: 'turn:a.example.org', username: 'u', credential: 987654 }], /^iceServers\[0\]\.credential must be a string, got number$/));
        it('more than 8 URLs in all', () => {
      const many = parseIceServers(Array.from({ length: 9 }, (_, i) => `stun:10.0.0.${i + 1}`).join(','));
      assert.throws(() => toNativeIceServers(many), { code: 'ERR_INVALID_OPTION', message: /at most 8 URLs in all, got 9/ });
    });
  });
});

describe('parseIceServers() never quotes a password', () => {
  const PASSWORD = 's3cret-Turn-pass';
  // Each value is refused; the error names the entry and its URL, never the credentials.
  const REFUSED = [
    ['a bad host', `user:${PASSWORD}@turn:bad!host:3478`, /entry 1 \('\*\*\*@turn:bad!host:3478'\) has URL/],
    ['two @', `team@example.com:${PASSWORD}@turn:t.example.org`, /entry 1 \('\*\*\*@turn:t\.example\.org'\) has more than one '@'/],
    ["a raw ':' in the password", `user:pa:${PASSWORD}@turn:t.example.org`, /entry 1 \('\*\*\*@turn:t\.example\.org'\) has credentials that are not user:password/],
    ['a malformed %-escape', `user:%zz${PASSWORD}@turn:t.example.org`, /entry 1 \('\*\*\*@turn:t\.example\.org'\) has a password with a malformed %-escape/],
    ["a raw ',' in the password (the entry is cut in two)", `user:pa,${PASSWORD}@turn:t.example.org`, /entry 1 \('\*\*\*'\) is not a STUN or TURN URL, expected stun:host\[:port\].*%2C/],
    ['an over-long password', `user:${PASSWORD.repeat(20)}@turn:t.example.org`, /entry 1 \('\*\*\*@turn:t\.example\.org'\) has a credential longer than 255 bytes/],
  ];
  for (const [what, value, pattern] of REFUSED) {
    it(`${what}: the error says which entry, without the password`, () => {
      assert.throws(() => parseIceServers(value), (err) => {
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes(PASSWORD), err.message);
        return true;
      });
    });
  }

  it('withoutCredentials() shows each entry with ***@ in place of its user name and password', () => {
    const { withoutCredentials } = require('../../../js/common/webrtc-servers');
    assert.strictEqual(
      withoutCredentials(`stun:s.example.org, team@example.com:${PASSWORD}@turn:t.example.org:3478?transport=tcp,u:p@turns:t.example.org`),
      'stun:s.example.org, ***@turn:t.example.org:3478?transport=tcp, ***@turns:t.example.org',
    );
    assert.strictEqual(withoutCredentials(`stun:s.example.org, user:pa,ss${PASSWORD}@turn:t.example.org`), 'stun:s.example.org, ***, ***@turn:t.example.org');
    assert.strictEqual(withoutCredentials(undefined), undefined);
  });
});

describe('ICE servers in native form', () => {
  it('each URL becomes {kind, host, port, username, credential} with default ports', () => {
    const native = toNativeIceServers(parseIceServers(
      'stun:s.example.org, u:p@turn:t.example.org, u:p@turn:t.example.org:80?transport=tcp, u:p@turns:t.example.org, stun:[::1]',
    ));
    assert.deepStrictEqual(native, [
      { kind: 'stun', host: 's.example.org', port: 3478, username: '', credential: '' },
      { kind: 'turn-udp', host: 't.example.org', port: 3478, username: 'u', credential: 'p' },
      { kind: 'turn-tcp', host: 't.example.org', port: 80, username: 'u', credential: 'p' },
      { kind: 'turn-tls', host: 't.example.org', port: 5349, username: 'u', credential: 'p' },
      { kind: 'stun', host: '::1', port: 3478, username: '', credential: '' },
    ]);
  });

  it('host names resolve IPv4 first; numeric hosts are not looked up; each name once', async () => {
    const asked = [];
    const lookup = async (host, opts) => {
      asked.push(host);
      assert.deepStrictEqual(opts, { all: true });
      return [{ address: '2001:db8::5', family: 6 }, { address: '192.0.2.5', family: 4 }];
    };
    const entries = toNativeIceServers(parseIceServers('stun:s.example.org, u:p@turn:s.example.org?transport=tcp, stun:198.51.100.1'));
    const { servers, failures } = await resolveIceServers(entries, { lookup });
    assert.deepStrictEqual(asked, ['s.example.org']);
    assert.deepStrictEqual(failures, []);
    assert.deepStrictEqual(servers.map((s) => `${s.kind} ${s.host}:${s.port}`), ['stun 192.0.2.5:3478', 'turn-tcp 192.0.2.5:3478', 'stun 198.51.100.1:3478']);
  });

  it('a host with only IPv6 addresses resolves to IPv6', async () => {
    const lookup = async () => [{ address: '2001:db8::5', family: 6 }];
    const { servers } = await resolveIceServers(toNativeIceServers(parseIceServers('stun:v6.example.org')), { lookup });
    assert.strictEqual(servers[0].host, '2001:db8::5');
  });

  it('a name that does not resolve is left out and reported as ERR_ICE_SERVER_UNRESOLVED', async () => {
    const lookup = async (host) => {
      if (host === 'bad.example.org') throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      return [{ address: '192.0.2.9', family: 4 }];
    };
    const { servers, failures } = await resolveIceServers(toNativeIceServers(parseIceServers('stun:bad.example.org, stun:good.example.org')), { lookup });
    assert.deepStrictEqual(servers.map((s) => s.host), ['192.0.2.9']);
    assert.strictEqual(failures.length, 1);
    assert.strictEqual(failures[0].code, 'ERR_ICE_SERVER_UNRESOLVED');
    assert.match(failures[0].message, /bad\.example\.org.*ENOTFOUND/);
  });

  it('a lookup that hangs is given up after the timeout', async () => {
    const lookup = () => new Promise(() => {});
    const { servers, failures } = await resolveIceServers(toNativeIceServers(parseIceServers('stun:slow.example.org')), { lookup, timeoutMs: 50 });
    assert.deepStrictEqual(servers, []);
    assert.match(failures[0].message, /timed out/);
  });
});
