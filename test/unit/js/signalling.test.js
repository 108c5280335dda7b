'use strict';
// The signalling WebSocket (docs/signalling.md) with real `ws` clients against
// a real call service on 127.0.0.1: the refusals, the join, p2p forwarding
// with generations, the fallback to relay (failed, timeout; never with policy
// never), rejoin and replacement, media flags, hang-up and ending through the
// control API, the per-IP limit, bad frames, addRoute() and the sessions view.
// The relay's media is tested end to end in test/e2e/signalling-relay.test.js.

const assert = require('assert');
const { WebSocket } = require('ws');
const { WsClient: Client } = require('../../helpers/ws-client');
const { createCallService } = require('../../../js/service/call-service');
const { signRequest } = require('../../../js/common/request-signing');
const { mintPartyToken, derivePartyTokenKey } = require('../../../js/service/calls/party-tokens');

const SECRET = 'signalling-test-secret-0123456789';
const OTHER_SECRET = 'another-secret-entirely-0123456789';
const FALLBACK_MS = 600;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A signed control-API request; resolves with {status, body}. */
async function api(url, method, p, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = signRequest({ secret: SECRET, method, path: p, body: text });
  const res = await fetch(url + p, { method, headers: { ...headers, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : text });
  return { status: res.status, body: await res.json() };
}

describe('signalling WebSocket', function () {
  this.timeout(8000);
  let service;
  let url;
  const clients = [];

  const open = (path) => {
    const c = new Client(url, path);
    clients.push(c);
    return c;
  };
  const createCall = async (body = {}) => (await api(url, 'POST', '/api/calls', { roomId: 'room', ...body })).body;
  const tokenFor = async (id, party) => (await api(url, 'POST', `/api/calls/${id}/tokens`, { party })).body.token;
  const getCall = async (id) => (await api(url, 'GET', `/api/calls/${id}`)).body;

  /** A socket that has joined as `party` with `token`. */
  async function joinWith(token) {
    const c = open();
    await c.opened;
    c.send({ type: 'join', token });
    c.joined = await c.take('joined');
    return c;
  }

  /** A call with both parties joined and started (p2p unless the policy says otherwise). */
  async function pair(body = { relayPolicy: 'never' }) {
    const call = await createCall(body);
    const tokens = { agent: await tokenFor(call.id, 'agent'), visitor: await tokenFor(call.id, 'visitor') };
    const agent = await joinWith(tokens.agent);
    const visitor = await joinWith(tokens.visitor);
    return { call, tokens, agent, visitor };
  }

  /** Expects the socket to be refused: ERR_UNAUTHORIZED, then close 4401. */
  async function assertRefused(c, messageRe) {
    const err = await c.take('error');
    assert.strictEqual(err.code, 'ERR_UNAUTHORIZED');
    if (messageRe) assert.match(err.message, messageRe);
    assert.strictEqual((await c.closed).code, 4401);
  }

  before(async function () {
    service = createCallService({ secret: SECRET, port: 0, fallbackTimeoutMs: FALLBACK_MS, media: { listenAddresses: ['127.0.0.1'] } });
    service.on('warning', (err) => { throw err; });
    ({ url } = await service.listen());
    service._signalling.timing.joinTimeoutMs = 300; // the 5 s deadline, shortened for the test
  });

  afterEach(function () {
    while (clients.length) clients.pop().close();
  });

  after(async function () {
    await service.close();
  });

  describe('refusals', function () {
    it('an upgrade on another path gets 404 before any WebSocket exists', async function () {
      await assert.rejects(open('/wsx').opened, { status: 404 });
      await assert.rejects(open('/api/calls').opened, { status: 404 });
    });

    it('no join within the deadline: ERR_UNAUTHORIZED and 4401', async function () {
      const c = open();
      await c.opened;
      await assertRefused(c, /no join within/);
    });

    it('a message before join: 4401', async function () {
      const c = open();
      await c.opened;
      c.send({ type: 'offer', sdp: 'v=0', generation: 1 });
      await assertRefused(c, /first message must be join/);
    });

    it('a garbage first frame: 4401', async function () {
      const c = open();
      await c.opened;
      c.send('not json');
      await assertRefused(c);
    });

    it('a garbage token: 4401', async function () {
      const c = open();
      await c.opened;
      c.send({ type: 'join', token: 'v1.garbage.token' });
      await assertRefused(c, /^malformed token$/);
    });

    it('a token forged with another secret: 4401', async function () {
      const call = await createCall();
      const { token } = mintPartyToken(derivePartyTokenKey(OTHER_SECRET), { callId: call.id, party: 'agent', ttlSeconds: 60 });
      const c = open();
      await c.opened;
      c.send({ type: 'join', token });
      await assertRefused(c, /^invalid token$/);
    });

    it('an expired token: 4401', async function () {
      const call = await createCall();
      const { token } = mintPartyToken(derivePartyTokenKey(SECRET), { callId: call.id, party: 'agent', ttlSeconds: 60, now: Date.now() - 3600e3 });
      const c = open();
      await c.opened;
      c.send({ type: 'join', token });
      await assertRefused(c, /^token expired$/);
    });

    it('a token for an unknown call or an ended call: 4401', async function () {
      const { token } = mintPartyToken(derivePartyTokenKey(SECRET), { callId: '00000000-0000-0000-0000-000000000000', party: 'agent', ttlSeconds: 60 });
      const c1 = open();
      await c1.opened;
      c1.send({ type: 'join', token });
      await assertRefused(c1, /^unknown call$/);
      const call = await createCall();
      const t2 = await tokenFor(call.id, 'visitor');
      await api(url, 'POST', `/api/calls/${call.id}/end`, { reason: 'cancelled' });
      const c2 = open();
      await c2.opened;
      c2.send({ type: 'join', token: t2 });
      await assertRefused(c2, /^the call has ended$/);
    });
  });

  describe('a p2p call', function () {
    it('both get joined, then start: agent offerer, visitor answerer; the store says active and present', async function () {
      const { call, agent, visitor } = await pair({ relayPolicy: 'fallback' });
      assert.deepStrictEqual({ ...agent.joined, iceServers: null }, {
        type: 'joined', callId: call.id, party: 'agent', mode: 'p2p', relayPolicy: 'fallback', iceServers: null,
        peerPresent: false, resumed: false, fallbackTimeoutMs: FALLBACK_MS, video: false, names: { visitor: null, agent: null },
      });
      assert.deepStrictEqual(agent.joined.iceServers, []);
      assert.strictEqual(visitor.joined.peerPresent, true);
      assert.deepStrictEqual(await agent.take('peer'), { type: 'peer', present: true });
      const sa = await agent.take('start');
      const sv = await visitor.take('start');
      assert.deepStrictEqual(sa, { type: 'start', mode: 'p2p', role: 'offerer', generation: sa.generation, reason: 'joined' });
      assert.deepStrictEqual(sv, { type: 'start', mode: 'p2p', role: 'answerer', generation: sa.generation, reason: 'joined' });
      const stored = await getCall(call.id);
      assert.strictEqual(stored.state, 'active');
      assert.strictEqual(stored.parties.agent.joined, true);
      assert.strictEqual(stored.parties.agent.present, true);
      assert.match(stored.parties.visitor.joinedAt, /^\d{4}-/);
    });

    it('offer, answer and candidates are forwarded with their generation; a stale generation is dropped', async function () {
      const { agent, visitor, tokens } = await pair();
      const g = (await agent.take('start')).generation;
      await visitor.take('start');
      agent.send({ type: 'offer', sdp: 'v=0 offer', generation: g });
      assert.deepStrictEqual(await visitor.take('offer'), { type: 'offer', sdp: 'v=0 offer', generation: g });
      visitor.send({ type: 'answer', sdp: 'v=0 answer', generation: g });
      assert.deepStrictEqual(await agent.take('answer'), { type: 'answer', sdp: 'v=0 answer', generation: g });
      const cand = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
      agent.send({ type: 'candidate', candidate: cand, generation: g });
      assert.deepStrictEqual(await visitor.take('candidate'), { type: 'candidate', candidate: cand, generation: g });
      visitor.send({ type: 'candidate', candidate: null, generation: g });
      assert.deepStrictEqual(await agent.take('candidate'), { type: 'candidate', candidate: null, generation: g });

      // The visitor reloads: a new generation for both; the old one is dropped.
      assert.deepStrictEqual(await agent.take('peer'), { type: 'peer', present: true });
      visitor.close();
      assert.deepStrictEqual(await agent.take('peer'), { type: 'peer', present: false });
      const visitor2 = await joinWith(tokens.visitor);
      assert.strictEqual(visitor2.joined.resumed, true);
      const s2 = await agent.take('start');
      assert.ok(s2.generation > g);
      assert.strictEqual(s2.reason, 'rejoined');
      assert.strictEqual((await visitor2.take('start')).generation, s2.generation);
      agent.send({ type: 'offer', sdp: 'v=0 stale', generation: g });
      agent.send({ type: 'media', audio: false, video: true });
      await visitor2.take('peer-media');
      assert.ok(!visitor2.types().includes('offer'), 'the stale offer was forwarded');
      agent.send({ type: 'offer', sdp: 'v=0 fresh', generation: s2.generation });
      assert.strictEqual((await visitor2.take('offer')).sdp, 'v=0 fresh');
    });

    it('media on/off goes to the other party as peer-media', async function () {
      const { agent, visitor } = await pair();
      visitor.send({ type: 'media', audio: true, video: false });
      assert.deepStrictEqual(await agent.take('peer-media'), { type: 'peer-media', audio: true, video: false });
    });

    it('both report connected: path p2p to both and in the store; no fallback afterwards', async function () {
      const { call, agent, visitor } = await pair({ relayPolicy: 'fallback' });
      const g = (await agent.take('start')).generation;
      agent.send({ type: 'state', connectionState: 'connected', generation: g });
      visitor.send({ type: 'state', connectionState: 'connected', generation: g });
      assert.deepStrictEqual(await agent.take('path'), { type: 'path', path: 'p2p' });
      assert.deepStrictEqual(await visitor.take('path'), { type: 'path', path: 'p2p' });
      assert.strictEqual((await getCall(call.id)).path, 'p2p');
      await sleep(FALLBACK_MS + 200);
      assert.deepStrictEqual(agent.types().filter((t) => t === 'start').length, 1);
      assert.strictEqual(service.sessions.byPath.p2p >= 1, true);
    });

    it('a failed report moves both to relay (p2p-failed), recorded in the store', async function () {
      const { call, agent, visitor } = await pair({ relayPolicy: 'fallback' });
      const g = (await agent.take('start')).generation;
      await visitor.take('start');
      visitor.send({ type: 'state', connectionState: 'failed', generation: g });
      const ra = await agent.take('start');
      const rv = await visitor.take('start');
      for (const s of [ra, rv]) {
        assert.strictEqual(s.mode, 'relay');
        assert.strictEqual(s.role, 'offerer');
        assert.strictEqual(s.reason, 'p2p-failed');
        assert.ok(s.generation > g);
      }
      const stored = await getCall(call.id);
      assert.strictEqual(stored.path, 'relay');
      assert.strictEqual(stored.fallback.reason, 'p2p-failed');
      assert.match(stored.fallback.at, /^\d{4}-/);
      // The server refuses an SDP that is not one; the call goes on.
      agent.send({ type: 'offer', sdp: 'not sdp', generation: ra.generation });
      assert.strictEqual((await agent.take('error')).code, 'ERR_SDP_INVALID');
      visitor.send({ type: 'media', audio: false, video: false });
      await agent.take('peer-media');
      assert.strictEqual(service.media.getCall(call.id).id, call.id, 'the MediaServer call exists once relay starts');
    });

    it('no connection within fallbackTimeoutMs: relay with reason p2p-timeout', async function () {
      const { call, agent, visitor } = await pair({ relayPolicy: 'fallback' });
      await agent.take('start');
      const t0 = Date.now();
      const ra = await agent.take('start', FALLBACK_MS + 1500);
      assert.ok(Date.now() - t0 >= FALLBACK_MS - 100);
      assert.deepStrictEqual([ra.mode, ra.reason], ['relay', 'p2p-timeout']);
      await visitor.take('start');
      assert.strictEqual((await visitor.take('start')).reason, 'p2p-timeout');
      assert.strictEqual((await getCall(call.id)).fallback.reason, 'p2p-timeout');
    });

    it('policy never: no fallback after the timeout', async function () {
      const { call, agent } = await pair({ relayPolicy: 'never' });
      await agent.take('start');
      await sleep(FALLBACK_MS + 300);
      assert.deepStrictEqual(agent.types().filter((t) => t === 'start').length, 1);
      assert.strictEqual((await getCall(call.id)).fallback, null);
    });

    it('a second socket of the same party replaces the first: replaced, 4409; both get a new start', async function () {
      const { agent, visitor, tokens } = await pair();
      const g = (await visitor.take('start')).generation;
      const agent2 = await joinWith(tokens.agent);
      assert.deepStrictEqual(await agent.take('replaced'), { type: 'replaced' });
      assert.strictEqual((await agent.closed).code, 4409);
      assert.strictEqual(agent2.joined.resumed, true);
      assert.ok((await visitor.take('start')).generation > g);
      assert.ok(!visitor.types().includes('peer'), 'the visitor never saw the agent go');
      await agent2.take('start');
    });

    it("a token for one call cannot reach another: call B's sockets see nothing of call A", async function () {
      const a = await pair();
      const b = await pair();
      const ga = (await a.agent.take('start')).generation;
      a.agent.send({ type: 'offer', sdp: 'v=0', generation: ga });
      a.agent.send({ type: 'media', audio: false, video: false });
      a.visitor.send({ type: 'hangup' });
      await a.agent.take('ended');
      await sleep(100);
      assert.deepStrictEqual(b.agent.types(), ['joined', 'peer', 'start']);
      assert.deepStrictEqual(b.visitor.types(), ['joined', 'start']);
    });

    it('hang-up: both get ended (by the party) and close 1000; the store has endedBy', async function () {
      const { call, agent, visitor } = await pair();
      visitor.send({ type: 'hangup' });
      assert.deepStrictEqual(await agent.take('ended'), { type: 'ended', reason: 'ended', by: 'visitor' });
      assert.deepStrictEqual(await visitor.take('ended'), { type: 'ended', reason: 'ended', by: 'visitor' });
      assert.strictEqual((await agent.closed).code, 1000);
      assert.strictEqual((await visitor.closed).code, 1000);
      const stored = await getCall(call.id);
      assert.deepStrictEqual([stored.state, stored.endReason, stored.endedBy], ['ended', 'ended', 'visitor']);
      assert.strictEqual(stored.parties.visitor.present, false);
      assert.strictEqual(stored.parties.visitor.joined, true);
    });

    it('POST /api/calls/:id/end ends the live call: both sockets get ended and close 1000', async function () {
      const { call, agent, visitor } = await pair();
      const res = await api(url, 'POST', `/api/calls/${call.id}/end`, { reason: 'cancelled' });
      assert.strictEqual(res.status, 200);
      assert.deepStrictEqual([res.body.state, res.body.endReason, res.body.endedBy], ['ended', 'cancelled', 'service']);
      assert.deepStrictEqual(await agent.take('ended'), { type: 'ended', reason: 'cancelled', by: 'service' });
      assert.deepStrictEqual(await visitor.take('ended'), { type: 'ended', reason: 'cancelled', by: 'service' });
      assert.strictEqual((await visitor.closed).code, 1000);
      assert.strictEqual(service._sessions.get(call.id), undefined);
    });
  });

  describe('relay policy always', function () {
    it('starts relayed: a party gets start relay alone as soon as it joins', async function () {
      const call = await createCall({ relayPolicy: 'always' });
      const agent = await joinWith(await tokenFor(call.id, 'agent'));
      assert.strictEqual(agent.joined.mode, 'relay');
      assert.deepStrictEqual(await agent.take('start'), { type: 'start', mode: 'relay', role: 'offerer', generation: 1, reason: 'joined' });
      agent.send({ type: 'answer', sdp: 'v=0', generation: 1 });
      assert.strictEqual((await agent.take('error')).code, 'ERR_INVALID_MESSAGE');
      assert.strictEqual(service.sessions.byMode.relay >= 1, true);
    });
  });

  describe('bad frames and limits', function () {
    it('an oversized frame, a binary frame, bad JSON, an unknown type get error; the 10th closes the socket', async function () {
      const { agent } = await pair();
      agent.send(JSON.stringify({ type: 'media', pad: 'x'.repeat(70 * 1024) }));
      assert.strictEqual((await agent.take('error')).code, 'ERR_MESSAGE_TOO_LARGE');
      agent.send(Buffer.from([1, 2, 3]));
      assert.strictEqual((await agent.take('error')).code, 'ERR_INVALID_MESSAGE');
      agent.send('{"type":');
      assert.strictEqual((await agent.take('error')).code, 'ERR_INVALID_MESSAGE');
      agent.send({ type: 'dance' });
      assert.strictEqual((await agent.take('error')).code, 'ERR_UNKNOWN_TYPE');
      agent.send({ type: 'media', audio: 'yes' });
      assert.strictEqual((await agent.take('error')).code, 'ERR_INVALID_MESSAGE');
      assert.strictEqual(agent.ws.readyState, WebSocket.OPEN, 'the call goes on');
      for (let i = 0; i < 5; i++) agent.send('[]');
      assert.strictEqual((await agent.closed).code, 1008);
    });

    it('past maxConnectionsPerIp the upgrade gets 429', async function () {
      const s = createCallService({ secret: SECRET, port: 0, maxConnectionsPerIp: 2, media: { listenAddresses: ['127.0.0.1'] } });
      try {
        const { url: u } = await s.listen();
        const a = new Client(u);
        const b = new Client(u);
        clients.push(a, b);
        await Promise.all([a.opened, b.opened]);
        const c = new Client(u);
        await assert.rejects(c.opened, { status: 429 });
        a.close();
        await a.closed;
        await sleep(50);
        const d = new Client(u);
        clients.push(d);
        await d.opened;
      } finally {
        await s.close();
      }
    });
    it('behind a proxy (trustProxy), the limit counts the last X-Forwarded-For hop, not the proxy', async function () {
      const s = createCallService({ secret: SECRET, port: 0, maxConnectionsPerIp: 1, trustProxy: true, media: { listenAddresses: ['127.0.0.1'] } });
      try {
        const { url: u } = await s.listen();
        const via = (client) => ({ headers: { 'x-forwarded-for': `10.9.9.9, ${client}` } });
        const a = new Client(u, '/ws', via('198.51.100.1'));
        const b = new Client(u, '/ws', via('198.51.100.2'));
        clients.push(a, b);
        await Promise.all([a.opened, b.opened]);
        // Same last hop, whatever the client wrote before it: over the limit.
        const c = new Client(u, '/ws', via('198.51.100.1'));
        await assert.rejects(c.opened, { status: 429 });
      } finally {
        await s.close();
      }
    });
  });

  describe('the service object', function () {
    it('a join the service cannot complete (a throwing iceServersFor) gets ERR_INTERNAL and 1011, and leaves the party away', async function () {
      const call = await createCall();
      const token = await tokenFor(call.id, 'visitor');
      const original = service.iceServersFor;
      service.iceServersFor = () => { throw new Error('test: broken hook'); };
      const warnings = [];
      service.removeAllListeners('warning');
      service.on('warning', (e) => warnings.push(e));
      try {
        const c = new Client(url);
        clients.push(c);
        await c.opened;
        c.send({ type: 'join', token });
        assert.strictEqual((await c.take('error')).code, 'ERR_INTERNAL');
        assert.strictEqual((await c.closed).code, 1011);
        assert.match(warnings[0].message, /broken hook/, 'the cause reaches the operator');
      } finally {
        service.iceServersFor = original;
        service.removeAllListeners('warning');
        service.on('warning', (err) => { throw err; });
      }
      assert.notStrictEqual((await getCall(call.id)).parties.visitor.present, true);
      const ok = await joinWith(token);
      assert.strictEqual(ok.joined.resumed, false, 'the failed join left no trace');
    });

    it('addRoute() serves a prefix and its subpaths; other paths stay 404; a throwing handler is a 500', async function () {
      service.addRoute('/hello', (req, res) => res.end(`hi ${req.url}`));
      service.addRoute('/boom', () => { throw new Error('handler bug'); });
      assert.strictEqual(await (await fetch(`${url}/hello`)).text(), 'hi /hello');
      assert.strictEqual(await (await fetch(`${url}/hello/x?y=1`)).text(), 'hi /hello/x?y=1');
      assert.strictEqual((await fetch(`${url}/hellox`)).status, 404);
      assert.throws(() => service.addRoute('/hello', () => {}), /already served/);
      assert.throws(() => service.addRoute('/api', () => {}), /already served/);
      assert.throws(() => service.addRoute('nope/', () => {}), TypeError);
      const warnings = [];
      service.removeAllListeners('warning');
      service.on('warning', (e) => warnings.push(e));
      try {
        assert.strictEqual((await fetch(`${url}/boom`)).status, 500);
        assert.match(warnings[0].message, /handler bug/);
      } finally {
        service.removeAllListeners('warning');
        service.on('warning', (err) => { throw err; });
      }
    });

    it('service.sessions counts live calls by mode and path and the parties connected', async function () {
      const before = service.sessions;
      const { call, agent } = await pair();
      const now = service.sessions;
      assert.strictEqual(now.live, before.live + 1);
      assert.strictEqual(now.byMode.p2p, before.byMode.p2p + 1);
      assert.strictEqual(now.partiesConnected, before.partiesConnected + 2);
      assert.ok(now.connections >= 2);
      agent.close();
      await agent.closed;
      await sleep(50);
      assert.strictEqual(service.sessions.partiesConnected, before.partiesConnected + 1);
      await api(url, 'POST', `/api/calls/${call.id}/end`, { reason: 'ended' });
      assert.strictEqual(service.sessions.live, before.live);
    });

    it('pings keep an answering socket; one silent past the limit is dropped and its party is away', async function () {
      const s = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] } });
      try {
        const { url: u } = await s.listen();
        Object.assign(s._signalling.timing, { pingIntervalMs: 100, dropAfterMs: 300 }); // 15 s and 30 s, shortened
        const id = (await api(u, 'POST', '/api/calls', { roomId: 'r' })).body.id;
        const join = async (party, options) => {
          const c = new Client(u, '/ws', options);
          clients.push(c);
          await c.opened;
          c.send({ type: 'join', token: (await api(u, 'POST', `/api/calls/${id}/tokens`, { party })).body.token });
          await c.take('joined');
          return c;
        };
        const lively = await join('agent', {});
        const silent = await join('visitor', { autoPong: false });
        const t0 = Date.now();
        await silent.closed;
        assert.ok(Date.now() - t0 >= 250, 'dropped too early');
        assert.deepStrictEqual(await lively.take('peer'), { type: 'peer', present: true });
        assert.deepStrictEqual(await lively.take('peer'), { type: 'peer', present: false });
        await sleep(300);
        assert.strictEqual(lively.ws.readyState, WebSocket.OPEN);
        assert.strictEqual(s.calls.get(id).parties.visitor.present, false);
        assert.strictEqual(s.calls.get(id).state, 'active', 'a dropped socket does not end the call');
      } finally {
        await s.close();
      }
    });

    it("events for metrics: 'session-start', 'fallback', 'session-end', 'ws-refused'", async function () {
      const seen = [];
      const names = ['session-start', 'fallback', 'session-end', 'ws-refused'];
      const listeners = names.map((n) => [n, (d) => seen.push([n, d])]);
      listeners.forEach(([n, l]) => service.on(n, l));
      try {
        const { call, agent, visitor } = await pair({ relayPolicy: 'fallback' });
        const g = (await agent.take('start')).generation;
        agent.send({ type: 'state', connectionState: 'failed', generation: g });
        await visitor.take('start');
        await visitor.take('start');
        agent.send({ type: 'hangup' });
        await visitor.take('ended');
        const bad = open();
        await bad.opened;
        bad.send({ type: 'join', token: 'x' });
        await assertRefused(bad);
        assert.deepStrictEqual(seen, [
          ['session-start', { callId: call.id }],
          ['fallback', { callId: call.id, reason: 'p2p-failed' }],
          ['session-end', { callId: call.id, reason: 'ended', by: 'agent' }],
          ['ws-refused', { reason: 'malformed token' }],
        ]);
      } finally {
        listeners.forEach(([n, l]) => service.off(n, l));
      }
    });

    it('close() ends the live calls: ended by service, reason service-closed', async function () {
      const s = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] } });
      const { url: u } = await s.listen();
      const id = (await api(u, 'POST', '/api/calls', { roomId: 'r' })).body.id;
      const token = (await api(u, 'POST', `/api/calls/${id}/tokens`, { party: 'agent' })).body.token;
      const c = new Client(u);
      clients.push(c);
      await c.opened;
      c.send({ type: 'join', token });
      await c.take('joined');
      await s.close();
      assert.deepStrictEqual(await c.take('ended'), { type: 'ended', reason: 'service-closed', by: 'service' });
      assert.strictEqual((await c.closed).code, 1000);
      assert.strictEqual(s.calls.get(id).endReason, 'service-closed');
    });
  });
});
