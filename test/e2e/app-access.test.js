'use strict';
// Nobody but the room's serving agent and its visitor can touch its call:
// every agent-side and visitor-side endpoint, the /call command and the
// buttons refuse anyone else with the same answer, whether or not the room
// exists, and the call is left as it was. (Rocket.Chat's own WebRTC
// signalling lets anyone who knows a room id read and write it.)

const assert = require('assert');
const { appFixture, callMessages, assertOnlyErrors, visitorRequest, ENGINES } = require('./helpers/app-fixture');
const { signVisitorProof } = require('../../js/app/lib/visitor-proof');

for (const engine of ENGINES) {
  describe(`call access control in the Rocket.Chat App (Apps-Engine ${engine})`, function () {
    this.timeout(30000);
    const env = appFixture({ engine });
    let call;

    beforeEach(async () => {
      const res = await env.host.executeApi('agent/call/start', { method: 'post', content: { rid: env.room.id }, userId: env.agent.id });
      assert.strictEqual(res.status, 201);
      call = res.content.call;
    });

    function assertUntouched() {
      const msgs = callMessages(env.host, env.room.id);
      assert.strictEqual(msgs.length, 1);
      assert.strictEqual(env.host.messageHistory(msgs[0].id).length, 1, 'the call message was changed');
      assert.strictEqual(msgs[0].customFields.callStatus, 'ringing');
      assert.notStrictEqual(env.service.calls.get(call.callId).state, 'ended');
    }

    const visitorEndpoints = [
      ['get', 'visitor/call'],
      ['post', 'visitor/call/accept'],
      ['post', 'visitor/call/decline'],
      ['post', 'visitor/call/end'],
    ];
    const NOT_ALLOWED = { error: { code: 'ERR_FORBIDDEN', message: 'not allowed' } };
    const NO_PROOF = /^not allowed: send the x-visitor-proof header/;
    // Each caller: the request's headers, and the 403 message it gets.
    const visitorCallers = {
      'no proof': () => [{}, NO_PROOF],
      "the visitor's LiveChat token itself (x-visitor-token, no proof)": () => [{ 'x-visitor-token': env.visitor.token }, NO_PROOF],
      'a malformed proof': () => [{ 'x-visitor-proof': `v1.${Date.now()}.not-hex` }, NO_PROOF],
      'a proof made from an unknown token': (method, path) => [proofHeader({ token: 'not-a-visitor-token', method, path }), 'not allowed'],
      "a proof made from another room's visitor token": (method, path) => [proofHeader({ token: env.otherVisitor.token, method, path }), 'not allowed'],
      'a proof made for another endpoint': (method) => [proofHeader({ token: env.visitor.token, method, path: 'visitor/call/other' }), 'not allowed'],
      'a proof three minutes old': (method, path) => [proofHeader({ token: env.visitor.token, method, path, time: Date.now() - 180000 }), /^not allowed: the proof's time is more than 2 minutes/],
    };
    function proofHeader({ token, method, path, rid = env.room.id, time = Date.now() }) {
      return { 'x-visitor-proof': signVisitorProof({ token, method, path, rid, time }) };
    }
    const roomArgs = (method, rid) => (method === 'get' ? { query: { rid } } : { content: { rid } });
    for (const [method, path] of visitorEndpoints) {
      for (const [who, caller] of Object.entries(visitorCallers)) {
        it(`${method.toUpperCase()} ${path} with ${who} gets 403 and changes nothing`, async () => {
          const [headers, message] = caller(method, path);
          const res = await env.host.executeApi(path, { method, headers, ...roomArgs(method, env.room.id) });
          assert.strictEqual(res.status, 403, JSON.stringify(res.content));
          assert.strictEqual(res.content.error.code, 'ERR_FORBIDDEN');
          if (typeof message === 'string') assert.strictEqual(res.content.error.message, message);
          else assert.match(res.content.error.message, message);
          assertUntouched();
          assertOnlyErrors(env.host);
        });
      }
      it(`${method.toUpperCase()} ${path} for a room that does not exist gets the same 403`, async () => {
        const headers = proofHeader({ token: env.visitor.token, method, path, rid: 'no-such-room' });
        const res = await env.host.executeApi(path, { method, headers, ...roomArgs(method, 'no-such-room') });
        assert.strictEqual(res.status, 403);
        assert.deepStrictEqual(res.content, NOT_ALLOWED);
      });
    }

    it("the visitor's proof works once: the same request again (e.g. copied from a log) gets 403", async () => {
      const headers = proofHeader({ token: env.visitor.token, method: 'get', path: 'visitor/call' });
      const first = await env.host.executeApi('visitor/call', { headers, ...roomArgs('get', env.room.id) });
      assert.strictEqual(first.status, 200, JSON.stringify(first.content));
      const again = await env.host.executeApi('visitor/call', { headers, ...roomArgs('get', env.room.id) });
      assert.strictEqual(again.status, 403);
      assert.match(again.content.error.message, /^not allowed: this proof was used already/);
      const older = proofHeader({ token: env.visitor.token, method: 'post', path: 'visitor/call/end', time: Date.now() - 1000 });
      assert.strictEqual((await env.host.executeApi('visitor/call/end', { method: 'post', headers: older, ...roomArgs('post', env.room.id) })).status, 403,
        'a proof older than the last one used');
      assertUntouched();
    });

    it("the engine logs each visitor request whole, and the visitor's LiveChat token is nowhere in the App's logs", async () => {
      for (const [method, path] of visitorEndpoints.filter(([m]) => m === 'get').concat([['post', 'visitor/call/accept']])) {
        const res = await visitorRequest(env.host, path, { token: env.visitor.token, rid: env.room.id, post: method === 'post' });
        assert.strictEqual(res.status, 200, JSON.stringify(res.content));
      }
      await env.host.livechatBlockAction({ actionId: 'livechat-calls.join', value: call.callId, messageId: call.messageId, visitorToken: env.visitor.token });
      const logs = JSON.stringify(env.host.logs());
      assert.match(logs, /x-visitor-proof/, 'the engine logged the requests with their headers');
      assert.ok(!logs.includes(env.visitor.token), "the visitor's token is in the App's logs");
    });

    const agentEndpoints = [
      ['get', 'agent/call'],
      ['post', 'agent/call/start'],
      ['post', 'agent/call/end'],
    ];
    for (const [method, path] of agentEndpoints) {
      it(`${method.toUpperCase()} ${path} without a logged-in user is refused (401 from Rocket.Chat's router)`, async () => {
        const args = { method, ...(method === 'get' ? { query: { rid: env.room.id } } : { content: { rid: env.room.id } }) };
        const res = await env.host.executeApi(path, args);
        assert.strictEqual(res.status, 401);
        assertUntouched();
      });
      for (const [who, userId] of [['another agent', 'agent2'], ['a user who is not an agent', 'plainUser']]) {
        it(`${method.toUpperCase()} ${path} by ${who} gets 403 and changes nothing`, async () => {
          env.host.addUser({ id: 'plainUser', username: 'carol', name: 'Carol' });
          const args = { method, userId, ...(method === 'get' ? { query: { rid: env.room.id } } : { content: { rid: env.room.id } }) };
          const res = await env.host.executeApi(path, args);
          assert.strictEqual(res.status, 403);
          assert.deepStrictEqual(res.content, { error: { code: 'ERR_FORBIDDEN', message: 'not allowed' } });
          assertUntouched();
          assertOnlyErrors(env.host);
        });
      }
    }

    it('the serving agent is refused on a room served by someone else (403), and on a room that does not exist (same 403)', async () => {
      for (const rid of [env.otherRoom.id, 'no-such-room']) {
        const res = await env.host.executeApi('agent/call/start', { method: 'post', content: { rid }, userId: env.agent.id });
        assert.strictEqual(res.status, 403);
      }
      assert.strictEqual(callMessages(env.host, env.otherRoom.id).length, 0);
    });

    it('/call by an agent who does not serve the room is refused privately, and starts nothing', async () => {
      await env.host.executeCommand('call', { userId: env.otherAgent.id, roomId: env.room.id, args: ['end'] });
      await env.host.executeCommand('call', { userId: env.otherAgent.id, roomId: env.room.id });
      assertUntouched();
      const notes = env.host.notifications();
      assert.strictEqual(notes.length, 2);
      for (const n of notes) {
        assert.strictEqual(n.user.id, env.otherAgent.id);
        assert.match(n.text, /Only the agent serving this conversation/);
      }
      assertOnlyErrors(env.host);
    });

    it("the buttons do nothing for another agent or another room's visitor", async () => {
      const press = { value: call.callId, messageId: call.messageId, roomId: env.room.id };
      await env.host.blockAction({ ...press, actionId: 'livechat-calls.end', userId: env.otherAgent.id });
      await env.host.livechatBlockAction({ ...press, actionId: 'livechat-calls.join', visitorToken: env.otherVisitor.token });
      await env.host.livechatBlockAction({ ...press, actionId: 'livechat-calls.end', visitorToken: env.otherVisitor.token });
      assertUntouched();
      assertOnlyErrors(env.host);
    });

    it('the serving agent and the visitor themselves are let through (the refusals above are not blanket)', async () => {
      const agentView = await env.host.executeApi('agent/call', { method: 'get', query: { rid: env.room.id }, userId: env.agent.id });
      assert.strictEqual(agentView.status, 200);
      const visitorView = await visitorRequest(env.host, 'visitor/call', { token: env.visitor.token, rid: env.room.id });
      assert.strictEqual(visitorView.status, 200);
      assert.strictEqual(visitorView.content.call.callId, call.callId);
    });
  });
}
