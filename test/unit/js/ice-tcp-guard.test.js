'use strict';
// With ICE-TCP on (iceTcp: true), libnice accepts every TCP connection to a
// leg's passive candidate. The attack: open many connections to that port and
// hold them, to use up the service's file descriptors. The defence
// (csrc/core/transport/tcp_guard.c): connections that pass no ICE check are
// capped per candidate and shut within one to two sweeps (2 s each), while a
// connection that sends an authenticated Binding request (what a browser's
// ICE-TCP connection does first) is answered and kept.
//
// Runs in the private network namespace of the suite (scripts/test.js) on 127.0.0.1.

const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');
const zlib = require('zlib');
const { MediaServer } = require('../../../js');

const OFFER = fs.readFileSync(path.join(__dirname, '../../fixtures/sdp/chromium-offer-audio.sdp'), 'utf8')
  .split(/\r?\n/).filter((l) => l && !l.startsWith('a=candidate:') && !l.startsWith('a=end-of-candidates')).join('\r\n') + '\r\n';
const ATTACKERS = 20;

/** A STUN Binding request (RFC 8489) as an ICE check (RFC 8445 §7.1.2), framed for TCP (RFC 4571). */
function bindingRequest({ username, password }) {
  const attr = (type, value) => {
    const pad = Buffer.alloc((4 - (value.length % 4)) % 4);
    const head = Buffer.alloc(4);
    head.writeUInt16BE(type, 0);
    head.writeUInt16BE(value.length, 2);
    return Buffer.concat([head, value, pad]);
  };
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(1845501695, 0);
  let body = Buffer.concat([
    attr(0x0006, Buffer.from(username)), // USERNAME: the receiver's ufrag, then ours
    attr(0x0024, priority), // PRIORITY
    attr(0x802a, crypto.randomBytes(8)), // ICE-CONTROLLING: the offerer controls
  ]);
  const header = (length) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(0x0001, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(0x2112a442, 4);
    transaction.copy(h, 8);
    return h;
  };
  const transaction = crypto.randomBytes(12);
  const mac = crypto.createHmac('sha1', password).update(Buffer.concat([header(body.length + 24), body])).digest();
  body = Buffer.concat([body, attr(0x0008, mac)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((zlib.crc32(Buffer.concat([header(body.length + 8), body])) ^ 0x5354554e) >>> 0, 0);
  body = Buffer.concat([body, attr(0x8028, crc)]);
  const message = Buffer.concat([header(body.length), body]);
  const frame = Buffer.alloc(2);
  frame.writeUInt16BE(message.length, 0);
  return Buffer.concat([frame, message]);
}

/** A TCP connection that records when the server closed it and what it sent. */
function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const c = { socket, closedAt: null, received: Buffer.alloc(0) };
    socket.on('data', (d) => { c.received = Buffer.concat([c.received, d]); });
    socket.on('error', () => {}); // a reset counts as closed below
    socket.on('close', () => { c.closedAt = Date.now(); });
    socket.once('connect', () => resolve(c));
    socket.once('error', reject);
  });
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ICE over TCP: connections that pass no ICE check are capped and shut', function () {
  this.timeout(60000);
  let media;
  const sockets = [];

  afterEach(async () => {
    for (const c of sockets.splice(0)) c.socket.destroy();
    if (media) await media.close();
    media = null;
  });

  it(`${ATTACKERS} idle connections to a leg's passive TCP candidate are all shut, within a bounded time; an authenticated one is answered and kept`, async () => {
    media = new MediaServer({ listenAddresses: ['127.0.0.1'], iceTcp: true });
    const call = media.createCall({ id: 'tcp-guard' });
    const answer = await call.answer('visitor', OFFER);
    const passive = /^a=candidate:\S+ 1 tcp \d+ 127\.0\.0\.1 (\d+) typ host tcptype passive/im.exec(answer);
    assert.ok(passive, `no passive TCP candidate in the answer:\n${answer}`);
    const port = Number(passive[1]);
    const serverUfrag = /^a=ice-ufrag:(\S+)/m.exec(answer)[1];
    const serverPwd = /^a=ice-pwd:(\S+)/m.exec(answer)[1];
    const partyUfrag = /^a=ice-ufrag:(\S+)/m.exec(OFFER)[1];

    const t0 = Date.now();
    const idle = [];
    for (let i = 0; i < ATTACKERS; i++) idle.push(await connect(port));
    sockets.push(...idle);
    const checked = await connect(port);
    sockets.push(checked);
    checked.socket.write(bindingRequest({ username: `${serverUfrag}:${partyUfrag}`, password: serverPwd }));
    await until('the Binding success response', () => checked.received.length >= 22, 10000);
    assert.strictEqual(checked.received.readUInt16BE(2), 0x0101, 'a Binding success response');

    await until('every idle connection shut by the server', () => idle.every((c) => c.closedAt !== null), 20000);
    const lastClose = Math.max(...idle.map((c) => c.closedAt));
    assert.strictEqual(media.iceTcpConnectionsShut, ATTACKERS, 'the count operators see (lcc_ice_tcp_unchecked_shut_total)');
    console.log(`      [ice-tcp] ${ATTACKERS} idle connections shut ${lastClose - t0} ms after they opened`);
    // Past two more sweeps, the checked one is still open.
    await new Promise((r) => setTimeout(r, 4500));
    assert.strictEqual(checked.closedAt, null, 'the connection that passed its check was shut');
    assert.strictEqual(checked.socket.destroyed, false);
  });

  it('with ICE-TCP off there is no passive candidate to connect to', async () => {
    media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
    const answer = await media.createCall({ id: 'no-tcp' }).answer('visitor', OFFER);
    assert.doesNotMatch(answer, / tcp .*tcptype passive/i);
  });
});
