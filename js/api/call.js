'use strict';
// A call: two legs ('visitor' and 'agent') relayed by the media core. Every
// method that needs the media thread posts a command through the MediaServer
// and settles when the matching reply event arrives. Once the call has ended
// (end(), MediaServer#close(), or the core ending it) every method rejects or
// throws ERR_CALL_ENDED, and the call emits nothing more. A call the core
// refused to create is ended at once: `ready` and every method reject (or
// throw) with the core's error instead, and 'error' carries it.

const { EventEmitter } = require('events');
const { LccError, describe } = require('./errors');

const { PARTIES } = require('../common/parties');
const MAX_SDP_LENGTH = 256 * 1024;
const MAX_MID_BYTES = 63; // mid[64] in lcc_cmd
const RECORDING_REPORT_TIMEOUT_MS = 15000;
/**
 * A leg's state, like RTCPeerConnection.connectionState.
 * @typedef {'new'|'connecting'|'connected'|'disconnected'|'failed'|'closed'} LegState
 */
/**
 * One party's leg in getStats() and in the summary (docs/api.md shows every field).
 * @typedef {object} LegStats
 * @property {LegState} state
 * @property {string|null} connectedAt ISO time of the first connection
 * @property {{local: object, remote: object}|null} [selectedCandidatePair] getStats() only
 * @property {string|null} srtpProfile
 * @property {number|null} rttMs
 * @property {object|null} audio packets/bytes in and out, loss, jitter, RTT for audio
 * @property {object|null} video the same for video
 */
/**
 * Call#getStats(), and each entry of MediaServer#getStats(): a party is null until its leg exists.
 * @typedef {object} CallStats
 * @property {string} id
 * @property {string} startedAt ISO 8601
 * @property {{visitor: LegStats|null, agent: LegStats|null}} parties
 */
/**
 * What a call leaves behind ('end' event, Call#end()).
 * @typedef {object} CallSummary
 * @property {string} id
 * @property {string} startedAt ISO 8601
 * @property {string} endedAt ISO 8601
 * @property {number} durationMs
 * @property {{visitor: LegStats|null, agent: LegStats|null}} parties
 * @property {object|null} recording details of the recording, or null
 */

/** Guards the constructor: calls come from MediaServer#createCall() only. */
const kInternal = Symbol('livechat-calls internal');

/** Emits without letting a throwing listener break the caller: rethrown on the next tick. */
function safeEmit(emitter, ...args) {
  try {
    emitter.emit(...args);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

function checkParty(party) {
  if (!PARTIES.includes(party)) {
    throw new LccError('ERR_INVALID_PARTY', `party must be 'visitor' or 'agent', got ${describe(party)}`);
  }
}

function checkSdp(name, sdp) {
  if (typeof sdp !== 'string' || sdp.trim() === '') throw new LccError('ERR_SDP_INVALID', `${name} must be an SDP string, got ${describe(sdp)}`);
  if (sdp.length > MAX_SDP_LENGTH) throw new LccError('ERR_SDP_INVALID', `${name} is longer than ${MAX_SDP_LENGTH} characters`);
  if (sdp.includes('\0')) throw new LccError('ERR_SDP_INVALID', `${name} contains a NUL character`);
}

/** RTCIceCandidateInit | null -> the command's {text, mid, mlineIndex}; text null = end of candidates. */
function candidateFields(init) {
  if (init === null || init === undefined) return { text: null, mid: null, mlineIndex: null };
  if (typeof init !== 'object' || typeof init.candidate !== 'string') {
    throw new LccError('ERR_CANDIDATE_INVALID',
      `candidate must be an RTCIceCandidateInit ({candidate, sdpMid, sdpMLineIndex}) or null, got ${describe(init)}`);
  }
  const { sdpMid = null, sdpMLineIndex = null } = init;
  if (sdpMid !== null && (typeof sdpMid !== 'string' || Buffer.byteLength(sdpMid) > MAX_MID_BYTES)) {
    throw new LccError('ERR_CANDIDATE_INVALID', `sdpMid must be a string of at most ${MAX_MID_BYTES} bytes or null, got ${describe(sdpMid)}`);
  }
  if (sdpMLineIndex !== null && !(Number.isInteger(sdpMLineIndex) && sdpMLineIndex >= 0 && sdpMLineIndex <= 65535)) {
    throw new LccError('ERR_CANDIDATE_INVALID', `sdpMLineIndex must be a non-negative integer or null, got ${describe(sdpMLineIndex)}`);
  }
  // {candidate: ''} is how browsers say "end of candidates" (RTCPeerConnectionIceEvent with an empty candidate).
  let text = init.candidate.trim();
  if (text === '') return { text: null, mid: sdpMid, mlineIndex: sdpMLineIndex };
  if (text.startsWith('a=')) text = text.slice(2);
  if (!text.startsWith('candidate:') || text.includes('\0') || text.length > 1024) {
    throw new LccError('ERR_CANDIDATE_INVALID', `candidate must be a 'candidate:...' attribute, got ${describe(init.candidate)}`);
  }
  return { text, mid: sdpMid, mlineIndex: sdpMLineIndex };
}

function toIso(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).toISOString();
  if (typeof v === 'string' && v !== '') return v;
  return null;
}

/** The core's epoch-millisecond times (startedAt, endedAt, parties.*.connectedAt) as ISO strings. */
function withIsoTimes(obj) {
  const out = { ...obj };
  for (const key of ['startedAt', 'endedAt']) if (key in out) out[key] = toIso(out[key]);
  if (out.parties && typeof out.parties === 'object') {
    out.parties = { ...out.parties };
    for (const [party, leg] of Object.entries(out.parties)) {
      if (leg && typeof leg === 'object' && 'connectedAt' in leg) out.parties[party] = { ...leg, connectedAt: toIso(leg.connectedAt) };
    }
  }
  return out;
}

function parseJson(text) {
  if (typeof text !== 'string') return null;
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

/**
 * A call between a LiveChat visitor and an agent, relayed through the server.
 * Created by {@link MediaServer#createCall}; not constructible directly.
 *
 * @extends EventEmitter
 * @fires Call#candidate
 * @fires Call#state
 * @fires Call#end
 */
class Call extends EventEmitter {
  /** @package */
  constructor(server, id, record, token) {
    if (token !== kInternal) throw new TypeError('a Call is created with MediaServer#createCall()');
    super();
    this._server = server;
    this._id = id;
    this._record = record;
    this._startedAt = Date.now();
    this._states = { visitor: 'new', agent: 'new' };
    this._acked = false; // the core created the call (events before that belong to an earlier call with this id)
    this._created = null; // settles with the CALL_CREATE reply
    this._ready = null; // `ready`: _created without the reply text, never an unhandled rejection
    this._refusal = null; // the core's error when it refused to create the call
    this._ended = false;
    this._summary = null;
    this._endPromise = null;
    // Recording: the core reports each recording's end (or failure) once, after its files are finished.
    this._recordingPending = record; // a recording runs whose report has not arrived
    this._recordings = []; // the reports (sidecars) received, oldest first
    this._recordingWaiters = []; // stopRecording() / end() waiting for the next report
    this._endTimer = null;
    this._finishing = false;
    this._whenEnded = new Promise((resolve) => { this._settleEnd = resolve; });
  }

  /**
   * Settles once the core has taken the call: resolves when it created it,
   * rejects with the core's error (an LccError, e.g. ERR_CALL_EXISTS) when
   * it refused. Awaiting it is optional: a refused call also ends at once,
   * emits 'error' (when listened for) then 'end', and its methods reject with
   * the same code.
   * @type {Promise<void>}
   */
  get ready() {
    return this._ready;
  }

  /**
   * The recordings made during this call (each a recording.json sidecar), oldest first.
   * @type {RecordingInfo[]}
   */
  get recordings() {
    return [...this._recordings];
  }

  /** The call id given to createCall(). @type {string} */
  get id() {
    return this._id;
  }

  /** Whether the call is recorded. @type {boolean} */
  get record() {
    return this._record;
  }

  /** True once the call has ended ('end' was emitted). @type {boolean} */
  get ended() {
    return this._ended;
  }

  /** The summary once the call has ended, else null. @type {CallSummary|null} */
  get summary() {
    return this._summary;
  }

  /**
   * The last state reported for each party.
   * @type {{visitor: LegState, agent: LegState}}
   */
  get states() {
    return { ...this._states };
  }

  /**
   * Takes a browser's offer for `party` and returns the server's answer.
   * @param {'visitor'|'agent'} party
   * @param {string} offer the SDP of the browser's RTCSessionDescription (type 'offer')
   * @returns {Promise<string>} the answer SDP
   * @throws {LccError} (rejects) ERR_SDP_INVALID, ERR_SDP_UNSUPPORTED, ERR_INVALID_PARTY, ERR_INVALID_STATE, ERR_CALL_ENDED
   */
  answer(party, offer) {
    return this._command('answer', party, () => {
      checkSdp('offer', offer);
      return { text: offer };
    });
  }

  /**
   * Makes an offer for `party` (the server calls the browser); pass the
   * browser's answer to {@link Call#acceptAnswer}.
   * @param {'visitor'|'agent'} party
   * @returns {Promise<string>} the offer SDP
   * @throws {LccError} (rejects) ERR_INVALID_PARTY, ERR_INVALID_STATE, ERR_CALL_ENDED
   */
  offer(party) {
    return this._command('offer', party);
  }

  /**
   * Takes the browser's answer to an offer made by {@link Call#offer} or {@link Call#restartIce}.
   * @param {'visitor'|'agent'} party
   * @param {string} answer the SDP of the browser's answer
   * @returns {Promise<void>}
   * @throws {LccError} (rejects) ERR_SDP_INVALID, ERR_SDP_UNSUPPORTED, ERR_INVALID_PARTY, ERR_INVALID_STATE, ERR_CALL_ENDED
   */
  async acceptAnswer(party, answer) {
    await this._command('acceptAnswer', party, () => {
      checkSdp('answer', answer);
      return { text: answer };
    });
  }

  /**
   * Adds a remote ICE candidate (trickle ICE) from the browser of `party`.
   * `null`, `undefined` or `{candidate: ''}` mean "end of candidates".
   * The returned promise rejects with ERR_CANDIDATE_INVALID for a candidate
   * the core cannot use; if you do not await it, that is an unhandled
   * rejection, so at least attach a `.catch()`.
   * @param {'visitor'|'agent'} party
   * @param {RTCIceCandidateInit|null} [candidate] as sent by the browser's `icecandidate` event (`event.candidate.toJSON()`)
   * @returns {Promise<void>}
   * @throws {LccError} (rejects) ERR_CANDIDATE_INVALID, ERR_INVALID_PARTY, ERR_INVALID_STATE, ERR_CALL_ENDED
   */
  async addCandidate(party, candidate) {
    await this._command('addCandidate', party, () => candidateFields(candidate));
  }

  /**
   * Restarts ICE for `party` (new ufrag/pwd, new gathering), e.g. after the
   * leg went 'disconnected' or the browser changed networks. Pass the
   * browser's answer to {@link Call#acceptAnswer}.
   * @param {'visitor'|'agent'} party
   * @returns {Promise<string>} the new offer SDP
   * @throws {LccError} (rejects) ERR_INVALID_PARTY, ERR_INVALID_STATE, ERR_CALL_ENDED
   */
  restartIce(party) {
    return this._command('restartIce', party);
  }

  /**
   * Drops `party`'s connection to the server, for a browser that went away or
   * reloaded its page: the leg closes (a 'state' event 'closed' follows,
   * unless it had already failed) and
   * the next {@link Call#answer} or {@link Call#offer} for that party starts a
   * new one, with fresh ICE, DTLS and SRTP. The call, the other party's leg
   * and the recording go on; the other party receives the new stream under
   * the same SSRC and continuous numbering.
   * @param {'visitor'|'agent'} party
   * @returns {Promise<void>}
   * @throws {LccError} (rejects) ERR_INVALID_PARTY, ERR_CALL_ENDED
   */
  async resetLeg(party) {
    await this._command('resetLeg', party);
  }

  /**
   * The call's current statistics. Asynchronous: the media thread copies
   * the counters between packets like any command, the JS thread builds the
   * object, and never waits for the media thread meanwhile. The same shape as
   * each entry of {@link MediaServer#getStats}.
   * @returns {Promise<CallStats>}
   * @throws {LccError} (rejects) ERR_CALL_ENDED
   */
  async getStats() {
    if (this._ended) throw this._endedError();
    if (!this._acked) return this._statsBeforeCore();
    let stats = null;
    try {
      await this._server._post({ kind: 'stats', callId: this._id }, (ev) => {
        if (Array.isArray(ev.stats)) stats = ev.stats[0];
      });
    } catch (err) {
      if (this._ended || err.code === 'ERR_CALL_NOT_FOUND') throw this._endedError();
      throw err;
    }
    if (!stats) throw new LccError('ERR_INTERNAL', 'the core answered a stats command without stats');
    return withIsoTimes(stats);
  }

  /**
   * getStats() of a call the core has not created yet (ICE server names
   * still resolving): nothing has happened yet. @package
   */
  _statsBeforeCore() {
    return { id: this._id, startedAt: new Date(this._startedAt).toISOString(), parties: { visitor: null, agent: null } };
  }

  /**
   * Starts recording the call (no-op while recording). Files go to
   * `recordingsDir/<call id>/` (a new folder if that exists).
   * @returns {Promise<void>}
   * @throws {LccError} (rejects) ERR_INVALID_OPTION (no recordings directory), ERR_CALL_ENDED
   */
  async startRecording() {
    await this._callCommand('recordingStart');
    this._recordingPending = true;
  }

  /**
   * Pauses the recording: the paused stretch is silence in the files, not a jump.
   * @returns {Promise<void>}
   * @throws {LccError} (rejects) ERR_INVALID_STATE (not recording), ERR_CALL_ENDED
   */
  async pauseRecording() {
    await this._callCommand('recordingPause');
  }

  /**
   * Resumes a paused recording.
   * @returns {Promise<void>}
   * @throws {LccError} (rejects) ERR_INVALID_STATE (not recording), ERR_CALL_ENDED
   */
  async resumeRecording() {
    await this._callCommand('recordingResume');
  }

  /**
   * Stops the recording and resolves once its files are finished.
   * @returns {Promise<RecordingInfo>} the recording's sidecar (recording.json)
   * @throws {LccError} (rejects) ERR_INVALID_STATE (not recording), ERR_CALL_ENDED
   */
  async stopRecording() {
    const report = this._nextRecordingReport();
    try {
      await this._callCommand('recordingStop');
    } catch (err) {
      this._recordingWaiters = this._recordingWaiters.filter((w) => w !== report.waiter);
      throw err;
    }
    return report.promise;
  }

  _nextRecordingReport() {
    let waiter;
    const promise = new Promise((resolve) => { waiter = resolve; });
    this._recordingWaiters.push(waiter);
    return { promise, waiter };
  }

  async _callCommand(kind) {
    if (this._ended) throw this._endedError();
    await this._created;
    if (this._ended) throw this._endedError();
    return this._server._post({ kind, callId: this._id });
  }

  /**
   * Ends the call: closes both legs (and the recording) and emits 'end'.
   * Idempotent: later calls return the same summary.
   * @returns {Promise<CallSummary>}
   */
  end() {
    if (!this._endPromise) {
      this._endPromise = this._end().catch((err) => {
        this._endPromise = null; // the core refused: let the caller retry
        throw err;
      });
    }
    return this._endPromise;
  }

  async _end() {
    if (this._ended) return this._summary;
    try {
      await this._created;
    } catch {
      this._finish(null); // never existed in the core
      return this._summary;
    }
    if (this._ended) return this._summary;
    try {
      await this._server._post({ kind: 'callEnd', callId: this._id }, (ev) => {
        if (!ev.code) this._finish(ev.text);
      });
    } catch (err) {
      // Already gone in the core (ended by itself, or the server closed).
      if (!this._ended && !this._finishing && !['ERR_CALL_NOT_FOUND', 'ERR_CALL_ENDED', 'ERR_SERVER_CLOSED'].includes(err.code)) throw err;
      this._finish(null);
    }
    await this._whenEnded; // after the recording's report, when there is one
    return this._summary;
  }

  /** Runs one command after the call exists in the core; resolves with the reply text. */
  async _command(kind, party, fields = () => ({})) {
    if (this._ended) throw this._endedError();
    checkParty(party);
    const extra = fields();
    await this._created;
    if (this._ended) throw this._endedError();
    try {
      return await this._server._post({ kind, callId: this._id, party, ...extra });
    } catch (err) {
      if (this._ended && (err.code === 'ERR_CALL_NOT_FOUND' || err.code === 'ERR_SERVER_CLOSED')) {
        throw this._endedError();
      }
      throw err;
    }
  }

  /** What a method of this ended call throws: the core's refusal, else ERR_CALL_ENDED. */
  _endedError() {
    if (this._refusal) return new LccError(this._refusal.code, this._refusal.message);
    return new LccError('ERR_CALL_ENDED', `call '${this._id}' has ended`);
  }

  /** Called by MediaServer#createCall with the CALL_CREATE reply promise. @package */
  _start(created) {
    this._created = created;
    this._ready = created.then(() => undefined);
    this._ready.catch(() => {}); // not awaiting `ready` is fine: the refusal also reaches the methods and 'error'
    created.catch((err) => this._refuse(err));
  }

  /** The core refused to create the call (or the server closed first): it ends at once. */
  _refuse(err) {
    if (this._ended || this._finishing) return; // already ended by close(): nothing follows 'end'
    this._refusal = err;
    // 'error' only for those who listen: an unheard EventEmitter 'error' would crash the process.
    if (this.listenerCount('error') > 0) safeEmit(this, 'error', err);
    this._finish(null);
  }

  /** The CALL_CREATE reply arrived (runs inside the dispatcher). @package */
  _ack() {
    this._acked = true;
  }

  /** An event for this call from the dispatcher. @package */
  _onEvent(ev) {
    if (this._ended || !this._acked) return;
    if (ev.kind === 'candidate') {
      let init = null;
      if (ev.text !== null) {
        const candidate = ev.text.startsWith('a=') ? ev.text.slice(2) : ev.text;
        init = { candidate, sdpMid: ev.mid, sdpMLineIndex: ev.mlineIndex };
      }
      safeEmit(this, 'candidate', ev.party, init);
    } else if (ev.kind === 'state') {
      this._states[ev.party] = ev.state;
      const error = ev.code ? new LccError(ev.code, ev.message) : undefined;
      if (error) safeEmit(this, 'state', ev.party, ev.state, error);
      else safeEmit(this, 'state', ev.party, ev.state);
    } else if (ev.kind === 'end') {
      this._finish(ev.text);
    } else if (ev.kind === 'recording') {
      this._onRecording(ev);
    }
  }

  /** A recording ended or failed: its sidecar arrives once. */
  _onRecording(ev) {
    const info = parseJson(ev.text);
    this._recordingPending = false;
    if (info) this._recordings.push(info);
    if (ev.code) {
      const err = new LccError(ev.code, ev.message);
      // 'error' only for those who listen: an unheard EventEmitter 'error' would crash the process.
      if (this.listenerCount('error') > 0) safeEmit(this, 'error', err);
    }
    safeEmit(this, 'recording', info);
    const waiters = this._recordingWaiters;
    this._recordingWaiters = [];
    for (const w of waiters) w(info);
  }

  /** Marks the call ended with the core's summary JSON (null: build one), then emits 'end'. @package */
  _finish(text, { force = false } = {}) {
    if (this._ended) return;
    if (this._finishing) {
      // The server is gone: the recording report that was awaited cannot come any more.
      if (force) this._onRecording({ text: null, code: 'ERR_RECORDING_FAILED', message: 'the media server closed before the recording was finished' });
      return;
    }
    this._finishing = true;
    const core = parseJson(text);
    if (core && core.recording === true && this._recordingPending) {
      // The recorder finishes the files after the legs close; wait for its report (bounded).
      const report = this._nextRecordingReport();
      this._endTimer = setTimeout(() => this._onRecording({ text: null, code: 'ERR_RECORDING_FAILED',
        message: 'the recorder did not report within 15 s' }), RECORDING_REPORT_TIMEOUT_MS);
      this._endTimer.unref();
      report.promise.then(() => this._complete(core));
      return;
    }
    this._complete(core);
  }

  _complete(core) {
    clearTimeout(this._endTimer);
    this._ended = true;
    this._summary = this._makeSummary(core);
    this._server._forget(this);
    safeEmit(this, 'end', this._summary);
    this._settleEnd();
  }

  _makeSummary(core) {
    const s = withIsoTimes(core || {});
    const startedAt = s.startedAt || new Date(this._startedAt).toISOString();
    const endedAt = s.endedAt || new Date().toISOString();
    const durationMs = typeof s.durationMs === 'number' ? s.durationMs : Math.max(0, Date.parse(endedAt) - Date.parse(startedAt));
    // Without the core's summary (the server was destroyed first) the legs' details are unknown: null, as for a leg never set up.
    const parties = s.parties && typeof s.parties === 'object' ? s.parties : { visitor: null, agent: null };
    const recording = this._recordings.length ? this._recordings[this._recordings.length - 1] : null;
    return { ...s, id: s.id || this._id, startedAt, endedAt, durationMs, parties, recording };
  }
}

/**
 * A remote or local ICE candidate, or null when gathering is done.
 * @event Call#candidate
 * @param {'visitor'|'agent'} party the leg whose browser must receive it (pass it to that browser's addIceCandidate())
 * @param {RTCIceCandidateInit|null} candidate {candidate, sdpMid, sdpMLineIndex}, or null = end of candidates
 */
/**
 * A leg's state changed.
 * @event Call#state
 * @param {'visitor'|'agent'} party
 * @param {'new'|'connecting'|'connected'|'disconnected'|'failed'|'closed'} state
 * @param {LccError} [error] why the leg failed (ERR_ICE_FAILED, ERR_DTLS_FAILED, ERR_FINGERPRINT_MISMATCH, ...)
 */
/**
 * The call ended; emitted once, and nothing follows it.
 * @event Call#end
 * @param {CallSummary} summary
 */

module.exports = { Call, PARTIES, kInternal, safeEmit, candidateFields, withIsoTimes };
