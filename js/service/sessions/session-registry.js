'use strict';
// The live calls (CallSession) by id: created when a first party joins,
// removed when the call ends. Also the read-only view metrics reads.

const { CallSession } = require('./call-session');
const { PARTIES } = require('../../common/parties');

class SessionRegistry {
  /**
   * @param {{store: import('../calls/call-store').CallStore, media: import('../../api/media-server').MediaServer,
   *   fallbackTimeoutMs: number, iceServersFor: (call: object, party: string) => object[], warn: (err: unknown) => void,
   *   notify?: (event: string, data: object) => void}} deps notify: 'session-start', 'fallback', 'session-end'
   */
  constructor(deps) {
    this._deps = deps;
    /** @type {Map<string, CallSession>} */
    this._sessions = new Map();
  }

  /**
   * Joins a party's socket to its call's session (created on first use).
   * @param {object} call the stored call, not ended
   * @param {'visitor'|'agent'} party
   * @param {object} conn the socket wrapper (signalling.js)
   * @returns {CallSession}
   */
  join(call, party, conn) {
    let session = this._sessions.get(call.id);
    if (!session) {
      const { store, media, fallbackTimeoutMs, iceServersFor, warn, notify = () => {} } = this._deps;
      session = new CallSession({
        call, store, media, fallbackTimeoutMs, iceServersFor, warn, notify,
        onEnded: (s) => { if (this._sessions.get(s.id) === s) this._sessions.delete(s.id); },
      });
      this._sessions.set(call.id, session);
      notify('session-start', { callId: call.id });
    }
    session.join(party, conn);
    return session;
  }

  /**
   * The live session of a call, if any.
   * @param {string} id
   * @returns {CallSession|undefined}
   */
  get(id) {
    return this._sessions.get(id);
  }

  /**
   * Ends a live call (sockets told and closed, media ended, store updated).
   * @param {string} id
   * @param {{reason: string, by: 'visitor'|'agent'|'service'}} how
   * @returns {Promise<boolean>} false when the call had no live session
   */
  async end(id, how) {
    const session = this._sessions.get(id);
    if (!session) return false;
    await session.end(how);
    return true;
  }

  /**
   * Ends every live call (service shutdown).
   * @param {string} reason
   * @returns {Promise<void>}
   */
  async endAll(reason) {
    await Promise.allSettled([...this._sessions.values()].map((s) => s.end({ reason, by: 'service' })));
  }

  /**
   * A snapshot of the live calls.
   * @returns {{live: number, byMode: {p2p: number, relay: number}, byPath: {p2p: number, relay: number, none: number},
   *   partiesConnected: number}}
   */
  view() {
    const v = { live: 0, byMode: { p2p: 0, relay: 0 }, byPath: { p2p: 0, relay: 0, none: 0 }, partiesConnected: 0 };
    for (const s of this._sessions.values()) {
      v.live++;
      v.byMode[s.mode]++;
      v.byPath[s.path === 'p2p' || s.path === 'relay' ? s.path : 'none']++;
      v.partiesConnected += PARTIES.filter((p) => s.sockets[p]).length;
    }
    return v;
  }
}

module.exports = { SessionRegistry };
