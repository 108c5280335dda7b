'use strict';
// User story: a LiveChat call connects whatever the network. Two browsers join
// a call with the browser client (js/client) through the call service:
//  - both forced to TURN (iceTransportPolicy 'relay') through a real coturn,
//    with credentials the service minted: peer-to-peer over TURN, and through
//    the server; a service holding the wrong TURN secret gets nowhere;
//  - visitor and agent each behind its own symmetric NAT (network namespaces
//    made by the test): peer-to-peer cannot connect, and with relay policy
//    'fallback' the call moves to the server by itself, within 10 s, and each
//    hears the other; a relayed visitor whose address changes mid-call is
//    back in the call by itself.

const assert = require('assert');
const { createCallService } = require('../../js/service/call-service');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { startCoturn } = require('./helpers/coturn');
const { joinWithClient } = require('./helpers/client-page');
const { createNatTopology, cannotCreateNamespacesReason } = require('./helpers/nat');
const { toneFile } = require('./helpers/tones');
const { waitFor } = require('./helpers/signal');
const { signedFetch } = require('../helpers/signed-fetch');
const { fmtTone } = require('./helpers/calls');
const { MediaServer } = require('../..');
const { turnIceServers } = require('../../js/service/calls/turn-credentials');

const SECRET = 'connectivity-test-secret-0123456789';
const TURN_SECRET = 'coturn-shared-secret-for-tests';
const VISITOR_HZ = 440;
const AGENT_HZ = 880;

/** Creates a call on the service and mints both parties' tokens, as the App does. */
async function newCall(url, relayPolicy) {
  const api = (method, path, body) => signedFetch(url, { secret: SECRET, method, path, body });
  const call = (await api('POST', '/api/calls', { roomId: 'room', relayPolicy })).body;
  const tokens = {};
  for (const party of ['visitor', 'agent']) tokens[party] = (await api('POST', `/api/calls/${call.id}/tokens`, { party })).body;
  return { id: call.id, tokens };
}

async function assertHearEachOther(visitor, agent) {
  const [atVisitor, atAgent] = await Promise.all([visitor.dominantFrequency(), agent.dominantFrequency()]);
  console.log(`      [connectivity] visitor hears ${fmtTone(atVisitor)}, agent hears ${fmtTone(atAgent)}`);
  assert.ok(Math.abs(atVisitor.frequency - AGENT_HZ) <= 15, `visitor hears ${fmtTone(atVisitor)}`);
  assert.ok(Math.abs(atAgent.frequency - VISITOR_HZ) <= 15, `agent hears ${fmtTone(atAgent)}`);
}

describe('calls through TURN (coturn) with credentials minted by the service', function () {
  this.timeout(90000);
  let coturn;
  let browsers;

  before(async () => {
    coturn = await startCoturn({ secret: TURN_SECRET });
    browsers = {
      visitor: await launchBrowser({ name: 'turn-visitor', fakeAudioFile: await toneFile(VISITOR_HZ) }),
      agent: await launchBrowser({ name: 'turn-agent', fakeAudioFile: await toneFile(AGENT_HZ) }),
    };
  });
  after(async () => {
    await closeAllBrowsers();
    if (coturn) await coturn.stop();
  });

  async function withService(turnSecret, fn) {
    const service = createCallService({
      secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] },
      turn: { secret: turnSecret, urls: [coturn.urls.udp, coturn.urls.tcp], ttlSeconds: 600 },
    });
    try {
      const { url } = await service.listen();
      await fn(url, service);
    } finally {
      await service.close();
    }
  }

  for (const relayPolicy of ['never', 'always']) {
    const where = relayPolicy === 'never' ? 'peer-to-peer over TURN' : 'through the server, each browser over TURN';
    it(`both browsers forced to relay connect ${where}, and hear each other`, async () => {
      await withService(TURN_SECRET, async (url, service) => {
        const call = await newCall(url, relayPolicy);
        const [visitor, agent] = await Promise.all(['visitor', 'agent'].map((party) => joinWithClient(browsers[party], {
          serviceUrl: url, token: call.tokens[party].token, signallingUrl: call.tokens[party].signallingUrl, iceTransportPolicy: 'relay',
        })));
        await waitFor(async () => (await visitor.state()) === 'connected' && (await agent.state()) === 'connected',
          { timeoutMs: 20000, what: 'both clients connected through coturn' });
        const expected = relayPolicy === 'never' ? 'p2p' : 'relay';
        await waitFor(() => service.calls.get(call.id).path === expected, { timeoutMs: 10000, what: `path ${expected}` });
        assert.match(coturn.logs(), new RegExp(`${call.id}-visitor>: incoming packet ALLOCATE processed, success`));
        await waitFor(async () => {
          const f = await visitor.dominantFrequency();
          return f.frequency !== null;
        }, { timeoutMs: 10000, what: 'audio at the visitor' });
        await assertHearEachOther(visitor, agent);
        await agent.hangup();
      });
    });
  }

  it('a service holding the wrong TURN secret: browsers forced to relay gather nothing and never connect', async () => {
    await withService('not-the-coturn-secret-at-all', async (url) => {
      const call = await newCall(url, 'never');
      const [visitor, agent] = await Promise.all(['visitor', 'agent'].map((party) => joinWithClient(browsers[party], {
        serviceUrl: url, token: call.tokens[party].token, signallingUrl: call.tokens[party].signallingUrl, iceTransportPolicy: 'relay',
      })));
      await new Promise((r) => setTimeout(r, 6000));
      for (const side of [visitor, agent]) assert.ok(!(await side.history()).states.includes('connected'), JSON.stringify(await side.history()));
      assert.match(coturn.logs(), /401/);
    });
  });
});

describe("the server's own ICE agents allocate on coturn with minted credentials", function () {
  this.timeout(60000);
  let coturn;
  before(async () => { coturn = await startCoturn({ secret: TURN_SECRET }); });
  after(async () => { if (coturn) await coturn.stop(); });

  /** The candidates the server gathers for an offer (in the SDP and trickled), with these ICE servers. */
  async function gather(iceServers) {
    const media = new MediaServer({ listenAddresses: ['127.0.0.1'], iceServers });
    try {
      const call = media.createCall({ id: 'turn-gather' });
      const candidates = [];
      const done = new Promise((resolve) => call.on('candidate', (party, c) => (c ? candidates.push(c.candidate) : resolve())));
      const offer = await call.offer('visitor');
      for (const m of offer.matchAll(/^a=(candidate:.*)$/gm)) candidates.push(m[1].trim());
      await Promise.race([done, new Promise((r) => setTimeout(r, 8000))]);
      return candidates;
    } finally {
      await media.close();
    }
  }

  for (const transport of ['udp', 'tcp']) {
    it(`over ${transport.toUpperCase()}: a relay candidate on coturn's relay address`, async () => {
      const [server] = turnIceServers({ secret: TURN_SECRET, urls: [coturn.urls[transport]], ttlSeconds: 600 }, 'call-server');
      const candidates = await gather([server]);
      assert.ok(candidates.some((c) => / typ relay /.test(c) && / 127\.0\.0\.1 /.test(c)), candidates.join('\n'));
      assert.match(coturn.logs(), /call-server>: incoming packet ALLOCATE processed, success/);
    });
  }

  it('with a credential minted from the wrong secret: no relay candidate', async () => {
    const [server] = turnIceServers({ secret: 'not-the-coturn-secret', urls: [coturn.urls.udp], ttlSeconds: 600 }, 'call-wrong');
    const candidates = await gather([server]);
    assert.ok(candidates.some((c) => / typ host\b/.test(c)), `host candidates still: ${candidates.join('\n')}`);
    assert.ok(!candidates.some((c) => / typ relay /.test(c)), candidates.join('\n'));
    assert.match(coturn.logs(), /call-wrong>: incoming packet message processed, error 401/);
  });
});

describe('visitor and agent behind symmetric NATs: the call falls back to the server by itself', function () {
  this.timeout(120000);
  let topo;
  let service;
  let url;

  before(async function () {
    const why = cannotCreateNamespacesReason();
    if (why) {
      console.log(`      SKIPPED: network namespaces cannot be created here (${why}); run the suite as root`);
      this.skip();
    }
    topo = await createNatTopology();
    service = createCallService({ secret: SECRET, host: topo.coreAddress, port: 0, media: { listenAddresses: [topo.coreAddress] } });
    ({ url } = await service.listen());
  });
  after(async () => {
    if (service) await service.close();
    if (topo) await topo.close();
  });

  it("with policy 'fallback', p2p fails, both move to the server within 10 s, and each hears the other", async () => {
    const call = await newCall(url, 'fallback');
    const secureOrigin = `--unsafely-treat-insecure-origin-as-secure=${url}`;
    const [vb, ab] = await Promise.all([
      topo.launchBrowserIn('visitor', { fakeAudioFile: await toneFile(VISITOR_HZ), args: [secureOrigin] }),
      topo.launchBrowserIn('agent', { fakeAudioFile: await toneFile(AGENT_HZ), args: [secureOrigin] }),
    ]);
    const t0 = Date.now();
    const [visitor, agent] = await Promise.all([
      joinWithClient(vb, { serviceUrl: url, token: call.tokens.visitor.token, signallingUrl: call.tokens.visitor.signallingUrl }),
      joinWithClient(ab, { serviceUrl: url, token: call.tokens.agent.token, signallingUrl: call.tokens.agent.signallingUrl }),
    ]);
    await waitFor(async () => (await visitor.path()) === 'relay' && (await agent.path()) === 'relay'
      && (await visitor.state()) === 'connected' && (await agent.state()) === 'connected',
    { timeoutMs: 20000, what: 'both clients connected through the server' });
    const ms = Date.now() - t0;
    const stored = service.calls.get(call.id);
    console.log(`      [connectivity] fell back (${stored.fallback && stored.fallback.reason}) and connected through the server in ${ms} ms`);
    assert.ok(ms < 10000, `connected through the server after ${ms} ms`);
    assert.strictEqual(stored.path, 'relay');
    assert.ok(['p2p-failed', 'p2p-timeout'].includes(stored.fallback.reason));
    const history = await visitor.history();
    assert.ok(!history.paths.includes('p2p'), `never connected peer-to-peer: ${JSON.stringify(history)}`);
    // The server sees each party from its NAT's outside address, not its private one.
    const stats = (await service.media.getCall(call.id).getStats()).parties;
    assert.strictEqual(stats.visitor.selectedCandidatePair.remote.address, topo.visitor.natAddress);
    assert.strictEqual(stats.agent.selectedCandidatePair.remote.address, topo.agent.natAddress);
    await waitFor(async () => (await visitor.dominantFrequency()).frequency !== null, { timeoutMs: 10000, what: 'audio at the visitor' });
    await assertHearEachOther(visitor, agent);
    await visitor.hangup();
    assert.strictEqual(service.calls.get(call.id).endedBy, 'visitor');
  });

  it("a relayed call survives the visitor's network change: the client rejoins on a fresh connection and the call goes on", async () => {
    const call = await newCall(url, 'always');
    const secureOrigin = `--unsafely-treat-insecure-origin-as-secure=${url}`;
    const [vb, ab] = await Promise.all([
      topo.launchBrowserIn('visitor', { name: 'move-visitor', fakeAudioFile: await toneFile(VISITOR_HZ), args: [secureOrigin] }),
      topo.launchBrowserIn('agent', { name: 'move-agent', fakeAudioFile: await toneFile(AGENT_HZ), args: [secureOrigin] }),
    ]);
    const [visitor, agent] = await Promise.all([
      joinWithClient(vb, { serviceUrl: url, token: call.tokens.visitor.token, signallingUrl: call.tokens.visitor.signallingUrl }),
      joinWithClient(ab, { serviceUrl: url, token: call.tokens.agent.token, signallingUrl: call.tokens.agent.signallingUrl }),
    ]);
    await waitFor(async () => (await visitor.state()) === 'connected' && (await agent.state()) === 'connected',
      { timeoutMs: 20000, what: 'both connected through the server' });
    const leg = async () => (await service.media.getCall(call.id).getStats()).parties.visitor;
    const before = (await leg()).selectedCandidatePair.remote;
    const legStates = [];
    const tMove = Date.now();
    service.media.getCall(call.id).on('state', (p, st, e) => legStates.push(`${Date.now() - tMove}ms ${p} ${st}${e ? ` (${e.message})` : ''}`));
    // The visitor's machine gets a new address (a Wi-Fi to cable move): the old one is gone.
    const newAddress = '10.1.0.3';
    await topo.exec('visitor', ['sysctl', '-qw', 'net.ipv4.conf.eth0.promote_secondaries=1']);
    await topo.exec('visitor', ['ip', 'addr', 'add', `${newAddress}/24`, 'dev', 'eth0']);
    await topo.exec('visitor', ['ip', 'addr', 'del', `${topo.visitor.address}/24`, 'dev', 'eth0']);
    await topo.exec('visitor', ['ip', 'route', 'replace', 'default', 'via', '10.1.0.1']);
    const t0 = Date.now();
    await waitFor(async () => {
      const now = await leg(); // null between the old leg's reset and the new leg
      return now && now.state === 'connected' && now.selectedCandidatePair
        && `${now.selectedCandidatePair.remote.address}:${now.selectedCandidatePair.remote.port}` !== `${before.address}:${before.port}`
        && (await visitor.state()) === 'connected';
    }, { timeoutMs: 30000, what: 'the visitor back on a new path after the move' }).catch(async (err) => {
      err.message += `\nvisitor: ${JSON.stringify(await visitor.history())}\nserver leg: ${JSON.stringify(await leg().catch((e) => e.message))}\nleg states: ${legStates.join(', ')}\nbefore: ${JSON.stringify(before)}`;
      throw err;
    });
    console.log(`      [connectivity] visitor moved networks; back in the call ${Date.now() - t0} ms later`);
    assert.ok(!(await visitor.history()).states.includes('ended'), 'the call never ended');
    assert.strictEqual(service.calls.get(call.id).state, 'active');
    await waitFor(async () => (await agent.dominantFrequency()).frequency !== null, { timeoutMs: 10000, what: 'audio from the visitor again' });
    await assertHearEachOther(visitor, agent);
    await agent.hangup();
  });
});
