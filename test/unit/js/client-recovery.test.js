'use strict';
// The browser client's recovery after a network change (js/client/livechat-call.js,
// "A connection that breaks mid-call" in docs/signalling.md), in Node: fakes for
// RTCPeerConnection and MediaStream, a fake call service behind the `WebSocket`
// option that answers like js/service/sessions/call-session.js, and a fake clock,
// so minutes of restart timers run in milliseconds.

const assert = require('assert');
const path = require('path');
const { register } = require('node:module');
const { pathToFileURL } = require('url');

const ROOT = path.resolve(__dirname, '..', '..', '..');

// The client imports './quality.js', which the service serves from js/common/quality.js
// (js/service/web/client-files.js): resolve it there, and load js/client/ as ES modules.
register('data:text/javascript,' + encodeURIComponent(`
const CLIENT = ${JSON.stringify(pathToFileURL(path.join(ROOT, 'js/client/')).href)};
const QUALITY = ${JSON.stringify(pathToFileURL(path.join(ROOT, 'js/common/quality.js')).href)};
export async function resolve(specifier, context, next) {
  if (specifier === './quality.js' && (context.parentURL || '').startsWith(CLIENT)) return { url: QUALITY, shortCircuit: true };
  const r = await next(specifier, context);
  return r.url.startsWith(CLIENT) ? { ...r, format: 'module' } : r;
}`));

/** setTimeout/setInterval/Date.now under the test's control; tick() runs what falls due, in order. */
class FakeClock {
  constructor() {
    this.now = 1_700_000_000_000;
    this._timers = new Map();
    this._nextId = 1;
  }

  install() {
    this._saved = { setTimeout, clearTimeout, setInterval, clearInterval, now: Date.now };
    globalThis.setTimeout = (fn, ms, ...args) => this._add(fn, ms, args, false);
    globalThis.setInterval = (fn, ms, ...args) => this._add(fn, ms, args, true);
    globalThis.clearTimeout = globalThis.clearInterval = (id) => this._timers.delete(id);
    Date.now = () => this.now;
  }

  uninstall() {
    const s = this._saved;
    Object.assign(globalThis, { setTimeout: s.setTimeout, clearTimeout: s.clearTimeout, setInterval: s.setInterval, clearInterval: s.clearInterval });
    Date.now = s.now;
  }

  /** Timers still set. */
  get pending() {
    return this._timers.size;
  }

  /** Moves time on by ms, running each timer at its time and letting promises settle after each. */
  async tick(ms) {
    const end = this.now + ms;
    await settle();
    for (;;) {
      let due = null;
      for (const t of this._timers.values()) if (t.at <= end && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      if (!due) break;
      this.now = due.at;
      if (due.every) due.at += due.every;
      else this._timers.delete(due.id);
      due.fn(...due.args);
      await settle();
    }
    this.now = end;
  }

  _add(fn, ms, args, repeat) {
    const id = this._nextId++;
    const delay = Math.max(0, Number(ms) || 0);
    this._timers.set(id, { id, fn, args, at: this.now + delay, every: repeat ? Math.max(1, delay) : 0 });
    return id;
  }
}

/** Lets promise chains (the client's SDP work) run to their end; setImmediate is not faked. */
function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What the client needs of RTCPeerConnection; the test moves connectionState with goTo(). */
class FakePeerConnection {
  constructor(config) {
    this.config = config;
    this.connectionState = 'new';
    this.signalingState = 'stable';
    this.localDescription = null;
    this.remoteDescription = null;
    this.closed = false;
    this.onicecandidate = null;
    this.onconnectionstatechange = null;
    this.ontrack = null;
    FakePeerConnection.created.push(this);
  }

  addTrack() {}
  addTransceiver() {}
  async createOffer() { return { type: 'offer', sdp: 'v=0\r\n(fake offer)\r\n' }; }
  async createAnswer() { return { type: 'answer', sdp: 'v=0\r\n(fake answer)\r\n' }; }
  async setLocalDescription(d) {
    this.localDescription = d;
    this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable';
  }

  async setRemoteDescription(d) {
    this.remoteDescription = d;
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
  }

  async addIceCandidate() {}
  async getStats() { return new Map(); }
  close() {
    this.closed = true;
    this.connectionState = 'closed'; // a closed connection fires no event
  }

  /** The browser's ICE/DTLS reached `state`. */
  goTo(state) {
    if (this.closed) throw new Error('the test moved a closed connection');
    this.connectionState = state;
    if (this.onconnectionstatechange) this.onconnectionstatechange();
  }
}
FakePeerConnection.created = [];

class FakeMediaStream {
  constructor(tracks = []) { this._tracks = [...tracks]; }
  getTracks() { return [...this._tracks]; }
  getAudioTracks() { return this._tracks.filter((t) => t.kind === 'audio'); }
  getVideoTracks() { return this._tracks.filter((t) => t.kind === 'video'); }
}

/**
 * One party's side of the call service: answers `join` with `joined` and a `start`
 * the way call-session.js does (relay: at once, to this party alone, the browser
 * offers; p2p: when the other party is there, the visitor answers), answers relay
 * offers, and ends the call on `hangup` (unless `silent`).
 */
class FakeService {
  constructor({ mode, relayPolicy }) {
    this.mode = mode;
    this.relayPolicy = relayPolicy;
    this.generation = 0;
    this.joins = 0;
    /** Sockets the client opened, oldest first. */
    this.sockets = [];
    /** true: new sockets never open (the network is gone). */
    this.unreachable = false;
    /** true: `hangup` gets no answer. */
    this.silent = false;
    const service = this;
    this.WebSocket = class FakeWebSocket {
      constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.received = []; // what the client sent, parsed
        service.sockets.push(this);
        if (!service.unreachable) {
          queueMicrotask(() => {
            if (this.readyState !== 0) return;
            this.readyState = 1;
            this.onopen();
          });
        }
      }

      send(text) {
        if (this.readyState !== 1) throw new Error('send() on a socket that is not open');
        const msg = JSON.parse(text);
        this.received.push(msg);
        queueMicrotask(() => service._handle(this, msg));
      }

      close(code = 1000) {
        if (this.readyState >= 2) return;
        this.readyState = 3;
        queueMicrotask(() => this.onclose({ code, reason: '' }));
      }

      /** A message from the service. */
      deliver(msg) {
        if (this.readyState === 1) this.onmessage({ data: JSON.stringify(msg) });
      }
    };
  }

  /** The socket the service talks to now. */
  get socket() {
    return this.sockets[this.sockets.length - 1];
  }

  _handle(ws, msg) {
    if (msg.type === 'join') {
      const resumed = this.joins++ > 0;
      ws.deliver({
        type: 'joined', callId: 'call-1', party: 'visitor', mode: this.mode, relayPolicy: this.relayPolicy,
        iceServers: [], peerPresent: true, resumed, fallbackTimeoutMs: 5000, video: false, names: { visitor: null, agent: null },
      });
      const reason = resumed ? 'rejoined' : 'joined';
      const role = this.mode === 'relay' ? 'offerer' : 'answerer';
      ws.deliver({ type: 'start', mode: this.mode, role, generation: ++this.generation, reason });
    } else if (msg.type === 'offer' && this.mode === 'relay' && msg.generation === this.generation) {
      ws.deliver({ type: 'answer', sdp: 'v=0\r\n(fake server answer)\r\n', generation: msg.generation });
    } else if (msg.type === 'hangup' && !this.silent) {
      ws.deliver({ type: 'ended', reason: 'ended', by: 'visitor' });
      ws.close(1000);
    }
  }
}

describe('browser client: recovery after a network change (fake browser, fake service, fake clock)', function () {
  let LivechatCall;
  let clock;
  let calls;

  before(async () => {
    ({ LivechatCall } = await import(pathToFileURL(path.join(ROOT, 'js/client/livechat-call.js')).href));
  });

  beforeEach(() => {
    clock = new FakeClock();
    clock.install();
    globalThis.RTCPeerConnection = FakePeerConnection;
    globalThis.MediaStream = FakeMediaStream;
    FakePeerConnection.created = [];
    calls = [];
  });

  afterEach(() => {
    for (const call of calls) call.close();
    clock.uninstall();
    delete globalThis.RTCPeerConnection;
    delete globalThis.MediaStream;
  });

  /**
   * A joined visitor. `restarts` lists each `restart` event with its time (ms after
   * the join); pc() is the current RTCPeerConnection.
   */
  async function joinedVisitor({ mode = 'relay', relayPolicy = 'always' } = {}) {
    const service = new FakeService({ mode, relayPolicy });
    const microphone = { kind: 'audio', id: 'mic', enabled: true, stop() {} };
    const call = new LivechatCall({
      signallingUrl: 'ws://calls.example/ws', token: 'visitor-token',
      localStream: new FakeMediaStream([microphone]), WebSocket: service.WebSocket,
    });
    calls.push(call);
    const t0 = clock.now;
    const restarts = [];
    call.on('restart', (r) => restarts.push({ ...r, at: clock.now - t0 }));
    const joined = call.join();
    await clock.tick(0);
    await joined;
    const pc = () => FakePeerConnection.created[FakePeerConnection.created.length - 1];
    assert.strictEqual(FakePeerConnection.created.length, 1, 'the start built a connection');
    if (mode === 'relay') assert.ok(pc().remoteDescription, 'the offer went out and the answer came back');
    return { call, service, restarts, pc, since: () => clock.now - t0 };
  }

  it("a relayed connection that goes 'failed' right after a restart is restarted again once 3 s have passed, and connects", async () => {
    const { call, service, restarts, pc } = await joinedVisitor();
    pc().goTo('connected');
    assert.strictEqual(call.state, 'connected');
    pc().goTo('failed'); // the address changed
    await clock.tick(0);
    assert.deepStrictEqual(restarts.map((r) => [r.reason, r.generation]), [['failed', 1]]);
    assert.strictEqual(service.joins, 2, 'joined again on a fresh socket');
    assert.strictEqual(FakePeerConnection.created.length, 2, 'the new start built a new connection');
    assert.strictEqual(call.state, 'negotiating');

    await clock.tick(1000);
    pc().goTo('failed'); // the new network was not ready yet
    await clock.tick(1900); // 2.9 s after the restart
    assert.strictEqual(restarts.length, 1, 'not before 3 s have passed');
    await clock.tick(200);
    assert.deepStrictEqual(restarts.map((r) => [r.reason, r.generation]), [['failed', 1], ['failed', 2]]);
    assert.strictEqual(service.joins, 3);
    pc().goTo('connected');
    assert.strictEqual(call.state, 'connected');
    await clock.tick(120000);
    assert.strictEqual(restarts.length, 2, 'no restart once connected');
  });

  it("a relayed connection stuck in 'connecting' is restarted after 15 s, then after 30 s while it never connects; a 'connected' brings it back to 15 s", async () => {
    const { call, service, restarts, pc, since } = await joinedVisitor();
    pc().goTo('connecting');
    await clock.tick(14900);
    assert.strictEqual(restarts.length, 0);
    await clock.tick(200);
    assert.deepStrictEqual(restarts.map((r) => [r.reason, r.generation, r.state, r.at]), [['connect-timeout', 1, 'connecting', 15000]]);
    assert.strictEqual(service.joins, 2);

    pc().goTo('connecting'); // generation 2, stuck too
    await clock.tick(29800); // 44.9 s
    assert.strictEqual(restarts.length, 1, 'the second wait is twice as long');
    await clock.tick(200);
    assert.deepStrictEqual(restarts.slice(1).map((r) => [r.reason, r.generation, r.at]), [['connect-timeout', 2, 45000]]);

    // generation 3 never even leaves 'new' (its offer was lost): 30 s, no longer
    await clock.tick(30000);
    assert.deepStrictEqual(restarts.slice(2).map((r) => [r.reason, r.generation, r.at]), [['connect-timeout', 3, 75000]]);

    pc().goTo('connected');
    assert.strictEqual(call.state, 'connected');
    await clock.tick(60000);
    assert.strictEqual(restarts.length, 3);
    pc().goTo('failed');
    await clock.tick(0);
    assert.deepStrictEqual(restarts.slice(3).map((r) => [r.reason, r.generation]), [['failed', 4]]);
    const failedAt = since();
    pc().goTo('connecting');
    await clock.tick(15100);
    assert.deepStrictEqual(restarts.slice(4).map((r) => [r.reason, r.generation, r.at - failedAt]), [['connect-timeout', 5, 15000]],
      'after a connected call, the first wait is 15 s again');
  });

  it('a rejoin whose socket never opens is tried again on a new socket', async () => {
    const { service, restarts, pc } = await joinedVisitor();
    pc().goTo('connected');
    service.unreachable = true; // the new network is not up yet
    pc().goTo('failed');
    await clock.tick(0);
    assert.strictEqual(restarts.length, 1);
    assert.strictEqual(service.sockets.length, 2);
    await clock.tick(60000);
    assert.ok(restarts.length >= 2, 'restarted again while nothing answers');
    service.unreachable = false;
    await clock.tick(30000); // the next try (30 s apart by now) gets through
    assert.strictEqual(service.joins, 2, 'joined again once the network is back');
    pc().goTo('connected');
    const settled = restarts.length;
    await clock.tick(120000);
    assert.strictEqual(restarts.length, settled, 'no restart once connected');
  });

  it("a connection that comes back to 'connected' within the wait is not restarted", async () => {
    const { call, service, restarts, pc } = await joinedVisitor();
    pc().goTo('connecting');
    await clock.tick(10000);
    pc().goTo('connected'); // slow, but within the 15 s
    await clock.tick(1000);
    pc().goTo('disconnected'); // a short outage
    await clock.tick(2500);
    pc().goTo('connected');
    await clock.tick(120000);
    assert.deepStrictEqual(restarts, []);
    assert.strictEqual(service.sockets.length, 1, 'the first socket served the whole call');
    assert.strictEqual(call.state, 'connected');
  });

  it("a peer-to-peer call under relay policy 'fallback' is never restarted by the client (the service moves it to the server)", async () => {
    const { service, restarts, pc } = await joinedVisitor({ mode: 'p2p', relayPolicy: 'fallback' });
    pc().goTo('connecting');
    await clock.tick(120000);
    pc().goTo('disconnected');
    await clock.tick(10000);
    pc().goTo('failed');
    await clock.tick(120000);
    assert.deepStrictEqual(restarts, []);
    assert.strictEqual(service.sockets.length, 1);
  });

  it("a peer-to-peer call under relay policy 'never' is restarted when it fails, not while it is still connecting", async () => {
    const { restarts, pc } = await joinedVisitor({ mode: 'p2p', relayPolicy: 'never' });
    pc().goTo('connecting');
    await clock.tick(120000); // ICE through TURN may take long: only 'failed' says it will not work
    assert.deepStrictEqual(restarts, []);
    pc().goTo('failed');
    await clock.tick(0);
    assert.deepStrictEqual(restarts.map((r) => r.reason), ['failed']);
  });

  it('after close() nothing restarts: no restart event, no new socket, no timer left', async () => {
    const { call, service, restarts, pc } = await joinedVisitor();
    pc().goTo('connected');
    pc().goTo('disconnected'); // a restart is due in 3 s
    await clock.tick(1000);
    call.close();
    assert.strictEqual(clock.pending, 0, 'no timer left');
    await clock.tick(300000);
    assert.deepStrictEqual(restarts, []);
    assert.strictEqual(service.sockets.length, 1);
    assert.strictEqual(call.state, 'ended');
  });

  it('after hangup() nothing restarts, even while the service has not confirmed the end yet', async () => {
    const { call, service, restarts, pc } = await joinedVisitor();
    service.silent = true; // the hangup gets no answer: the client waits 2 s, then ends locally
    pc().goTo('connected');
    pc().goTo('disconnected'); // a restart would be due in 3 s, during that wait
    await clock.tick(1500);
    const ended = [];
    call.on('ended', (e) => ended.push(e));
    const done = call.hangup();
    await clock.tick(300000);
    assert.deepStrictEqual(await done, { reason: 'ended', by: 'visitor' });
    assert.deepStrictEqual(ended, [{ reason: 'ended', by: 'visitor' }]);
    assert.deepStrictEqual(restarts, []);
    assert.strictEqual(service.sockets.length, 1);
    assert.strictEqual(clock.pending, 0, 'no timer left');
  });

  it('after hangup() confirmed by the service, a stuck connection gets no restart', async () => {
    const { call, service, restarts, pc } = await joinedVisitor();
    pc().goTo('connecting'); // the connect watchdog runs
    await clock.tick(5000);
    const done = call.hangup();
    await clock.tick(0);
    assert.deepStrictEqual(await done, { reason: 'ended', by: 'visitor' });
    await clock.tick(300000);
    assert.deepStrictEqual(restarts, []);
    assert.strictEqual(service.sockets.length, 1);
    assert.strictEqual(clock.pending, 0, 'no timer left');
  });
});
