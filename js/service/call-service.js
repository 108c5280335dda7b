'use strict';
// The call service: one HTTP server (one per loopback address for
// 'localhost'), one MediaServer, one call store.
//
// It serves the control API (/api/*, js/service/http/http-api.js) that the
// Rocket.Chat App uses and the browsers' signalling WebSocket (/ws, through the
// server's 'upgrade' event, js/service/signalling/signalling.js). Other modules mount more
// paths with addRoute() (the demo pages, /healthz, /metrics); the rest is 404.

const http = require('http');
const net = require('net');
const { EventEmitter } = require('events');
const { MediaServer } = require('../api/media-server');
const { LccError } = require('../api/errors');
const { validateServiceOptions } = require('./options');
const { createAuthenticator } = require('./http/auth');
const { CallStore } = require('./calls/call-store');
const { derivePartyTokenKey, mintPartyToken } = require('./calls/party-tokens');
const { turnIceServers } = require('./calls/turn-credentials');
const { MAX_ICE_URLS } = require('../api/ice-servers');

/**
 * RTCIceServer[] cut to the core's limit of URLs, keeping the first ones;
 * `onDropped` hears the URLs left out.
 */
function capIceUrls(servers, onDropped) {
  let room = MAX_ICE_URLS;
  const kept = [];
  const dropped = [];
  for (const server of servers) {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    const fit = urls.slice(0, Math.max(0, room));
    dropped.push(...urls.slice(fit.length));
    room -= fit.length;
    if (fit.length > 0) kept.push({ ...server, urls: fit.length === 1 && !Array.isArray(server.urls) ? fit[0] : fit });
  }
  if (dropped.length > 0) onDropped(dropped);
  return kept;
}
const { createHttpApi } = require('./http/http-api');
const { createSignalling } = require('./signalling/signalling');
const { SessionRegistry } = require('./sessions/session-registry');
const { HttpError, sendError } = require('./http/http-json');
const { mountObservability } = require('./ops/observability');
const { mountClientFiles } = require('./web/client-files');
const { mountCallPage } = require('./web/call-page');
const { JoinTickets } = require('./calls/join-tickets');
const { mountTicketRedemption } = require('./http/ticket-redemption');
const { createAppNotifier } = require('./app-link/app-notifier');
const { RingChannel } = require('./signalling/ring-channel');
const { signallingUrlOf } = require('./http/http-api');
const { createHostCheck, hostRefusal } = require('./http/host-check');
const { servesThisMachineOnly } = require('./http/exposure');
const { refuseUpgrade } = require('./signalling/signalling');

/**
 * The addresses to bind for the configured host. 'localhost' means both
 * loopback addresses: Node binds only the first address /etc/hosts gives
 * (::1 on stock Debian), and a Rocket.Chat configured with 127.0.0.1 must
 * reach the service too.
 */
function bindAddresses(host) {
  return host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
}

/** Errors that mean "this machine has no such address" (e.g. no IPv6 loopback): skipped for 'localhost'. */
const ADDRESS_MISSING = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

/** Binds `server` to host:port; resolves when it listens, rejects with the listen error. */
function listenOn(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** http://host:port for a bound address (IPv6 in brackets; any-address shown as loopback). */
function urlOfAddress({ address, port }) {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * The call service.
 * @extends EventEmitter
 * @fires CallService#warning
 * @fires CallService#session-start
 * @fires CallService#fallback
 * @fires CallService#session-end
 * @fires CallService#ws-refused
 */
class CallService extends EventEmitter {
  /** @param {ReturnType<typeof validateServiceOptions>} config */
  constructor(config) {
    super();
    this._config = config;
    /** The MediaServer this service owns (closed by close()). @type {MediaServer} */
    this.media = new MediaServer({ ...config.media, recordingsDir: config.recordingsDir });
    this.media.on('warning', (err) => this._warn(err));
    /** The calls. @type {CallStore} */
    this.calls = new CallStore({ dataDir: config.dataDir });
    this._url = config.publicUrl; // set on listen() when not configured
    const tokenKey = derivePartyTokenKey(config.secret);
    this._tokenKey = tokenKey;
    this._rootRoute = null;
    this._hostAllowed = createHostCheck({ publicUrl: () => this._url, host: config.host, allowedHosts: config.allowedHosts });
    const warn = (err) => this._warn(err);
    const notify = (event, data) => this._notify(event, data);
    /**
     * The iceServers a party gets in `joined`: the call's (WebRTC_Servers from
     * the App), plus TURN credentials minted for this call and party when a
     * coturn secret is configured. The secret itself never leaves the service.
     */
    this.iceServersFor = (call, party) => [...call.iceServers, ...this._mintTurn(`${call.id}-${party}`)];
    this._sessions = new SessionRegistry({
      store: this.calls,
      media: this._mediaForSessions(),
      fallbackTimeoutMs: config.fallbackTimeoutMs,
      iceServersFor: (call, party) => this.iceServersFor(call, party),
      warn,
      notify,
    });
    this._signalling = createSignalling({
      store: this.calls, sessions: this._sessions, tokenKey, maxConnectionsPerIp: config.maxConnectionsPerIp, trustProxy: config.trustProxy, warn,
      floodLimits: config.floodLimits,
      onRefused: (reason) => notify('ws-refused', { reason }),
      onJoined: (callId, party) => notify('party-joined', { callId, party }),
    });
    /** @type {{prefix: string, handler: Function}[]} */
    this._routes = [];
    /** Join tickets minted for the App's call messages (join-tickets.js). @type {JoinTickets} */
    this.tickets = new JoinTickets();
    this._appEvents = createAppNotifier({ secret: config.secret, warn });
    /** Calls the App itself ended: it needs no event about them. */
    this._endedByApp = new Set();
    this._api = createHttpApi({
      store: this.calls,
      media: this.media,
      auth: createAuthenticator({ secret: config.secret }),
      mintPartyToken: (callId, party) => this.mintPartyToken(callId, party),
      tickets: this.tickets,
      config,
      publicUrl: () => this._url,
      onInternalError: warn,
      endCall: async (id, how) => {
        this._endedByApp.add(id);
        try {
          return await this.endCall(id, how);
        } finally {
          this._endedByApp.delete(id);
        }
      },
      onUnauthorized: (reason) => notify('api-refused', { reason }),
    });
    /** The HTTP servers, one per bound address (two for 'localhost'), all with the same routes. @type {http.Server[]} */
    this._servers = [];
    this._ring = new RingChannel({
      store: this.calls, maxConnectionsPerIp: config.maxConnectionsPerIp, trustProxy: config.trustProxy, warn,
      floodLimits: config.floodLimits,
      answer: (call, answer) => this._visitorAnswered(call, answer),
    });
    this._listening = null;
    this._closing = null;
    /** The Prometheus metrics behind /metrics (/healthz is mounted with them). */
    const observability = mountObservability(this, {
      metricsToken: config.metricsToken, tokenRequired: !servesThisMachineOnly(config), refreshSeconds: config.metricsRefreshSeconds,
    });
    this.metrics = observability.metrics;
    this._stopObservability = observability.stop;
    mountClientFiles(this);
    mountCallPage(this, { embedOrigins: config.embedOrigins });
    mountTicketRedemption(this, this.tickets);
    this._tellAppAboutCalls();
  }

  /**
   * What the App hears without asking (js/common/app-events.js): a join
   * ticket was used (its message offers Join call again), a call ended by
   * someone other than the App (a hang-up in the call page, the service).
   */
  _tellAppAboutCalls() {
    this.on('ticket-redeemed', ({ callId, party, ticketId }) => {
      this._appEvents.send(this.calls.get(callId), { type: 'ticket-redeemed', callId, party, ticketId });
    });
    this.calls.on('created', (call) => this._ring.ring(call));
    this.on('party-joined', ({ callId, party }) => { if (party === 'visitor') this._ring.stop(callId, 'joined'); });
    this.calls.on('ended', (call) => {
      this._ring.stop(call.id, call.endReason);
      this.tickets.revokeCall(call.id);
      if (this._endedByApp.has(call.id)) return;
      this._appEvents.send(call, { type: 'call-ended', callId: call.id, reason: call.endReason, endedBy: call.endedBy });
    });
  }

  /**
   * The visitor answered on the site's call script (ring-channel.js): the App
   * settles the call message first and may refuse; an accepted call gets the
   * visitor's party token.
   * @returns {Promise<object|null>} the `join` message's fields, null after a decline
   */
  async _visitorAnswered(call, answer) {
    const settled = await this._appEvents.request(call, { type: 'visitor-answer', callId: call.id, answer });
    if (answer === 'decline') return null;
    if (settled.callStatus !== 'inProgress') throw new Error(`call ${call.id}: the App did not accept it (${settled.callStatus})`);
    const current = this.calls.get(call.id);
    if (!current || current.state === 'ended') throw new Error(`call ${call.id} has ended`);
    const { token, expiresAt } = this.mintPartyToken(call.id, 'visitor');
    return {
      callId: call.id, party: 'visitor', token, expiresAt, signallingUrl: signallingUrlOf(this._url),
      video: !!current.video, names: { ...(current.names || {}) },
    };
  }

  /** The ring channel of the site call script (/ring, ring-channel.js). @type {RingChannel} */
  get ringChannel() {
    return this._ring;
  }

  /** True once close() began (/healthz then answers 503). @type {boolean} */
  get closing() {
    return this._closing !== null;
  }

  /** TURN entries with fresh credentials for `id`, or [] without TURN. */
  _mintTurn(id) {
    return this._config.turn ? turnIceServers(this._config.turn, id) : [];
  }

  /**
   * The server's own TURN credentials: minted for 'lcc-server' and reused
   * until half their lifetime is gone, so the server's ICE list stays the
   * same from call to call (see _mediaForSessions).
   */
  _serverTurn() {
    const turn = this._config.turn;
    if (!turn) return [];
    const now = Date.now();
    if (!this._serverTurnCache || now > this._serverTurnCache.renewAt) {
      this._serverTurnCache = { servers: turnIceServers(turn, 'lcc-server', now), renewAt: now + (turn.ttlSeconds * 1000) / 2 };
    }
    return this._serverTurnCache.servers;
  }

  /**
   * The MediaServer as the sessions use it. Before a relayed call is created,
   * the server's own ICE agents get the call's STUN/TURN servers (the App's
   * WebRTC_Servers) plus the server's own TURN credentials, so that the server
   * can reach browsers through TURN too. The MediaServer has one list for all
   * calls: it is replaced only when it changes (normally never, since every
   * call comes from the same Rocket.Chat setting), and cut to the core's
   * limit of URLs with a warning rather than refused.
   */
  _mediaForSessions() {
    const base = this._config.media.iceServers || [];
    return {
      createCall: (opts) => {
        const call = this.calls.get(opts.id);
        const list = capIceUrls([...base, ...(call ? call.iceServers : []), ...this._serverTurn()], (dropped) => {
          this._warn(new Error(`the server's ICE servers hold more than ${MAX_ICE_URLS} URLs; left out: ${dropped.join(', ')}`));
        });
        const key = JSON.stringify(list);
        if (key !== this._serverIceKey) {
          this._serverIceKey = key;
          this.media.setIceServers(list).catch((err) => this._warn(err));
        }
        return this.media.createCall(opts);
      },
    };
  }

  /**
   * Ends a call: a live one's sockets hear `ended` and its media and
   * recording finish; then the store records it. An ended call stays as it is.
   * @param {string} id
   * @param {{reason: string, by: 'visitor'|'agent'|'service'}} how
   * @returns {Promise<object|undefined>} the stored call; undefined when unknown
   */
  async endCall(id, { reason, by }) {
    // A live (or still ending) session: this waits until its recording is referenced.
    if (await this._sessions.end(id, { reason, by })) return this.calls.get(id);
    const before = this.calls.get(id);
    if (!before || before.state === 'ended') return before;
    // Nobody joined: the media (if any) ends first, so an ended call never still carries media.
    const mediaCall = this.media.closed ? undefined : this.media.getCall(id);
    if (mediaCall) await mediaCall.end().catch(() => {}); // it may have ended on its own meanwhile
    return this.calls.end(id, reason, { endedBy: by });
  }

  /**
   * A party token for a call: the one way tokens are minted (POST
   * /api/calls/:id/tokens, ticket redemption, the ring channel's Accept, the demo).
   * @param {string} callId
   * @param {'visitor'|'agent'} party
   * @returns {{token: string, expiresAt: string}}
   */
  mintPartyToken(callId, party) {
    return mintPartyToken(this._tokenKey, { callId, party, ttlSeconds: this._config.tokenTtlSeconds });
  }

  /** The service's recordings folder (the MediaServer's recordingsDir). @type {string} */
  get recordingsDir() {
    return this._config.recordingsDir;
  }

  /**
   * Serves exactly `/` (the rest of the tree stays with addRoute()).
   * @param {(req: import('http').IncomingMessage, res: import('http').ServerResponse) => unknown} handler
   * @returns {this}
   */
  addRootRoute(handler) {
    if (typeof handler !== 'function') throw new TypeError('addRootRoute: handler must be a function');
    if (this._rootRoute) throw new Error('addRootRoute: / is already served');
    this._rootRoute = { prefix: '/', handler };
    return this;
  }

  /** Sends each request to the part of the service that serves its path. */
  _route(req, res) {
    const pathname = req.url.split('?')[0];
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      this._api(req, res);
      return;
    }
    const route = pathname === '/' && this._rootRoute
      ? this._rootRoute
      : this._routes.find((r) => pathname === r.prefix || pathname.startsWith(`${r.prefix}/`));
    if (route) {
      this._runRoute(route, req, res);
      return;
    }
    req.resume(); // unread body: discard it
    sendError(res, new HttpError(404, 'ERR_NOT_FOUND', 'no such endpoint'));
  }

  /** A mounted handler; whatever it throws (or rejects with) becomes a 500, never a crash. */
  _runRoute(route, req, res) {
    const fail = (err) => {
      if (res.headersSent) res.destroy();
      else sendError(res, err, (e) => this._warn(e));
    };
    try {
      const result = route.handler(req, res);
      if (result && typeof result.then === 'function') result.then(undefined, fail);
    } catch (err) {
      fail(err);
    }
  }

  /**
   * Serves more paths without editing this file: `handler(req, res)` gets every
   * request whose pathname is `prefix` or starts with `prefix + '/'` (checked
   * after /api, before the 404; the first matching prefix wins). A handler that
   * throws or rejects gets a 500 (the error goes to 'warning').
   * @param {string} prefix an absolute path without a trailing slash, e.g. '/metrics', '/demo'
   * @param {(req: import('http').IncomingMessage, res: import('http').ServerResponse) => unknown} handler
   * @returns {this}
   * @throws {TypeError} for a bad prefix or handler; Error for /api, /ws or a prefix already mounted
   */
  addRoute(prefix, handler) {
    if (typeof prefix !== 'string' || !/^\/[^?#\s]*[^/?#\s]$/.test(prefix)) {
      throw new TypeError(`addRoute: prefix must be an absolute path without a trailing slash, got ${JSON.stringify(prefix)}`);
    }
    if (typeof handler !== 'function') throw new TypeError('addRoute: handler must be a function');
    const taken = ['/api', '/ws', ...this._routes.map((r) => r.prefix)];
    if (taken.includes(prefix)) throw new Error(`addRoute: ${prefix} is already served`);
    this._routes.push({ prefix, handler });
    return this;
  }

  /**
   * A read-only snapshot of the live calls (for metrics), taken when read:
   * `live` live sessions; `byMode` how many are p2p or relayed now; `byPath`
   * the media path known so far ('none': not connected yet); `partiesConnected`
   * parties with an open, joined socket; `connections` open WebSockets,
   * joined or not.
   * @type {{live: number, byMode: {p2p: number, relay: number}, byPath: {p2p: number, relay: number, none: number},
   *   partiesConnected: number, connections: number}}
   */
  get sessions() {
    return Object.freeze({ ...this._sessions.view(), connections: this._signalling.connectionCount });
  }

  /**
   * Loads the stored calls, then binds the HTTP server. Idempotent: later
   * calls return the same promise, until close() (then it rejects).
   * @returns {Promise<{url: string}>} url: the address it listens on (http://host:port)
   * @throws {LccError} (rejects) ERR_SERVER_CLOSED after close(); the listen error (e.g. EADDRINUSE)
   */
  listen() {
    if (this._closing) return Promise.reject(new LccError('ERR_SERVER_CLOSED', 'the call service is closed'));
    if (!this._listening) this._listening = this._listen();
    return this._listening;
  }

  async _listen() {
    const loaded = await this.calls.open();
    if (loaded.skipped.length > 0) {
      this._warn(new Error(`call store: skipped files that are not calls: ${loaded.skipped.join(', ')}`));
    }
    const [first, ...more] = bindAddresses(this._config.host);
    const main = this._newServer();
    await listenOn(main, this._config.port, first);
    const { port } = main.address(); // the others take the same port (also when port 0 picked one)
    for (const host of more) {
      const server = this._newServer();
      try {
        await listenOn(server, port, host);
      } catch (err) {
        this._servers.splice(this._servers.indexOf(server), 1);
        if (!ADDRESS_MISSING.has(err.code)) throw err;
      }
    }
    const url = urlOfAddress(main.address());
    if (!this._url) this._url = url;
    return { url };
  }

  /**
   * A server with the service's routes, /ws and /ring, behind the Host check
   * (http/host-check.js); kept in _servers so that close() closes it.
   */
  _newServer() {
    const server = http.createServer((req, res) => {
      if (this._hostAllowed(req)) {
        this._route(req, res);
        return;
      }
      const { status, code, message } = hostRefusal(req);
      req.resume();
      sendError(res, new HttpError(status, code, message));
    });
    server.on('upgrade', (req, socket, head) => {
      if (!this._hostAllowed(req)) {
        socket.on('error', () => {});
        const { status, code, message } = hostRefusal(req);
        refuseUpgrade(socket, status, code, message);
      } else if ((req.url || '').split('?')[0] === '/ring') this._ring.handleUpgrade(req, socket, head);
      else this._signalling.handleUpgrade(req, socket, head);
    });
    this._servers.push(server);
    return server;
  }

  /**
   * The public URL browsers and the App use (the publicUrl option, else the
   * bound address); null before listen() when not configured.
   * @type {string|null}
   */
  get publicUrl() {
    return this._url;
  }

  /**
   * Ends the live calls (both parties get `ended`, reason 'service-closed'),
   * stops the HTTP server (closing open connections), closes the MediaServer
   * and waits for the store's writes. Idempotent.
   * @returns {Promise<void>}
   */
  close() {
    if (!this._closing) this._closing = this._close();
    return this._closing;
  }

  async _close() {
    await (this._listening || Promise.resolve()).catch(() => {});
    this._stopObservability();
    this._ring.close();
    await this._signalling.close().catch((err) => this._warn(err));
    await Promise.all(this._servers.filter((server) => server.listening).map((server) => {
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    }));
    await this.media.close();
    await this.calls.close();
    await this._appEvents.drain();
  }

  /** Emits a lifecycle event; a listener that throws is reported, never thrown into signalling. */
  _notify(event, data) {
    try {
      this.emit(event, data);
    } catch (err) {
      this._warn(err);
    }
  }

  /**
   * Reports something no caller can be told about (a 'warning' event, or
   * process.emitWarning() without a listener). For modules mounted on the service.
   * @param {unknown} err
   */
  warn(err) {
    this._warn(err);
  }

  _warn(err) {
    if (this.metrics) this.metrics.errors.inc({ kind: 'warning' });
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
    else process.emitWarning(err && err.message ? err.message : String(err), { code: err && err.code });
  }
}

/**
 * A call's live session began: its first party joined on the signalling WebSocket.
 * @event CallService#session-start
 * @param {{callId: string}} data
 */

/**
 * A `fallback` call moved from p2p to the server.
 * @event CallService#fallback
 * @param {{callId: string, reason: 'p2p-failed'|'p2p-timeout'}} data
 */

/**
 * A live session ended (hang-up, POST /api/calls/:id/end, close()).
 * @event CallService#session-end
 * @param {{callId: string, reason: string, by: 'visitor'|'agent'|'service'}} data reason: the call's endReason
 */

/**
 * The signalling endpoint refused someone: a join (4401; reason is the error
 * message, e.g. 'token expired') or an upgrade ('not-found', 'too-many-connections').
 * @event CallService#ws-refused
 * @param {{reason: string}} data
 */

/**
 * A party joined (or rejoined) on the signalling WebSocket.
 * @event CallService#party-joined
 * @param {{callId: string, party: 'visitor'|'agent'}} data
 */

/**
 * A relayed call's MediaServer call ended: its summary (per-party packet and
 * byte counts) and its recording's sidecar, if it was recorded.
 * @event CallService#media-end
 * @param {{callId: string, summary: object, recording: object|null}} data
 */

/**
 * The control API refused a request's signature (401).
 * @event CallService#api-refused
 * @param {{reason: string}} data
 */

/**
 * Something went wrong that no caller can be told about: an internal error
 * behind a 500, a MediaServer warning, unreadable files in the call store.
 * Without a listener it goes to process.emitWarning().
 * @event CallService#warning
 * @param {Error} error
 */

/**
 * Creates the call service (validating every option and starting its
 * MediaServer); call listen() to serve.
 * @param {{secret: string, host?: string, port?: number, publicUrl?: string, media?: object, dataDir?: string,
 *   tokenTtlSeconds?: number, maxBodyBytes?: number, maxCalls?: number, fallbackTimeoutMs?: number,
 *   maxConnectionsPerIp?: number, messagesPerSecond?: number, messageBurst?: number, maxBufferedBytes?: number,
 *   trustProxy?: boolean, allowedHosts?: string[], embedOrigins?: string[], metricsToken?: string,
 *   metricsRefreshSeconds?: number, turn?: object}} options (docs/service-api.md)
 * @returns {CallService}
 * @throws {LccError} ERR_INVALID_OPTION naming the option; ERR_ADDON_NOT_BUILT
 */
function createCallService(options) {
  return new CallService(validateServiceOptions(options));
}

module.exports = { createCallService, CallService };
