'use strict';
// The call message is only a rendering: where an admin lets users edit message
// custom fields (Message_CustomFields_Enabled), the agent of room 1 can point
// room 1's call message at room 2's call (its call id, room and status). The
// App keeps each call in its own persistence and never reads the message
// back, so nothing done through room 1 (endpoints, /call, buttons, the
// visitor's side) reaches room 2's call, and an edited status changes nothing.

const assert = require('assert');
const { appFixture, callMessages, assertOnlyErrors, visitorRequest, ENGINES } = require('./helpers/app-fixture');

const JOIN = 'livechat-calls.join';
const END = 'livechat-calls.end';

/** The call a party token is for (its claims: c = call id, p = party). */
function tokenClaims(token) {
  return JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString());
}

function buttonValues(message) {
  const actions = (message.blocks || []).find((b) => b.type === 'actions');
  return actions ? actions.elements.map((e) => e.value) : [];
}

for (const engine of ENGINES) {
  describe(`call state is the App's, not the message's (Apps-Engine ${engine})`, function () {
    this.timeout(30000);
    const env = appFixture({ ringTimeout: 60, engine });
    let callA; // room 1's, agent1's
    let callB; // room 2's, agent2's: in progress
    let roomTwoBefore;

    const agentApi = (path, { rid, content, userId = env.agent.id } = {}) => env.host.executeApi(path, {
      method: content ? 'post' : 'get', content, query: content ? {} : { rid }, userId,
    });
    const messageOf = (roomId) => callMessages(env.host, roomId).at(-1);

    /** What anyone could observe of room 2's call: the service's record, the message and its history, its agent's view. */
    async function roomTwoCall() {
      const service = env.service.calls.get(callB.callId);
      const message = messageOf(env.otherRoom.id);
      const view = await agentApi('agent/call', { rid: env.otherRoom.id, userId: env.otherAgent.id });
      return {
        service: { state: service.state, endedAt: service.endedAt, endReason: service.endReason },
        message: { text: message.text, customFields: message.customFields, edits: env.host.messageHistory(message.id).length },
        view: { callId: view.content.call.callId, callStatus: view.content.call.callStatus },
      };
    }

    beforeEach(async () => {
      const a = await agentApi('agent/call/start', { content: { rid: env.room.id } });
      assert.strictEqual(a.status, 201, JSON.stringify(a.content));
      callA = a.content.call;
      const b = await agentApi('agent/call/start', { content: { rid: env.otherRoom.id }, userId: env.otherAgent.id });
      assert.strictEqual(b.status, 201, JSON.stringify(b.content));
      callB = b.content.call;
      // Room 2's visitor accepts in the widget.
      await env.host.livechatBlockAction({ actionId: JOIN, value: callB.callId, messageId: callB.messageId, visitorToken: env.otherVisitor.token });
      roomTwoBefore = await roomTwoCall();
      assert.strictEqual(roomTwoBefore.view.callStatus, 'inProgress');

      // Agent 1 edits room 1's call message: room 2's call id, room and status.
      const edited = env.host.editMessage(callA.messageId, {
        customFields: { ...messageOf(env.room.id).customFields, callId: callB.callId, roomId: env.otherRoom.id, callStatus: 'inProgress' },
      });
      assert.strictEqual(edited.customFields.callId, callB.callId);
    });

    afterEach(async function () {
      if (this.currentTest.state !== 'passed') return;
      assert.deepStrictEqual(await roomTwoCall(), roomTwoBefore, "room 2's call changed");
      assertOnlyErrors(env.host);
    });

    it("the agent endpoint for room 1 answers room 1's call, with a token for it alone", async () => {
      const res = await agentApi('agent/call', { rid: env.room.id });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(res.content.call.callId, callA.callId);
      assert.strictEqual(res.content.call.callStatus, 'ringing');
      assert.deepStrictEqual([tokenClaims(res.content.join.token).c, tokenClaims(res.content.join.token).p], [callA.callId, 'agent']);
      assert.ok(!JSON.stringify(res.content).includes(callB.callId), "the answer names room 2's call");
    });

    it("Join call on room 1's message sends a link to room 1's call; a press naming room 2's call is refused", async () => {
      const [value] = buttonValues(messageOf(env.room.id));
      assert.strictEqual(value, callA.callId, 'the button still carries the call the App rendered');
      await env.host.blockAction({ actionId: JOIN, value, messageId: callA.messageId, userId: env.agent.id });
      await env.host.blockAction({ actionId: JOIN, value: callB.callId, messageId: callA.messageId, userId: env.agent.id });
      const texts = env.host.notifications().map((n) => n.text);
      assert.strictEqual(texts.length, 2, JSON.stringify(texts));
      const link = /Join the call: (\S+)$/.exec(texts[0]);
      assert.ok(link, texts[0]);
      const token = decodeURIComponent(new URL(link[1]).hash.replace(/^#token=/, ''));
      assert.strictEqual(tokenClaims(token).c, callA.callId);
      assert.strictEqual(texts[1], 'The call button did nothing: not allowed.');
    });

    it('/call end and End call in room 1 end room 1\'s call only', async () => {
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id, args: ['end'] });
      assert.strictEqual(env.service.calls.get(callA.callId).state, 'ended');
      assert.strictEqual(messageOf(env.room.id).customFields.callId, callA.callId, 'the App rewrote its own call into the message');
      assert.strictEqual(messageOf(env.room.id).customFields.callStatus, 'ended');
      await env.host.blockAction({ actionId: END, value: callB.callId, messageId: callA.messageId, userId: env.agent.id });
      const res = await agentApi('agent/call/end', { content: { rid: env.room.id } });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(res.content.call.callId, callA.callId);
      // The App's record: one per call (each new state replaces the last), room 1's ended.
      const records = env.host.persistence().filter((r) => r.data.callId === callA.callId);
      assert.deepStrictEqual(records.map((r) => [r.data.roomId, r.data.call.callStatus]), [[env.room.id, 'ended']]);
    });

    it("room 1's visitor sees and answers room 1's call only", async () => {
      const fetched = await visitorRequest(env.host, 'visitor/call', { token: env.visitor.token, rid: env.room.id });
      assert.strictEqual(fetched.status, 200);
      assert.strictEqual(fetched.content.call.callId, callA.callId);
      assert.strictEqual(fetched.content.call.callStatus, 'ringing');
      assert.strictEqual(fetched.content.join, null, 'nothing to join before accepting');
      const ended = await visitorRequest(env.host, 'visitor/call/end', { token: env.visitor.token, rid: env.room.id });
      assert.strictEqual(ended.status, 200);
      assert.deepStrictEqual([ended.content.call.callId, ended.content.call.callStatus], [callA.callId, 'declined']);
      assert.strictEqual(env.service.calls.get(callA.callId).endReason, 'declined');
    });

    it('an edited status changes nothing: an ended call stays ended, and /call starts a new one', async () => {
      await agentApi('agent/call/end', { content: { rid: env.room.id } });
      env.host.editMessage(callA.messageId, { customFields: { ...messageOf(env.room.id).customFields, callStatus: 'inProgress', endedAt: null } });
      const res = await agentApi('agent/call', { rid: env.room.id });
      assert.deepStrictEqual([res.content.call.callId, res.content.call.callStatus, res.content.join], [callA.callId, 'ended', null]);
      const again = await agentApi('agent/call/start', { content: { rid: env.room.id } });
      assert.strictEqual(again.status, 201, 'a new call, not the edited one');
      assert.notStrictEqual(again.content.call.callId, callA.callId);
      assert.notStrictEqual(again.content.call.callId, callB.callId);
    });
  });
}
