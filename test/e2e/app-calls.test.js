'use strict';
// Agent and visitor story, through the real Apps-Engine: an agent starts a
// call in a LiveChat room, the visitor accepts or declines (or lets it ring
// out), either side ends it; the call message is updated in place at each
// step, and the call service sees each WebRTC call created and ended.

const assert = require('assert');
const { appFixture, callMessages, assertOnlyErrors, visitorRequest, UNIQUE_ID, ENGINES } = require('./helpers/app-fixture');

const JOIN = 'livechat-calls.join';
const END = 'livechat-calls.end';

function buttons(message) {
  const actions = (message.blocks || []).find((b) => b.type === 'actions');
  return actions ? actions.elements.map((e) => e.actionId) : [];
}

for (const engine of ENGINES) {
  describe(`calls from the Rocket.Chat App (Apps-Engine ${engine})`, function () {
    this.timeout(30000);
    const env = appFixture({ ringTimeout: 5, engine });

    const onlyCall = () => {
      const msgs = callMessages(env.host, env.room.id);
      assert.strictEqual(msgs.length, 1, `expected one call message, found ${msgs.length}`);
      return msgs[0];
    };
    const agentApi = (path, content, userId = env.agent.id) => env.host.executeApi(path, { method: content ? 'post' : 'get', content, query: content ? {} : { rid: env.room.id }, userId });
    const visitorApi = (path, content) => visitorRequest(env.host, path, { token: env.visitor.token, rid: env.room.id, post: Boolean(content) });

    it('/call posts a ringing call message from the agent with Join call / End call, and creates the call on the service', async () => {
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id });
      const msg = onlyCall();
      assert.strictEqual(msg.sender.id, env.agent.id);
      assert.deepStrictEqual(buttons(msg), [JOIN, END]);
      const f = msg.customFields;
      assert.strictEqual(f.callStatus, 'ringing');
      assert.strictEqual(f.provider, 'WebRTC');
      assert.ok(Date.parse(f.startedAt) <= Date.now());
      assert.strictEqual(f.answeredAt, null);
      assert.strictEqual(f.duration, null);
      const serviceCall = env.service.calls.get(f.callId);
      assert.ok(serviceCall, 'the service knows the call');
      assert.strictEqual(serviceCall.roomId, env.room.id);
      assert.strictEqual(serviceCall.state !== 'ended', true);
      assert.deepStrictEqual(env.host.notifications(), []);
      assertOnlyErrors(env.host);
    });

    it('start, accept, end: ringing -> inProgress -> ended, talk time from answer to end, buttons gone', async () => {
      const started = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(started.status, 201, JSON.stringify(started.content));
      const { callId, messageId } = started.content.call;
      assert.match(started.content.join.token, /^v1\./, 'the agent gets a signalling token');

      assert.strictEqual((await visitorApi('visitor/call')).content.join, null, 'no visitor token before accepting');
      // The visitor presses Join call in the widget.
      await env.host.livechatBlockAction({ actionId: JOIN, value: callId, messageId, roomId: env.room.id, visitorToken: env.visitor.token });
      let msg = onlyCall();
      assert.strictEqual(msg.customFields.callStatus, 'inProgress');
      assert.deepStrictEqual(buttons(msg), ['livechat-calls.open', END], 'the visitor is offered their Open call link');
      const answeredAt = Date.parse(msg.customFields.answeredAt);

      // The widget fetches the call and its token.
      const fetched = await visitorApi('visitor/call');
      assert.strictEqual(fetched.status, 200);
      assert.strictEqual(fetched.content.call.callStatus, 'inProgress');
      assert.match(fetched.content.join.token, /^v1\./);
      assert.match(fetched.content.join.signallingUrl, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
      assert.strictEqual(fetched.content.call.startedBy, undefined, 'the visitor sees no agent ids');

      await new Promise((r) => setTimeout(r, 2100));
      await env.host.blockAction({ actionId: END, value: callId, messageId, roomId: env.room.id, userId: env.agent.id });
      msg = onlyCall();
      const f = msg.customFields;
      assert.strictEqual(f.callStatus, 'ended');
      assert.strictEqual(f.endedBy, 'agent');
      assert.deepStrictEqual(buttons(msg), []);
      const talk = (Date.parse(f.endedAt) - answeredAt) / 1000;
      assert.ok(talk >= 2, `talk time ${talk}`);
      assert.strictEqual(f.duration, Math.round(talk));
      assert.match(msg.text, new RegExp(`Talk time 0:0${f.duration}\\.`));
      assert.deepStrictEqual(env.host.messageHistory(messageId).map((m) => m.customFields.callStatus), ['ringing', 'inProgress', 'ended']);
      const serviceCall = env.service.calls.get(callId);
      assert.strictEqual(serviceCall.state, 'ended');
      assert.strictEqual(serviceCall.endReason, 'ended');

      // Ended: no join info any more, and a second end changes nothing.
      const after = await visitorApi('visitor/call');
      assert.strictEqual(after.content.join, null);
      await agentApi('agent/call/end', { rid: env.room.id });
      assert.strictEqual(env.host.messageHistory(messageId).length, 3);
      assertOnlyErrors(env.host);
    });

    it("the agent's Join call on a WebRTC call sends the agent alone a link to the call page, holding an agent token", async () => {
      const { content } = await agentApi('agent/call/start', { rid: env.room.id });
      const { callId, messageId } = content.call;
      await env.host.blockAction({ actionId: JOIN, value: callId, messageId, roomId: env.room.id, userId: env.agent.id });
      const notes = env.host.notifications();
      assert.strictEqual(notes.length, 1);
      assert.strictEqual(notes[0].user.id, env.agent.id);
      const m = /Join the call: (\S+)$/.exec(notes[0].text);
      assert.ok(m, notes[0].text);
      const link = new URL(m[1]);
      assert.strictEqual(`${link.origin}${link.pathname}`, `${env.serviceUrl}/call`);
      const token = decodeURIComponent(link.hash.replace(/^#token=/, ''));
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      assert.deepStrictEqual([claims.c, claims.p], [callId, 'agent']);
      assert.strictEqual(onlyCall().customFields.callStatus, 'ringing', "the agent's Join does not answer the call");
      assertOnlyErrors(env.host);
    });

    it('a second start while ringing or in progress returns the same call, and posts nothing', async () => {
      const first = await agentApi('agent/call/start', { rid: env.room.id });
      const again = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(again.status, 200);
      assert.strictEqual(again.content.created, false);
      assert.strictEqual(again.content.call.callId, first.content.call.callId);
      await visitorApi('visitor/call/accept', { rid: env.room.id });
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id });
      assert.strictEqual(callMessages(env.host, env.room.id).length, 1);
      assert.match(env.host.notifications().map((n) => n.text).join('\n'), /already in progress/);
      assertOnlyErrors(env.host);
    });

    it('the visitor declines: ringing -> declined, and the service ends the call as declined', async () => {
      const { content } = await agentApi('agent/call/start', { rid: env.room.id });
      const res = await visitorApi('visitor/call/decline', { rid: env.room.id });
      assert.strictEqual(res.status, 200, JSON.stringify(res.content));
      const msg = onlyCall();
      assert.strictEqual(msg.customFields.callStatus, 'declined');
      assert.strictEqual(msg.customFields.duration, 0);
      assert.deepStrictEqual(buttons(msg), []);
      assert.match(msg.text, /declined by the visitor/);
      assert.strictEqual(env.service.calls.get(content.call.callId).endReason, 'declined');
      // A declined call cannot be accepted afterwards.
      const late = await visitorApi('visitor/call/accept', { rid: env.room.id });
      assert.strictEqual(late.status, 409);
      assert.strictEqual(late.content.error.code, 'ERR_CALL_ENDED');
      assertOnlyErrors(env.host);
    });

    it('nobody answers: after the ring timeout the call is missed, by the scheduled job', async () => {
      const { content } = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(content.call.ringTimeoutSeconds, 5);
      const job = env.host.scheduledJobs().find((j) => j.data && j.data.callId === content.call.callId);
      assert.ok(job, 'a ring timeout job is scheduled');
      await env.host.waitFor(() => onlyCall().customFields.callStatus === 'missed', { timeoutMs: 9000, what: 'the call to be missed' });
      const msg = onlyCall();
      assert.strictEqual(msg.customFields.endedBy, 'timeout');
      assert.ok(Date.parse(msg.customFields.endedAt) - Date.parse(msg.customFields.startedAt) >= 5000);
      assert.match(msg.text, /nobody joined within 5 s/);
      assert.deepStrictEqual(buttons(msg), []);
      assert.strictEqual(env.service.calls.get(content.call.callId).endReason, 'missed');
      assertOnlyErrors(env.host);
    });

    it('the agent cancels a ringing call: ended, no talk time, and the service records it as cancelled', async () => {
      const { content } = await agentApi('agent/call/start', { rid: env.room.id });
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id, args: ['end'] });
      const msg = onlyCall();
      assert.strictEqual(msg.customFields.callStatus, 'ended');
      assert.strictEqual(msg.customFields.answeredAt, null);
      assert.match(msg.text, /cancelled before the visitor joined/);
      assert.strictEqual(env.service.calls.get(content.call.callId).endReason, 'cancelled');
      assertOnlyErrors(env.host);
    });

    it('the visitor ends a call in progress from the widget', async () => {
      await agentApi('agent/call/start', { rid: env.room.id });
      await visitorApi('visitor/call/accept', { rid: env.room.id });
      const res = await visitorApi('visitor/call/end', { rid: env.room.id });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(onlyCall().customFields.callStatus, 'ended');
      assert.strictEqual(onlyCall().customFields.endedBy, 'visitor');
      assertOnlyErrors(env.host);
    });

    it('closing the conversation ends a call in progress', async () => {
      await agentApi('agent/call/start', { rid: env.room.id });
      await visitorApi('visitor/call/accept', { rid: env.room.id });
      await env.host.closeLivechatRoom(env.room.id);
      await env.host.waitFor(() => onlyCall().customFields.callStatus === 'ended', { what: 'the call to end' });
      assert.strictEqual(onlyCall().customFields.endedBy, 'room-closed');
      const res = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(res.status, 409);
      assert.strictEqual(res.content.error.code, 'ERR_ROOM_CLOSED');
      assertOnlyErrors(env.host);
    });

    it('with provider Jitsi, the message carries the Jitsi room URL and no call reaches the service', async () => {
      await env.host.updateSetting('Omnichannel_call_provider', 'Jitsi');
      const before = env.service.calls.size;
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id });
      const msg = onlyCall();
      const url = `https://meet.jit.si/RocketChat${UNIQUE_ID}${env.room.id}`;
      assert.strictEqual(msg.customFields.provider, 'Jitsi');
      assert.strictEqual(msg.customFields.jitsiUrl, url);
      assert.ok(msg.text.includes(url));
      const join = msg.blocks.find((b) => b.type === 'actions').elements.find((e) => e.actionId === JOIN);
      assert.strictEqual(join.url, url);
      assert.strictEqual(env.service.calls.size, before);
      assert.strictEqual((await visitorApi('visitor/call')).content.join, null, 'nothing to join before accepting');
      await env.host.livechatBlockAction({ actionId: JOIN, value: msg.customFields.callId, messageId: msg.id, roomId: env.room.id, visitorToken: env.visitor.token });
      assert.deepStrictEqual((await visitorApi('visitor/call')).content.join, { url });
      await env.host.blockAction({ actionId: END, value: msg.customFields.callId, messageId: msg.id, roomId: env.room.id, userId: env.agent.id });
      assert.deepStrictEqual(env.host.messageHistory(msg.id).map((m) => m.customFields.callStatus), ['ringing', 'inProgress', 'ended']);
      assertOnlyErrors(env.host);
    });

    it('with calls off (WebRTC_Enabled false or provider none), /call and the start endpoint refuse, and nothing is posted', async () => {
      await env.host.updateSetting('WebRTC_Enabled', false);
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id });
      const res = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(res.status, 409);
      assert.strictEqual(res.content.error.code, 'ERR_CALLS_DISABLED');
      await env.host.updateSetting('WebRTC_Enabled', true);
      await env.host.updateSetting('Omnichannel_call_provider', 'none');
      const res2 = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(res2.content.error.code, 'ERR_CALLS_DISABLED');
      assert.strictEqual(callMessages(env.host, env.room.id).length, 0);
      assert.match(env.host.notifications()[0].text, /calls are turned off/);
      assert.strictEqual(env.host.notifications()[0].user.id, env.agent.id);
      assertOnlyErrors(env.host);
    });

    it('recording "agent chooses": /call record asks the service to record, which routes the call through the server', async () => {
      await env.host.updateSetting('LivechatCalls_Recording', 'agent');
      await env.host.updateSetting('LivechatCalls_Relay_Policy', 'fallback');
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id, args: ['record'] });
      const { callId, record } = onlyCall().customFields;
      assert.strictEqual(record, true);
      const serviceCall = env.service.calls.get(callId);
      assert.strictEqual(serviceCall.record, true);
      assert.strictEqual(serviceCall.relayPolicy, 'always');
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id, args: ['end'] });
      // Without "record", the next call is not recorded.
      await env.host.executeCommand('call', { userId: env.agent.id, roomId: env.room.id });
      const second = callMessages(env.host, env.room.id).find((m) => m.customFields.callId !== callId);
      assert.strictEqual(env.service.calls.get(second.customFields.callId).record, false);
      assertOnlyErrors(env.host);
    });

    it('a call service that refuses (here: a secret that differs) gives 502 ERR_CALL_SERVICE naming the service\'s reason', async () => {
      await env.host.updateSetting('LivechatCalls_Service_Secret', 'not-the-secret-of-the-service');
      const res = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(res.status, 502);
      assert.strictEqual(res.content.error.code, 'ERR_CALL_SERVICE');
      assert.match(res.content.error.message, /call service refused POST \/api\/calls: ERR_UNAUTHORIZED: bad signature/);
      assert.strictEqual(callMessages(env.host, env.room.id).length, 0);
      assertOnlyErrors(env.host, [/call service refused/]);
    });

    it('a call service that cannot be reached gives the agent a clear error, and no call message', async () => {
      await env.host.updateSetting('LivechatCalls_Service_URL', 'http://127.0.0.1:9');
      const res = await agentApi('agent/call/start', { rid: env.room.id });
      assert.strictEqual(res.status, 502);
      assert.match(res.content.error.message, /call service unreachable at http:\/\/127\.0\.0\.1:9/);
      assert.strictEqual(callMessages(env.host, env.room.id).length, 0);
      assertOnlyErrors(env.host, [/call service unreachable/]);
    });
  });
}
