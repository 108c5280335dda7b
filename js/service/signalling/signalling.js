'use strict';
// The signalling WebSocket endpoint (docs/signalling.md): the HTTP upgrade on
// /ws (404 elsewhere, 429 past the per-IP limit, both before any WebSocket
// exists), the join handshake with a party token, keep-alive pings, and the
// decoding of frames. What a joined socket says goes to its CallSession.

const { WebSocketServer, WebSocket } = require('ws');
const { verifyPartyToken } = require('../calls/party-tokens');
const { decodeMessage, MAX_MESSAGE_BYTES } = require('./messages');
const { createIpLimiter } = require('./ip-limits');
const { createMessageBucket, queueFull, CLOSE_TOO_MANY, CLOSE_NOT_READING } = require('./flood-limits');

/** Socket hard cap, above the protocol's 64 KiB so a too-large message can still be answered. */
const HARD_MAX_PAYLOAD = 16 * MAX_MESSAGE_BYTES;
const MAX_ERRORS = 10;
const CLOSE_GRACE_MS = 1000;
const STATUS_TEXT = { 404: 'Not Found', 421: 'Misdirected Request', 429: 'Too Many Requests', 503: 'Service Unavailable' };
const TOKEN_REASONS = { malformed: 'malformed token', 'bad signature': 'invalid token', expired: 'token expired' };

/**
 * Whose connection this is, for the per-address limit. Behind a reverse proxy
 * (trustProxy) every socket comes from the proxy: then the address the proxy
 * appended last to X-Forwarded-For is the client's (earlier entries come from
 * the client itself and can be forged).
 */
function clientAddress(req, socket, trustProxy) {
  if (trustProxy) {
    const hops = String(req.headers['x-forwarded-for'] || '').split(',').map((h) => h.trim()).filter(Boolean);
    if (hops.length > 0) return hops[hops.length - 1];
  }
  return socket.remoteAddress;
}

/** One socket, before and after its join. */
class Connection {
  /** @param {{messagesPerSecond: number, messageBurst: number, maxBufferedBytes: number}} limits */
  constructor(ws, ip, limits) {
    this.ws = ws;
    this.ip = ip;
    this.limits = limits;
    this.bucket = createMessageBucket({ perSecond: limits.messagesPerSecond, burst: limits.messageBurst });
    this.party = null;
    this.session = null;
    this.errors = 0;
    this.lastSeen = Date.now();
    this.closing = false;
    this.closed = new Promise((resolve) => ws.once('close', resolve));
  }

  /**
   * Sends what the service itself has to say. Its own messages are few, so a
   * queue past twice the limit means this peer does not read: it is cut off
   * (forward() keeps what other parties send under the limit itself).
   */
  send(msg) {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return;
    if (queueFull(this.ws, 2 * this.limits.maxBufferedBytes)) {
      this.close(CLOSE_NOT_READING, 'not reading');
      return;
    }
    this.ws.send(JSON.stringify(msg));
  }

  /**
   * Sends what another party sent for this one. When this party cannot take
   * more, the sender is the one that floods: it is cut off and this party
   * stays (it reads its queue at its own pace).
   * @param {object} msg
   * @param {Connection|null} sender
   */
  forward(msg, sender) {
    if (queueFull(this.ws, this.limits.maxBufferedBytes)) {
      if (sender) sender.close(CLOSE_TOO_MANY, 'the other party cannot take more');
      return;
    }
    this.send(msg);
  }

  error(code, message) {
    this.send({ type: 'error', code, message });
  }

  /** Closes with a code; a peer that does not answer the close is cut after a grace period. */
  close(code, reason) {
    if (this.closing) return;
    this.closing = true;
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    const timer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    timer.unref();
    this.closed.then(() => clearTimeout(timer));
  }
}

/** Answers an upgrade request with a plain HTTP error and drops the socket. */
function refuseUpgrade(socket, status, code, message) {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

/**
 * The /ws endpoint.
 * @param {{store: import('../calls/call-store').CallStore, sessions: import('../sessions/session-registry').SessionRegistry,
 *   tokenKey: Buffer, maxConnectionsPerIp: number, trustProxy?: boolean, warn: (err: unknown) => void,
 *   floodLimits: {messagesPerSecond: number, messageBurst: number, maxBufferedBytes: number},
 *   onRefused?: (reason: string) => void}} deps onRefused: a join refused (4401) or an upgrade refused (404, 429)
 * @returns {Signalling}
 */
function createSignalling(deps) {
  return new Signalling(deps);
}

class Signalling {
  constructor({ store, sessions, tokenKey, maxConnectionsPerIp, floodLimits, trustProxy = false, warn, onRefused = () => {}, onJoined = () => {} }) {
    this._onJoined = onJoined;
    this._floodLimits = floodLimits;
    this._trustProxy = trustProxy;
    this._store = store;
    this._sessions = sessions;
    this._tokenKey = tokenKey;
    this._maxPerIp = maxConnectionsPerIp;
    this._limiter = createIpLimiter({ max: maxConnectionsPerIp });
    this._warn = warn;
    this._onRefused = onRefused;
    /** Timings (ms); tests shorten them. */
    this.timing = { joinTimeoutMs: 5000, pingIntervalMs: 15000, dropAfterMs: 30000 };
    this._wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, perMessageDeflate: false });
    /** @type {Set<Connection>} */
    this._conns = new Set();
    this._pinger = null;
    this._closing = false;
  }

  /** Open WebSockets, joined or not. @type {number} */
  get connectionCount() {
    return this._conns.size;
  }

  /**
   * The HTTP server's 'upgrade' handler. Never throws.
   * @param {import('http').IncomingMessage} req
   * @param {import('net').Socket} socket
   * @param {Buffer} head
   */
  handleUpgrade(req, socket, head) {
    socket.on('error', () => {}); // a reset peer is not our error
    try {
      const pathname = (req.url || '').split('?')[0];
      if (pathname !== '/ws') {
        this._emitRefused('not-found');
        return refuseUpgrade(socket, 404, 'ERR_NOT_FOUND', 'no such endpoint');
      }
      if (this._closing) return refuseUpgrade(socket, 503, 'ERR_SERVER_CLOSED', 'the service is closing');
      const ip = clientAddress(req, socket, this._trustProxy);
      if (!this._limiter.acquire(ip)) {
        this._emitRefused('too-many-connections');
        return refuseUpgrade(socket, 429, 'ERR_TOO_MANY_CONNECTIONS', `at most ${this._maxPerIp} connections per address`);
      }
      // Counted until the TCP socket closes, whether or not the handshake succeeds.
      socket.once('close', () => this._limiter.release(ip));
      this._wss.handleUpgrade(req, socket, head, (ws) => this._onConnection(ws, ip));
    } catch (err) {
      this._warn(err);
      socket.destroy();
    }
    return undefined;
  }

  _onConnection(ws, ip) {
    const conn = new Connection(ws, ip, this._floodLimits);
    this._conns.add(conn);
    this._startPinger();
    const joinTimer = setTimeout(() => this._refuse(conn, `no join within ${this.timing.joinTimeoutMs} ms`), this.timing.joinTimeoutMs);
    ws.on('message', (data, isBinary) => this._guard(() => this._onFrame(conn, data, isBinary)));
    ws.on('pong', () => { conn.lastSeen = Date.now(); });
    ws.on('error', () => {}); // protocol errors close the socket; 'close' follows
    ws.on('close', () => {
      clearTimeout(joinTimer);
      this._conns.delete(conn);
      if (conn.session) this._guard(() => conn.session.leave(conn.party, conn));
      if (this._conns.size === 0) this._stopPinger();
    });
    if (this._closing) conn.close(1001, 'service closing');
  }

  _onFrame(conn, data, isBinary) {
    conn.lastSeen = Date.now();
    if (conn.closing) return;
    if (!conn.bucket.take()) {
      conn.close(CLOSE_TOO_MANY, 'too many messages');
      return;
    }
    const decoded = decodeMessage(data, isBinary);
    if (!conn.session) {
      if (decoded.error || decoded.message.type !== 'join') {
        this._refuse(conn, 'the first message must be join with a party token');
        return;
      }
      this._join(conn, decoded.message.token);
      return;
    }
    if (decoded.error) {
      this._fault(conn, decoded.error.code, decoded.error.message);
    } else if (decoded.message.type === 'join') {
      this._fault(conn, 'ERR_INVALID_MESSAGE', 'already joined');
    } else {
      conn.session.handle(conn.party, conn, decoded.message);
    }
  }

  /** Checks the token and the call, then hands the socket to the call's session. */
  _join(conn, token) {
    const verdict = verifyPartyToken(this._tokenKey, token);
    if (!verdict.ok) return this._refuse(conn, TOKEN_REASONS[verdict.reason] || 'invalid token');
    const call = this._store.get(verdict.callId);
    if (!call) return this._refuse(conn, 'unknown call');
    if (call.state === 'ended') return this._refuse(conn, 'the call has ended');
    if (this._closing) return this._refuse(conn, 'the service is closing');
    conn.party = verdict.party;
    try {
      conn.session = this._sessions.join(call, verdict.party, conn);
    } catch (err) {
      this._warn(err);
      conn.error('ERR_INTERNAL', 'the service could not join this party');
      conn.close(1011, 'internal error');
      return undefined;
    }
    this._guard(() => this._onJoined(call.id, verdict.party));
    return undefined;
  }

  _refuse(conn, message) {
    if (conn.session || conn.closing) return;
    this._emitRefused(message);
    conn.error('ERR_UNAUTHORIZED', message);
    conn.close(4401, 'unauthorized');
  }

  /** A message we could not use: answered, and the socket closed after too many. */
  _fault(conn, code, message) {
    conn.errors++;
    conn.error(code, message);
    if (conn.errors >= MAX_ERRORS) conn.close(1008, 'too many bad messages');
  }

  _emitRefused(reason) {
    this._guard(() => this._onRefused(reason));
  }

  _guard(fn) {
    try {
      fn();
    } catch (err) {
      this._warn(err);
    }
  }

  _startPinger() {
    if (this._pinger) return;
    this._pinger = setInterval(() => this._guard(() => this._pingAll()), this.timing.pingIntervalMs);
    this._pinger.unref();
  }

  _stopPinger() {
    if (this._pinger) clearInterval(this._pinger);
    this._pinger = null;
  }

  /** Pings every socket; one silent for too long is dropped (its party becomes away). */
  _pingAll() {
    const now = Date.now();
    for (const conn of this._conns) {
      if (now - conn.lastSeen >= this.timing.dropAfterMs) conn.ws.terminate();
      else if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
    }
  }

  /**
   * Ends every live call (reason 'service-closed'), closes every socket and
   * waits (at most about a second) for them to go.
   * @returns {Promise<void>}
   */
  async close() {
    this._closing = true;
    this._stopPinger();
    await this._sessions.endAll('service-closed');
    for (const conn of this._conns) conn.close(1001, 'service closing');
    await Promise.all([...this._conns].map((c) => c.closed));
    this._wss.close();
  }
}

module.exports = { createSignalling, Signalling, MAX_ERRORS, refuseUpgrade, clientAddress };
