'use strict';
// Admin story: the App's settings, as the real Apps-Engine 1.42.1 provides
// them: types, defaults and sections; bad values refused with a message and
// the old value kept; a change applies to the next call without a restart.

const assert = require('assert');
const { appFixture, callMessages, assertOnlyErrors, UNIQUE_ID, ENGINES } = require('./helpers/app-fixture');

/** What an admin sees on a fresh install (Rocket.Chat's ids and defaults where it has them). */
const EXPECTED = {
  WebRTC_Enabled: ['boolean', false],
  Omnichannel_call_provider: ['select', 'none', ['none', 'WebRTC', 'Jitsi']],
  WebRTC_Servers: ['string', ''],
  Jitsi_Domain: ['string', 'meet.jit.si'],
  Jitsi_URL_Room_Prefix: ['string', 'RocketChat'],
  Jitsi_URL_Room_Suffix: ['string', ''],
  Jitsi_URL_Room_Hash: ['boolean', true],
  Jitsi_SSL: ['boolean', true],
  LivechatCalls_Recording: ['select', 'off', ['off', 'always', 'agent']],
  LivechatCalls_Relay_Policy: ['select', 'fallback', ['fallback', 'always', 'never']],
  LivechatCalls_Ring_Timeout: ['int', 30],
  LivechatCalls_Service_URL: ['string', 'http://localhost:3000'],
  LivechatCalls_Service_Secret: ['password', ''],
  LivechatCalls_Join_Link_TTL: ['int', 60],
  LivechatCalls_Rocketchat_URL: ['string', ''],
};

for (const engine of ENGINES) {
  describe(`App settings (Apps-Engine ${engine})`, function () {
    this.timeout(30000);
    const env = appFixture({ engine });

    it('provides every setting with its type, default, section and i18n label', () => {
      const settings = env.host.settings();
      assert.deepStrictEqual(Object.keys(settings).sort(), Object.keys(EXPECTED).sort());
      for (const [id, [type, packageValue, values]] of Object.entries(EXPECTED)) {
        const s = settings[id];
        assert.strictEqual(s.type, type, `${id} type`);
        assert.deepStrictEqual(s.packageValue, packageValue, `${id} default`);
        assert.ok(s.section, `${id} has a section`);
        assert.strictEqual(s.i18nLabel, `${id}_Label`);
        if (values) assert.deepStrictEqual(s.values.map((v) => v.key), values, `${id} choices`);
      }
    });

    const BAD = [
      ['WebRTC_Enabled', 'yes', /WebRTC_Enabled must be true or false/],
      ['Omnichannel_call_provider', 'Zoom', /must be one of none, WebRTC, Jitsi/],
      ['WebRTC_Servers', 'stun:ok.example.com, turn:turn.example.com:3478', /entry 2 .*no user name and password/],
      ['WebRTC_Servers', 'u:p@turn:bad!host:3478', /entry 1 .*not a host name/],
      ['Jitsi_Domain', 'https://meet.jit.si/', /host name/],
      ['Jitsi_URL_Room_Prefix', 'a b', /must not hold spaces/],
      ['LivechatCalls_Recording', 'sometimes', /must be one of off, always, agent/],
      ['LivechatCalls_Relay_Policy', 'p2p', /must be one of fallback, always, never/],
      ['LivechatCalls_Ring_Timeout', 1, /from 5 to 600/],
      ['LivechatCalls_Service_URL', 'calls.example.com', /http:\/\/ or https:\/\//],
      ['LivechatCalls_Service_Secret', 'too-short', /at least 16 characters/],
      ['LivechatCalls_Join_Link_TTL', 5, /from 10 to 600/],
      ['LivechatCalls_Rocketchat_URL', 'rocketchat.internal', /http:\/\/ or https:\/\//],
      ['LivechatCalls_Rocketchat_URL', 'https://chat.example.com/?x=1', /query string/],
    ];
    for (const [id, value, message] of BAD) {
      it(`refuses ${id} = ${JSON.stringify(value)} with a message and keeps the old value`, async () => {
        // What the admin sees: the value, or the default while none was set (the Deno
        // engines store the refused value; the App then puts back what the admin saw).
        const shown = () => {
          const s = env.host.settings()[id];
          return s.value !== undefined ? s.value : s.packageValue;
        };
        const before = shown();
        await assert.rejects(env.host.updateSetting(id, value), (err) => message.test(err.message));
        assert.deepStrictEqual(shown(), before);
        assertOnlyErrors(env.host, [message]);
      });
    }

    // The refusal reaches the admin's screen (1.42.1) and the App's log (every engine): neither may hold the password.
    const TURN_PASSWORD = 'Turn-s3cret-0451';
    const REFUSED_WITH_PASSWORD = [
      [`stun:s.example.com, user:${TURN_PASSWORD}@turn:bad!host:3478`, /entry 2 \('\*\*\*@turn:bad!host:3478'\) has URL/],
      [`team@example.com:${TURN_PASSWORD}@turn:turn.example.com`, /entry 1 \('\*\*\*@turn:turn\.example\.com'\) has more than one '@'/],
      [`user:pa:${TURN_PASSWORD}@turn:turn.example.com`, /entry 1 \('\*\*\*@turn:turn\.example\.com'\) has credentials that are not user:password/],
      // A raw ',' cuts the entry in two: neither half of the password is quoted.
      [`user:${TURN_PASSWORD.slice(0, 8)},${TURN_PASSWORD.slice(8)}@turn:turn.example.com`, /entry 1 \('\*\*\*'\) is not a STUN or TURN URL/],
    ];
    for (const [value, message] of REFUSED_WITH_PASSWORD) {
      it(`refuses WebRTC_Servers = ${JSON.stringify(value.replace(TURN_PASSWORD, '<password>').replace(`${TURN_PASSWORD.slice(0, 8)},${TURN_PASSWORD.slice(8)}`, '<pass,word>'))} naming the entry, never its password`, async () => {
        const refusal = await env.host.updateSetting('WebRTC_Servers', value).then(() => null, (err) => err);
        assert.ok(refusal, 'the value is refused');
        assert.match(refusal.message, message);
        const logs = JSON.stringify(env.host.logs());
        for (const part of [TURN_PASSWORD, TURN_PASSWORD.slice(0, 8), TURN_PASSWORD.slice(8)]) {
          assert.ok(!refusal.message.includes(part), `the error quotes the password: ${refusal.message}`);
          assert.ok(!logs.includes(part), "the App's logs hold the password");
        }
        assertOnlyErrors(env.host, [message]);
      });
    }

    it('stores a good WebRTC_Servers value and hands it to the call service at the next call', async () => {
      const servers = 'stun:127.0.0.1:3478, team%40rocket.chat:p%3Ass@turn:127.0.0.1:3478?transport=tcp';
      await env.host.updateSetting('WebRTC_Servers', servers);
      const res = await env.host.executeApi('agent/call/start', { method: 'post', content: { rid: env.room.id }, userId: env.agent.id });
      assert.strictEqual(res.status, 201, JSON.stringify(res.content));
      const call = await env.service.calls.get(res.content.call.callId);
      assert.ok(!JSON.stringify(env.host.logs()).includes('p%3Ass'), 'the TURN password is not logged');
      assert.deepStrictEqual(call.iceServers, [
        { urls: 'stun:127.0.0.1:3478' },
        { urls: 'turn:127.0.0.1:3478?transport=tcp', username: 'team@rocket.chat', credential: 'p:ss' },
      ]);
      assertOnlyErrors(env.host, []);
    });

    it('switching the provider from WebRTC to Jitsi applies to the next call, without a restart', async () => {
      const start = () => env.host.executeApi('agent/call/start', { method: 'post', content: { rid: env.room.id }, userId: env.agent.id });
      const first = await start();
      assert.strictEqual(first.content.call.provider, 'WebRTC');
      await env.host.executeApi('agent/call/end', { method: 'post', content: { rid: env.room.id }, userId: env.agent.id });

      await env.host.updateSetting('Omnichannel_call_provider', 'Jitsi');
      await env.host.updateSetting('Jitsi_URL_Room_Suffix', '-support');
      const second = await start();
      assert.strictEqual(second.status, 201);
      assert.strictEqual(second.content.call.provider, 'Jitsi');
      assert.strictEqual(second.content.call.jitsiUrl, `https://meet.jit.si/RocketChat${UNIQUE_ID}${env.room.id}-support`);
      assert.strictEqual(callMessages(env.host, env.room.id).length, 2);
      assertOnlyErrors(env.host, []);
    });

    it('a new service URL or secret is checked against the service, and the outcome logged', async () => {
      await env.host.updateSetting('LivechatCalls_Service_URL', `${env.serviceUrl}/`);
      await env.host.waitFor(() => JSON.stringify(env.host.logs()).includes('answers (version'), { what: 'the service check' });
      await env.host.updateSetting('LivechatCalls_Service_Secret', 'a-different-secret-not-the-services');
      await env.host.waitFor(() => JSON.stringify(env.host.logs()).includes('call service check failed'), { what: 'the failed check' });
      assert.match(JSON.stringify(env.host.logs()), /ERR_UNAUTHORIZED/);
      assertOnlyErrors(env.host, []);
    });

    it('never logs the shared secret', async () => {
      assert.ok(!JSON.stringify(env.host.logs()).includes('app-test-secret'), 'the secret appears in the logs');
    });
  });
}
