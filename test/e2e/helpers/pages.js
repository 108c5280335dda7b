'use strict';
// A tiny static HTTP server on 127.0.0.1 (random port) for test/e2e/pages/, and
// Peer: the Node side of pages/peer.html. A Peer forwards calls to window.peer.*
// in the page and turns the page's pushes into events:
//   'candidate' (RTCIceCandidateInit | null at end of gathering),
//   'connectionState', 'iceConnectionState', 'iceGatheringState', 'signalingState' (string),
//   'track' ({kind, id, mid}).
// It also keeps the latest states (peer.state), every local candidate in order
// (peer.candidates), a timestamped history and the page's console (peer.logs), so
// a failing test can say what happened.
//
// http://127.0.0.1 is a secure context, so getUserMedia works without TLS.

const fs = require('fs');
const http = require('http');
const path = require('path');
const { EventEmitter } = require('events');

const PAGES_DIR = path.resolve(__dirname, '..', 'pages');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/**
 * Serves the files of test/e2e/pages (flat, no subfolders), on 127.0.0.1 by
 * default. It records who fetched what (`clients`: the NAT tests check which
 * address a page request came from) and answers /whoami with the caller's
 * address and port.
 * @param {{dir?: string, host?: string}} [opts]
 * @returns {Promise<{baseUrl: string, clients: {address: string, port: number, url: string}[], close: () => Promise<void>}>}
 */
function startPageServer({ dir = PAGES_DIR, host = '127.0.0.1' } = {}) {
  const clients = [];
  const server = http.createServer((req, res) => {
    clients.push({ address: req.socket.remoteAddress, port: req.socket.remotePort, url: req.url });
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    if (name === 'whoami') {
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
        .end(JSON.stringify({ address: req.socket.remoteAddress, port: req.socket.remotePort }));
      return;
    }
    const type = TYPES[path.extname(name)];
    if (req.method !== 'GET' || !type || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    fs.readFile(path.join(dir, name), (err, body) => {
      if (err) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      resolve({
        baseUrl: `http://${host}:${port}`,
        clients,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

const STATE_KINDS = ['connectionState', 'iceConnectionState', 'iceGatheringState', 'signalingState'];

class Peer extends EventEmitter {
  constructor(name, page) {
    super();
    this.name = name;
    this.page = page;
    this.state = { connectionState: 'new', iceConnectionState: 'new', iceGatheringState: 'new', signalingState: 'stable' };
    this.candidates = []; // local candidates in the order gathered, null marks an end of gathering
    this.history = []; // { t (ms since open), kind, data }
    this.logs = [];
    this.t0 = Date.now();
  }

  _onPush(kind, data) {
    this.history.push({ t: Date.now() - this.t0, kind, data });
    if (STATE_KINDS.includes(kind)) this.state[kind] = data;
    if (kind === 'candidate') this.candidates.push(data);
    this.emit(kind, data);
  }

  async _call(method, ...args) {
    try {
      return await this.page.evaluate(([m, a]) => window.peer[m](...a), [method, args]);
    } catch (e) {
      e.message = `${this.name}.${method}(): ${e.message}`;
      throw e;
    }
  }

  /** Local SDP offer, already set as the local description. */
  createOffer(options) { return this._call('createOffer', options || {}); }
  /** Sets the remote answer. */
  acceptAnswer(sdp) { return this._call('acceptAnswer', sdp); }
  /** Sets the remote offer; returns the local answer SDP, already set. */
  acceptOffer(sdp) { return this._call('acceptOffer', sdp); }
  /** Adds a remote candidate (null: end of candidates); queued in the page until a remote description exists. */
  addIceCandidate(init) { return this._call('addIceCandidate', init === undefined ? null : init); }
  /** Marks ICE for restart: the next createOffer() has new credentials. */
  restartIce() { return this._call('restartIce'); }
  /** Closes the RTCPeerConnection and stops the local tracks (the page stays open). */
  close() { return this._call('close'); }
  /** { frequency, levelDb, binHz, frames, sampleRate } of the received audio over ~durationMs. */
  dominantFrequency(opts) { return this._call('dominantFrequency', opts || {}); }
  /** Sum of inbound-rtp framesDecoded for video. */
  videoFramesReceived() { return this._call('videoFramesReceived'); }
  /** Sum of inbound-rtp packetsReceived for audio. */
  audioPacketsReceived() { return this._call('audioPacketsReceived'); }
  /** The first inbound-rtp stats of a kind ('audio'|'video') as a plain object, or null. */
  inboundStats(kind) { return this._call('inboundStats', kind); }
  /** getStats() as an array of plain objects. */
  stats() { return this._call('stats'); }
  /** The selected candidate pair: { local, remote: {address, port, protocol, candidateType}, state } or null. */
  selectedPair() { return this._call('selectedPair'); }
  /** { local, remote } SDP currently set. */
  descriptions() { return this._call('descriptions'); }

  /** A one-paragraph account of this peer for failure messages. */
  describe() {
    const events = this.history.map((h) => `${h.t}ms ${h.kind}=${JSON.stringify(h.data)}`).slice(-40);
    return `${this.name}: state ${JSON.stringify(this.state)}; events: ${events.join(', ') || 'none'}` +
      (this.logs.length ? `; page log: ${this.logs.slice(-20).join(' | ')}` : '');
  }
}

/**
 * Opens pages/peer.html in a launched browser and initialises its RTCPeerConnection.
 * @param {{page: import('playwright-core').Page, name?: string}} browser from launchBrowser()
 * @param {object} opts
 * @param {string} opts.baseUrl from startPageServer()
 * @param {boolean} [opts.video] also send the fake camera
 * @param {RTCConfiguration} [opts.rtcConfig] default { iceServers: [] }
 * @param {string} [opts.name] default: the browser's name
 * @returns {Promise<Peer>}
 */
async function openPeer(browser, { baseUrl, video = false, rtcConfig, name } = {}) {
  if (!baseUrl) throw new Error('openPeer: baseUrl (from startPageServer()) is required');
  const page = browser.page;
  const peer = new Peer(name || browser.name || 'peer', page);
  page.on('console', (m) => peer.logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => peer.logs.push(`pageerror: ${e.message}`));
  await page.exposeFunction('__lccPush', (kind, data) => peer._onPush(kind, data));
  await page.goto(`${baseUrl}/peer.html`);
  await peer._call('init', { video, rtcConfig });
  return peer;
}

module.exports = { startPageServer, openPeer, Peer, PAGES_DIR };
