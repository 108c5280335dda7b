// The WebSocket half of the browser client: one socket to the call service's
// /ws, the `join` handshake, and reconnection. docs/signalling.md is the
// protocol. What the messages mean (start, offer, ...) is LivechatCall's
// business; this file only delivers them.
//
// A socket that drops unexpectedly (not after `ended`, `replaced`, a refused
// token or close()) is reopened with backoff (0.5 s, 1 s, 2 s, 4 s, then every
// 5 s) and joins again with the same token; the service resumes the party.

import { Emitter } from './emitter.js';

const BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
/** Close codes from the service (docs/signalling.md). */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_REPLACED = 4409;

/**
 * An Error with a `code`.
 * @param {string} code
 * @param {string} message
 * @returns {Error & {code: string}}
 */
export function clientError(code, message) {
  const err = new Error(message);
  err.code = code;
  return err;
}

/**
 * One party's signalling connection.
 *
 * Events:
 * - `message` (msg): every JSON message from the service after (and including) `joined`
 * - `joined` (msg): each successful join (the first and every re-join)
 * - `reconnecting` ({attempt, delayMs}): the socket dropped; a new one opens after delayMs
 * - `closed` ({reason, error?}): final; reason 'closed' (close()), 'ended', 'replaced', 'unauthorized', 'failed'
 */
export class SignallingSocket extends Emitter {
  /**
   * @param {{url: string, token: string, WebSocket?: typeof WebSocket}} options
   */
  constructor({ url, token, WebSocket: WebSocketImpl = globalThis.WebSocket }) {
    super();
    if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) throw new TypeError('signallingUrl must be a ws:// or wss:// URL');
    if (typeof token !== 'string' || token === '') throw new TypeError('token must be a non-empty string');
    this.url = url;
    this.token = token;
    this._WebSocket = WebSocketImpl;
    this._ws = null;
    this._attempt = 0; // reconnect attempts since the last successful join
    this._timer = null;
    this._final = null; // set once: the reason it will not reconnect
    this._joinedOnce = false;
  }

  /** True while a socket is open and joined. */
  get joined() {
    return !!(this._ws && this._ws._joined);
  }

  /**
   * Opens the socket and joins. Resolves with the `joined` message; rejects
   * (err.code) when the first connection cannot be made or the token is refused.
   * @returns {Promise<object>}
   */
  connect() {
    if (this._final) return Promise.reject(clientError('ERR_CLOSED', 'the signalling connection is closed'));
    return new Promise((resolve, reject) => {
      this._firstJoin = { resolve, reject };
      this._open();
    });
  }

  /**
   * Sends a message if the socket is joined; returns whether it was sent.
   * Messages while reconnecting are dropped: after a re-join the service
   * starts a new generation anyway.
   * @param {object} msg
   * @returns {boolean}
   */
  send(msg) {
    const ws = this._ws;
    if (!ws || !ws._joined || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  /**
   * Drops the current WebSocket and joins again at once with the same token
   * (the service resumes the party). For when the network changed under us:
   * the old socket may be dead without knowing it.
   */
  reconnectNow() {
    if (this._final || !this._joinedOnce) return;
    const old = this._ws;
    this._ws = null; // its late events no longer count
    if (old) {
      try { old.close(4000, 'reconnecting'); } catch { /* already closing */ }
    }
    clearTimeout(this._timer);
    this._timer = null;
    this._attempt++;
    this.emit('reconnecting', { attempt: this._attempt, delayMs: 0 });
    this._open();
  }

  /**
   * Closes for good (no reconnect). Idempotent.
   * @param {string} [reason] what `closed` reports ('closed' by default)
   */
  close(reason = 'closed') {
    this._finish(reason);
  }

  _open() {
    let ws;
    try {
      ws = new this._WebSocket(this.url);
    } catch (err) {
      this._fail(clientError('ERR_SIGNALLING', `cannot open ${this.url}: ${err.message}`));
      return;
    }
    this._ws = ws;
    ws._joined = false;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'join', token: this.token }));
    ws.onmessage = (ev) => this._onMessage(ws, ev);
    ws.onclose = (ev) => this._onClose(ws, ev);
    ws.onerror = () => {}; // a close event follows
  }

  _onMessage(ws, ev) {
    if (ws !== this._ws || typeof ev.data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== 'string') return;
    if (!ws._joined) {
      if (msg.type === 'joined') {
        ws._joined = true;
        this._attempt = 0;
        this._joinedOnce = true;
        if (this._firstJoin) {
          this._firstJoin.resolve(msg);
          this._firstJoin = null;
        }
        this.emit('joined', msg);
      } else if (msg.type === 'error' && msg.code === 'ERR_UNAUTHORIZED') {
        this._fail(clientError('ERR_UNAUTHORIZED', msg.message || 'the service refused the token'), 'unauthorized');
        return;
      }
    }
    if (msg.type === 'ended') this._final = this._final || 'ended';
    if (msg.type === 'replaced') this._final = this._final || 'replaced';
    this.emit('message', msg);
    if (this._final === 'ended' || this._final === 'replaced') this._finish(this._final);
  }

  _onClose(ws, ev) {
    if (ws !== this._ws) return;
    this._ws = null;
    if (this._final) {
      this._finish(this._final);
      return;
    }
    if (ev.code === CLOSE_UNAUTHORIZED) {
      this._fail(clientError('ERR_UNAUTHORIZED', ev.reason || 'the service refused the token'), 'unauthorized');
      return;
    }
    if (ev.code === CLOSE_REPLACED) {
      this._finish('replaced');
      return;
    }
    if (!this._joinedOnce) {
      // The very first connection did not work: tell join() instead of retrying forever.
      this._fail(clientError('ERR_SIGNALLING', `could not join over ${this.url} (WebSocket closed with code ${ev.code})`));
      return;
    }
    const delayMs = BACKOFF_MS[Math.min(this._attempt, BACKOFF_MS.length - 1)];
    this._attempt++;
    this.emit('reconnecting', { attempt: this._attempt, delayMs });
    this._timer = setTimeout(() => {
      this._timer = null;
      if (!this._final) this._open();
    }, delayMs);
  }

  _fail(err, reason = 'failed') {
    if (this._firstJoin) {
      this._firstJoin.reject(err);
      this._firstJoin = null;
    }
    this._finish(reason, err);
  }

  _finish(reason, error) {
    const already = this._closedEmitted;
    this._final = this._final || reason;
    clearTimeout(this._timer);
    this._timer = null;
    const ws = this._ws;
    this._ws = null;
    if (ws && ws.readyState <= 1) {
      try { ws.close(1000); } catch { /* already closing */ }
    }
    if (this._firstJoin) {
      this._firstJoin.reject(error || clientError('ERR_CLOSED', `the signalling connection closed (${this._final})`));
      this._firstJoin = null;
    }
    if (!already) {
      this._closedEmitted = true;
      this.emit('closed', error ? { reason: this._final, error } : { reason: this._final });
    }
  }
}
