// LivechatCall: the browser side of one party in one call, for the LiveChat
// widget (visitor) and the agent UI. It speaks docs/signalling.md with the
// call service: join with a party token, then obey `start` (build a new
// RTCPeerConnection, p2p or to the server; the service decides when to fall
// back), exchange offers, answers and candidates of the current generation,
// and report connectionState. No Node imports, no build step.
//
//   import { LivechatCall } from './livechat-call.js';
//   const call = new LivechatCall({ signallingUrl, token, video: true });
//   call.on('remoteStream', (s) => { videoEl.srcObject = s; });
//   call.on('ended', ({ reason, by }) => ...);
//   await call.join();
//
// See README.md in this folder for the events and options.

import { Emitter } from './emitter.js';
import { SignallingSocket, clientError } from './signalling-socket.js';
import { PeerSession } from './peer.js';
import { QualityMonitor } from './quality-monitor.js';

const DEFAULT_AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
/** How long hangup() waits for the service's `ended` before finishing locally. */
const HANGUP_WAIT_MS = 2000;
/** The running quality totals go to the service every this many samples (about 6 s). */
const QUALITY_REPORT_EVERY = 3;

/**
 * @typedef {'idle'|'connecting'|'waiting'|'negotiating'|'connected'|'reconnecting'|'ended'} CallState
 */

/**
 * One party's call.
 *
 * Events:
 * - `state` (CallState): 'connecting' (opening the socket), 'waiting' (joined, the
 *   other party is not there), 'negotiating' (building the connection), 'connected'
 *   (media flows), 'reconnecting' (the socket dropped, rejoining), 'ended'
 * - `remoteStream` (MediaStream): the other party's media; a new stream object each
 *   time a track is added or the connection is rebuilt (set it as srcObject again)
 * - `path` ('p2p'|'relay'): the path media flows on, as the service sees it
 * - `peer` ({present}), `peerMedia` ({audio, video})
 * - `joined` (msg): the service's `joined` message (also after each re-join)
 * - `ended` ({reason, by}): the call is over for this client: the service's reason
 *   ('ended', 'declined', 'missed', 'cancelled', ...); 'replaced' when another tab took
 *   this party over; 'unauthorized' when a re-join was refused (the call ended meanwhile
 *   or the token expired). Not emitted by close().
 * - `error` (Error with .code): something went wrong that does not end the call
 *   (an SDP the browser refused, an `error` message from the service, no camera)
 * - `restart` ({reason, generation, state}): the client is rebuilding a broken connection
 *   (it joins again; the service sends a new `start`): reason 'disconnected', 'failed' or
 *   'connect-timeout'; the generation and connectionState of the connection it gives up
 * - `quality` ({level, mos, lossPct, jitterMs, rttMs}): about every 2 s while connected,
 *   what this browser receives: level 'good'|'fair'|'poor', a MOS estimate (E-model,
 *   js/common/quality.js), loss over the last ~6 s in %, jitter and RTT in ms (null
 *   when unknown)
 */
/**
 * How long a connection may stay 'disconnected' before the client restarts it, and the
 * least time between two restarts (a new connection needs that long to show whether it works).
 */
const RESTART_AFTER_MS = 3000;
/**
 * How long a relayed connection may take from its `start` to 'connected' before the client
 * restarts it. The server is reachable whenever anything is, and a relayed connection
 * connects within a few seconds even when dead host candidates are waited out (about
 * 5.5 s through NATs in our tests): 15 s leaves room for a slow network. Without it, a
 * connection whose offer was lost or whose ICE sits in 'new'/'connecting' would wait
 * forever (it never goes 'failed').
 */
const CONNECT_TIMEOUT_MS = 15000;
/** Restarts in a row without a 'connected' wait twice as long each time, up to this. */
const RESTART_BACKOFF_MAX_MS = 30000;

export class LivechatCall extends Emitter {
  /**
   * @param {object} options
   * @param {string} options.signallingUrl ws(s)://host/ws, from the party token response
   * @param {string} options.token the party token
   * @param {boolean} [options.audio=true] send the microphone
   * @param {boolean} [options.video=false] send the camera (and ask to receive video)
   * @param {'all'|'relay'} [options.iceTransportPolicy='all'] 'relay': only TURN candidates
   * @param {MediaTrackConstraints} [options.audioConstraints] merged over
   *   {echoCancellation: true, noiseSuppression: true, autoGainControl: true}
   * @param {MediaTrackConstraints|boolean} [options.videoConstraints=true]
   * @param {MediaStream} [options.localStream] use this stream instead of calling getUserMedia
   * @param {typeof WebSocket} [options.WebSocket] a WebSocket implementation (tests)
   */
  constructor(options) {
    super();
    const o = options || {};
    if (o.iceTransportPolicy !== undefined && !['all', 'relay'].includes(o.iceTransportPolicy)) {
      throw new TypeError("iceTransportPolicy must be 'all' or 'relay'");
    }
    this.options = {
      audio: o.audio !== false,
      video: !!o.video,
      iceTransportPolicy: o.iceTransportPolicy || 'all',
      audioConstraints: { ...DEFAULT_AUDIO, ...(o.audioConstraints || {}) },
      videoConstraints: o.videoConstraints === undefined ? true : o.videoConstraints,
    };
    this._socket = new SignallingSocket({ url: o.signallingUrl, token: o.token, WebSocket: o.WebSocket });
    /** The local microphone/camera stream (null before join()). @type {MediaStream|null} */
    this.localStream = o.localStream || null;
    this._ownsStream = !o.localStream;
    /** The other party's media (null until a track arrives). @type {MediaStream|null} */
    this.remoteStream = null;
    /** 'visitor' | 'agent', from `joined`. @type {string|null} */
    this.party = null;
    /** @type {string|null} */
    this.callId = null;
    /** 'p2p' | 'relay' once the service reports it. @type {string|null} */
    this.path = null;
    /** The mode of the current connection ('p2p' | 'relay'). @type {string|null} */
    this.mode = null;
    this.peerPresent = false;
    /** The other party's microphone and camera. */
    this.peerMedia = { audio: true, video: true };
    /** The ERR_CAMERA error when a video call went on without the camera (else null). @type {Error|null} */
    this.cameraError = null;
    /** @type {CallState} */
    this.state = 'idle';
    this._iceServers = [];
    this._peer = null; // PeerSession of the current generation
    this._generation = -1;
    this._joined = false;
    this._reconnecting = false;
    this._leaving = false; // hangup() was called: no more restarts
    this._restartTimer = null; // a restart due (after 'disconnected', or deferred)
    this._connectTimer = null; // the connect watchdog of a relayed connection
    this._lastRestartAt = -Infinity;
    this._connectFailures = 0; // restarts in a row whose attempt never reached 'connected'
    this._connectedSinceRestart = false;
    this._ended = null; // {reason, by} once over
    this._endedWaiters = [];
    this._qualityTicks = 0;
    this._qualityMonitor = new QualityMonitor({
      onQuality: (q) => this.emit('quality', q),
      onTick: () => {
        if (++this._qualityTicks % QUALITY_REPORT_EVERY === 0) this._sendQuality();
      },
    });
    this._socket.on('joined', (msg) => this._onJoined(msg));
    this._socket.on('message', (msg) => this._onMessage(msg));
    this._socket.on('reconnecting', () => {
      this._reconnecting = true;
      this._updateState();
    });
    this._socket.on('closed', (info) => this._onSocketClosed(info));
  }

  /** Whether the microphone is on (its tracks enabled). @type {boolean} */
  get microphoneOn() {
    const t = this.localStream ? this.localStream.getAudioTracks() : [];
    return t.length > 0 && t.some((x) => x.enabled);
  }

  /** Whether the camera is on (its tracks enabled). @type {boolean} */
  get cameraOn() {
    const t = this.localStream ? this.localStream.getVideoTracks() : [];
    return t.length > 0 && t.some((x) => x.enabled);
  }

  /**
   * Gets the microphone (and camera), opens the WebSocket and joins.
   * Resolves with the service's `joined` message. Rejects (err.code) with
   * ERR_MICROPHONE when the microphone cannot be used, ERR_UNAUTHORIZED when
   * the token is refused, ERR_SIGNALLING when the service cannot be reached.
   * Without a camera a video call goes on with audio only (an `error` event,
   * code ERR_CAMERA).
   * @returns {Promise<object>}
   */
  async join() {
    if (this._ended) throw clientError('ERR_CLOSED', 'the call was closed');
    if (this.state !== 'idle') throw clientError('ERR_ALREADY_JOINED', 'join() was already called');
    this._setState('connecting');
    try {
      if (!this.localStream) this.localStream = await this._getMedia();
      if (this._ended) {
        // Closed while the browser asked for the devices: release them now (_finish already ran).
        if (this._ownsStream) for (const t of this.localStream.getTracks()) t.stop();
        throw clientError('ERR_CLOSED', 'the call was closed');
      }
      return await this._socket.connect();
    } catch (err) {
      this._finish(null);
      throw err;
    }
  }

  /**
   * Turns the microphone on or off (track.enabled; no renegotiation) and tells the other party.
   * @param {boolean} on
   */
  setMicrophone(on) {
    if (this.localStream) for (const t of this.localStream.getAudioTracks()) t.enabled = !!on;
    this._sendMedia();
  }

  /**
   * Turns the camera on or off (track.enabled; no renegotiation) and tells the other party.
   * @param {boolean} on
   */
  setCamera(on) {
    if (this.localStream) for (const t of this.localStream.getVideoTracks()) t.enabled = !!on;
    this._sendMedia();
  }

  /**
   * Ends the call for both parties. Resolves once the service confirms (or
   * after 2 s without an answer). Idempotent.
   * @returns {Promise<{reason: string, by: string|null}>}
   */
  hangup() {
    if (this._ended) return Promise.resolve(this._ended);
    const done = new Promise((resolve) => this._endedWaiters.push(resolve));
    this._leaving = true; // a restart now would join the call again
    this._stopRecovery();
    this._sendQuality(); // the final totals, before the call ends
    if (this._socket.send({ type: 'hangup' })) {
      setTimeout(() => this._finish({ reason: 'ended', by: this.party }), HANGUP_WAIT_MS);
    } else {
      this._finish({ reason: 'ended', by: this.party });
    }
    return done;
  }

  /**
   * Leaves without ending the call (a page unload): closes the connections
   * and stops the local tracks. The party is `away` and may join again with
   * the same token. State becomes 'ended'; no `ended` event. Idempotent.
   */
  close() {
    this._finish(null);
  }

  // --- service messages ---------------------------------------------------

  _onJoined(msg) {
    this._joined = true;
    this._reconnecting = false;
    this.party = msg.party || this.party;
    this.callId = msg.callId || this.callId;
    this.mode = msg.mode || this.mode;
    this._relayPolicy = msg.relayPolicy;
    this._iceServers = Array.isArray(msg.iceServers) ? msg.iceServers : [];
    this.peerPresent = !!msg.peerPresent;
    this.emit('joined', msg);
    // The service keeps no media state: say ours after every join (a muted microphone,
    // a camera that is off or missing), and again when the other party arrives.
    this._sendMedia();
    this._updateState();
  }

  _onMessage(msg) {
    switch (msg.type) {
      case 'joined':
        return; // handled by _onJoined
      case 'start':
        return this._onStart(msg);
      case 'offer':
      case 'answer':
      case 'candidate':
        return this._onSdp(msg);
      case 'path':
        if (msg.path === 'p2p' || msg.path === 'relay') {
          this.path = msg.path;
          this.emit('path', msg.path);
        }
        return;
      case 'peer':
        this.peerPresent = !!msg.present;
        if (this.peerPresent) this._sendMedia();
        this.emit('peer', { present: this.peerPresent });
        this._updateState();
        return;
      case 'peer-media':
        this.peerMedia = { audio: !!msg.audio, video: !!msg.video };
        this.emit('peerMedia', { ...this.peerMedia });
        return;
      case 'ended':
        this._finish({ reason: msg.reason || 'ended', by: msg.by || null });
        return;
      case 'replaced':
        this._finish({ reason: 'replaced', by: null });
        return;
      case 'error':
        this.emit('error', clientError(msg.code || 'ERR_SERVICE', msg.message || 'the service reported an error'));
        return;
      default:
        // Newer service, older client: ignore what we do not know.
    }
  }

  _onStart(msg) {
    if (!Number.isInteger(msg.generation)) return;
    if (this._peer) this._peer.close();
    this._generation = msg.generation;
    this.mode = msg.mode;
    this._setRemoteStream(null);
    const peer = new PeerSession({
      generation: msg.generation,
      mode: msg.mode,
      role: msg.role,
      iceServers: this._iceServers,
      iceTransportPolicy: this.options.iceTransportPolicy,
      localStream: this.localStream,
      wantVideo: this.options.video,
      send: (m) => this._socket.send(m),
    });
    this._peer = peer;
    this._qualityMonitor.watch(peer.pc);
    peer.on('state', (state) => {
      this._watchConnection(peer, state);
      this._updateState();
    });
    peer.on('track', (track) => {
      if (peer !== this._peer) return;
      const tracks = this.remoteStream ? this.remoteStream.getTracks().filter((t) => t.id !== track.id) : [];
      this._setRemoteStream(new MediaStream([...tracks, track]));
    });
    peer.on('error', (err) => this.emit('error', err));
    if (msg.role === 'offerer') peer.offer();
    this._watchConnect(peer);
    this._updateState();
  }

  // --- recovery (docs/signalling.md, "A connection that breaks mid-call") ---
  //
  // A connection that stays 'disconnected' for RESTART_AFTER_MS or goes 'failed'
  // (a network change, a NAT rebinding), or a relayed one not 'connected' within
  // the connect watchdog's time, is restarted: the client joins again on a fresh
  // WebSocket (the old one may have died with the old address); the service
  // resumes the party and sends a new `start`, so the media gets a new connection
  // too. A new connection rather than an ICE restart on the old one: it also
  // recovers when the far end gave up on it. Restarts are at least
  // RESTART_AFTER_MS apart (a later one is deferred, never dropped); restarts in
  // a row without a 'connected' back off, doubling up to RESTART_BACKOFF_MAX_MS.

  /** The current connection changed state: restart it, or forget a restart it no longer needs. */
  _watchConnection(peer, state) {
    if (peer !== this._peer || this._leaving) return;
    if (state === 'connected') {
      this._stopRecovery();
      this._connectFailures = 0;
      this._connectedSinceRestart = true;
      return;
    }
    if (!this._clientRestarts(peer)) return;
    if (state === 'disconnected') this._scheduleRestart(peer, 'disconnected', RESTART_AFTER_MS);
    else if (state === 'failed') this._scheduleRestart(peer, 'failed', 0);
  }

  /**
   * Whether the client restarts this connection. A failing peer-to-peer call under
   * 'fallback' is the service's to move (to the server).
   */
  _clientRestarts(peer) {
    return !(peer.mode === 'p2p' && this._relayPolicy === 'fallback');
  }

  /**
   * The connect watchdog, for relayed connections only: the server is reachable
   * whenever anything is. Peer-to-peer ICE through TURN may legitimately take long;
   * there only 'failed' restarts (and under 'fallback' the service's timer acts).
   */
  _watchConnect(peer) {
    clearTimeout(this._connectTimer);
    this._connectTimer = null;
    if (peer.mode !== 'relay' || this._leaving || this._ended) return;
    this._connectTimer = setTimeout(() => {
      this._connectTimer = null;
      if (peer === this._peer && peer.connectionState !== 'connected') this._scheduleRestart(peer, 'connect-timeout', 0);
    }, this._backoff(CONNECT_TIMEOUT_MS));
  }

  /** base, doubled for each restart in a row that did not connect, up to RESTART_BACKOFF_MAX_MS. */
  _backoff(base) {
    return Math.min(base * 2 ** this._connectFailures, RESTART_BACKOFF_MAX_MS);
  }

  /** Restarts `peer` after waitMs, or later if the previous restart was too recent. */
  _scheduleRestart(peer, reason, waitMs) {
    clearTimeout(this._restartTimer);
    const earliest = this._lastRestartAt + this._backoff(RESTART_AFTER_MS);
    const wait = Math.max(waitMs, earliest - Date.now());
    this._restartTimer = setTimeout(() => {
      this._restartTimer = null;
      if (peer === this._peer && peer.connectionState !== 'connected') this._restart(peer, reason);
    }, wait);
  }

  _restart(peer, reason) {
    if (this._ended || this._leaving) return;
    if (!this._connectedSinceRestart) this._connectFailures++;
    this._connectedSinceRestart = false;
    this._lastRestartAt = Date.now();
    this.emit('restart', { reason, generation: peer.generation, state: peer.connectionState });
    this._socket.reconnectNow();
    // Until the new `start` arrives (it re-arms it), the watchdog also covers a
    // rejoin that never gets through (a socket that never opens).
    this._watchConnect(peer);
  }

  _stopRecovery() {
    clearTimeout(this._restartTimer);
    clearTimeout(this._connectTimer);
    this._restartTimer = null;
    this._connectTimer = null;
  }

  _onSdp(msg) {
    const peer = this._peer;
    if (!peer || msg.generation !== this._generation) return; // a stale generation
    if (msg.type === 'offer' && typeof msg.sdp === 'string') peer.acceptOffer(msg.sdp);
    else if (msg.type === 'answer' && typeof msg.sdp === 'string') peer.acceptAnswer(msg.sdp);
    else if (msg.type === 'candidate') peer.addCandidate(msg.candidate || null);
  }

  _onSocketClosed({ reason, error }) {
    if (this._ended) return;
    if (reason === 'closed') return; // our own close()/hangup() path
    if (!this._joined) return; // the first join failed: join() rejects and finishes
    if (error && this._joined) this.emit('error', error);
    // 'ended' and 'replaced' were handled with their messages; anything else ends it here.
    this._finish({ reason: reason === 'failed' ? 'disconnected' : reason, by: null });
  }

  // --- helpers -------------------------------------------------------------

  async _getMedia() {
    const md = globalThis.navigator && navigator.mediaDevices;
    if (!md || !md.getUserMedia) throw clientError('ERR_MICROPHONE', 'this browser cannot capture media (mediaDevices missing; is the page served over https?)');
    const audio = this.options.audio ? this.options.audioConstraints : false;
    if (this.options.video) {
      try {
        return await md.getUserMedia({ audio, video: this.options.videoConstraints });
      } catch (err) {
        const e = clientError('ERR_CAMERA', `the camera cannot be used (${err.name || err.message}); going on with audio only`);
        e.deviceError = err.name || null; // NotAllowedError (blocked), NotFoundError (none), NotReadableError (busy), ...
        this.cameraError = e; // kept: a UI attached after join() still learns why there is no video
        queueMicrotask(() => this.emit('error', e));
      }
    }
    if (!audio) return new MediaStream();
    try {
      return await md.getUserMedia({ audio });
    } catch (err) {
      const e = clientError('ERR_MICROPHONE', `the microphone cannot be used (${err.name || err.message})`);
      e.deviceError = err.name || null;
      throw e;
    }
  }

  /** This browser's quality totals to the service (docs/signalling.md), when it has any. */
  _sendQuality() {
    const report = this._qualityMonitor.report();
    if (report) this._socket.send({ type: 'quality', report });
  }

  _sendMedia() {
    const hasAudio = !!(this.localStream && this.localStream.getAudioTracks().length);
    const hasVideo = !!(this.localStream && this.localStream.getVideoTracks().length);
    this._socket.send({ type: 'media', audio: hasAudio && this.microphoneOn, video: hasVideo && this.cameraOn });
  }

  _setRemoteStream(stream) {
    this.remoteStream = stream;
    if (stream) this.emit('remoteStream', stream);
  }

  _updateState() {
    if (this._ended) return;
    let s;
    if (this._reconnecting) s = 'reconnecting';
    else if (!this._joined) s = 'connecting';
    else if (!this.peerPresent) s = 'waiting';
    else if (this._peer && this._peer.connectionState === 'connected') s = 'connected';
    else s = 'negotiating';
    this._setState(s);
  }

  _setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  /** Tears everything down once; `info` null = close() (no `ended` event). */
  _finish(info) {
    if (this._ended) return;
    this._stopRecovery();
    this._qualityMonitor.stop();
    this._ended = info || { reason: 'closed', by: this.party };
    if (this._peer) this._peer.close();
    this._peer = null;
    this._socket.close();
    if (this.localStream && this._ownsStream) for (const t of this.localStream.getTracks()) t.stop();
    this._setState('ended');
    if (info) this.emit('ended', { ...info });
    for (const resolve of this._endedWaiters.splice(0)) resolve({ ...this._ended });
  }
}

export { clientError };
