'use strict';
// Relay mode end to end, without a browser: a second MediaServer in this
// process plays both browsers. For each party it offer()s, the offer goes to
// the call service over the signalling WebSocket, the service's answer comes
// back to acceptAnswer(), and candidates go both ways, so each "browser" leg
// really connects (ICE, DTLS) to the service's MediaServer over loopback.
// Then one party reloads (new socket, same token) while the other stays
// connected, and a recorded call leaves a recording reference in the store.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { WebSocket } = require('ws');
const { MediaServer } = require('../..');
const { createCallService } = require('../../js/service/call-service');
const { signRequest } = require('../../js/common/request-signing');

const SECRET = 'signalling-relay-secret-0123456789';

async function api(url, method, p, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = signRequest({ secret: SECRET, method, path: p, body: text });
  const res = await fetch(url + p, { method, headers: { ...headers, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : text });
  return res.json();
}

function waitUntil(what, cond, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      return setTimeout(tick, 20);
    };
    tick();
  });
}

/**
 * A fake browser for one party: a leg of a call on the test's own MediaServer,
 * driven by the signalling messages exactly as js/client would drive an
 * RTCPeerConnection in relay mode (the browser offers, the server answers).
 */
class FakeBrowser {
  constructor(media, name) {
    this.call = media.createCall({ id: `browser-${name}` });
    this.leg = 'visitor'; // the browser side's single leg
    this.states = [];
    this.messages = [];
    this.generation = 0;
    this.call.on('state', (p, s) => this.states.push(s));
    this.call.on('candidate', (p, c) => this._send({ type: 'candidate', candidate: c, generation: this.generation }));
  }

  /** Opens a socket, joins with the token, and follows every relay start. */
  async join(url, token) {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    this.ws = ws;
    ws.on('message', (data) => this._guard(() => this._onMessage(ws, JSON.parse(data.toString()))));
    ws.on('error', () => {});
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(JSON.stringify({ type: 'join', token }));
    await waitUntil('joined', () => this.messages.some((m) => m.type === 'joined' && m.ws === ws), 5000);
    return this.messages.find((m) => m.type === 'joined' && m.ws === ws);
  }

  _guard(fn) {
    Promise.resolve().then(fn).catch((err) => { this.failure = err; });
  }

  _send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  async _onMessage(ws, msg) {
    this.messages.push({ ...msg, ws });
    if (ws !== this.ws) return;
    if (msg.type === 'start') {
      assert.strictEqual(msg.mode, 'relay');
      if (this.generation) await this.call.resetLeg(this.leg); // a new connection, as a browser builds one
      this.generation = msg.generation;
      const sdp = await this.call.offer(this.leg);
      this._send({ type: 'offer', sdp, generation: msg.generation });
    } else if (msg.type === 'answer' && msg.generation === this.generation) {
      await this.call.acceptAnswer(this.leg, msg.sdp);
    } else if (msg.type === 'candidate' && msg.generation === this.generation) {
      await this.call.addCandidate(this.leg, msg.candidate);
    }
  }

  of(type) {
    return this.messages.filter((m) => m.type === type);
  }
}

describe('signalling in relay mode, end to end (a MediaServer plays the browsers)', function () {
  this.timeout(60000);
  let recordingsDir;
  let service;
  let url;
  let browsers;
  let browserMedia;

  before(async function () {
    recordingsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-sigrelay-'));
    service = createCallService({
      secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'], ports: { min: 47000, max: 47499 }, recordingsDir },
    });
    service.on('warning', (err) => { throw err; });
    ({ url } = await service.listen());
    browserMedia = new MediaServer({ listenAddresses: ['127.0.0.1'], ports: { min: 47500, max: 47999 } });
  });

  after(async function () {
    for (const b of Object.values(browsers || {})) if (b.ws) b.ws.terminate();
    await service.close();
    await browserMedia.close();
    fs.rmSync(recordingsDir, { recursive: true, force: true });
  });

  let call;
  let tokens;
  let serverCall;
  const agentStates = [];
  const visitorStates = [];

  it('a recorded call: both parties connect through the service\'s MediaServer and get path relay', async function () {
    call = await api(url, 'POST', '/api/calls', { roomId: 'relay-room', record: true });
    assert.strictEqual(call.relayPolicy, 'always');
    tokens = {
      visitor: (await api(url, 'POST', `/api/calls/${call.id}/tokens`, { party: 'visitor' })).token,
      agent: (await api(url, 'POST', `/api/calls/${call.id}/tokens`, { party: 'agent' })).token,
    };
    browsers = { visitor: new FakeBrowser(browserMedia, 'visitor'), agent: new FakeBrowser(browserMedia, 'agent') };
    const joined = await browsers.agent.join(url, tokens.agent);
    assert.strictEqual(joined.mode, 'relay');
    serverCall = service.media.getCall(call.id);
    assert.ok(serverCall, 'the MediaServer call is created when relay starts');
    assert.strictEqual(serverCall.record, true);
    serverCall.on('state', (p, s) => (p === 'agent' ? agentStates : visitorStates).push(s));
    await browsers.visitor.join(url, tokens.visitor);
    await waitUntil('both legs connected on the service', () => serverCall.states.visitor === 'connected' && serverCall.states.agent === 'connected');
    await waitUntil('path relay to both', () => browsers.visitor.of('path').length > 0 && browsers.agent.of('path').length > 0);
    assert.strictEqual(browsers.visitor.of('path')[0].path, 'relay');
    // The browser side's own leg reports connected on its MediaServer's thread, maybe after the service's did.
    await waitUntil('the browser side connected too', () => browsers.visitor.states.includes('connected'));
    const stored = await api(url, 'GET', `/api/calls/${call.id}`);
    assert.strictEqual(stored.path, 'relay');
    assert.strictEqual(stored.state, 'active');
    for (const b of Object.values(browsers)) assert.ifError(b.failure);
  });

  it('a visitor rejoin (new socket, same token) resets its leg and reconnects it; the agent stays connected', async function () {
    const before = browsers.visitor.generation;
    const agentBefore = agentStates.length;
    const visitorBefore = visitorStates.length;
    const old = browsers.visitor.ws;
    old.terminate();
    await waitUntil('agent told the visitor is away', () => browsers.agent.of('peer').some((m) => m.present === false));
    const joined = await browsers.visitor.join(url, tokens.visitor);
    assert.strictEqual(joined.resumed, true);
    await waitUntil('a new start for the visitor', () => browsers.visitor.generation > before);
    const start = browsers.visitor.of('start').pop();
    assert.strictEqual(start.reason, 'rejoined');
    await waitUntil('the visitor leg reconnected', () => serverCall.states.visitor === 'connected'
      && browsers.visitor.of('path').filter((m) => m.ws === browsers.visitor.ws).length > 0);
    assert.strictEqual(serverCall.states.agent, 'connected');
    const visitorAfter = visitorStates.slice(visitorBefore);
    assert.ok(visitorAfter.includes('closed') && visitorAfter[visitorAfter.length - 1] === 'connected',
      `the old leg was reset and a new one connected: ${visitorAfter.join(', ')}`);
    assert.deepStrictEqual(agentStates.slice(agentBefore), [], 'the agent leg never changed state');
    assert.strictEqual(browsers.agent.of('start').length, 1, 'the agent got no new start');
    for (const b of Object.values(browsers)) assert.ifError(b.failure);
  });

  it('ending through the control API gives both ended and puts a recording reference in the store', async function () {
    // Two ends at once (the App retrying): both answers carry the recording reference.
    const [ended, again] = await Promise.all([
      api(url, 'POST', `/api/calls/${call.id}/end`, { reason: 'ended' }),
      api(url, 'POST', `/api/calls/${call.id}/end`, { reason: 'missed' }),
    ]);
    assert.deepStrictEqual(again, ended, 'the second end sees the same ended call');
    assert.strictEqual(ended.state, 'ended');
    assert.strictEqual(ended.endedBy, 'service');
    await waitUntil('ended to both', () => browsers.visitor.of('ended').length === 1 && browsers.agent.of('ended').length === 1);
    assert.strictEqual(serverCall.ended, true);
    const rec = ended.recording;
    console.log(`      [signalling-relay] recording reference: ${JSON.stringify(rec)}`);
    assert.ok(rec, `no recording reference: ${JSON.stringify(ended)}`);
    assert.match(rec.folder, /^[A-Za-z0-9._-]+$/);
    assert.ok(Array.isArray(rec.files));
    const sidecar = JSON.parse(fs.readFileSync(path.join(recordingsDir, rec.folder, 'recording.json'), 'utf8'));
    assert.strictEqual(sidecar.callId, call.id);
    assert.deepStrictEqual(rec.files.map((f) => f.name), sidecar.files.map((f) => f.name));
    // /metrics counts the finished recording (these MediaServer "browsers" send no RTP, so no media totals here).
    const text = await service.metrics.render();
    const value = (name) => Number((text.split('\n').find((l) => l.startsWith(`${name} `)) || ' 0').split(' ').pop());
    assert.strictEqual(value('lcc_recordings_finished_total{result="complete"}'), 1);
    assert.strictEqual(value('lcc_recording_written_bytes_total'), sidecar.files.reduce((n, f) => n + f.bytes, 0));
  });
});
