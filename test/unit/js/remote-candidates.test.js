'use strict';
// A party's candidates may not point the server at hosts it must not talk to
// (docs/security.md, "Remote candidates"). An attacker who joins a call sends
// candidates for the server's own loopback, or for private hosts, in the offer
// or trickled: the server must never send a connectivity check (or open a TCP
// connection) there, while candidates it may reach are checked as usual (the
// positive control in each test, so that a server sending nothing at all
// cannot pass).
//
// Addresses are made on `lo` of the private network namespace the suite runs
// in (scripts/test.js): 203.0.113.9 stands for the server's public address,
// 203.0.113.10 for a party, 10.99.0.1 for a private host, 127.0.0.1 for the
// server's own loopback.

const assert = require('assert');
const dgram = require('dgram');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { MediaServer } = require('../../../js');
const { configFromEnv } = require('../../../js/service/config');
const { inPrivateNetns } = require('../../../scripts/netns');

const SERVER = '203.0.113.9';
const PARTY = '203.0.113.10';
const PRIVATE_HOST = '10.99.0.1';
const OFFER = fs.readFileSync(path.join(__dirname, '../../fixtures/sdp/chromium-offer-audio.sdp'), 'utf8')
  .split(/\r?\n/).filter((l) => l && !l.startsWith('a=candidate:') && !l.startsWith('a=end-of-candidates')).join('\r\n') + '\r\n';

/** A UDP socket that records the STUN Binding requests it receives. */
async function stunTrap(address) {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  const requests = [];
  socket.on('message', (msg) => { if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0001) requests.push(msg); });
  await new Promise((resolve) => socket.bind(0, address, resolve));
  return { address, port: socket.address().port, requests, close: () => socket.close() };
}

function udpCandidate(trap, priority) {
  return `candidate:${trap.port} 1 udp ${priority} ${trap.address} ${trap.port} typ host`;
}

async function until(what, check, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function offerWith(candidates) {
  return OFFER.replace(/(a=ice-pwd:[^\r\n]*\r\n)/, (m) => `${m}${candidates.map((c) => `a=${c}\r\n`).join('')}`);
}

describe('remote candidates the server must not be pointed at', function () {
  this.timeout(60000);
  const servers = [];
  const traps = [];

  before(function () {
    if (!inPrivateNetns()) this.skip(); // never add addresses to the machine's own lo
    for (const a of [SERVER, PARTY, PRIVATE_HOST]) execFileSync('ip', ['addr', 'replace', `${a}/32`, 'dev', 'lo']);
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const t of traps.splice(0)) t.close();
  });

  async function serverAnswering(options, candidates) {
    const media = new MediaServer({ listenAddresses: [SERVER], ports: { min: 42000, max: 42999 }, ...options });
    servers.push(media);
    const call = media.createCall({ id: `c${servers.length}` });
    const local = [];
    call.on('candidate', (party, c) => { if (c && c.candidate) local.push(c.candidate); });
    const answer = await call.answer('visitor', offerWith(candidates));
    return { call, answer, local };
  }

  async function trap(address) {
    const t = await stunTrap(address);
    traps.push(t);
    return t;
  }

  it("a loopback candidate (in the offer or trickled) gets no check when the server listens on a public address; the party's own does", async () => {
    const loopback = await trap('127.0.0.1');
    const trickled = await trap('127.0.0.1');
    const party = await trap(PARTY);
    // The loopback ones rank first, so the agent would check them before the party's.
    const { call } = await serverAnswering({}, [udpCandidate(loopback, 2122260223)]);
    await call.addCandidate('visitor', { candidate: udpCandidate(trickled, 2122260222), sdpMid: '0' });
    await call.addCandidate('visitor', { candidate: udpCandidate(party, 1686052607), sdpMid: '0' });
    await until('checks at the party', () => party.requests.length >= 2);
    assert.strictEqual(loopback.requests.length, 0, 'a check reached the server\'s loopback from the offer');
    assert.strictEqual(trickled.requests.length, 0, 'a check reached the server\'s loopback from a trickled candidate');
  });

  it('with allowPrivateCandidates false a private host gets no check; with the default it does', async () => {
    const denied = await trap(PRIVATE_HOST);
    const party = await trap(PARTY);
    await serverAnswering({ allowPrivateCandidates: false }, [udpCandidate(denied, 2122260223), udpCandidate(party, 1686052607)]);
    await until('checks at the party', () => party.requests.length >= 2);
    assert.strictEqual(denied.requests.length, 0, 'a check reached the private host');

    const allowed = await trap(PRIVATE_HOST);
    await serverAnswering({}, [udpCandidate(allowed, 2122260223)]);
    await until('checks at the private host by default', () => allowed.requests.length >= 1);
  });

  it('ICE over TCP is off by default: no TCP candidate offered, none connected to; iceTcp: true turns both on', async () => {
    let connections = 0;
    const listener = net.createServer((s) => { connections++; s.destroy(); });
    await new Promise((resolve) => listener.listen(0, PARTY, resolve));
    const tcpCandidate = `candidate:7 1 tcp 1518280447 ${PARTY} ${listener.address().port} typ host tcptype passive`;
    const party = await trap(PARTY);
    try {
      const off = await serverAnswering({}, [tcpCandidate, udpCandidate(party, 1686052607)]);
      await until('checks at the party', () => party.requests.length >= 2);
      assert.strictEqual(connections, 0, 'the server connected over TCP with ICE-TCP off');
      assert.ok(![...off.local, off.answer].some((c) => / tcp /i.test(c)), `no TCP candidate offered: ${off.answer}`);

      const on = await serverAnswering({ iceTcp: true }, [tcpCandidate]);
      await until('a TCP connection with iceTcp: true', () => connections >= 1);
      await until('a passive TCP candidate offered', () => [...on.local, on.answer].some((c) => / tcp .* tcptype passive/i.test(c)));
    } finally {
      listener.close();
    }
  });

  it('iceTcp and allowPrivateCandidates take booleans only', () => {
    assert.throws(() => new MediaServer({ iceTcp: 'yes' }), { code: 'ERR_INVALID_OPTION', message: /iceTcp/ });
    assert.throws(() => new MediaServer({ allowPrivateCandidates: 1 }), { code: 'ERR_INVALID_OPTION', message: /allowPrivateCandidates/ });
  });

  it('npm start takes them from LCC_ICE_TCP and LCC_ALLOW_PRIVATE_CANDIDATES (0 or 1)', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-cand-'));
    try {
      const env = { LCC_SECRET: 's'.repeat(20) };
      const media = (extra) => configFromEnv({ ...env, ...extra }, cwd).service.media;
      assert.deepStrictEqual([media({}).iceTcp, media({}).allowPrivateCandidates], [undefined, undefined], 'the MediaServer defaults apply');
      assert.deepStrictEqual(media({ LCC_ICE_TCP: '1', LCC_ALLOW_PRIVATE_CANDIDATES: '0' }), { ...media({}), iceTcp: true, allowPrivateCandidates: false });
      for (const name of ['LCC_ICE_TCP', 'LCC_ALLOW_PRIVATE_CANDIDATES']) {
        assert.throws(() => media({ [name]: 'yes' }), (err) => err.code === 'ERR_INVALID_OPTION' && err.message.includes(`${name} must be 0 or 1`));
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
