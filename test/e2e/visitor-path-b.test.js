'use strict';
// Visitor path B: the call rings on the customer's own page. A test site on
// its own origin carries a stand-in of Rocket.Chat's LiveChat widget host API
// (the embed code's RocketChat(fn) queue and the method names of
// /work/shared/notes/livechat-widget.md, recording what is called) and the
// service's js/client/livechat-calls-widget.js. The real App runs in the
// Apps-Engine test host behind an HTTP front (so the service reaches it as it
// reaches Rocket.Chat): the agent's /call rings on the page, Accept connects
// in an overlay with tones both ways, Decline ends the call as declined, and
// the visitor's LiveChat token shows up in no URL, message or log.

const assert = require('assert');
const http = require('http');
const { appFixture, callMessages, assertOnlyErrors } = require('./helpers/app-fixture');
const { closeAllBrowsers } = require('./helpers/browser');
const { listenFor, launchCallParties } = require('./helpers/call-view-tones');
const { fmtTone } = require('./helpers/calls');
const { saveScreenshot } = require('./helpers/screenshots');


// The widget's host API (src/widget.ts): every method records its call.
const WIDGET_METHODS = ['initialize', 'pageVisited', 'setCustomField', 'setTheme', 'setDepartment', 'clearDepartment',
  'setGuestToken', 'setGuestName', 'setGuestEmail', 'setAgent', 'registerGuest', 'setLanguage', 'showWidget',
  'hideWidget', 'maximizeWidget', 'minimizeWidget', 'setBusinessUnit', 'clearBusinessUnit', 'setParentUrl', 'clearAllCallbacks'];
const WIDGET_CALLBACKS = ['onChatMaximized', 'onChatMinimized', 'onChatStarted', 'onChatEnded', 'onPrechatFormSubmit',
  'onOfflineFormSubmit', 'onWidgetShown', 'onWidgetHidden', 'onAssignAgent', 'onAgentStatusChange', 'onQueuePositionChange', 'onServiceOffline'];

/** The customer's page: the LiveChat embed code (a stand-in widget that "loads" a moment later), then our script. */
function sitePage(serviceUrl) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example shop</title><style>body{font-family:sans-serif;margin:0;padding:24px;background:#f6f8fa}</style></head>
<body><h1>Example shop</h1><p>Products, prices, and a LiveChat widget in the corner.</p>
<script>
  // Rocket.Chat's embed code: RocketChat(fn) queues fn until the widget is loaded.
  (function (w) { w.RocketChat = function (c) { w.RocketChat._.push(c); }; w.RocketChat._ = []; w.RocketChat.url = 'http://rocketchat.invalid/livechat'; })(window);
  // The widget loading (widget.ts): it runs the queue with the API as \`this\`, and later calls at once.
  window.widgetCalls = [];
  setTimeout(function () {
    var api = {};
    ${JSON.stringify(WIDGET_METHODS)}.forEach(function (m) { api[m] = function () { window.widgetCalls.push([m, Array.prototype.slice.call(arguments)]); }; });
    ${JSON.stringify(WIDGET_CALLBACKS)}.forEach(function (m) { api[m] = function () { window.widgetCalls.push([m, []]); }; });
    var queue = window.RocketChat._;
    window.RocketChat = function (c) { c.call(api); };
    window.RocketChat._ = { push: function (c) { c.call(api); } };
    queue.forEach(function (c) { c.call(api); });
  }, 300);
</script>
<script src="${serviceUrl}/client/livechat-calls-widget.js" async></script>
</body></html>`;
}

describe('visitor path B: the call rings on the customer page (site call script)', function () {
  this.timeout(120000);
  const env = appFixture({ ringTimeout: 60, httpFront: {} });
  let site;
  let siteUrl;
  let visitor;
  let agent;
  const seen = { urls: [], warnings: [] };

  before(async function () {
    this.timeout(60000);
    site = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(sitePage(env.serviceUrl));
    });
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://localhost:${site.address().port}`; // another origin than the service's 127.0.0.1
    ({ visitor, agent } = await launchCallParties('path-b'));
    visitor.context.on('request', (r) => seen.urls.push(r.url()));
    visitor.page.on('websocket', (ws) => seen.urls.push(ws.url()));
    env.service.on('warning', (w) => seen.warnings.push(String(w && w.message)));
  });
  after(async () => {
    await closeAllBrowsers();
    if (site) await new Promise((resolve) => site.close(resolve));
  });

  /** Opens the site; the widget (stand-in) gets the script's token, and Rocket.Chat (the host) knows that visitor in a room. */
  async function visitSite(roomId, viewport = { width: 1280, height: 800 }) {
    await visitor.page.setViewportSize(viewport);
    await visitor.page.goto(siteUrl);
    await visitor.page.waitForFunction(() => window.widgetCalls.some((c) => c[0] === 'setGuestToken'), null, { timeout: 10000 });
    const calls = await visitor.page.evaluate(() => window.widgetCalls);
    const token = calls.find((c) => c[0] === 'setGuestToken')[1][0];
    assert.match(token, /^[A-Za-z0-9]{32}$/, 'the script made a token for the widget');
    let v = env.host.visitorByToken(token);
    if (!v) v = env.host.addVisitor({ token, name: 'Sam Shopper', username: `guest-${roomId}` });
    if (!env.host.getRoom(roomId)) env.host.addLivechatRoom({ id: roomId, visitor: v, servedBy: env.agent.id });
    // The script's socket is up once the service has said ready; give it the moment to say hello.
    await visitor.page.waitForTimeout(300);
    return { token, widgetCalls: calls };
  }

  const callMessage = (roomId) => callMessages(env.host, roomId).pop();

  /**
   * Runs /call and waits for the card; returns how long after the agent's
   * /call the card showed (the page notes the time itself, so polling adds nothing).
   */
  async function ringsWithin(roomId, args = []) {
    await visitor.page.evaluate(() => {
      window.rangAt = null;
      const card = document.querySelector('[data-livechat-calls]').shadowRoot.querySelector('.card');
      new MutationObserver(() => { if (!card.hidden && !window.rangAt) window.rangAt = Date.now(); }).observe(card, { attributes: true });
    });
    const t0 = Date.now();
    await env.host.executeCommand('call', { userId: env.agent.id, roomId, args });
    await visitor.page.waitForSelector('[data-testid=lcc-accept]', { state: 'visible', timeout: 10000 });
    return (await visitor.page.evaluate(() => window.rangAt)) - t0;
  }

  it("/call rings on the page; Accept opens the call in an overlay on the page; tones both ways; the token stays out of URLs, messages and logs", async () => {
    const { token, widgetCalls } = await visitSite('room-b1');
    assert.deepStrictEqual(widgetCalls.map((c) => c[0]), ['setGuestToken'], 'the script only sets the guest token');

    const ms = await ringsWithin('room-b1', ['video']);
    console.log(`      [path B] the page rang ${ms} ms after the agent's /call`); // a figure, not a pass mark: CI machines may be busy
    const cardText = await visitor.page.locator('[data-livechat-calls]').evaluate((h) => h.shadowRoot.querySelector('.card').textContent);
    assert.match(cardText, /Alice Agent/);
    assert.match(cardText, /Incoming video call/);
    await saveScreenshot(visitor.page, 'path-b-ringing-1280');
    // Muting the ring is a toggle with its state said.
    await visitor.page.click('[data-testid=lcc-mute]');
    assert.strictEqual(await visitor.page.getAttribute('[data-testid=lcc-mute]', 'aria-pressed'), 'true');

    await visitor.page.click('[data-testid=lcc-accept]');
    // No new tab: the call page runs in an iframe overlay on the site.
    const frame = await (async () => {
      for (let i = 0; i < 100; i++) {
        const f = visitor.page.frames().find((x) => x.url().includes('/call?embed=1'));
        if (f) return f;
        await visitor.page.waitForTimeout(100);
      }
      throw new Error('no call overlay');
    })();
    assert.strictEqual(visitor.context.pages().length, 1, 'no new tab');
    await env.host.waitFor(() => callMessage('room-b1').customFields.callStatus === 'inProgress', { what: 'accepted in the message' });

    const agentJoin = await env.host.executeApi('agent/call', { method: 'get', query: { rid: 'room-b1' }, userId: env.agent.id });
    await agent.page.goto(agentJoin.content.join.joinUrl);
    await agent.page.click('[data-testid=join-audio]');
    await frame.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 20000 });
    await agent.page.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 20000 });
    const [atVisitor, atAgent] = [await listenFor(frame, 880), await listenFor(agent.page, 440)];
    console.log(`      [path B] visitor hears ${fmtTone(atVisitor)}, agent hears ${fmtTone(atAgent)}`);
    assert.ok(Math.abs(atVisitor.frequency - 880) <= 15, `visitor hears ${fmtTone(atVisitor)}`);
    assert.ok(Math.abs(atAgent.frequency - 440) <= 15, `agent hears ${fmtTone(atAgent)}`);
    await saveScreenshot(visitor.page, 'path-b-overlay-in-call-1280');

    await agent.page.click('[data-testid=hangup]');
    await env.host.waitFor(() => callMessage('room-b1').customFields.callStatus === 'ended', { timeoutMs: 15000, what: 'ended in the message' });

    // The LiveChat token went to Rocket.Chat (the widget) and the service's socket, and nowhere else.
    const everything = JSON.stringify({
      urls: seen.urls,
      messages: env.host.messages().map((m) => ({ text: m.text, blocks: m.blocks, customFields: m.customFields })),
      logs: env.host.logs(),
      front: env.front.requests,
      warnings: seen.warnings,
      storedCall: env.service.calls.get(callMessage('room-b1').customFields.callId),
    });
    assert.ok(seen.urls.length > 5, 'requests were captured');
    assert.ok(!everything.includes(token), 'the visitor token is in no URL, message, event or log');
    assertOnlyErrors(env.host);
  });

  it('Decline ends the call as declined in the call message; on a 360 px phone the card fits', async () => {
    await visitSite('room-b2', { width: 360, height: 740 });
    await ringsWithin('room-b2');
    await saveScreenshot(visitor.page, 'path-b-ringing-360');
    const box = await visitor.page.locator('[data-testid=lcc-decline]').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 360, 'the Decline button is on screen');
    await visitor.page.click('[data-testid=lcc-decline]');
    const msg = await env.host.waitFor(() => callMessage('room-b2').customFields.callStatus === 'declined' && callMessage('room-b2'),
      { timeoutMs: 15000, what: 'declined in the message' });
    assert.strictEqual(msg.customFields.endedBy, 'visitor');
    await visitor.page.waitForSelector('[data-testid=lcc-accept]', { state: 'hidden', timeout: 5000 });
    assertOnlyErrors(env.host);
  });

  it("a page that says hello with another visitor's token hears nothing of this call", async () => {
    await visitSite('room-b3');
    // A second page of another visitor (its own token) is open meanwhile.
    const other = await visitor.context.newPage();
    await other.goto(siteUrl);
    await other.evaluate(() => localStorage.removeItem('livechat-calls.guest-token'));
    await other.reload();
    await other.waitForFunction(() => window.widgetCalls.some((c) => c[0] === 'setGuestToken'));
    const otherToken = await other.evaluate(() => window.widgetCalls.find((c) => c[0] === 'setGuestToken')[1][0]);
    assert.notStrictEqual(otherToken, (await visitor.page.evaluate(() => window.widgetCalls))[0][1][0]);
    await ringsWithin('room-b3');
    await other.waitForTimeout(1000);
    assert.strictEqual(await other.locator('[data-testid=lcc-accept]').isVisible(), false, "the other visitor's page does not ring");
    await other.close();
    await env.host.executeCommand('call', { userId: env.agent.id, roomId: 'room-b3', args: ['end'] });
  });
});
