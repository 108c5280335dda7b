'use strict';
// Visitor path A with real browsers: the agent starts a call with /call in
// Rocket.Chat (the App in the real Apps-Engine), the visitor presses Join call
// in the stock LiveChat widget (sent over HTTP as the widget sends it), and
// follows the Open call URL of the updated message into the call page: the
// ticket leaves the address bar, the page says whose seat it joins, and the
// visitor and the agent hear each other (440 Hz / 880 Hz tones).

const assert = require('assert');
const { appFixture, callMessages, assertOnlyErrors } = require('./helpers/app-fixture');
const { closeAllBrowsers } = require('./helpers/browser');
const { listenFor, launchCallParties } = require('./helpers/call-view-tones');
const { fmtTone } = require('./helpers/calls');
const { saveScreenshot } = require('./helpers/screenshots');

const JOIN = 'livechat-calls.join';
const OPEN = 'livechat-calls.open';

describe('visitor path A in Chromium: from the widget button to a call with the agent', function () {
  this.timeout(90000);
  const env = appFixture({ ringTimeout: 60, httpFront: {} });
  let visitor;
  let agent;

  before(async function () {
    this.timeout(60000);
    ({ visitor, agent } = await launchCallParties('path-a'));
  });
  after(async () => {
    await closeAllBrowsers();
  });

  const callMessage = () => callMessages(env.host, env.room.id).pop();
  const buttons = (m) => ((m.blocks || []).find((b) => b.type === 'actions') || { elements: [] }).elements;

  it('the visitor follows Open call into a connected call with the agent; tones both ways; the ticket is gone from the URL and spent', async () => {
    await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id });
    const ringing = callMessage();
    const press = await fetch(`${env.front.url}/api/apps/ui.interaction/${env.host.appId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-visitor-token': env.visitor.token },
      body: JSON.stringify({ type: 'blockAction', actionId: JOIN, rid: env.room.id, mid: ringing.id, viewId: null, container: { type: 'message', id: ringing.id }, triggerId: 't1', payload: { value: ringing.customFields.callId } }),
    });
    assert.strictEqual(press.status, 200);
    const open = buttons(callMessage()).find((e) => e.actionId === OPEN);
    assert.ok(open && open.url, 'the message offers Open call');

    // The agent joins from the App's agent endpoint (the agent UI's link).
    const agentJoin = await env.host.executeApi('agent/call', { method: 'get', query: { rid: env.room.id }, userId: env.agent.id });
    assert.strictEqual(agentJoin.status, 200);
    await agent.page.goto(agentJoin.content.join.joinUrl);

    // The widget opens the URL in a new tab: the visitor's browser loads it.
    await visitor.page.goto(open.url);
    await visitor.page.waitForSelector('[data-testid=join-audio]:not([disabled])', { timeout: 10000 });
    const shownUrl = visitor.page.url();
    assert.ok(!shownUrl.includes('ticket'), `the ticket left the address bar (${shownUrl})`);
    const pageText = await visitor.page.textContent('body');
    assert.match(pageText, /Vera Visitor/, 'the page says whose seat it joins');
    await saveScreenshot(visitor.page, 'path-a-visitor-join-1280');

    await agent.page.click('[data-testid=join-audio]');
    await visitor.page.click('[data-testid=join-audio]');
    for (const p of [agent.page, visitor.page]) await p.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 20000 });
    const [atVisitor, atAgent] = [await listenFor(visitor.page, 880), await listenFor(agent.page, 440)];
    console.log(`      [path A] visitor hears ${fmtTone(atVisitor)}, agent hears ${fmtTone(atAgent)}`);
    assert.ok(Math.abs(atVisitor.frequency - 880) <= 15, `visitor hears ${fmtTone(atVisitor)}`);
    assert.ok(Math.abs(atAgent.frequency - 440) <= 15, `agent hears ${fmtTone(atAgent)}`);
    await saveScreenshot(visitor.page, 'path-a-visitor-in-call-1280');

    // Spent: the message offers Join call again, and the same URL opens nothing.
    await env.host.waitFor(() => buttons(callMessage())[0].actionId === JOIN, { timeoutMs: 15000, what: 'Join call back' });
    const again = await visitor.context.newPage();
    await again.goto(open.url);
    await again.waitForFunction(() => /already used/.test(document.body.textContent), null, { timeout: 10000 });
    await saveScreenshot(again, 'path-a-link-used-1280');
    await again.close();

    await agent.page.click('[data-testid=hangup]');
    await env.host.waitFor(() => callMessage().customFields.callStatus === 'ended', { timeoutMs: 15000, what: 'the call ended in the message' });
    assertOnlyErrors(env.host);
  });
});
