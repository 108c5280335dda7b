'use strict';
// With a coturn shared secret configured, each party joining a call gets TURN
// credentials minted for that call and party (docs/deployment.md), and never
// the secret itself; without it, only the call's own ICE servers.

const assert = require('assert');
const crypto = require('crypto');
const { WebSocket } = require('ws');
const { createCallService } = require('../../../js/service/call-service');
const { signedFetch } = require('../../helpers/signed-fetch');

const SECRET = 'service-turn-test-secret-0123456789';
const TURN_SECRET = 'coturn-static-auth-secret-xyz';

/** Joins over the signalling socket and resolves with the `joined` message. */
function join(signallingUrl, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(signallingUrl);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'join', token })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'joined') {
        ws.close();
        resolve(msg);
      } else if (msg.type === 'error') reject(new Error(msg.message));
    });
    ws.on('error', reject);
  });
}

describe('TURN credentials handed out by the call service', function () {
  this.timeout(20000);
  let service;
  let url;

  before(async () => {
    service = createCallService({
      secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] },
      turn: { secret: TURN_SECRET, urls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'], ttlSeconds: 600 },
    });
    ({ url } = await service.listen());
  });
  after(() => service.close());

  it("each party's joined message carries the call's servers and TURN credentials minted for that call and party", async () => {
    const iceServers = [{ urls: 'stun:127.0.0.1:3478' }];
    const call = (await signedFetch(url, { secret: SECRET, method: 'POST', path: '/api/calls', body: { roomId: 'r', iceServers } })).body;
    for (const party of ['visitor', 'agent']) {
      const minted = (await signedFetch(url, { secret: SECRET, method: 'POST', path: `/api/calls/${call.id}/tokens`, body: { party } })).body;
      const joined = await join(minted.signallingUrl, minted.token);
      assert.deepStrictEqual(joined.iceServers[0], iceServers[0]);
      const turn = joined.iceServers.find((s) => s.username);
      assert.deepStrictEqual(turn.urls, ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
      const [expiry, id] = turn.username.split(':');
      assert.strictEqual(id, `${call.id}-${party}`);
      const ttl = Number(expiry) - Date.now() / 1000;
      assert.ok(ttl > 590 && ttl <= 600, `expires in ${ttl} s`);
      assert.strictEqual(turn.credential, crypto.createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
      assert.ok(!JSON.stringify(joined).includes(TURN_SECRET), 'the TURN secret is never sent');
    }
  });

  it('refuses a malformed turn option, naming the field', () => {
    assert.throws(() => createCallService({ secret: SECRET, turn: { secret: TURN_SECRET, urls: ['http://x'] } }),
      (err) => err.code === 'ERR_INVALID_OPTION' && /turn\.urls/.test(err.message));
  });
});
