'use strict';
// User stories of the media core with real Chromium pages over loopback, the
// test doing the signalling itself:
//  (a) a browser calls the server: ICE and DTLS connect and Opus RTP arrives;
//  (b) a visitor (440 Hz) and an agent (880 Hz) talk through the server: each
//      hears the other's tone, and video frames arrive both ways.

const assert = require('assert');
const { launchBrowser } = require('./helpers/browser');
const { toneFile } = require('./helpers/tones');
const { openPeer } = require('./helpers/pages');
const { waitFor } = require('./helpers/signal');
const { callFixture } = require('./helpers/fixture');
const { pageOffers, serverOffers, fmtTone } = require('./helpers/calls');

const VISITOR_HZ = 440;
const AGENT_HZ = 880;
const TOLERANCE_HZ = 15;

describe('a browser calls the media server over loopback', function () {
  this.timeout(60000);
  const env = callFixture();

  it('ICE and DTLS connect, and the server receives Opus RTP (page offers)', async function () {
    const browser = await launchBrowser({ name: 'visitor', fakeAudioFile: await toneFile(VISITOR_HZ) });
    const page = await openPeer(browser, { baseUrl: env.pages.baseUrl, video: false });
    const call = env.media.createCall({ id: 'e2e-a-1' });
    const { ms } = await pageOffers(call, 'visitor', page);
    console.log(`      [relay] page offer -> connected in ${ms} ms`);
    const stats = await waitFor(async () => {
      const s = (await call.getStats()).parties.visitor;
      return s.audio && s.audio.packetsIn > 50 && s;
    }, { timeoutMs: 10000, what: 'more than 50 audio packets at the server' });
    assert.strictEqual(stats.state, 'connected');
    assert.ok(['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'].includes(stats.srtpProfile), stats.srtpProfile);
    assert.strictEqual(stats.selectedCandidatePair.local.address, '127.0.0.1');
    assert.strictEqual(stats.selectedCandidatePair.remote.address, '127.0.0.1');
    assert.strictEqual(stats.srtpErrors, 0);
    const summary = await call.end();
    assert.strictEqual(summary.id, 'e2e-a-1');
    assert.strictEqual(summary.parties.visitor.state, 'closed');
    assert.ok(summary.parties.visitor.audio.packetsIn > 50);
    await browser.close();
  });

  it('ICE and DTLS connect when the server offers and the page answers', async function () {
    const browser = await launchBrowser({ name: 'agent', fakeAudioFile: await toneFile(AGENT_HZ) });
    const page = await openPeer(browser, { baseUrl: env.pages.baseUrl, video: true });
    const call = env.media.createCall({ id: 'e2e-a-2' });
    const { ms } = await serverOffers(call, 'agent', page);
    console.log(`      [relay] server offer -> connected in ${ms} ms`);
    await waitFor(async () => {
      const s = (await call.getStats()).parties.agent;
      return s.audio && s.audio.packetsIn > 50 && s.video && s.video.packetsIn > 20;
    }, { timeoutMs: 10000, what: 'audio and video packets from the answering page' });
    await call.end();
    await browser.close();
  });
});

describe('visitor and agent hear each other through the server', function () {
  this.timeout(90000);
  const env = callFixture();
  let visitor;
  let agent;
  let call;

  before(async function () {
    const [vb, ab] = await Promise.all([
      launchBrowser({ name: 'visitor', fakeAudioFile: await toneFile(VISITOR_HZ) }),
      launchBrowser({ name: 'agent', fakeAudioFile: await toneFile(AGENT_HZ) }),
    ]);
    [visitor, agent] = await Promise.all([
      openPeer(vb, { baseUrl: env.pages.baseUrl, video: true }),
      openPeer(ab, { baseUrl: env.pages.baseUrl, video: true }),
    ]);
    call = env.media.createCall({ id: 'e2e-b' });
    const [v, a] = await Promise.all([pageOffers(call, 'visitor', visitor), serverOffers(call, 'agent', agent)]);
    console.log(`      [relay] visitor connected in ${v.ms} ms, agent in ${a.ms} ms`);
  });

  it('each page hears the other party\'s tone (visitor 440 Hz, agent 880 Hz)', async function () {
    await waitFor(async () => (await visitor.audioPacketsReceived()) > 50 && (await agent.audioPacketsReceived()) > 50,
      { timeoutMs: 15000, what: 'relayed audio packets on both pages' });
    const [atVisitor, atAgent] = await Promise.all([visitor.dominantFrequency(), agent.dominantFrequency()]);
    console.log(`      [relay] visitor hears ${fmtTone(atVisitor)}, agent hears ${fmtTone(atAgent)}`);
    assert.ok(atVisitor.frequency !== null && Math.abs(atVisitor.frequency - AGENT_HZ) <= TOLERANCE_HZ,
      `visitor should hear ${AGENT_HZ} Hz, got ${JSON.stringify(atVisitor)}`);
    assert.ok(atAgent.frequency !== null && Math.abs(atAgent.frequency - VISITOR_HZ) <= TOLERANCE_HZ,
      `agent should hear ${VISITOR_HZ} Hz, got ${JSON.stringify(atAgent)}`);
    assert.ok(atVisitor.levelDb > -60 && atAgent.levelDb > -60, 'tones too quiet');
  });

  it('video frames arrive both ways', async function () {
    const counts = await waitFor(async () => {
      const v = await visitor.videoFramesReceived();
      const a = await agent.videoFramesReceived();
      return v >= 20 && a >= 20 && { visitor: v, agent: a };
    }, { timeoutMs: 15000, what: 'at least 20 decoded frames on each page' });
    console.log(`      [relay] frames decoded: visitor ${counts.visitor}, agent ${counts.agent}`);
  });

  it('getStats() shows media in and out on both legs, with RTT from the pages\' receiver reports', async function () {
    const stats = await waitFor(async () => {
      const s = (await call.getStats()).parties;
      return s.visitor.rttMs !== null && s.agent.rttMs !== null && s;
    }, { timeoutMs: 10000, what: 'an RTT on both legs' });
    for (const party of ['visitor', 'agent']) {
      const p = stats[party];
      assert.ok(p.audio.packetsIn > 0 && p.audio.packetsOut > 0, `${party} audio ${JSON.stringify(p.audio)}`);
      assert.ok(p.video.packetsIn > 0 && p.video.packetsOut > 0, `${party} video ${JSON.stringify(p.video)}`);
      // Loopback: a few ms on a quiet machine, more on a busy one; a unit or DLSR
      // mistake would be off by orders of magnitude (65536 per second of delay).
      assert.ok(p.rttMs >= 0 && p.rttMs < 1000, `${party} rtt ${p.rttMs}`);
    }
  });

  it('call.restartIce() gives the agent a new offer with new credentials, and audio keeps flowing', async function () {
    const ufrag = (sdp) => /a=ice-ufrag:(\S+)/.exec(sdp)[1];
    const before = await visitor.audioPacketsReceived();
    const oldUfrag = ufrag((await agent.descriptions()).remote);
    const oldPair = await agent.selectedPair();
    const offer = await call.restartIce('agent');
    assert.notStrictEqual(ufrag(offer), oldUfrag);
    await call.acceptAnswer('agent', await agent.acceptOffer(offer));
    // The page gathers new candidates for the new ICE generation: a pair on a new local port
    // means the server answered the new credentials' connectivity checks.
    await waitFor(async () => {
      const pair = await agent.selectedPair();
      return pair && pair.local.port !== oldPair.local.port;
    }, { timeoutMs: 10000, what: 'a new selected pair on the agent page after the restart' });
    await waitFor(async () => (await visitor.audioPacketsReceived()) > before + 100,
      { timeoutMs: 10000, what: 'audio from the agent after the server restarted ICE' });
    assert.strictEqual((await call.getStats()).parties.agent.state, 'connected');
  });

  it('a visitor\'s own ICE restart (a new offer with new credentials) is answered and audio keeps flowing', async function () {
    const before = await agent.audioPacketsReceived();
    const oldPair = await visitor.selectedPair();
    await visitor.restartIce();
    const offer = await visitor.createOffer();
    const answer = await call.answer('visitor', offer);
    await visitor.acceptAnswer(answer);
    await waitFor(async () => {
      const pair = await visitor.selectedPair();
      return pair && pair.local.port !== oldPair.local.port;
    }, { timeoutMs: 10000, what: 'a new selected pair on the visitor page after its restart' });
    await waitFor(async () => (await agent.audioPacketsReceived()) > before + 100,
      { timeoutMs: 10000, what: 'audio from the visitor after its ICE restart' });
    assert.strictEqual((await call.getStats()).parties.visitor.state, 'connected');
  });

  it('a visitor who reloads mid-call rejoins: resetLeg() and a fresh answer, and both hear each other again', async function () {
    const visitorStates = [];
    call.on('state', (p, st) => { if (p === 'visitor') visitorStates.push(st); });
    // The earlier tests' candidate relaying belongs to the old page and leg.
    visitor.removeAllListeners('candidate');
    visitor.candidates.length = 0;
    call.removeAllListeners('candidate');
    await visitor.page.reload();
    await visitor._call('init', { video: true });
    await call.resetLeg('visitor');
    // The reload's DTLS close_notify may fail the old leg first; either way it has ended.
    assert.ok(['closed', 'failed'].includes(visitorStates[visitorStates.length - 1]), `the old leg ends (states: ${visitorStates})`);
    const before = await agent.audioPacketsReceived();
    const { ms } = await pageOffers(call, 'visitor', visitor);
    console.log(`      [relay] reloaded visitor reconnected in ${ms} ms`);
    await waitFor(async () => (await agent.audioPacketsReceived()) > before + 100 && (await visitor.audioPacketsReceived()) > 50,
      { timeoutMs: 15000, what: 'audio both ways after the reload' });
    const [atVisitor, atAgent] = await Promise.all([visitor.dominantFrequency(), agent.dominantFrequency()]);
    assert.ok(Math.abs(atVisitor.frequency - AGENT_HZ) <= TOLERANCE_HZ, `visitor hears ${fmtTone(atVisitor)}`);
    assert.ok(Math.abs(atAgent.frequency - VISITOR_HZ) <= TOLERANCE_HZ, `agent hears ${fmtTone(atAgent)}`);
    assert.strictEqual((await call.getStats()).parties.visitor.state, 'connected');
  });
});
