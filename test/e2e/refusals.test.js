'use strict';
// Bad input is refused with a clear error and costs nothing else: a malformed
// offer, a wrong DTLS fingerprint and garbage candidates on one call, and a
// flood of garbage datagrams at the media ports, while another call on the
// same MediaServer keeps its audio flowing.

const assert = require('assert');
const crypto = require('crypto');
const dgram = require('dgram');
const { launchBrowser } = require('./helpers/browser');
const { openPeer } = require('./helpers/pages');
const { waitFor, waitForState, wireCandidates } = require('./helpers/signal');
const { serverLeg } = require('./helpers/server-leg');
const { callFixture } = require('./helpers/fixture');
const { openTwoParties, connectParties, fmtTone } = require('./helpers/calls');

describe('bad input on one call is refused while another call keeps its audio', function () {
  this.timeout(120000);
  const env = callFixture();
  let visitor;
  let agent;
  let good;
  let bad;

  before(async function () {
    ({ visitor, agent } = await openTwoParties(env.pages.baseUrl));
    good = env.media.createCall({ id: 'good-call' });
    await connectParties(good, { visitor, agent });
    bad = env.media.createCall({ id: 'bad-call' });
  });

  it('call.answer() with a malformed offer rejects with ERR_SDP_INVALID naming the line', async function () {
    await assert.rejects(bad.answer('visitor', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio nonsense\r\n'),
      (e) => e.code === 'ERR_SDP_INVALID' && /line \d+/.test(e.message));
    await assert.rejects(bad.answer('visitor', 'this is not SDP at all'), (e) => e.code === 'ERR_SDP_INVALID');
    await assert.rejects(bad.answer('visitor', ''), (e) => e.code === 'ERR_SDP_INVALID');
  });

  it('call.addCandidate() with garbage rejects with ERR_CANDIDATE_INVALID', async function () {
    const browser = await launchBrowser({ name: 'probe' });
    const page = await openPeer(browser, { baseUrl: env.pages.baseUrl });
    await page.acceptAnswer(await bad.answer('agent', await page.createOffer()));
    for (const candidate of [
      'candidate:garbage',
      'candidate:1 1 udp notanumber 127.0.0.1 9 typ host',
      'candidate:1 1 udp 2122260223 999.1.1.1 5000 typ host',
      'no candidate prefix at all',
    ]) {
      await assert.rejects(bad.addCandidate('agent', { candidate, sdpMid: '0', sdpMLineIndex: 0 }),
        (e) => e.code === 'ERR_CANDIDATE_INVALID', `accepted ${candidate}`);
    }
    await assert.rejects(bad.addCandidate('agent', { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', sdpMid: 'nope' }),
      (e) => e.code === 'ERR_CANDIDATE_INVALID' && /sdpMid/.test(e.message));
    await browser.close();
  });

  it('a wrong DTLS fingerprint fails the leg with ERR_FINGERPRINT_MISMATCH', async function () {
    const browser = await launchBrowser({ name: 'impostor' });
    const page = await openPeer(browser, { baseUrl: env.pages.baseUrl });
    const call = env.media.createCall({ id: 'impostor-call' });
    const leg = serverLeg(call, 'visitor');
    const failed = new Promise((resolve) => call.on('state', (p, s, err) => s === 'failed' && resolve(err)));
    const wiring = wireCandidates(page, leg);
    const offer = await page.createOffer();
    // One hex digit off: the certificate the page presents no longer matches.
    const tampered = offer.replace(/(a=fingerprint:sha-256 )([0-9A-F])/, (m, p, d) => p + (d === 'A' ? 'B' : 'A'));
    assert.notStrictEqual(tampered, offer);
    await page.acceptAnswer(await call.answer('visitor', tampered));
    const err = await failed;
    assert.strictEqual(err.code, 'ERR_FINGERPRINT_MISMATCH');
    assert.match(err.message, /fingerprint/);
    assert.strictEqual((await call.getStats()).parties.visitor.state, 'failed');
    wiring.stop();
    await call.end();
    await browser.close();
  });

  it('a flood of garbage datagrams at the live call\'s media ports is dropped while its audio keeps flowing', async function () {
    const stats = (await good.getStats()).parties;
    const targets = ['visitor', 'agent'].map((p) => stats[p].selectedCandidatePair.local);
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    // What an attacker who learnt the ports would send: random bytes, and bytes
    // that start like RTP/RTCP (128..191), DTLS (20..63) and STUN (0..3).
    const firstBytes = [0x80, 0x90, 0xC8, 0x16, 0x17, 0x00, 0x01, 0xFF];
    const before = [await visitor.audioPacketsReceived(), await agent.audioPacketsReceived()];
    const cpu = process.cpuUsage();
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 3000) {
      const batch = [];
      for (let i = 0; i < 200; i++) {
        const pkt = crypto.randomBytes(20 + (sent + i) % 1200);
        pkt[0] = firstBytes[(sent + i) % firstBytes.length];
        const t = targets[(sent + i) % targets.length];
        batch.push(new Promise((resolve) => socket.send(pkt, t.port, t.address, resolve)));
      }
      await Promise.all(batch);
      sent += batch.length;
    }
    const used = process.cpuUsage(cpu);
    socket.close();
    const heard = [(await visitor.audioPacketsReceived()) - before[0], (await agent.audioPacketsReceived()) - before[1]];
    console.log(`      [refusals] ${sent} garbage datagrams in ${Date.now() - started} ms; test process (sender and media thread) CPU ${((used.user + used.system) / 1000).toFixed(0)} ms; audio packets meanwhile: visitor ${heard[0]}, agent ${heard[1]}`);
    // 3 s of Opus is ~150 packets: most of them arrived on both sides during the flood.
    assert.ok(heard[0] >= 100 && heard[1] >= 100, `audio during the flood: ${heard}`);
    const after = (await good.getStats()).parties;
    assert.deepStrictEqual([after.visitor.state, after.agent.state], ['connected', 'connected']);
  });

  it('the other call still carries audio both ways, with the right tones', async function () {
    const before = [await visitor.audioPacketsReceived(), await agent.audioPacketsReceived()];
    await waitFor(async () => (await visitor.audioPacketsReceived()) > before[0] + 100 &&
      (await agent.audioPacketsReceived()) > before[1] + 100, { timeoutMs: 10000, what: '100 more audio packets each way' });
    const [atVisitor, atAgent] = await Promise.all([visitor.dominantFrequency(), agent.dominantFrequency()]);
    assert.ok(Math.abs(atVisitor.frequency - 880) <= 15, `visitor hears ${fmtTone(atVisitor)}`);
    assert.ok(Math.abs(atAgent.frequency - 440) <= 15, `agent hears ${fmtTone(atAgent)}`);
    const s = (await good.getStats()).parties;
    assert.strictEqual(s.visitor.state, 'connected');
    assert.strictEqual(s.agent.state, 'connected');
  });
});

describe('a vanished peer', function () {
  this.timeout(120000);
  const env = callFixture();

  it('closing the visitor\'s tab mid-call fails its leg within consent-freshness time; the call reports it and the agent\'s leg stays up', async function () {
    const parties = await openTwoParties(env.pages.baseUrl);
    const { agent } = parties;
    const vb = parties.browsers.visitor;
    const call = env.media.createCall({ id: 'vanish' });
    await connectParties(call, parties);
    const events = [];
    call.on('state', (party, state, err) => events.push({ party, state, code: err && err.code, t: Date.now() }));
    const closedAt = Date.now();
    await vb.page.close(); // the tab goes away without any signalling
    // RFC 7675: consent expires 30 s after the last answered check.
    const ev = await waitFor(() => events.find((e) => e.party === 'visitor' && e.state === 'failed'),
      { timeoutMs: 45000, what: 'the visitor leg to fail' });
    console.log(`      [vanish] visitor leg failed ${ev.t - closedAt} ms after the tab closed (${ev.code})`);
    assert.ok(['ERR_ICE_FAILED', 'ERR_DTLS_FAILED'].includes(ev.code), ev.code);
    // The agent's side of the call learns it through the call's events, and its leg stays up.
    assert.strictEqual((await call.getStats()).parties.agent.state, 'connected');
    await waitForState(agent, 'connectionState', 'connected', { timeoutMs: 1000 });
    await call.end();
  });
});
