'use strict';
// Join tickets: how a visitor in Rocket.Chat's stock LiveChat widget gets
// into a call. The widget can only open a URL from a room message, and room
// messages are seen by the agent, supervisors, the history, transcripts and
// webhooks; so the URL carries a ticket that is worth one seat, once, for a
// minute:
//
//   - 256 random bits, kept here only as a SHA-256 (a heap dump or a log of
//     this map gives nothing that redeems);
//   - bound to one call and one party (the seat);
//   - single use: redeeming deletes it, whatever happens next;
//   - expires (60 s by default, the App's setting);
//   - a newer ticket for the same seat cancels the older ones, so only the
//     link in the message as it is now can work.
//
// Redeeming gives a party token (party-tokens.js); the party token joins the
// signalling socket, where a newer join for a seat replaces the older one
// (close code 4409). So a visitor who lost the seat to someone else who
// pressed the link takes it back by pressing Join call again.

const crypto = require('crypto');

const TICKET_BYTES = 32;
const TICKET_RE = /^[A-Za-z0-9_-]{43}$/; // base64url of 32 bytes
const DEFAULT_TTL_SECONDS = 60;
const MIN_TTL_SECONDS = 10;
const MAX_TTL_SECONDS = 600;
/** Tickets outstanding at once, over all calls: minting past it drops the oldest. */
const MAX_OUTSTANDING = 10000;

function digest(ticket) {
  return crypto.createHash('sha256').update(ticket).digest('hex');
}

/**
 * The tickets the service has minted and not yet seen redeemed or expire.
 */
class JoinTickets {
  /** @param {{now?: () => number}} [options] */
  constructor({ now = Date.now } = {}) {
    this._now = now;
    /** @type {Map<string, {id: string, callId: string, party: string, expiresAt: number}>} digest -> ticket */
    this._byDigest = new Map();
  }

  /** Number of tickets that can still be redeemed. */
  get size() {
    this._sweep();
    return this._byDigest.size;
  }

  /**
   * Mints a ticket for one seat of one call; older tickets for that seat stop working.
   * @param {{callId: string, party: 'visitor'|'agent', ttlSeconds?: number}} args
   * @returns {{ticket: string, id: string, expiresAt: string}} id names the ticket (in the App's message
   *   and the redeemed event) without granting anything
   */
  mint({ callId, party, ttlSeconds = DEFAULT_TTL_SECONDS }) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TTL_SECONDS || ttlSeconds > MAX_TTL_SECONDS) {
      throw new RangeError(`ttlSeconds must be an integer ${MIN_TTL_SECONDS}-${MAX_TTL_SECONDS}`);
    }
    this.revokeSeat(callId, party);
    this._sweep();
    while (this._byDigest.size >= MAX_OUTSTANDING) this._byDigest.delete(this._byDigest.keys().next().value);
    const ticket = crypto.randomBytes(TICKET_BYTES).toString('base64url');
    const id = crypto.randomBytes(9).toString('base64url');
    const expiresAt = this._now() + ttlSeconds * 1000;
    this._byDigest.set(digest(ticket), { id, callId, party, expiresAt });
    return { ticket, id, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Redeems a ticket: on success it is gone for good. Never throws.
   * @param {unknown} ticket
   * @returns {{ok: true, id: string, callId: string, party: string} | {ok: false, reason: 'malformed'|'unknown'|'expired'}}
   *   'unknown' covers used, replaced and never minted alike
   */
  redeem(ticket) {
    if (typeof ticket !== 'string' || !TICKET_RE.test(ticket)) return { ok: false, reason: 'malformed' };
    const key = digest(ticket);
    const found = this._byDigest.get(key);
    if (!found) return { ok: false, reason: 'unknown' };
    this._byDigest.delete(key);
    if (found.expiresAt <= this._now()) return { ok: false, reason: 'expired' };
    return { ok: true, id: found.id, callId: found.callId, party: found.party };
  }

  /** Every outstanding ticket of one seat stops working. */
  revokeSeat(callId, party) {
    for (const [key, t] of this._byDigest) if (t.callId === callId && t.party === party) this._byDigest.delete(key);
  }

  /** Every outstanding ticket of a call stops working (the call ended). */
  revokeCall(callId) {
    for (const [key, t] of this._byDigest) if (t.callId === callId) this._byDigest.delete(key);
  }

  _sweep() {
    const now = this._now();
    for (const [key, t] of this._byDigest) if (t.expiresAt <= now) this._byDigest.delete(key);
  }
}

module.exports = { JoinTickets, DEFAULT_TTL_SECONDS, MIN_TTL_SECONDS, MAX_TTL_SECONDS };
