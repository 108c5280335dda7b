'use strict';
// User story: after a call, the room's call message says how it went. An
// agent starts a relayed call through the real Apps-Engine, the visitor
// accepts, both talk in Chromium with the browser client (js/client), and the
// agent ends it with End call: the message's custom fields hold `quality`
// with each party's packet counts, jitter, RTT and MOS (from the server's own
// counters), and its text gives a short per-party line, in each engine the
// App runs in. With 5 % of the packets on lo dropped (helpers/packet-loss.js)
// the MOS on the message falls.

const assert = require('assert');
const { appFixture, callMessages, assertOnlyErrors, visitorRequest, ENGINES } = require('./helpers/app-fixture');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { joinWithClient } = require('./helpers/client-page');
const { toneFile } = require('./helpers/tones');
const { waitFor } = require('./helpers/signal');
const { lossOnLoopback } = require('./helpers/packet-loss');
const { PARTIES } = require('../../js/common/parties');

const END = 'livechat-calls.end';
const QUALITY_LINE = /Quality: visitor MOS (\d\.\d) \((\d+(?:\.\d)?) % loss\), agent MOS (\d\.\d) \((\d+(?:\.\d)?) % loss\)\.$/;

let browsers;
const measured = {};

before(async function () {
  this.timeout(30000);
  browsers = {
    visitor: await launchBrowser({ name: 'app-quality-visitor', fakeAudioFile: await toneFile(440) }),
    agent: await launchBrowser({ name: 'app-quality-agent', fakeAudioFile: await toneFile(880) }),
  };
});
after(async () => {
  await closeAllBrowsers();
  console.log(`      [app-quality] MOS on the message: ${JSON.stringify(measured)}`);
});

for (const engine of ENGINES) describe(`call quality on the App's call message (Apps-Engine ${engine})`, function () {
  this.timeout(120000);
  const env = appFixture({ engine });

  const agentApi = (path, content) => env.host.executeApi(path, { method: 'post', content, query: {}, userId: env.agent.id });
  const visitorApi = (path, content) => visitorRequest(env.host, path, { token: env.visitor.token, rid: env.room.id, post: Boolean(content) });

  /** Starts a relayed call through the App, the visitor accepts, both join in Chromium and talk; the agent ends it. */
  async function relayedCallThroughTheApp() {
    await env.host.updateSetting('LivechatCalls_Relay_Policy', 'always');
    const started = await agentApi('agent/call/start', { rid: env.room.id });
    assert.strictEqual(started.status, 201, JSON.stringify(started.content));
    const { callId, messageId } = started.content.call;
    const accepted = await visitorApi('visitor/call/accept', { rid: env.room.id });
    assert.strictEqual(accepted.status, 200, JSON.stringify(accepted.content));
    const joins = { agent: started.content.join, visitor: (await visitorApi('visitor/call')).content.join };
    const sides = {};
    await Promise.all(PARTIES.map(async (party) => {
      sides[party] = await joinWithClient(browsers[party], { serviceUrl: env.serviceUrl, token: joins[party].token, signallingUrl: joins[party].signallingUrl });
      await sides[party].page.evaluate(() => {
        window.__quality = [];
        window.__lccTest.call.on('quality', (q) => window.__quality.push(q));
      });
    }));
    // About 10 s of talk: five live figures in each page, one every ~2 s.
    const figures = (side) => side.page.evaluate(() => window.__quality.length);
    await waitFor(async () => (await figures(sides.visitor)) >= 5 && (await figures(sides.agent)) >= 5,
      { timeoutMs: 40000, what: 'five quality figures in each page' });
    await env.host.blockAction({ actionId: END, value: callId, messageId, roomId: env.room.id, userId: env.agent.id });
    const msgs = callMessages(env.host, env.room.id);
    assert.strictEqual(msgs.length, 1);
    return JSON.parse(JSON.stringify(msgs[0])); // out of the engine's proxies
  }

  function assertQualityOnMessage(msg) {
    const f = msg.customFields;
    assert.strictEqual(f.callStatus, 'ended');
    assert.strictEqual(f.path, 'relay');
    for (const party of PARTIES) {
      const q = f.quality && f.quality[party];
      assert.ok(q, `${party}: no quality in ${JSON.stringify(f)}`);
      assert.deepStrictEqual(Object.keys(q), ['packetsSent', 'packetsReceived', 'packetsLost', 'lossPct', 'jitterMs', 'rttMs', 'mos', 'source']);
      assert.strictEqual(q.source, 'server');
      assert.ok(q.packetsSent > 150 && q.packetsReceived > 150, `${party}: ${JSON.stringify(q)}`);
      assert.ok(q.jitterMs && q.rttMs, `${party}: ${JSON.stringify(q)}`);
      assert.ok(q.mos >= 1 && q.mos <= 4.5, `${party}: ${JSON.stringify(q)}`);
    }
    const m = QUALITY_LINE.exec(msg.text);
    assert.ok(m, msg.text);
    assert.strictEqual(Number(m[1]), Number(f.quality.visitor.mos.toFixed(1)));
    assert.strictEqual(Number(m[3]), Number(f.quality.agent.mos.toFixed(1)));
    return f.quality;
  }

  it('a relayed call ended with End call: the message has each party\'s counts and a MOS about 4.4, and says them', async () => {
    const msg = await relayedCallThroughTheApp();
    const quality = assertQualityOnMessage(msg);
    for (const party of PARTIES) assert.ok(quality[party].mos >= 4.2, `${party}: ${JSON.stringify(quality[party])}`);
    assert.match(msg.text, /^Call ended\. Talk time 0:\d\d\. Quality: /);
    measured[`${engine} clean`] = { visitor: quality.visitor.mos, agent: quality.agent.mos };
    assertOnlyErrors(env.host);
  });

  // One engine suffices: the loss changes the figures, not how the App handles them.
  // The drop is random: over ~500 packets 5 % gives 3-7 % per crossing (a relayed packet crosses
  // loopback twice), so the bounds are the clean call's floor, not a figure only luck reaches.
  if (engine === ENGINES[0]) it("the same with 5 % of the packets dropped: the loss shows and the MOS falls below the clean call's", async () => {
    const loss = lossOnLoopback(5);
    try {
      const quality = assertQualityOnMessage(await relayedCallThroughTheApp());
      for (const party of PARTIES) {
        assert.ok(quality[party].lossPct > 2, `${party}: ${JSON.stringify(quality[party])}`);
        assert.ok(quality[party].mos < 4.2, `${party}: ${JSON.stringify(quality[party])}`);
      }
      measured[`${engine} 5 % loss`] = { visitor: quality.visitor.mos, agent: quality.agent.mos, lossPct: [quality.visitor.lossPct, quality.agent.lossPct] };
    } finally {
      loss.remove();
    }
    assertOnlyErrors(env.host);
  });
});
