// The RTCPeerConnection half of the browser client: one PeerSession per
// `start` generation (docs/signalling.md). It adds the local tracks, makes the
// offer or the answer, trickles candidates (null at the end), queues remote
// candidates until a remote description is set, and reports connectionState.
// Everything it sends carries its generation; LivechatCall drops messages of
// other generations before they get here.
//
// SDP work is serialised on one promise chain so an offer, an answer and
// candidates arriving close together are applied in order.

import { Emitter } from './emitter.js';

/**
 * One peer connection for one generation.
 *
 * Events:
 * - `state` (connectionState)
 * - `track` (MediaStreamTrack)
 * - `error` (Error with .code): an SDP or candidate could not be applied
 */
export class PeerSession extends Emitter {
  /**
   * @param {object} o
   * @param {number} o.generation
   * @param {'p2p'|'relay'} o.mode
   * @param {'offerer'|'answerer'} o.role
   * @param {RTCIceServer[]} o.iceServers
   * @param {RTCIceTransportPolicy} o.iceTransportPolicy
   * @param {MediaStream|null} o.localStream
   * @param {boolean} o.wantVideo receive video even without a local camera
   * @param {(msg: object) => void} o.send sends a signalling message
   */
  constructor({ generation, mode, role, iceServers, iceTransportPolicy, localStream, wantVideo, send }) {
    super();
    this.generation = generation;
    this.mode = mode;
    this.role = role;
    this._send = send;
    this._pending = []; // remote candidates (or null) before the remote description
    this._chain = Promise.resolve();
    this._closed = false;
    this.pc = new RTCPeerConnection({ iceServers: iceServers || [], iceTransportPolicy: iceTransportPolicy || 'all' });
    const pc = this.pc;
    const tracks = localStream ? localStream.getTracks() : [];
    for (const t of tracks) pc.addTrack(t, localStream);
    // The offerer must ask for what it wants to receive, even what it does not send.
    if (role === 'offerer') {
      if (!tracks.some((t) => t.kind === 'audio')) pc.addTransceiver('audio', { direction: 'recvonly' });
      if (wantVideo && !tracks.some((t) => t.kind === 'video')) pc.addTransceiver('video', { direction: 'recvonly' });
    }
    pc.onicecandidate = (e) => {
      if (this._closed) return;
      const c = e.candidate;
      // An empty candidate string is Chromium's per-m-line end marker; the null event is the real end.
      if (c && !c.candidate) return;
      this._send({
        type: 'candidate',
        candidate: c ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null,
        generation: this.generation,
      });
    };
    pc.onconnectionstatechange = () => {
      if (this._closed) return;
      this._send({ type: 'state', connectionState: pc.connectionState, generation: this.generation });
      this.emit('state', pc.connectionState);
    };
    pc.ontrack = (e) => {
      if (!this._closed) this.emit('track', e.track);
    };
  }

  /** The connection's current connectionState. @type {RTCPeerConnectionState} */
  get connectionState() {
    return this.pc.connectionState;
  }

  /** As offerer: creates and sends the offer. */
  offer() {
    this._run('ERR_OFFER', async () => {
      const offer = await this.pc.createOffer();
      if (this._closed) return;
      await this.pc.setLocalDescription(offer);
      if (this._closed) return;
      this._send({ type: 'offer', sdp: this.pc.localDescription.sdp, generation: this.generation });
    });
  }

  /**
   * A remote offer (p2p answerer): applies it and sends the answer.
   * @param {string} sdp
   */
  acceptOffer(sdp) {
    this._run('ERR_REMOTE_OFFER', async () => {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this._flush();
      if (this._closed) return;
      const answer = await this.pc.createAnswer();
      if (this._closed) return;
      await this.pc.setLocalDescription(answer);
      if (this._closed) return;
      this._send({ type: 'answer', sdp: this.pc.localDescription.sdp, generation: this.generation });
    });
  }

  /**
   * A remote answer (we offered).
   * @param {string} sdp
   */
  acceptAnswer(sdp) {
    this._run('ERR_REMOTE_ANSWER', async () => {
      if (this.pc.signalingState !== 'have-local-offer') return; // a duplicate: nothing to apply it to
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      await this._flush();
    });
  }

  /**
   * A remote candidate, or null for the end of candidates. Queued until a
   * remote description is set.
   * @param {RTCIceCandidateInit|null} candidate
   */
  addCandidate(candidate) {
    this._run('ERR_REMOTE_CANDIDATE', async () => {
      if (!this.pc.remoteDescription) this._pending.push(candidate);
      else await this._add(candidate);
    });
  }

  /** Closes the connection (idempotent); no events after this. */
  close() {
    if (this._closed) return;
    this._closed = true;
    this.pc.onicecandidate = null;
    this.pc.onconnectionstatechange = null;
    this.pc.ontrack = null;
    try { this.pc.close(); } catch { /* already closed */ }
  }

  async _flush() {
    const queued = this._pending;
    this._pending = [];
    for (const c of queued) {
      try {
        await this._add(c);
      } catch (err) {
        this._report('ERR_REMOTE_CANDIDATE', err);
      }
    }
  }

  _add(candidate) {
    if (this._closed) return Promise.resolve();
    // null = end of candidates: addIceCandidate() without an argument (W3C).
    return candidate ? this.pc.addIceCandidate(candidate) : this.pc.addIceCandidate();
  }

  _run(code, task) {
    this._chain = this._chain.then(async () => {
      if (this._closed) return;
      try {
        await task();
      } catch (err) {
        if (!this._closed) this._report(code, err);
      }
    });
  }

  _report(code, err) {
    const e = new Error(`generation ${this.generation}: ${err && err.message ? err.message : err}`);
    e.code = code;
    e.cause = err;
    this.emit('error', e);
  }
}
