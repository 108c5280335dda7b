'use strict';
// The server side of a relayed call: one MediaServer call, created the first
// time a party needs it (a p2p call that never falls back costs nothing).
// Each party's operations (reset, answer, candidates) run one after another,
// so a candidate never reaches a leg before the offer that created it, and a
// rejoin's resetLeg() lands before the new offer.

const { PARTIES } = require('../../common/parties');

class RelayMedia {
  /**
   * @param {{media: import('../../api/media-server').MediaServer, callId: string, record: boolean,
   *   onCandidate: (party: string, candidate: object|null) => void, onState: (party: string, state: string, err?: Error) => void,
   *   onEnd: (summary: object) => void}} deps
   */
  constructor({ media, callId, record, onCandidate, onState, onEnd }) {
    this._media = media;
    this._callId = callId;
    this._record = record;
    this._handlers = { onCandidate, onState, onEnd };
    this._call = null;
    this._queues = { visitor: Promise.resolve(), agent: Promise.resolve() };
    this._legUsed = { visitor: false, agent: false };
    /** The last state of each party's leg on the server (null: no leg). */
    this.states = { visitor: null, agent: null };
    this._recording = null;
  }

  /**
   * Creates the MediaServer call if it does not exist yet.
   * @throws {import('../../api/errors').LccError} ERR_SERVER_CLOSED, ERR_CALL_EXISTS
   */
  ensure() {
    if (this._call) return;
    const call = this._media.createCall({ id: this._callId, record: this._record });
    this._call = call;
    call.on('candidate', (party, c) => this._handlers.onCandidate(party, c));
    call.on('state', (party, state, err) => {
      this.states[party] = state;
      this._handlers.onState(party, state, err);
    });
    call.on('recording', (info) => { this._recording = info; });
    // Recording failures also arrive as 'recording' (complete: false) and the call goes on; a refused
    // call's error also rejects the first answer()/offer(), whose caller reports it.
    call.on('error', () => {});
    call.on('end', (summary) => this._handlers.onEnd(summary));
  }

  /**
   * The MediaServer call's statistics now (docs/api.md), or null before it exists or after it ended.
   * @returns {Promise<object|null>}
   */
  async getStats() {
    return this._call && !this._call.ended ? this._call.getStats() : null;
  }

  /** True when both parties' legs are connected to the server. */
  get bothConnected() {
    return PARTIES.every((p) => this.states[p] === 'connected');
  }

  _enqueue(party, op) {
    const next = this._queues[party].catch(() => {}).then(op);
    this._queues[party] = next;
    return next;
  }

  /** Drops the party's leg, if it has one, so its next offer starts afresh. */
  resetLeg(party) {
    return this._enqueue(party, async () => {
      if (!this._legUsed[party] || this._call.ended) return;
      this._legUsed[party] = false;
      this.states[party] = null;
      await this._call.resetLeg(party);
    });
  }

  /** The server's answer SDP to the party's offer. */
  answer(party, sdp) {
    return this._enqueue(party, () => {
      this._legUsed[party] = true;
      return this._call.answer(party, sdp);
    });
  }

  /** A browser's trickled candidate (null: end of candidates). */
  addCandidate(party, candidate) {
    return this._enqueue(party, () => this._call.addCandidate(party, candidate));
  }

  /**
   * Ends the MediaServer call: its summary, and the recording sidecar if it was recorded.
   * @returns {Promise<{summary: object, recording: object|null}|null>} null when no relay was ever made
   */
  async end() {
    if (!this._call) return null;
    const summary = await this._call.end();
    return { summary, recording: (summary && summary.recording) || this._recording || null };
  }
}

module.exports = { RelayMedia };
