'use strict';
// Proves the e2e harness with no server in the path: two Chromium processes (the
// visitor's fake microphone plays 440 Hz, the agent's 880 Hz, both send the fake
// camera) call each other peer-to-peer over 127.0.0.1, the test relaying offer,
// answer and trickle candidates. If this fails, the browser setup is broken, not
// the media server.
//
// Measured on the dev machine (2 cores, Chromium 156, in scripts/test.js's namespace),
// 12 runs (6 of them with a second copy of this file running at the same time):
//   connect, createOffer() -> both connectionState 'connected': 91-330 ms (once 970 ms under load)
//   both browsers launched in parallel + page + getUserMedia:    1.6-2.7 s alone, 3.5-5.3 s under load
//   received tones: 880.0 Hz at -21.2 dB (visitor), 440.0 Hz at -20.6 dB (agent); ~40 video frames
//   decoded each way by the time the video test runs. The whole file takes 5-8 s.
// These numbers are for information only: no assertion depends on timing.

const assert = require('assert');
const { launchBrowser, closeAllBrowsers, assertPrivateNetns } = require('./helpers/browser');
const { toneFile } = require('./helpers/tones');
const { startPageServer, openPeer } = require('./helpers/pages');
const { connectPeers, waitFor } = require('./helpers/signal');

const VISITOR_HZ = 440;
const AGENT_HZ = 880;
const TOLERANCE_HZ = 15;

describe('e2e harness: visitor and agent browsers call each other directly over loopback (no server)', function () {
  this.timeout(45000);
  let pages;
  let visitor;
  let agent;
  let call = null;

  before(async function () {
    const t0 = Date.now();
    const [visitorTone, agentTone] = await Promise.all([toneFile(VISITOR_HZ), toneFile(AGENT_HZ)]);
    pages = await startPageServer();
    const [vb, ab] = await Promise.all([
      launchBrowser({ name: 'visitor', fakeAudioFile: visitorTone }),
      launchBrowser({ name: 'agent', fakeAudioFile: agentTone }),
    ]);
    [visitor, agent] = await Promise.all([
      openPeer(vb, { baseUrl: pages.baseUrl, video: true }),
      openPeer(ab, { baseUrl: pages.baseUrl, video: true }),
    ]);
    console.log(`      [harness] two browsers launched with pages and media in ${Date.now() - t0} ms`);
  });

  after(async function () {
    await closeAllBrowsers();
    if (pages) await pages.close();
  });

  function requireCall() {
    if (!call) throw new Error('not connected: see the first test in this block');
  }

  it('visitor and agent connect with trickle ICE over 127.0.0.1 only', async function () {
    call = await connectPeers(visitor, agent, { timeoutMs: 15000 });
    console.log(`      [harness] connected in ${call.connectMs} ms`);
    for (const p of [visitor, agent]) {
      const cands = p.candidates.filter(Boolean).filter((c) => c.candidate);
      assert.ok(cands.length > 0, `${p.name} gathered no candidates`);
      for (const c of cands) assert.match(c.candidate, / 127\.0\.0\.1 /, `${p.name} offered a non-loopback candidate: ${c.candidate}`);
      const pair = await waitFor(() => p.selectedPair(), { timeoutMs: 5000, what: `${p.name} selected candidate pair` });
      assert.strictEqual(pair.local.address, '127.0.0.1', `${p.name} pair ${JSON.stringify(pair)}`);
      assert.strictEqual(pair.remote.address, '127.0.0.1', `${p.name} pair ${JSON.stringify(pair)}`);
    }
    // End-of-candidates (null) reaches the other side too, and nothing failed to relay.
    await waitFor(() => visitor.candidates.includes(null) && agent.candidates.includes(null),
      { timeoutMs: 10000, what: 'both peers to finish gathering' });
    await call.wiring.settled();
  });

  it('each side hears the other\'s tone (visitor 440 Hz, agent 880 Hz)', async function () {
    requireCall();
    await waitFor(async () => (await visitor.audioPacketsReceived()) > 50 && (await agent.audioPacketsReceived()) > 50,
      { timeoutMs: 10000, what: 'audio packets on both sides' });
    const [atVisitor, atAgent] = await Promise.all([visitor.dominantFrequency(), agent.dominantFrequency()]);
    console.log(`      [harness] visitor hears ${fmtTone(atVisitor)}, agent hears ${fmtTone(atAgent)}`);
    assert.ok(atVisitor.frequency !== null && Math.abs(atVisitor.frequency - AGENT_HZ) <= TOLERANCE_HZ,
      `visitor should hear ${AGENT_HZ} Hz, got ${JSON.stringify(atVisitor)}`);
    assert.ok(atAgent.frequency !== null && Math.abs(atAgent.frequency - VISITOR_HZ) <= TOLERANCE_HZ,
      `agent should hear ${VISITOR_HZ} Hz, got ${JSON.stringify(atAgent)}`);
    // A clear tone, not noise: well above the -100 dB floor of a silent stream.
    assert.ok(atVisitor.levelDb > -60 && atAgent.levelDb > -60,
      `tone levels too low: visitor ${atVisitor.levelDb} dB, agent ${atAgent.levelDb} dB`);
  });

  it('video frames arrive both ways', async function () {
    requireCall();
    const counts = await waitFor(async () => {
      const v = await visitor.videoFramesReceived();
      const a = await agent.videoFramesReceived();
      return v >= 10 && a >= 10 && { visitor: v, agent: a };
    }, { timeoutMs: 10000, what: 'at least 10 decoded video frames on each side' });
    console.log(`      [harness] video frames decoded: visitor ${counts.visitor}, agent ${counts.agent}`);
  });
});

function fmtTone(r) {
  return r.frequency === null ? 'silence' : `${r.frequency.toFixed(1)} Hz at ${r.levelDb.toFixed(1)} dB`;
}

describe('e2e harness: browsers start only inside the private test namespace', function () {
  const lo = [{ address: '127.0.0.1', family: 'IPv4', internal: true }, { address: '::1', family: 'IPv6', internal: true }];
  const eth0 = [{ address: '10.0.0.5', family: 'IPv4', internal: false }];

  it('assertPrivateNetns() accepts only loopback with LCC_TEST_NETNS=1', function () {
    assert.doesNotThrow(() => assertPrivateNetns({ env: { LCC_TEST_NETNS: '1' }, interfaces: { lo } }));
  });

  it('assertPrivateNetns() refuses when a non-loopback interface is visible, with ERR_NOT_IN_TEST_NETNS', function () {
    assert.throws(() => assertPrivateNetns({ env: { LCC_TEST_NETNS: '1' }, interfaces: { lo, eth0 } }),
      (e) => e.code === 'ERR_NOT_IN_TEST_NETNS' && /eth0 \(10\.0\.0\.5\)/.test(e.message) && /scripts\/test\.js/.test(e.message));
  });

  it('assertPrivateNetns() refuses without LCC_TEST_NETNS=1 even with loopback only', function () {
    assert.throws(() => assertPrivateNetns({ env: {}, interfaces: { lo } }),
      (e) => e.code === 'ERR_NOT_IN_TEST_NETNS' && /LCC_TEST_NETNS/.test(e.message));
  });

  it('assertPrivateNetns() refuses a "lo" that carries a non-internal address', function () {
    assert.throws(() => assertPrivateNetns({ env: { LCC_TEST_NETNS: '1' }, interfaces: { lo: [...lo, eth0[0]] } }),
      (e) => e.code === 'ERR_NOT_IN_TEST_NETNS');
  });

  it('launchBrowser() rejects before starting anything when the guard refuses', async function () {
    await assert.rejects(launchBrowser({ name: 'refused', guard: { env: { LCC_TEST_NETNS: '1' }, interfaces: { lo, eth0 } } }),
      (e) => e.code === 'ERR_NOT_IN_TEST_NETNS');
  });

  it('this test process itself runs in the private namespace', function () {
    assert.doesNotThrow(() => assertPrivateNetns());
  });
});
