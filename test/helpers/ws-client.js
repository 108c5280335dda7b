'use strict';
// A WebSocket client for the service's signalling sockets (/ws, /ring) in
// tests: it keeps every message, and take(type) waits for the next unread one
// of a type while the others stay unread.

const { WebSocket } = require('ws');

/** url: the service's http(s) URL; path: the socket's path. */
class WsClient {
  constructor(url, path = '/ws', options = {}) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + path, options);
    this.all = [];
    this.inbox = [];
    this.bytesRead = 0;
    this._waiters = [];
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      this.bytesRead += data.length;
      const msg = JSON.parse(data.toString());
      this.all.push(msg);
      this.inbox.push(msg);
      this._waiters.slice().forEach((w) => w());
    });
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  /** The next unread message of this type (others stay unread). */
  take(type, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.inbox.findIndex((m) => m.type === type);
        if (i < 0) return false;
        const [msg] = this.inbox.splice(i, 1);
        this._waiters = this._waiters.filter((w) => w !== check);
        clearTimeout(timer);
        resolve(msg);
        return true;
      };
      const timer = setTimeout(() => {
        this._waiters = this._waiters.filter((w) => w !== check);
        reject(new Error(`no '${type}' within ${timeoutMs} ms; got ${JSON.stringify(this.all.map((m) => m.type))}`));
      }, timeoutMs);
      if (!check()) this._waiters.push(check);
    });
  }

  types() {
    return this.all.map((m) => m.type);
  }

  close() {
    this.ws.terminate();
  }
}

module.exports = { WsClient };
