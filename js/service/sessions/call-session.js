'use strict';
// One live call: its two parties' sockets and how their media flows
// (docs/signalling.md). In p2p the browsers connect to each other and this
// only forwards their offer/answer/candidates; in relay each browser connects
// to the service's MediaServer (session-relay.js). Every `start` carries a
// new generation; messages of an older one are dropped, so nothing from a
// torn-down connection reaches its replacement.

const { RelayMedia } = require('./session-relay');
const { SessionQuality } = require('./session-quality');
const { PARTIES, OTHER } = require('../../common/parties');

/** p2p roles: the agent offers, the visitor answers. */
const P2P_ROLE = { agent: 'offerer', visitor: 'answerer' };

/** What the store keeps of a recording: where it is and what it holds. */
function recordingRef(info) {
  return {
    folder: info.folder,
    complete: info.complete === true,
    startedAt: info.startedAt || null,
    endedAt: info.endedAt || null,
    durationMs: typeof info.durationMs === 'number' ? info.durationMs : null,
    files: (info.files || []).map((f) => ({ name: f.name, kind: f.kind, party: f.party, bytes: f.bytes, durationMs: f.durationMs })),
    error: info.error || null,
  };
}

class CallSession {
  /**
   * @param {{call: object, store: import('../calls/call-store').CallStore, media: import('../../api/media-server').MediaServer,
   *   fallbackTimeoutMs: number, iceServersFor: (call: object, party: string) => object[],
   *   warn: (err: unknown) => void, onEnded: (session: CallSession) => void,
   *   notify?: (event: string, data: object) => void}} deps call: the stored call; notify: 'fallback', 'session-end'
   */
  constructor({ call, store, media, fallbackTimeoutMs, iceServersFor, warn, onEnded, notify = () => {} }) {
    this.id = call.id;
    this._call = call;
    this._store = store;
    this._media = media;
    this._fallbackTimeoutMs = fallbackTimeoutMs;
    this._iceServersFor = iceServersFor;
    this._warn = warn;
    this._onEnded = onEnded;
    this._notify = notify;
    this.relayPolicy = call.relayPolicy;
    /** 'p2p' | 'relay' */
    this.mode = call.relayPolicy === 'always' || call.record ? 'relay' : 'p2p';
    /** The media path once known: null | 'p2p' | 'relay'. */
    this.path = call.path || null;
    this.sockets = { visitor: null, agent: null };
    this._joined = { visitor: !!call.parties.visitor.joined, agent: !!call.parties.agent.joined };
    this._generation = 0;
    this._gen = { visitor: 0, agent: 0 }; // each party's current start (0: none yet)
    this._p2pStates = { visitor: null, agent: null };
    this._legGen = { visitor: 0, agent: 0 }; // the generation the server's leg answered
    this._fallbackTimer = null;
    this._pathAnnounced = null;
    this._relay = null;
    this._ending = null;
    /** Jitter/RTT samples of the relay and the browsers' quality reports, for the record's `quality`. */
    this._quality = new SessionQuality({ warn });
    this.ended = false;
  }

  /** Number of parties with an open socket. @type {number} */
  get present() {
    return PARTIES.filter((p) => this.sockets[p]).length;
  }

  /**
   * A party's socket joined (its token was checked by the caller).
   * @param {'visitor'|'agent'} party
   * @param {{send(msg: object): void, forward(msg: object, sender: object|null): void, close(code: number, reason?: string): void}} conn
   */
  join(party, conn) {
    // First what may throw (a replaced iceServersFor), so a failed join leaves no trace.
    const iceServers = this._iceServersFor(this._call, party);
    const old = this.sockets[party];
    this.sockets[party] = conn;
    if (old) {
      old.send({ type: 'replaced' });
      old.close(4409, 'replaced');
    }
    const resumed = this._joined[party];
    this._joined[party] = true;
    this._update((c) => {
      if (c.state === 'created') c.state = 'active';
      const before = c.parties[party] || {};
      c.parties[party] = { joined: true, joinedAt: before.joinedAt || new Date().toISOString(), present: true };
    });
    const other = OTHER[party];
    conn.send({
      type: 'joined', callId: this.id, party, mode: this.mode, relayPolicy: this.relayPolicy,
      iceServers, peerPresent: !!this.sockets[other], resumed,
      fallbackTimeoutMs: this._fallbackTimeoutMs,
      video: !!this._call.video, names: { ...(this._call.names || {}) },
    });
    if (!old) this._send(other, { type: 'peer', present: true });
    const reason = resumed ? 'rejoined' : 'joined';
    if (this.mode === 'relay') this._startRelay(party, reason);
    else if (this.sockets[other]) this._startP2p(reason);
  }

  /** A party's socket closed; the party is away until it joins again. */
  leave(party, conn) {
    if (this.ended || this.sockets[party] !== conn) return; // replaced, or the call is over
    this.sockets[party] = null;
    this._update((c) => { if (c.parties[party]) c.parties[party].present = false; });
    this._send(OTHER[party], { type: 'peer', present: false });
    if (this.mode === 'p2p') {
      this._clearFallbackTimer(); // nothing can connect now; the next start sets it again
      this._p2pStates = { visitor: null, agent: null };
    }
  }

  /**
   * A checked message (signalling/messages.js) from a joined socket.
   * @param {'visitor'|'agent'} party
   * @param {{send(msg: object): void, error(code: string, message: string): void}} conn
   * @param {{type: string} & Record<string, any>} msg
   */
  handle(party, conn, msg) {
    if (this.ended || this.sockets[party] !== conn) return;
    if (msg.type === 'hangup') {
      this.end({ reason: 'ended', by: party }).catch((err) => this._warn(err));
      return;
    }
    if (msg.type === 'quality') {
      this._quality.report(party, msg.report);
      return;
    }
    if (msg.type === 'media') {
      this._forward(party, { type: 'peer-media', audio: msg.audio, video: msg.video });
      return;
    }
    if (msg.generation < this._gen[party]) return; // stale: from a connection already replaced
    if (msg.generation > this._gen[party] || this._gen[party] === 0) {
      conn.error('ERR_INVALID_MESSAGE', `generation ${msg.generation} was not started`);
      return;
    }
    if (this.mode === 'p2p') this._handleP2p(party, conn, msg);
    else this._handleRelay(party, conn, msg);
  }

  _handleP2p(party, conn, msg) {
    if (msg.type === 'state') {
      this._onP2pState(party, msg.connectionState);
      return;
    }
    const expected = { offer: 'offerer', answer: 'answerer' }[msg.type];
    if (expected && P2P_ROLE[party] !== expected) {
      conn.error('ERR_INVALID_MESSAGE', `the ${party} is the ${P2P_ROLE[party]}; it does not send '${msg.type}'`);
      return;
    }
    const out = msg.type === 'candidate'
      ? { type: 'candidate', candidate: msg.candidate, generation: msg.generation }
      : { type: msg.type, sdp: msg.sdp, generation: msg.generation };
    this._forward(party, out);
  }

  _onP2pState(party, state) {
    this._p2pStates[party] = state;
    if (state === 'failed' && this.relayPolicy === 'fallback') {
      this._fallback('p2p-failed');
      return;
    }
    if (PARTIES.every((p) => this._p2pStates[p] === 'connected')) {
      this._clearFallbackTimer();
      this._announcePath('p2p');
    }
  }

  /** Both present: (re)start the browsers' direct connection. */
  _startP2p(reason) {
    const generation = ++this._generation;
    this._p2pStates = { visitor: null, agent: null };
    this._pathAnnounced = null;
    for (const p of PARTIES) {
      this._gen[p] = generation;
      this._send(p, { type: 'start', mode: 'p2p', role: P2P_ROLE[p], generation, reason });
    }
    this._clearFallbackTimer();
    if (this.relayPolicy === 'fallback') {
      this._fallbackTimer = setTimeout(() => {
        this._fallbackTimer = null;
        if (!PARTIES.every((p) => this._p2pStates[p] === 'connected')) this._fallback('p2p-timeout');
      }, this._fallbackTimeoutMs);
    }
  }

  /** p2p did not work out: move both parties to the server, for good. */
  _fallback(reason) {
    if (this.mode !== 'p2p' || this.ended) return;
    this.mode = 'relay';
    this.path = 'relay';
    this._clearFallbackTimer();
    const at = new Date().toISOString();
    this._update((c) => {
      c.path = 'relay';
      c.fallback = { reason, at };
    });
    for (const p of PARTIES) if (this.sockets[p]) this._startRelay(p, reason);
    this._notify('fallback', { callId: this.id, reason });
  }

  _clearFallbackTimer() {
    if (this._fallbackTimer) clearTimeout(this._fallbackTimer);
    this._fallbackTimer = null;
  }

  /** Tells both parties (and the store) the path media flows on, once per connection. */
  _announcePath(path) {
    if (this._pathAnnounced === path) return;
    this._pathAnnounced = path;
    for (const p of PARTIES) this._send(p, { type: 'path', path });
    if (this.path !== path) {
      this.path = path;
      this._update((c) => { c.path = path; });
    }
  }

  // ---- relay ----

  _relayMedia() {
    if (!this._relay) {
      this._relay = new RelayMedia({
        media: this._media,
        callId: this.id,
        record: this._call.record,
        onCandidate: (party, c) => this._onServerCandidate(party, c),
        onState: (party, state) => this._onServerState(party, state),
        onEnd: () => { if (!this.ended) this.end({ reason: 'ended', by: 'service' }).catch((err) => this._warn(err)); },
      });
    }
    this._relay.ensure(); // lazily: the MediaServer call exists once someone needs it
    this._quality.watchRelay(() => this._relay.getStats());
    return this._relay;
  }

  /** A party (re)connects to the server: a new leg, and a `start` to that party alone. */
  _startRelay(party, reason) {
    let relay;
    try {
      relay = this._relayMedia();
    } catch (err) {
      this._warn(err);
      this._sendError(party, 'ERR_RELAY_UNAVAILABLE', `the server cannot relay this call: ${err.message}`);
      return;
    }
    const generation = ++this._generation;
    this._gen[party] = generation;
    this._pathAnnounced = null;
    relay.resetLeg(party).catch((err) => this._warn(err));
    this._send(party, { type: 'start', mode: 'relay', role: 'offerer', generation, reason });
  }

  _handleRelay(party, conn, msg) {
    const relay = this._relay;
    if (!relay) return; // the relay could not start; the party was told
    const current = () => !this.ended && this.sockets[party] === conn && this._gen[party] === msg.generation;
    const refuse = (fallbackCode) => (err) => {
      if (current()) conn.error(err && err.code ? err.code : fallbackCode, err && err.message ? err.message : String(err));
    };
    if (msg.type === 'offer') {
      this._legGen[party] = msg.generation;
      relay.answer(party, msg.sdp).then((sdp) => {
        if (current()) conn.send({ type: 'answer', sdp, generation: msg.generation });
      }, refuse('ERR_SDP_INVALID'));
    } else if (msg.type === 'candidate') {
      relay.addCandidate(party, msg.candidate).catch(refuse('ERR_CANDIDATE_INVALID'));
    } else if (msg.type === 'answer') {
      conn.error('ERR_INVALID_MESSAGE', 'in relay mode the browser offers and the server answers');
    }
    // 'state' in relay: the server's own leg states are what count.
  }

  _onServerCandidate(party, candidate) {
    if (this._legGen[party] !== this._gen[party]) return; // a leg already replaced
    this._send(party, { type: 'candidate', candidate, generation: this._gen[party] });
  }

  _onServerState(party, state) {
    if (state === 'connected' && this._relay.bothConnected) this._announcePath('relay');
    if (state !== 'connected') this._pathAnnounced = null;
  }

  // ---- the end ----

  /**
   * Ends the call for both: `ended` to each socket (closed 1000), the store
   * marked ended, the MediaServer call ended and its recording referenced.
   * Idempotent.
   * @param {{reason: string, by: 'visitor'|'agent'|'service'}} how reason is also the store's endReason
   * @returns {Promise<void>}
   */
  end(how) {
    if (!this._ending) this._ending = this._end(how);
    return this._ending;
  }

  async _end({ reason, by }) {
    this.ended = true;
    this._clearFallbackTimer();
    const ending = this._store.end(this.id, reason, { endedBy: by }).catch((err) => this._warn(err));
    for (const p of PARTIES) {
      const conn = this.sockets[p];
      this.sockets[p] = null;
      if (!conn) continue;
      conn.send({ type: 'ended', reason, by });
      conn.close(1000, 'call ended');
    }
    this._notify('session-end', { callId: this.id, reason, by });
    const media = this._relay ? await this._relay.end().catch((err) => { this._warn(err); return null; }) : null;
    await ending;
    if (media) this._notify('media-end', { callId: this.id, summary: media.summary, recording: media.recording });
    if (media && media.recording) await this._update((c) => { c.recording = recordingRef(media.recording); });
    const quality = this._quality.summary(media && media.summary);
    if (quality) await this._update((c) => { c.quality = quality; });
    // Findable until here, so a concurrent end waits for the recording reference too.
    this._onEnded(this);
  }

  _send(party, msg) {
    const conn = this.sockets[party];
    if (conn) conn.send(msg);
  }

  /** What `from` sent for the other party: the socket cuts off a sender that floods (signalling.js). */
  _forward(from, msg) {
    const to = this.sockets[OTHER[from]];
    if (to) to.forward(msg, this.sockets[from]);
  }

  _sendError(party, code, message) {
    const conn = this.sockets[party];
    if (conn) conn.error(code, message);
  }

  /** A store change; a failed write is reported, never thrown at a socket handler. */
  _update(change) {
    return this._store.update(this.id, change).catch((err) => this._warn(err));
  }
}

module.exports = { CallSession, recordingRef };
