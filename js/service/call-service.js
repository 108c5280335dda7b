'use strict';
// The call service: one HTTP server, one MediaServer, one call store.
//
// This increment serves the control API (/api/*, js/service/http-api.js) that
// the Rocket.Chat App uses. Everything else answers 404 for now; later
// increments hang more off `route()` below (WebSocket signalling on /ws via the
// server's 'upgrade' event, /healthz, /metrics, the demo pages).

const http = require('http');
const net = require('net');
const { EventEmitter } = require('events');
const { MediaServer } = require('../api/media-server');
const { LccError } = require('../api/errors');
const { validateServiceOptions } = require('./options');
const { createAuthenticator } = require('./auth');
const { CallStore } = require('./call-store');
const { derivePartyTokenKey } = require('./party-tokens');
const { createHttpApi } = require('./http-api');
const { HttpError, sendError } = require('./http-json');

/** http://host:port for a bound address (IPv6 in brackets; any-address shown as loopback). */
function urlOfAddress({ address, port }) {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * The call service.
 * @extends EventEmitter
 * @fires CallService#warning
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
    this._api = createHttpApi({
      store: this.calls,
      media: this.media,
      auth: createAuthenticator({ secret: config.secret }),
      tokenKey: derivePartyTokenKey(config.secret),
      config,
      publicUrl: () => this._url,
      onInternalError: (err) => this._warn(err),
    });
    this._server = http.createServer((req, res) => this._route(req, res));
    this._listening = null;
    this._closing = null;
  }

  /** Sends each request to the part of the service that serves its path. */
  _route(req, res) {
    const pathname = req.url.split('?')[0];
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      this._api(req, res);
      return;
    }
    req.resume(); // nothing here reads bodies yet
    sendError(res, new HttpError(404, 'ERR_NOT_FOUND', 'no such endpoint'));
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
    await new Promise((resolve, reject) => {
      const onError = (err) => reject(err);
      this._server.once('error', onError);
      this._server.listen(this._config.port, this._config.host, () => {
        this._server.off('error', onError);
        resolve();
      });
    });
    const url = urlOfAddress(this._server.address());
    if (!this._url) this._url = url;
    return { url };
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
   * Stops the HTTP server (closing open connections), closes the MediaServer
   * (ending its calls) and waits for the store's writes. Idempotent.
   * @returns {Promise<void>}
   */
  close() {
    if (!this._closing) this._closing = this._close();
    return this._closing;
  }

  async _close() {
    await (this._listening || Promise.resolve()).catch(() => {});
    if (this._server.listening) {
      const closed = new Promise((resolve) => this._server.close(() => resolve()));
      this._server.closeAllConnections();
      await closed;
    }
    await this.media.close();
    await this.calls.close();
  }

  _warn(err) {
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
    else process.emitWarning(err && err.message ? err.message : String(err), { code: err && err.code });
  }
}

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
 *   tokenTtlSeconds?: number, maxBodyBytes?: number, maxCalls?: number}} options
 * @returns {CallService}
 * @throws {LccError} ERR_INVALID_OPTION naming the option; ERR_ADDON_NOT_BUILT
 */
function createCallService(options) {
  return new CallService(validateServiceOptions(options));
}

module.exports = { createCallService, CallService };
