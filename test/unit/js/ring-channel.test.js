'use strict';
// The ring channel (/ring) of the site call script, over real WebSockets to
// a real call service, with a stand-in App on loopback that checks every
// event's signature: who hears a ring, what an answer does, what is refused.

const assert = require('assert');
const crypto = require('crypto');
const http = require('http');
const WebSocket = require('ws');
const { createCallService } = require('../../../js/service/call-service');
const { signRequest } = require('../../../js/common/request-signing');
const { verifyAppEvent } = require('../../../js/common/app-events');
const { verifyPartyToken, derivePartyTokenKey } = require('../../../js/service/calls/party-tokens');

const SECRET = 'ring-channel-test-secret-0123456789';
const TOKEN = 'visitor-livechat-token-AAAAAAAAAAAA';
const OTHER_TOKEN = 'another-visitor-token-BBBBBBBBBBBB';
const hash = (t) => crypto.createHash('sha256').update(t).digest('hex');

/** A page of the site call script: a socket and the messages it got. */
async function page(url, token) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ring`);
  const got = [];
  ws.on('message', (m) => got.push(JSON.parse(m)));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  if (token !== undefined) {
    ws.send(JSON.stringify({ type: 'hello', visitorToken: token }));
    await waitFor(() => got.some((m) => m.type === 'ready' || m.type === 'error'));
  }
  return { ws, got, closed, next: (type) => waitFor(() => got.find((m) => m.type === type)) };
}

async function waitFor(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ring channel (site call script)', function () {
  this.timeout(15000);
  let service;
  let url;
  let app;
  let appUrl;
  const events = [];
  let appAnswer = { ok: true, callStatus: 'inProgress' };

  before(async () => {
    app = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const verdict = verifyAppEvent(SECRET, req.headers, JSON.parse(body));
        events.push(verdict);
        res.writeHead(verdict.ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(verdict.ok ? appAnswer : { error: verdict.reason }));
      });
    });
    await new Promise((r) => app.listen(0, '127.0.0.1', r));
    appUrl = `http://127.0.0.1:${app.address().port}/events`;
    service = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] } });
    service.on('warning', () => {});
    service.ringChannel.timing.helloTimeoutMs = 300;
    ({ url } = await service.listen());
  });
  after(async () => {
    await service.close();
    await new Promise((r) => app.close(r));
  });

  async function createCall(fields = {}) {
    const body = JSON.stringify({ roomId: 'room1', visitor: { tokenHash: hash(TOKEN), name: 'Vera' }, agent: { name: 'Alice Agent' }, video: true, app: { eventsUrl: appUrl }, ...fields });
    const res = await fetch(`${url}/api/calls`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', ...signRequest({ secret: SECRET, method: 'POST', path: '/api/calls', body }) },
    });
    assert.strictEqual(res.status, 201);
    return res.json();
  }

  it("rings the visitor's pages (and only theirs) with the caller and the kind of call; a page opened later hears it too", async () => {
    const mine = await page(url, TOKEN);
    const other = await page(url, OTHER_TOKEN);
    const call = await createCall();
    const ring = await mine.next('ring');
    assert.deepStrictEqual({ ...ring, expiresAt: undefined }, { type: 'ring', callId: call.id, video: true, callerName: 'Alice Agent', expiresAt: undefined });
    const late = await page(url, TOKEN);
    assert.strictEqual((await late.next('ring')).callId, call.id);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepStrictEqual(other.got.map((m) => m.type), ['ready'], 'another visitor hears nothing');
    for (const p of [mine, other, late]) p.ws.close();
  });

  it('accept: the App hears a signed visitor-answer first, then the page gets a party token for the visitor seat; other pages stop ringing', async () => {
    const a = await page(url, TOKEN);
    const b = await page(url, TOKEN);
    const call = await createCall();
    await a.next('ring');
    await b.next('ring');
    events.length = 0;
    a.ws.send(JSON.stringify({ type: 'answer', callId: call.id, answer: 'accept' }));
    const join = await a.next('join');
    assert.deepStrictEqual(events.map((e) => e.ok && [e.event.type, e.event.callId, e.event.answer]), [['visitor-answer', call.id, 'accept']]);
    const claims = verifyPartyToken(derivePartyTokenKey(SECRET), join.token);
    assert.deepStrictEqual([claims.ok, claims.callId, claims.party], [true, call.id, 'visitor']);
    assert.deepStrictEqual(join.names, { visitor: 'Vera', agent: 'Alice Agent' });
    assert.strictEqual((await b.next('ring-ended')).reason, 'accepted');
    a.ws.close();
    b.ws.close();
  });

  it('decline goes to the App and gives no token; an answer the App refuses gives an error, no token', async () => {
    const p = await page(url, TOKEN);
    const call = await createCall();
    await p.next('ring');
    p.ws.send(JSON.stringify({ type: 'answer', callId: call.id, answer: 'decline' }));
    await waitFor(() => events.some((e) => e.ok && e.event.callId === call.id && e.event.answer === 'decline'));
    const second = await createCall();
    await waitFor(() => p.got.some((m) => m.type === 'ring' && m.callId === second.id));
    appAnswer = { ok: true, callStatus: 'missed' };
    p.ws.send(JSON.stringify({ type: 'answer', callId: second.id, answer: 'accept' }));
    const err = await p.next('error');
    assert.strictEqual(err.code, 'ERR_ANSWER_FAILED');
    appAnswer = { ok: true, callStatus: 'inProgress' };
    assert.ok(!p.got.some((m) => m.type === 'join'));
    p.ws.close();
  });

  it("refuses an answer to another visitor's call, bad messages, and a socket that never says hello", async () => {
    const call = await createCall({ visitor: { tokenHash: hash(OTHER_TOKEN) } });
    const p = await page(url, TOKEN);
    p.ws.send(JSON.stringify({ type: 'answer', callId: call.id, answer: 'accept' }));
    assert.strictEqual((await p.next('error')).code, 'ERR_NOT_RINGING');
    p.got.length = 0;
    p.ws.send('not json');
    assert.strictEqual((await p.next('error')).code, 'ERR_BAD_MESSAGE');
    p.ws.close();

    const silent = await page(url);
    assert.strictEqual(await silent.closed, 4401);
    const rude = await page(url);
    rude.ws.send(JSON.stringify({ type: 'answer', callId: call.id, answer: 'accept' }));
    assert.strictEqual(await rude.closed, 4401);
    assert.strictEqual(rude.got[0].code, 'ERR_UNAUTHORIZED');
  });

  it('stops ringing when the call ends', async () => {
    const p = await page(url, TOKEN);
    const call = await createCall();
    await p.next('ring');
    await service.endCall(call.id, { reason: 'cancelled', by: 'service' });
    assert.deepStrictEqual(await p.next('ring-ended'), { type: 'ring-ended', callId: call.id, reason: 'cancelled' });
    p.ws.close();
  });
});
