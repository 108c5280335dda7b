'use strict';
// Floods on the signalling WebSockets (docs/security.md#limits), with real `ws`
// clients against a real call service on 127.0.0.1: a party that floods a peer
// who reads slowly, and a party that sends faster than its message rate. The
// flooder is cut off (4429) and may rejoin; the other party stays joined. And
// the per-address limit behind a proxy, whatever the spelling of the address.

const assert = require('assert');
const { WebSocket } = require('ws');
const { WsClient: Client } = require('../../helpers/ws-client');
const { createCallService } = require('../../../js/service/call-service');
const { signRequest } = require('../../../js/common/request-signing');

const SECRET = 'signalling-floods-secret-0123456789';
const MAX_BUFFERED = 1024 * 1024;

async function api(url, method, p, body) {
  const text = JSON.stringify(body);
  const headers = signRequest({ secret: SECRET, method, path: p, body: text });
  const res = await fetch(url + p, { method, headers: { ...headers, 'content-type': 'application/json' }, body: text });
  return res.json();
}

describe('signalling floods', function () {
  this.timeout(60000);
  const clients = [];
  let service;
  let url;

  async function start(options) {
    service = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] }, ...options });
    service.on('warning', (err) => { throw err; });
    ({ url } = await service.listen());
  }

  async function joinWith(token) {
    const c = new Client(url);
    clients.push(c);
    await c.opened;
    c.send({ type: 'join', token });
    c.joined = await c.take('joined');
    return c;
  }

  /** A peer-to-peer call with both parties joined and started. */
  async function pair() {
    const call = await api(url, 'POST', '/api/calls', { roomId: 'room', relayPolicy: 'never' });
    const tokens = {};
    for (const party of ['agent', 'visitor']) tokens[party] = (await api(url, 'POST', `/api/calls/${call.id}/tokens`, { party })).token;
    const agent = await joinWith(tokens.agent);
    const visitor = await joinWith(tokens.visitor);
    const generation = (await agent.take('start')).generation;
    await visitor.take('start');
    return { tokens, agent, visitor, generation };
  }

  /** The largest queue the service holds for any signalling socket now. */
  function largestQueue() {
    return Math.max(0, ...[...service._signalling._conns].map((c) => c.ws.bufferedAmount));
  }

  afterEach(async function () {
    while (clients.length) clients.pop().ws.terminate();
    if (service) await service.close();
    service = null;
  });

  it('a party flooding a peer that does not read is cut off with 4429; the queue stays bounded and the peer stays joined', async function () {
    // Only the queue limit is under test here: a message rate no flood reaches.
    await start({ messagesPerSecond: 10000, messageBurst: 100000, maxBufferedBytes: MAX_BUFFERED });
    const { tokens, agent, visitor, generation } = await pair();
    visitor.ws.pause(); // the slow reader: reads nothing from now on

    const candidate = { candidate: `candidate:1 1 udp 1 192.0.2.1 9 typ host ${'x'.repeat(60 * 1024)}`, sdpMid: '0', sdpMLineIndex: 0 };
    const frame = JSON.stringify({ type: 'candidate', candidate, generation });
    const budget = 128 * 1024 * 1024;
    let sent = 0;
    let largest = 0;
    let cut = null;
    agent.closed.then((c) => { cut = c; });
    while (!cut && sent < budget) {
      const err = await new Promise((resolve) => agent.ws.send(frame, resolve));
      if (err) break; // the socket is closing: the service cut it off
      sent += frame.length;
      largest = Math.max(largest, largestQueue());
    }
    // Without the limit the whole budget would be queued for the visitor; the kernel's
    // socket buffers hold a few MiB more than the service's own queue.
    assert.ok(sent < budget / 4, `the flooder sent ${sent} bytes before it was cut off`);
    assert.deepStrictEqual(await agent.closed, { code: 4429, reason: 'the other party cannot take more' });
    assert.ok(largest <= MAX_BUFFERED + 2 * frame.length, `the service queued ${largest} bytes for one socket`);

    visitor.ws.resume();
    assert.deepStrictEqual(await visitor.take('peer', 20000), { type: 'peer', present: false });
    assert.ok(visitor.bytesRead < budget / 4, `the visitor was sent ${visitor.bytesRead} bytes`);
    assert.strictEqual(visitor.ws.readyState, WebSocket.OPEN, 'the visitor stays joined');

    const back = await joinWith(tokens.agent); // like after a network drop
    assert.strictEqual(back.joined.resumed, true);
    assert.deepStrictEqual(await visitor.take('peer'), { type: 'peer', present: true });
  });

  it('a party sending faster than its message rate is cut off with 4429 and may rejoin; the peer stays joined', async function () {
    await start({ messagesPerSecond: 20, messageBurst: 50 });
    const { tokens, agent, visitor } = await pair();
    for (let i = 0; i < 500; i++) agent.send({ type: 'media', audio: i % 2 === 0, video: false });
    assert.deepStrictEqual(await agent.closed, { code: 4429, reason: 'too many messages' });
    assert.deepStrictEqual(await visitor.take('peer'), { type: 'peer', present: false });
    const peerMedia = visitor.inbox.filter((m) => m.type === 'peer-media').length;
    assert.ok(peerMedia < 100, `${peerMedia} of the 500 messages were forwarded`);

    const back = await joinWith(tokens.agent);
    assert.strictEqual(back.joined.resumed, true);
    assert.deepStrictEqual(await visitor.take('peer'), { type: 'peer', present: true });
    assert.strictEqual(visitor.ws.readyState, WebSocket.OPEN);
  });

  it('a party that does not read the answers to what it sends is cut off (4408); the peer stays joined', async function () {
    await start({ messagesPerSecond: 10000, messageBurst: 100000, maxBufferedBytes: 64 * 1024 });
    const { tokens, agent, visitor } = await pair();
    agent.ws.pause();
    // Each of these gets an error back (a generation never started): answers pile up unread.
    const frame = JSON.stringify({ type: 'state', connectionState: 'new', generation: 99 });
    const budget = 500000;
    let sent = 0;
    let cut = false;
    visitor.take('peer', 120000).then(() => { cut = true; }, () => {});
    while (!cut && sent < budget) {
      for (let i = 0; i < 1000; i++) agent.ws.send(frame);
      sent += 1000;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.ok(cut, `the service answered ${sent} messages to a socket that reads nothing`);
    agent.ws.resume();
    const { code } = await agent.closed;
    // The close frame waits behind the unread answers; the service drops the socket a second later.
    assert.ok([4408, 1006].includes(code), `closed with ${code}`);
    const answers = agent.inbox.filter((m) => m.type === 'error').length;
    assert.ok(answers < sent, `${answers} answers of ${sent} messages reached the agent`);
    assert.strictEqual(visitor.ws.readyState, WebSocket.OPEN, 'the visitor stays joined');
    const back = await joinWith(tokens.agent);
    assert.strictEqual(back.joined.resumed, true);
  });

  it('a page of the site call script sending faster than its message rate is cut off from /ring with 4429', async function () {
    await start({ messagesPerSecond: 1, messageBurst: 5 });
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ring`);
    const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    const ready = new Promise((resolve) => ws.on('message', (m) => { if (JSON.parse(m).type === 'ready') resolve(); }));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(JSON.stringify({ type: 'hello', visitorToken: 'visitor-livechat-token-AAAAAAAA' }));
    await ready;
    for (let i = 0; i < 20; i++) ws.send(JSON.stringify({ type: 'answer', callId: 'no-such-call', answer: 'accept' }));
    // Five messages of the burst are spent (hello and four answers, each an error): the sixth cuts it off.
    assert.deepStrictEqual(await closed, { code: 4429, reason: 'too many messages' });
  });

  it('behind a proxy, one client address counts once however X-Forwarded-For spells it', async function () {
    await start({ maxConnectionsPerIp: 2, trustProxy: true });
    const opened = (xff) => new Promise((resolve) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { 'x-forwarded-for': `203.0.113.50, ${xff}` } });
      clients.push({ ws });
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (req, res) => { res.resume(); resolve(res.statusCode); });
      ws.once('error', () => {});
    });
    assert.strictEqual(await opened('2001:db8::7'), 'open');
    assert.strictEqual(await opened('2001:0DB8:0:0:0:0:0:7'), 'open');
    assert.strictEqual(await opened('[2001:db8:0::7]:4431'), 429, 'the third socket of the same address');
    assert.strictEqual(await opened('198.51.100.7'), 'open');
    assert.strictEqual(await opened('::ffff:198.51.100.7'), 'open');
    assert.strictEqual(await opened('::ffff:c633:6407'), 429, '198.51.100.7 in hex');
  });

  it('the limits are options with clear errors', function () {
    for (const [options, re] of [
      [{ messagesPerSecond: 0 }, /^messagesPerSecond must be an integer 1–10000/],
      [{ messageBurst: 1.5 }, /^messageBurst /],
      [{ maxBufferedBytes: 1000 }, /^maxBufferedBytes must be an integer 65536–/],
    ]) {
      assert.throws(() => createCallService({ secret: SECRET, ...options }), (err) => err.code === 'ERR_INVALID_OPTION' && re.test(err.message));
    }
  });
});
