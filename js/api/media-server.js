'use strict';
// The media server: one native Server (csrc/napi), one media thread, any number
// of calls. It owns the table of calls by id and the table of pending requests
// by request id; the native side sends every event to one dispatcher, which
// settles requests and hands call events to their Call.
//
// Keeping Node alive: the native event channel (a threadsafe function) is
// ref'd only while there are live calls or pending requests, so an idle
// MediaServer never keeps the process running, and close() releases it.

const net = require('net');
const { EventEmitter } = require('events');
const { LccError, fromNative } = require('./errors');
const { validateServerOptions, validateCallOptions } = require('./options');
const { parseIceServers, toNativeIceServers, resolveIceServers } = require('./ice-servers');
const { loadNative } = require('./native');
const { Call, kInternal, safeEmit, withIsoTimes } = require('./call');
const { recoverUnfinished, removeExpired } = require('./recordings');

/** How long close() waits for the calls to end before destroying the server anyway. */
const CLOSE_END_TIMEOUT_MS = 5000;
/** Request ids stay below 2^53 (the C side holds a uint64; JS passes a Number). */
const MAX_REQ = Number.MAX_SAFE_INTEGER;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Terminates the WebRTC legs of LiveChat calls and relays media between them.
 *
 * @extends EventEmitter
 * @fires MediaServer#warning
 */
class MediaServer extends EventEmitter {
  /**
   * Validates every option, then starts the media thread. ICE server host
   * names are resolved in the background; answer() and offer() wait for it.
   * @param {MediaServerOptions} [options]
   * @throws {LccError} ERR_INVALID_OPTION for a bad option (nothing native is created);
   *   ERR_ADDON_NOT_BUILT when the add-on cannot be loaded
   */
  constructor(options) {
    super();
    const opts = validateServerOptions(options);
    const native = loadNative();
    this._opts = opts;
    this._calls = new Map(); // id -> live Call
    this._pending = new Map(); // req -> {resolve, reject, onReply}
    this._nextReq = 1;
    this._refed = false;
    this._closing = false; // close() began: no new calls
    this._closed = false; // the native server is destroyed
    this._closePromise = null;
    this._iceGeneration = 0;
    this._backlog = []; // drained events not yet handled
    this._deferred = null; // the setImmediate that resumes _drainBacklog
    // Kept here: the native side holds the dispatcher weakly.
    this._dispatcher = (events) => this._dispatch(events);
    const numeric = opts.nativeIceServers.every((s) => net.isIP(s.host) !== 0);
    try {
      this._native = new native.Server({
        listenAddresses: opts.listenAddresses,
        announcedAddress: opts.announcedAddress || '',
        portMin: opts.ports.min,
        portMax: opts.ports.max,
        iceServers: numeric ? opts.nativeIceServers : [],
        recordingsDir: opts.recordingsDir,
        disconnectedAfterMs: opts.disconnectedAfterMs,
        dtlsTimeoutMs: opts.dtlsTimeoutMs,
        iceTcp: opts.iceTcp,
        denyPrivateCandidates: !opts.allowPrivateCandidates,
      }, this._dispatcher);
    } catch (err) {
      throw fromNative(err);
    }
    this._fingerprint = this._native.fingerprint;
    this._housekeeping = null;
    this._startRecordingHousekeeping();
    this._iceServers = opts.iceServers;
    // Numeric hosts went in with the options; names are resolved first.
    this._iceReady = numeric ? Promise.resolve() : this._applyIceServers(opts.nativeIceServers);
  }

  /**
   * The SHA-256 fingerprint of the server's DTLS certificate, as in SDP
   * `a=fingerprint:sha-256 <fingerprint>` ("AB:CD:...").
   * @type {string}
   */
  get fingerprint() {
    return this._fingerprint;
  }

  /**
   * The STUN/TURN servers in RTCIceServer form (e.g. to hand the same list to browsers).
   * @type {RTCIceServer[]}
   */
  get iceServers() {
    return this._iceServers.map((s) => ({ ...s, urls: Array.isArray(s.urls) ? [...s.urls] : s.urls }));
  }

  /** True once close() has been called. @type {boolean} */
  get closed() {
    return this._closing;
  }

  /**
   * How many commands the media thread has run since the server started:
   * each call method that needs the media thread costs one, and so does
   * {@link MediaServer#getStats} whatever the number of calls. Still readable
   * after close() (commands run while closing are left out).
   * @type {number}
   */
  get commandsRun() {
    return this._native.commandsRun;
  }

  /**
   * With iceTcp on: how many TCP connections to the legs' passive candidates
   * were shut for passing no ICE check in time, or beyond the cap of 8 per
   * candidate (docs/security.md). 0 with iceTcp off. Still readable after close().
   * @type {number}
   */
  get iceTcpConnectionsShut() {
    return this._native.iceTcpShut;
  }

  /**
   * Every live call's statistics, in the order the calls were created, read
   * in one visit to the media thread whatever the number of calls: the media
   * thread copies the counters, the JS thread builds the objects. Each entry
   * has the shape of {@link Call#getStats}. A call the core has not created
   * yet reports no legs; a call that ended before the visit is left out.
   * @returns {Promise<CallStats[]>}
   * @throws {LccError} (rejects) ERR_SERVER_CLOSED once close() has been called
   */
  async getStats() {
    if (this._closing) throw new LccError('ERR_SERVER_CLOSED', 'media.getStats(): the media server is closed');
    let result = [];
    // Built inside the dispatcher, as the reply is handled: the call table is the one the snapshot saw.
    await this._post({ kind: 'statsAll' }, (ev) => {
      if (!ev.code) result = this._liveStats(Array.isArray(ev.stats) ? ev.stats : []);
    });
    return result;
  }

  /** The core's snapshot matched to the live calls (by id; a call not in the core yet has no legs). */
  _liveStats(snapshot) {
    const byId = new Map(snapshot.map((s) => [s.id, s]));
    const out = [];
    for (const call of this._calls.values()) {
      if (call.ended) continue;
      // Not yet in the core: a snapshot entry with its id belongs to an earlier call.
      if (!call._acked) out.push(call._statsBeforeCore());
      else if (byId.has(call.id)) out.push(withIsoTimes(byId.get(call.id)));
    }
    return out;
  }

  /**
   * Creates a call. Its two parties are 'visitor' and 'agent'. Returns at
   * once; if the core then refuses the call, `call.ready` and every method
   * reject with the core's error, and the call emits 'error' then 'end'.
   * @param {CallOptions} options
   * @returns {Call}
   * @throws {LccError} ERR_INVALID_OPTION (bad id or record), ERR_CALL_EXISTS (a live call has this id),
   *   ERR_SERVER_CLOSED
   */
  createCall(options) {
    if (this._closing) throw new LccError('ERR_SERVER_CLOSED');
    const { id, record } = validateCallOptions(options);
    if (this._calls.has(id)) throw new LccError('ERR_CALL_EXISTS', `a call with id '${id}' exists`);
    const call = new Call(this, id, record, kInternal);
    this._calls.set(id, call);
    this._updateRef();
    call._start(this._iceReady.then(() => this._post({ kind: 'callCreate', callId: id, record }, (ev) => {
      if (!ev.code) call._ack();
    })));
    return call;
  }

  /**
   * The live call with this id, if any.
   * @param {string} id
   * @returns {Call|undefined}
   */
  getCall(id) {
    return this._calls.get(id);
  }

  /**
   * Replaces the STUN/TURN servers for legs created from now on.
   * @param {string|RTCIceServer[]} iceServers as the `iceServers` option
   * @returns {Promise<void>} resolves once the names are resolved and the list is in place
   * @throws {LccError} (rejects) ERR_INVALID_OPTION, ERR_SERVER_CLOSED
   */
  async setIceServers(iceServers) {
    if (this._closing) throw new LccError('ERR_SERVER_CLOSED');
    const servers = parseIceServers(iceServers);
    const entries = toNativeIceServers(servers);
    this._iceServers = servers;
    this._iceReady = this._applyIceServers(entries);
    await this._iceReady;
  }

  /**
   * Ends every call (each emits 'end'), then stops the media thread and frees
   * everything. Idempotent; resolves when the native side is destroyed.
   * @returns {Promise<void>}
   */
  close() {
    if (!this._closePromise) this._closePromise = this._close();
    return this._closePromise;
  }

  async _close() {
    this._closing = true;
    const ends = [...this._calls.values()].map((c) => c.end().catch(() => {}));
    await Promise.race([Promise.all(ends), sleep(CLOSE_END_TIMEOUT_MS)]);
    this._closed = true;
    clearInterval(this._housekeeping);
    try {
      this._native.close(); // joins the media thread
    } catch {
      // already closed
    }
    for (const call of [...this._calls.values()]) call._finish(null, { force: true }); // ended by the destroy itself
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) p.reject(new LccError('ERR_SERVER_CLOSED'));
  }

  /** Resolves native ICE entries and posts them (later lists win). Never rejects. */
  async _applyIceServers(entries) {
    const generation = ++this._iceGeneration;
    const { servers, failures } = await resolveIceServers(entries);
    for (const err of failures) this._warn(err);
    if (this._closed || generation !== this._iceGeneration) return;
    try {
      this._native.post({ kind: 'setIceServers', req: 0, iceServers: servers });
    } catch (err) {
      if (!this._closed) this._warn(fromNative(err));
    }
  }

  /**
   * Marks recordings a crash left unfinished (complete: false, durations from
   * the files) and removes expired ones, now and then daily. Never throws: a
   * problem becomes a 'warning'.
   */
  _startRecordingHousekeeping() {
    const run = () => {
      try {
        recoverUnfinished(this._opts.recordingsDir);
        removeExpired(this._opts.recordingsDir, this._opts.retentionDays);
      } catch (err) {
        this._warn(new LccError('ERR_RECORDING_FAILED', `recordings housekeeping in ${this._opts.recordingsDir}: ${err.message}`));
      }
    };
    setImmediate(run); // after the constructor, so 'warning' listeners are attached
    this._housekeeping = setInterval(run, 24 * 3600 * 1000);
    this._housekeeping.unref();
  }

  _warn(err) {
    if (this.listenerCount('warning') > 0) safeEmit(this, 'warning', err);
    else process.emitWarning(err.message, { code: err.code });
  }

  /**
   * Posts a command; resolves with the reply's text, rejects with its error.
   * onReply(ev) runs inside the dispatcher, before any later event is handled.
   * @package
   */
  _post(cmd, onReply) {
    if (this._closed) return Promise.reject(new LccError('ERR_SERVER_CLOSED'));
    const req = this._nextReq;
    this._nextReq = req >= MAX_REQ ? 1 : req + 1;
    return new Promise((resolve, reject) => {
      this._pending.set(req, { resolve, reject, onReply });
      try {
        this._native.post({ ...cmd, req });
      } catch (err) {
        this._pending.delete(req);
        reject(fromNative(err));
      }
      this._updateRef();
    });
  }

  /** A call ended: forget it (its id becomes free). @package */
  _forget(call) {
    if (this._calls.get(call.id) === call) this._calls.delete(call.id);
    this._updateRef();
  }

  _updateRef() {
    if (this._closed) return;
    const want = this._calls.size > 0 || this._pending.size > 0;
    if (want === this._refed) return;
    this._refed = want;
    if (want) this._native.ref();
    else this._native.unref();
  }

  /**
   * Every event drained from the core, oldest first. A throwing listener does
   * not stop the rest. After a reply settles a promise, the events behind it
   * wait for a setImmediate, so that the awaiting code runs first: an app that
   * does `ws.send(await call.answer(...))` sends the answer before the
   * candidates that the core queued right behind it.
   */
  _dispatch(events) {
    for (const ev of events) this._backlog.push(ev);
    if (!this._deferred) this._drainBacklog();
  }

  _drainBacklog() {
    this._deferred = null;
    while (this._backlog.length > 0) {
      const ev = this._backlog.shift();
      let settled = false;
      try {
        settled = this._handle(ev);
      } catch (err) {
        process.nextTick(() => {
          throw err;
        });
      }
      if (settled && this._backlog.length > 0) {
        this._deferred = setImmediate(() => this._drainBacklog());
        break;
      }
    }
    this._updateRef();
  }

  /** Handles one event; true when it settled a pending request. */
  _handle(ev) {
    if (ev.kind === 'reply') {
      const p = this._pending.get(ev.req);
      if (!p) {
        if (ev.code) this._warn(new LccError(ev.code, ev.message)); // e.g. a failed setIceServers (req 0)
        return false;
      }
      this._pending.delete(ev.req);
      if (p.onReply) p.onReply(ev);
      if (ev.code) p.reject(new LccError(ev.code, ev.message));
      else p.resolve(ev.text);
      return true;
    }
    // Events for calls JS already ended (or for an earlier call with a reused id) are dropped.
    const call = ev.callId ? this._calls.get(ev.callId) : undefined;
    if (call) call._onEvent(ev);
    return false;
  }
}

/**
 * Something went wrong that no method call can report, e.g. an ICE server
 * name did not resolve (ERR_ICE_SERVER_UNRESOLVED). Without a listener it goes
 * to process.emitWarning().
 * @event MediaServer#warning
 * @param {LccError} error
 */

module.exports = { MediaServer };
