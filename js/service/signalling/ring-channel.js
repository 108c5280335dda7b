'use strict';
// The ring channel (/ring): how a call rings on the customer's own page
// (visitor path B). The site's call script (js/client/livechat-calls-widget.js)
// gave Rocket.Chat's widget a LiveChat token it generated, so it knows the
// token; it holds one WebSocket here and proves the token in its first
// message (never in a URL). The App created the call with the SHA-256 of the
// room's visitor token, so the service can ring that visitor's pages without
// ever being given the token by the App, and without polling Rocket.Chat.
//
//   script -> service   {type: 'hello', visitorToken}          first, within 5 s
//   service -> script   {type: 'ready'} then a `ring` per call ringing for that visitor
//   service -> script   {type: 'ring', callId, callerName, video, expiresAt}
//   service -> script   {type: 'ring-ended', callId, reason}   answered elsewhere, missed, cancelled, ended
//   script -> service   {type: 'answer', callId, answer: 'accept'|'decline'}
//   service -> script   {type: 'join', callId, party: 'visitor', token, signallingUrl, video, names}  after accept
//   service -> script   {type: 'error', code, message}
//
// The answer goes to the App first (a signed `visitor-answer` event): the App
// owns the call message and may refuse (the call was missed meanwhile). Only
// then does the visitor get a party token.

const crypto = require('crypto');
const { WebSocketServer, WebSocket } = require('ws');
const { createIpLimiter } = require('./ip-limits');
const { refuseUpgrade, clientAddress } = require('./signalling');
const { createMessageBucket, queueFull, CLOSE_TOO_MANY, CLOSE_NOT_READING } = require('./flood-limits');

const MAX_MESSAGE_BYTES = 2048;
const MAX_TOKEN_CHARS = 512;
const HELLO_TIMEOUT_MS = 5000;
const PING_INTERVAL_MS = 25000;
/** Pages (tabs) of one visitor that ring at once. */
const MAX_PAGES_PER_VISITOR = 8;
const MAX_ERRORS = 10;

function sha256Hex(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

class RingChannel {
  /**
   * @param {{store: import('../calls/call-store').CallStore, maxConnectionsPerIp: number, trustProxy?: boolean,
   *   floodLimits: {messagesPerSecond: number, messageBurst: number, maxBufferedBytes: number},
   *   warn: (err: unknown) => void, answer: (call: object, answer: 'accept'|'decline') => Promise<object|null>}} deps
   *   answer: tells the App; resolves to the join message for an accepted call (null after a decline)
   */
  constructor({ store, maxConnectionsPerIp, floodLimits, trustProxy = false, warn, answer }) {
    this._store = store;
    this._floodLimits = floodLimits;
    this._trustProxy = trustProxy;
    this._warn = warn;
    this._answer = answer;
    this._maxPerIp = maxConnectionsPerIp;
    this._limiter = createIpLimiter({ max: maxConnectionsPerIp });
    this._wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
    /** @type {Map<string, Set<WebSocket>>} visitor token hash -> its pages */
    this._byVisitor = new Map();
    /** @type {Map<string, {call: object, timer: NodeJS.Timeout}>} call id -> a call ringing on pages */
    this._ringing = new Map();
    this._closing = false;
    /** Timings (ms); tests shorten them. */
    this.timing = { helloTimeoutMs: HELLO_TIMEOUT_MS };
    /** @type {WeakSet<WebSocket>} pages pinged that have not answered yet */
    this._unanswered = new WeakSet();
    this._pinger = setInterval(() => this._pingAll(), PING_INTERVAL_MS);
    this._pinger.unref();
  }

  /** Pages connected. @type {number} */
  get connectionCount() {
    return this._wss.clients.size;
  }

  /** The HTTP server's 'upgrade' handler for /ring. Never throws. */
  handleUpgrade(req, socket, head) {
    socket.on('error', () => {});
    try {
      if (this._closing) return refuseUpgrade(socket, 503, 'ERR_SERVER_CLOSED', 'the service is closing');
      const ip = clientAddress(req, socket, this._trustProxy);
      if (!this._limiter.acquire(ip)) return refuseUpgrade(socket, 429, 'ERR_TOO_MANY_CONNECTIONS', `at most ${this._maxPerIp} connections per address`);
      socket.once('close', () => this._limiter.release(ip));
      this._wss.handleUpgrade(req, socket, head, (ws) => this._onConnection(ws));
    } catch (err) {
      this._warn(err);
      socket.destroy();
    }
    return undefined;
  }

  /** A new call: ring its visitor's pages until it is answered, ends, or its ring timeout passes. */
  ring(call) {
    if (!call.visitorTokenHash || call.state === 'ended' || this._ringing.has(call.id)) return;
    const expiresAt = Date.parse(call.createdAt) + call.ringTimeoutSeconds * 1000;
    const timer = setTimeout(() => this.stop(call.id, 'missed'), Math.max(0, expiresAt - Date.now()));
    timer.unref();
    this._ringing.set(call.id, { call, timer, expiresAt });
    for (const ws of this._byVisitor.get(call.visitorTokenHash) || []) this._send(ws, this._ringMessage(call.id));
  }

  /** The call stops ringing on every page (answered, joined by other means, missed, ended). */
  stop(callId, reason) {
    const ringing = this._ringing.get(callId);
    if (!ringing) return;
    clearTimeout(ringing.timer);
    this._ringing.delete(callId);
    for (const ws of this._byVisitor.get(ringing.call.visitorTokenHash) || []) this._send(ws, { type: 'ring-ended', callId, reason });
  }

  _ringMessage(callId) {
    const { call, expiresAt } = this._ringing.get(callId);
    return {
      type: 'ring', callId, video: !!call.video, expiresAt: new Date(expiresAt).toISOString(),
      callerName: (call.names && call.names.agent) || null,
    };
  }

  _onConnection(ws) {
    const { messagesPerSecond: perSecond, messageBurst: burst } = this._floodLimits;
    const state = { hash: null, errors: 0, bucket: createMessageBucket({ perSecond, burst }) };
    const helloTimer = setTimeout(() => ws.close(4401, 'no hello'), this.timing.helloTimeoutMs);
    helloTimer.unref();
    ws.on('close', () => {
      clearTimeout(helloTimer);
      const pages = state.hash && this._byVisitor.get(state.hash);
      if (pages) {
        pages.delete(ws);
        if (pages.size === 0) this._byVisitor.delete(state.hash);
      }
    });
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!state.bucket.take()) return ws.close(CLOSE_TOO_MANY, 'too many messages');
      let msg;
      try {
        msg = isBinary ? null : JSON.parse(data.toString('utf8'));
      } catch {
        msg = null;
      }
      if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return this._error(ws, state, 'ERR_BAD_MESSAGE', 'messages are JSON objects with a type');
      if (!state.hash) {
        clearTimeout(helloTimer);
        return this._hello(ws, state, msg);
      }
      if (msg.type === 'answer') return this._onAnswer(ws, state, msg);
      return this._error(ws, state, 'ERR_BAD_MESSAGE', `unknown message type ${JSON.stringify(msg.type).slice(0, 40)}`);
    });
  }

  _hello(ws, state, msg) {
    if (msg.type !== 'hello' || typeof msg.visitorToken !== 'string' || msg.visitorToken.length < 8 || msg.visitorToken.length > MAX_TOKEN_CHARS) {
      this._send(ws, { type: 'error', code: 'ERR_UNAUTHORIZED', message: 'the first message must be hello with the visitor token' });
      ws.close(4401, 'hello expected');
      return;
    }
    const hash = sha256Hex(msg.visitorToken);
    const pages = this._byVisitor.get(hash) || new Set();
    if (pages.size >= MAX_PAGES_PER_VISITOR) {
      this._send(ws, { type: 'error', code: 'ERR_TOO_MANY_CONNECTIONS', message: `at most ${MAX_PAGES_PER_VISITOR} pages per visitor` });
      ws.close(4429, 'too many pages');
      return;
    }
    state.hash = hash;
    pages.add(ws);
    this._byVisitor.set(hash, pages);
    this._send(ws, { type: 'ready' });
    for (const [callId, { call }] of this._ringing) if (call.visitorTokenHash === hash) this._send(ws, this._ringMessage(callId));
  }

  async _onAnswer(ws, state, msg) {
    const ringing = this._ringing.get(msg.callId);
    // Another visitor's call id gets the same answer as an unknown one.
    if (!ringing || ringing.call.visitorTokenHash !== state.hash) {
      return this._error(ws, state, 'ERR_NOT_RINGING', 'this call is not ringing for you');
    }
    if (msg.answer !== 'accept' && msg.answer !== 'decline') return this._error(ws, state, 'ERR_BAD_MESSAGE', "answer must be 'accept' or 'decline'");
    this.stop(msg.callId, msg.answer === 'accept' ? 'accepted' : 'declined');
    try {
      const join = await this._answer(ringing.call, msg.answer);
      if (join) this._send(ws, { type: 'join', ...join });
    } catch (err) {
      this._warn(err);
      this._send(ws, { type: 'error', code: 'ERR_ANSWER_FAILED', callId: msg.callId, message: 'the call could not be answered: it may have ended' });
    }
    return undefined;
  }

  _error(ws, state, code, message) {
    state.errors++;
    this._send(ws, { type: 'error', code, message });
    if (state.errors >= MAX_ERRORS) ws.close(4400, 'too many errors');
  }

  /** A page that lets the service's messages pile up (it does not read) is cut off. */
  _send(ws, msg) {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (queueFull(ws, this._floodLimits.maxBufferedBytes)) {
      ws.close(CLOSE_NOT_READING, 'not reading');
      setTimeout(() => ws.terminate(), 1000).unref(); // its queue holds the close frame back
      return;
    }
    ws.send(JSON.stringify(msg));
  }

  /** A page that did not answer the last ping (a closed laptop, a dead network) is dropped. */
  _pingAll() {
    for (const ws of this._wss.clients) {
      if (this._unanswered.has(ws)) {
        ws.terminate();
        continue;
      }
      this._unanswered.add(ws);
      ws.once('pong', () => this._unanswered.delete(ws));
      ws.ping();
    }
  }

  /** Closes every page's socket (code 1001) and stops ringing. */
  close() {
    this._closing = true;
    clearInterval(this._pinger);
    for (const { timer } of this._ringing.values()) clearTimeout(timer);
    this._ringing.clear();
    for (const ws of this._wss.clients) ws.close(1001, 'service closing');
    this._wss.close();
  }
}

module.exports = { RingChannel, MAX_PAGES_PER_VISITOR };
