'use strict';
// The calls the service knows about, by id. Kept in memory; with a dataDir,
// also one JSON file per call (dataDir/calls/<id>.json), rewritten atomically
// (temp file, fsync, rename) on every change so a crash leaves either the old
// or the new version. Writes of one call are serialised so the last change
// always lands last.
//
// At start, calls still open in the files were cut off by a stop of the
// service (their media died with it): they are marked ended, 'service-restart'.

const crypto = require('crypto');
const { EventEmitter } = require('events');
const fs = require('fs');
const path = require('path');
const { PARTIES } = require('../../common/parties');

/** Ids we mint are UUIDs; anything used in a file name must match this first. */
const CALL_ID_RE = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * True for a string that can be a call id (and so is safe in a file name).
 * @param {unknown} id
 * @returns {boolean}
 */
function isCallId(id) {
  return typeof id === 'string' && CALL_ID_RE.test(id);
}

function copy(call) {
  return structuredClone(call);
}

/** What a stored file must look like to be loaded. */
function looksLikeCall(c, id) {
  return c !== null && typeof c === 'object' && c.id === id && typeof c.roomId === 'string'
    && ['created', 'active', 'ended'].includes(c.state) && c.parties && typeof c.parties === 'object';
}

/**
 * The calls, in memory and (with a dataDir) on disk.
 * Emits 'created' (call) and 'ended' (call) with copies, for metrics.
 */
class CallStore extends EventEmitter {
  /**
   * @param {{dataDir?: string|null, now?: () => number}} [options] without dataDir, memory only
   */
  constructor({ dataDir = null, now = Date.now } = {}) {
    super();
    this.dir = dataDir ? path.join(path.resolve(dataDir), 'calls') : null;
    this._now = now;
    /** @type {Map<string, object>} */
    this._calls = new Map();
    this._open = new Set(); // ids of calls not ended
    this._writes = new Map(); // id -> the last queued write of that call
    this._opened = null;
  }

  /**
   * Loads the stored calls (once; later calls return the same promise). Files
   * that are not calls are skipped and reported in `skipped`.
   * @returns {Promise<{loaded: number, endedAtRestart: number, skipped: string[]}>}
   */
  open() {
    if (!this._opened) this._opened = this._load();
    return this._opened;
  }

  async _load() {
    const result = { loaded: 0, endedAtRestart: 0, skipped: [] };
    if (!this.dir) return result;
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 }); // also dataDir itself when LCC_SECRET kept it from being made
    for (const name of await fs.promises.readdir(this.dir)) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await fs.promises.rm(file, { force: true }); // a write cut short; the .json still holds the previous version
        continue;
      }
      const id = name.endsWith('.json') ? name.slice(0, -5) : null;
      let call = null;
      if (isCallId(id)) {
        try {
          call = JSON.parse(await fs.promises.readFile(file, 'utf8'));
        } catch {
          call = null;
        }
      }
      if (!looksLikeCall(call, id)) {
        result.skipped.push(name);
        continue;
      }
      this._calls.set(id, call);
      result.loaded++;
      if (call.state !== 'ended') {
        this._markEnded(call, 'service-restart');
        result.endedAtRestart++;
        await this._persist(call);
      }
    }
    return result;
  }

  /** Number of calls not ended. @type {number} */
  get openCount() {
    return this._open.size;
  }

  /** Ids of the calls not ended. @returns {string[]} */
  openIds() {
    return [...this._open];
  }

  /** Number of calls known (ended ones included). @type {number} */
  get size() {
    return this._calls.size;
  }

  /**
   * A copy of the call, or undefined.
   * @param {string} id
   * @returns {object|undefined}
   */
  get(id) {
    const call = isCallId(id) ? this._calls.get(id) : undefined;
    return call && copy(call);
  }

  /**
   * Creates, stores and returns a new call (state 'created', a fresh random id).
   * @param {{roomId: string, record: boolean, relayPolicy: string, requestedRelayPolicy: string,
   *   ringTimeoutSeconds: number, iceServers: object[]}} fields already checked
   * @returns {Promise<object>} a copy of the call
   */
  async create(fields) {
    const call = {
      id: crypto.randomUUID(),
      roomId: fields.roomId,
      state: 'created',
      endReason: null,
      record: fields.record,
      relayPolicy: fields.relayPolicy,
      requestedRelayPolicy: fields.requestedRelayPolicy,
      path: null,
      ringTimeoutSeconds: fields.ringTimeoutSeconds,
      iceServers: fields.iceServers,
      video: !!fields.video,
      names: fields.names || { visitor: null, agent: null },
      // Where the App hears about the call (tickets used, the call ended), and
      // whose widget script it rings (a hash: the LiveChat token never reaches us from the App).
      appEventsUrl: fields.appEventsUrl || null,
      visitorTokenHash: fields.visitorTokenHash || null,
      createdAt: new Date(this._now()).toISOString(),
      endedAt: null,
      endedBy: null,
      parties: { visitor: { joined: false }, agent: { joined: false } },
      fallback: null,
      recording: null,
      quality: null, // per party, set when the call ends (session-quality.js)
    };
    this._calls.set(call.id, call);
    this._open.add(call.id);
    try {
      await this._persist(call);
    } catch (err) {
      // Not stored means not created: the caller gets the error, nobody the id.
      this._calls.delete(call.id);
      this._open.delete(call.id);
      throw err;
    }
    this.emit('created', copy(call));
    return copy(call);
  }

  /**
   * Applies `change` to the stored call (the only way to modify one), then
   * stores it. `change` gets the live record and may mutate it.
   * @param {string} id
   * @param {(call: object) => void} change
   * @returns {Promise<object|undefined>} a copy after the change; undefined when there is no such call
   */
  async update(id, change) {
    const call = isCallId(id) ? this._calls.get(id) : undefined;
    if (!call) return undefined;
    const wasOpen = this._open.has(id);
    change(call);
    if (call.state === 'ended') this._open.delete(id);
    else this._open.add(id);
    if (wasOpen && call.state === 'ended') this.emit('ended', copy(call));
    await this._persist(call);
    return copy(call);
  }

  /**
   * Counts for metrics: every known call by state, the open ones by path.
   * @returns {{byState: {created: number, active: number, ended: number}, byPath: {p2p: number, relay: number, none: number}}}
   */
  tally() {
    const byState = { created: 0, active: 0, ended: 0 };
    const byPath = { p2p: 0, relay: 0, none: 0 };
    for (const call of this._calls.values()) {
      byState[call.state]++;
      if (call.state !== 'ended') byPath[call.path || 'none']++;
    }
    return { byState, byPath };
  }

  /**
   * Ends a call with a reason; an ended call stays as it is (same reason, time and endedBy).
   * @param {string} id
   * @param {string} reason
   * @param {{endedBy?: 'visitor'|'agent'|'service'|null}} [how] who ended it, when known
   * @returns {Promise<object|undefined>} a copy; undefined when there is no such call
   */
  async end(id, reason, { endedBy = null } = {}) {
    const call = isCallId(id) ? this._calls.get(id) : undefined;
    if (!call) return undefined;
    if (call.state === 'ended') return copy(call);
    return this.update(id, (c) => this._markEnded(c, reason, endedBy));
  }

  _markEnded(call, reason, endedBy = null) {
    call.state = 'ended';
    call.endReason = reason;
    call.endedAt = new Date(this._now()).toISOString();
    if (endedBy || !('endedBy' in call)) call.endedBy = endedBy;
    // `joined` stays (who took part); nobody is present in an ended call.
    for (const p of PARTIES) if (call.parties && call.parties[p] && 'present' in call.parties[p]) call.parties[p].present = false;
    this._open.delete(call.id);
  }

  /** Queues a write of the call's current state behind its earlier writes. */
  _persist(call) {
    if (!this.dir) return Promise.resolve();
    const { id } = call;
    const previous = this._writes.get(id) || Promise.resolve();
    // Serialised at write time, not now, so a queued write stores the latest state.
    const write = previous.catch(() => {}).then(() => this._writeFile(id, JSON.stringify(this._calls.get(id) || call, null, 2)));
    this._writes.set(id, write);
    const forget = () => {
      if (this._writes.get(id) === write) this._writes.delete(id);
    };
    write.then(forget, forget);
    return write;
  }

  async _writeFile(id, text) {
    if (!isCallId(id)) throw new Error(`refusing to store a call with id ${JSON.stringify(id)}`);
    const file = path.join(this.dir, `${id}.json`);
    const tmp = path.join(this.dir, `.${id}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Waits for every queued write (call before the process exits).
   * @returns {Promise<void>}
   */
  async close() {
    await Promise.allSettled([...this._writes.values()]);
  }
}

module.exports = { CallStore, isCallId, CALL_ID_RE };
