'use strict';
// User story: call quality is shown during the call and recorded on it. Two
// Chromium pages join calls through the call service with the browser client
// (js/client): each shows a good/fair/poor figure from getStats() while
// connected, and the ended call's record (POST /api/calls/:id/end, GET
// /api/calls/:id) carries each party's packets, jitter, RTT and MOS: from the
// server's own counters when relayed, from the browsers' reports when
// peer-to-peer. With 5 % of the packets on lo dropped (helpers/packet-loss.js)
// the relayed call's MOS falls and the browsers' figure says fair or poor.

const assert = require('assert');
const { createCallService } = require('../../js/service/call-service');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { joinWithClient } = require('./helpers/client-page');
const { toneFile } = require('./helpers/tones');
const { waitFor } = require('./helpers/signal');
const { lossOnLoopback } = require('./helpers/packet-loss');
const { PARTIES } = require('../../js/common/parties');
const { signedFetch } = require('../helpers/signed-fetch');

const SECRET = 'quality-test-secret-0123456789abcd';
/** Live figures each page must have shown before the call ends (one every ~2 s). */
const LIVE_FIGURES = 5;

describe('call quality, live in the browsers and recorded on the call', function () {
  this.timeout(120000);
  let service;
  let url;
  let browsers;
  const measured = {};

  const api = (method, path, body) => signedFetch(url, { secret: SECRET, method, path, body });

  before(async () => {
    service = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] } });
    service.on('warning', (err) => console.error(`      [quality] service warning: ${err.message}`));
    ({ url } = await service.listen());
    browsers = {
      visitor: await launchBrowser({ name: 'quality-visitor', fakeAudioFile: await toneFile(440) }),
      agent: await launchBrowser({ name: 'quality-agent', fakeAudioFile: await toneFile(880) }),
    };
  });
  after(async () => {
    await closeAllBrowsers();
    if (service) await service.close();
    console.log(`      [quality] measured: ${JSON.stringify(measured)}`);
  });

  /** A call with both parties connected through the client, their `quality` events recorded in the page. */
  async function connectedCall(relayPolicy) {
    const call = (await api('POST', '/api/calls', { roomId: 'quality-room', relayPolicy })).body;
    const sides = {};
    await Promise.all(PARTIES.map(async (party) => {
      const { body: t } = await api('POST', `/api/calls/${call.id}/tokens`, { party });
      const side = await joinWithClient(browsers[party], { serviceUrl: url, token: t.token, signallingUrl: t.signallingUrl });
      await side.page.evaluate(() => {
        window.__quality = [];
        window.__lccTest.call.on('quality', (q) => window.__quality.push(q));
      });
      sides[party] = side;
    }));
    await waitFor(async () => (await sides.visitor.state()) === 'connected' && (await sides.agent.state()) === 'connected',
      { timeoutMs: 20000, what: 'both clients connected' });
    return { id: call.id, sides };
  }

  const figures = (side) => side.page.evaluate(() => window.__quality);

  /** Lets the call run until each page has shown LIVE_FIGURES figures; returns them. */
  async function talk(sides) {
    await waitFor(async () => (await figures(sides.visitor)).length >= LIVE_FIGURES && (await figures(sides.agent)).length >= LIVE_FIGURES,
      { timeoutMs: 30000, what: `${LIVE_FIGURES} quality figures in each page` });
    return { visitor: await figures(sides.visitor), agent: await figures(sides.agent) };
  }

  function assertEventShape(q) {
    assert.deepStrictEqual(Object.keys(q).sort(), ['jitterMs', 'level', 'lossPct', 'mos', 'rttMs']);
    assert.ok(['good', 'fair', 'poor'].includes(q.level), JSON.stringify(q));
    assert.ok(q.mos >= 1 && q.mos <= 4.5, JSON.stringify(q));
  }

  function assertPartySummary(s, source, what) {
    assert.ok(s, `${what}: no summary`);
    assert.strictEqual(s.source, source, what);
    assert.ok(s.packetsSent > 150, `${what}: packetsSent ${s.packetsSent}`);
    assert.ok(s.packetsReceived > 150, `${what}: packetsReceived ${s.packetsReceived}`);
    assert.ok(Number.isInteger(s.packetsLost) && s.packetsLost >= 0, `${what}: packetsLost ${s.packetsLost}`);
    assert.ok(s.jitterMs && s.jitterMs.p95 >= s.jitterMs.mean - 1e-9, `${what}: jitter ${JSON.stringify(s.jitterMs)}`);
    assert.ok(s.rttMs && s.rttMs.mean >= 0, `${what}: rtt ${JSON.stringify(s.rttMs)}`);
    assert.ok(s.mos >= 1 && s.mos <= 4.5, `${what}: mos ${s.mos}`);
  }

  /** Ends the call as the App does, and checks GET returns the same quality. */
  async function endAndRead(id) {
    const ended = await api('POST', `/api/calls/${id}/end`, { reason: 'ended' });
    assert.strictEqual(ended.status, 200, JSON.stringify(ended.body));
    const read = await api('GET', `/api/calls/${id}`);
    assert.deepStrictEqual(read.body.quality, ended.body.quality, 'GET /api/calls/:id returns the recorded quality');
    return ended.body.quality;
  }

  it('a relayed call: the pages show good, and the record has per-party counts from the server and a MOS about 4.4', async () => {
    const { id, sides } = await connectedCall('always');
    const live = await talk(sides);
    for (const party of PARTIES) {
      live[party].forEach(assertEventShape);
      assert.strictEqual(live[party][live[party].length - 1].level, 'good', `${party}: ${JSON.stringify(live[party])}`);
    }
    const quality = await endAndRead(id);
    for (const party of PARTIES) assertPartySummary(quality[party], 'server', party);
    for (const party of PARTIES) {
      assert.ok(quality[party].mos >= 4.2, `${party}: ${JSON.stringify(quality[party])}`);
      assert.ok(quality[party].lossPct < 1, `${party}: ${JSON.stringify(quality[party])}`);
    }
    measured.relayClean = { visitor: quality.visitor.mos, agent: quality.agent.mos, lossPct: [quality.visitor.lossPct, quality.agent.lossPct] };
  });

  it('a relayed call with 5 % of packets dropped: the MOS falls, and the pages show fair or poor', async () => {
    const loss = lossOnLoopback(5);
    console.log(`      [quality] loss: ${loss.how}`);
    try {
      const { id, sides } = await connectedCall('always');
      const live = await talk(sides);
      for (const party of PARTIES) {
        const last = live[party][live[party].length - 1];
        assert.ok(['fair', 'poor'].includes(last.level), `${party}: ${JSON.stringify(live[party])}`);
        assert.ok(last.lossPct > 2, `${party}: ${JSON.stringify(last)}`);
      }
      const quality = await endAndRead(id);
      for (const party of PARTIES) {
        assertPartySummary(quality[party], 'server', party);
        // The server counts what it received from each party: one hop at 5 %, random, so about
        // 3-7 % over a few hundred packets (the browsers' own view crosses two hops, ~10 %).
        // Bounds a random drop always reaches: the clean call's floor (4.2), and below its own figure.
        assert.ok(quality[party].lossPct > 2, `${party}: ${JSON.stringify(quality[party])}`);
        assert.ok(quality[party].mos < 4.2, `${party}: ${JSON.stringify(quality[party])}`);
        if (measured.relayClean) assert.ok(quality[party].mos < measured.relayClean[party] - 0.1, `${party}: ${quality[party].mos} vs ${measured.relayClean[party]} without loss`);
      }
      measured.relayLoss5 = {
        visitor: quality.visitor.mos, agent: quality.agent.mos, lossPct: [quality.visitor.lossPct, quality.agent.lossPct],
        live: PARTIES.map((p) => live[p][live[p].length - 1].level),
      };
    } finally {
      loss.remove();
    }
  });

  it('a peer-to-peer call ended by a hang-up: the record has each browser\'s own report (source client)', async () => {
    const { id, sides } = await connectedCall('never');
    await waitFor(() => service.calls.get(id).path === 'p2p', { timeoutMs: 10000, what: 'path p2p' });
    await talk(sides);
    await sides.agent.hangup();
    const quality = await waitFor(async () => {
      const read = await api('GET', `/api/calls/${id}`);
      return read.body.state === 'ended' && read.body.quality;
    }, { timeoutMs: 10000, what: 'the ended call with its quality' });
    for (const party of PARTIES) assertPartySummary(quality[party], 'client', party);
    for (const party of PARTIES) assert.ok(quality[party].mos >= 4.2, `${party}: ${JSON.stringify(quality[party])}`);
    measured.p2pClean = { visitor: quality.visitor.mos, agent: quality.agent.mos };
  });
});
