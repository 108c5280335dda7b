'use strict';
// Visitor path A, through the real Apps-Engine and a real call service: the
// visitor presses Join call in Rocket.Chat's stock LiveChat widget, sent over
// HTTP exactly as the widget sends it (helpers/apps-host/http-front.js). The
// App checks that this visitor is the conversation's, then the call message
// offers Open call: a single-use, one-minute link to the visitor's seat. The
// service tells the App when the link was used (signed event), and the
// message offers Join call again; so it does when the link expires.

const assert = require('assert');
const WebSocket = require('ws');
const { appFixture, callMessages, assertOnlyErrors, SECRET, ENGINES } = require('./helpers/app-fixture');
const { signAppEvent } = require('../../js/common/app-events');
const { verifyPartyToken, derivePartyTokenKey } = require('../../js/service/calls/party-tokens');

const JOIN = 'livechat-calls.join';
const END = 'livechat-calls.end';
const OPEN = 'livechat-calls.open';
const AUTH = { agent1: 'agent1-auth-token', agent2: 'agent2-auth-token' };

const actionsOf = (message) => {
  const block = (message.blocks || []).find((b) => b.type === 'actions');
  return block ? block.elements : [];
};
const buttonIds = (message) => actionsOf(message).map((e) => e.actionId);
/** What the App wrote into a message (the room the host attaches to it is Rocket.Chat's, not the App's). */
const written = (m) => ({ text: m.text, blocks: m.blocks, customFields: m.customFields, attachments: m.attachments });

for (const engine of ENGINES) {
  describe(`visitor path A: Join call in the stock widget, then Open call (Apps-Engine ${engine} over HTTP)`, function () {
    this.timeout(40000);
    const env = appFixture({ ringTimeout: 60, engine, httpFront: { authTokens: AUTH } });

    const callMessage = () => {
      const msgs = callMessages(env.host, env.room.id);
      assert.strictEqual(msgs.length >= 1, true, 'a call message');
      return msgs[msgs.length - 1];
    };

    /** POST /api/apps/ui.interaction/<appId> exactly as the LiveChat widget sends it. */
    async function widgetPress(message, actionId, headers = { 'x-visitor-token': env.visitor.token }) {
      const res = await fetch(`${env.front.url}/api/apps/ui.interaction/${env.host.appId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          type: 'blockAction', actionId, rid: message.room.id, mid: message.id, viewId: null,
          container: { type: 'message', id: message.id }, triggerId: `t${Date.now()}`, payload: { value: message.customFields.callId },
        }),
      });
      return res.status;
    }

    async function redeem(ticket) {
      const res = await fetch(`${env.serviceUrl}/tickets/redeem`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticket }),
      });
      return { status: res.status, headers: res.headers, body: await res.json() };
    }

    const ticketOf = (message) => {
      const open = actionsOf(message).find((e) => e.actionId === OPEN);
      assert.ok(open, `the message offers Open call (buttons: ${buttonIds(message)})`);
      const m = open.url.match(/^(http:\/\/127\.0\.0\.1:\d+)\/call#ticket=([A-Za-z0-9_-]{43})$/);
      assert.ok(m, `Open call leads to the call page with a ticket in the fragment: ${open.url}`);
      assert.strictEqual(m[1], env.serviceUrl);
      return m[2];
    };

    const startCall = async (args = []) => {
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id, args });
      return callMessage();
    };

    const waitForButtons = (ids, what) => env.host.waitFor(() => {
      const m = callMessage();
      return JSON.stringify(buttonIds(m)) === JSON.stringify(ids) && m;
    }, { timeoutMs: 8000, what });

    it("from the conversation's visitor: the call is accepted and the message offers a one-use Open call link to the visitor's seat", async () => {
      const ringing = await startCall(['video']);
      assert.strictEqual(await widgetPress(ringing, JOIN), 200);
      const msg = callMessage();
      assert.strictEqual(msg.customFields.callStatus, 'inProgress');
      assert.deepStrictEqual(buttonIds(msg), [OPEN, END]);
      const ticket = ticketOf(msg);
      assert.ok(msg.customFields.visitorLink && msg.customFields.visitorLink.ticketId, 'the ticket id is kept');
      assert.ok(!JSON.stringify(msg.customFields).includes(ticket), 'custom fields hold the ticket id, never the link');
      assert.ok(Date.parse(msg.customFields.visitorLink.expiresAt) - Date.now() <= 60000);
      assert.ok(!JSON.stringify(written(msg)).includes(env.visitor.token), "the visitor's LiveChat token is in no message");

      const first = await redeem(ticket);
      assert.strictEqual(first.status, 200, JSON.stringify(first.body));
      assert.strictEqual(first.headers.get('cache-control'), 'no-store');
      assert.strictEqual(first.body.party, 'visitor');
      assert.strictEqual(first.body.callId, msg.customFields.callId);
      assert.strictEqual(first.body.video, true);
      assert.deepStrictEqual(first.body.names, { visitor: 'Vera Visitor', agent: 'Alice Agent' });
      const claims = verifyPartyToken(derivePartyTokenKey(SECRET), first.body.token);
      assert.deepStrictEqual([claims.ok, claims.callId, claims.party], [true, msg.customFields.callId, 'visitor']);

      const second = await redeem(ticket);
      assert.strictEqual(second.status, 410);
      assert.strictEqual(second.body.error.code, 'ERR_TICKET_USED');

      // The service told the App (signed event over HTTP): the message offers Join call again.
      const after = await waitForButtons([JOIN, END], 'Join call back after the link was used');
      assert.strictEqual(after.customFields.visitorLink, null);
      const events = env.front.requests.filter((r) => r.url.endsWith('/service/events'));
      assert.ok(events.length >= 1, 'the service posted an event to the App');
      assert.ok(events.every((r) => r.headers['x-lcc-signature']), 'signed');
      const seen = JSON.stringify({ messages: env.host.messages().map(written), history: env.host.messageHistory(msg.id).map(written), events });
      assert.ok(!seen.includes(env.visitor.token), "the visitor's token is in no message, edit or event");
      assertOnlyErrors(env.host);
    });

    it('pressing Join call again gives a new link and the older one stops working', async () => {
      const ringing = await startCall();
      await widgetPress(ringing, JOIN);
      const oldTicket = ticketOf(callMessage());
      // The agent (or a supervisor) could have taken the seat; the visitor presses Join call again.
      await widgetPress(callMessage(), JOIN);
      const newTicket = ticketOf(callMessage());
      assert.notStrictEqual(newTicket, oldTicket);
      assert.strictEqual((await redeem(oldTicket)).body.error.code, 'ERR_TICKET_USED');
      assert.strictEqual((await redeem(newTicket)).status, 200);
      assertOnlyErrors(env.host);
    });

    it('an unused link expires with its lifetime: the message offers Join call again and the ticket is refused', async () => {
      await env.host.updateSetting('LivechatCalls_Join_Link_TTL', 10);
      const ringing = await startCall();
      await widgetPress(ringing, JOIN);
      const ticket = ticketOf(callMessage());
      assert.ok(Date.parse(callMessage().customFields.visitorLink.expiresAt) - Date.now() <= 10000);
      await env.host.waitFor(() => buttonIds(callMessage())[0] === JOIN, { timeoutMs: 15000, what: 'the expiry job' });
      const late = await redeem(ticket);
      assert.strictEqual(late.status, 410);
      assert.strictEqual(late.body.error.code, 'ERR_TICKET_EXPIRED');
      assertOnlyErrors(env.host);
    });

    it("a link of a call that ended is refused, and gives nothing in the room's next call", async () => {
      const first = await startCall();
      await widgetPress(first, JOIN);
      const ticket = ticketOf(callMessage());
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id, args: ['end'] });
      assert.deepStrictEqual(buttonIds(callMessage()), [], 'an ended call offers nothing');
      await startCall();
      const refused = await redeem(ticket);
      assert.strictEqual(refused.status, 410);
      assertOnlyErrors(env.host);
    });

    it("another conversation's visitor, an agent's credentials as a visitor token, or no token: refused, nothing changes", async () => {
      const ringing = await startCall();
      const before = env.host.messageHistory(ringing.id).length;
      const ticketsBefore = env.service.tickets.size;
      // Rocket.Chat hands the App the other visitor with this room: the App must refuse.
      assert.strictEqual(await widgetPress(ringing, JOIN, { 'x-visitor-token': env.otherVisitor.token }), 200);
      assert.strictEqual(await widgetPress(ringing, JOIN, { 'x-visitor-token': AUTH.agent1 }), 401);
      assert.strictEqual(await widgetPress(ringing, JOIN, {}), 401);
      assert.strictEqual(await widgetPress(ringing, END, { 'x-visitor-token': env.otherVisitor.token }), 200);
      // An agent who does not serve the room, through the user route.
      assert.strictEqual(await widgetPress(ringing, JOIN, { 'x-user-id': 'agent2', 'x-auth-token': AUTH.agent2 }), 200);
      assert.strictEqual(env.host.messageHistory(ringing.id).length, before, 'the message was not touched');
      assert.strictEqual(callMessage().customFields.callStatus, 'ringing');
      assert.strictEqual(env.service.tickets.size, ticketsBefore, 'no ticket was minted');
      assertOnlyErrors(env.host);
    });

    it('events not signed with the shared secret are refused and change nothing', async () => {
      const ringing = await startCall();
      await widgetPress(ringing, JOIN);
      const msg = callMessage();
      const event = { type: 'ticket-redeemed', callId: msg.customFields.callId, party: 'visitor', ticketId: msg.customFields.visitorLink.ticketId };
      const url = `${env.front.url}/api/apps/public/${env.host.appId}/service/events`;
      const forged = signAppEvent('not-the-shared-secret-0123456789', event);
      const unsigned = { body: JSON.stringify({ payload: JSON.stringify(event) }), headers: { 'content-type': 'application/json' } };
      for (const attempt of [forged, unsigned]) {
        const res = await fetch(url, { method: 'POST', headers: attempt.headers, body: attempt.body });
        assert.strictEqual(res.status, 401);
      }
      assert.deepStrictEqual(buttonIds(callMessage()), [OPEN, END], 'the link is still offered');
      const genuine = signAppEvent(SECRET, event);
      assert.strictEqual((await fetch(url, { method: 'POST', headers: genuine.headers, body: genuine.body })).status, 200);
      assert.deepStrictEqual(buttonIds(callMessage()), [JOIN, END]);
    });

    it('a party who hangs up in the call page ends the call in the message (the service tells the App)', async () => {
      const ringing = await startCall();
      await widgetPress(ringing, JOIN);
      const { body } = await redeem(ticketOf(callMessage()));
      const ws = new WebSocket(body.signallingUrl);
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      const joined = new Promise((resolve) => ws.on('message', (m) => { if (JSON.parse(m).type === 'joined') resolve(JSON.parse(m)); }));
      ws.send(JSON.stringify({ type: 'join', token: body.token }));
      const info = await joined;
      assert.deepStrictEqual(info.names, { visitor: 'Vera Visitor', agent: 'Alice Agent' });
      ws.send(JSON.stringify({ type: 'hangup' }));
      const ended = await env.host.waitFor(() => callMessage().customFields.callStatus === 'ended' && callMessage(), { timeoutMs: 8000, what: 'the call ended in the message' });
      assert.strictEqual(ended.customFields.endedBy, 'visitor');
      assert.deepStrictEqual(buttonIds(ended), []);
      ws.close();
      assertOnlyErrors(env.host);
    });
  });
}
