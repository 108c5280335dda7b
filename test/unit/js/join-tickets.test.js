'use strict';
// Join tickets (js/service/calls/join-tickets.js) and the signed service->App
// events (js/common/app-events.js): what a ticket can and cannot do, on a
// clock the test moves; what the App accepts as an event from the service.

const assert = require('assert');
const { JoinTickets } = require('../../../js/service/calls/join-tickets');
const { signAppEvent, verifyAppEvent } = require('../../../js/common/app-events');
const { signRequest } = require('../../../js/common/request-signing');

const SECRET = 'events-test-secret-0123456789abcdef';

describe('join tickets', () => {
  let now;
  let tickets;
  beforeEach(() => {
    now = 1_800_000_000_000;
    tickets = new JoinTickets({ now: () => now });
  });

  it('are 256 random bits in base64url, different each time, and named by an id that is not the ticket', () => {
    const a = tickets.mint({ callId: 'call-a', party: 'visitor' });
    const b = tickets.mint({ callId: 'call-b', party: 'visitor' });
    assert.match(a.ticket, /^[A-Za-z0-9_-]{43}$/);
    assert.strictEqual(Buffer.from(a.ticket, 'base64url').length, 32);
    assert.notStrictEqual(a.ticket, b.ticket);
    assert.ok(!a.ticket.includes(a.id) && a.id.length < 20);
    assert.strictEqual(a.expiresAt, new Date(now + 60000).toISOString(), '60 s by default');
  });

  it('redeem once, for the call and seat they were minted for', () => {
    const { ticket, id } = tickets.mint({ callId: 'call-a', party: 'visitor' });
    assert.deepStrictEqual(tickets.redeem(ticket), { ok: true, id, callId: 'call-a', party: 'visitor' });
    assert.deepStrictEqual(tickets.redeem(ticket), { ok: false, reason: 'unknown' }, 'the second use fails');
  });

  it('fail after their lifetime, even if never tried before', () => {
    const { ticket } = tickets.mint({ callId: 'call-a', party: 'visitor', ttlSeconds: 10 });
    now += 10000;
    assert.deepStrictEqual(tickets.redeem(ticket), { ok: false, reason: 'expired' });
    assert.deepStrictEqual(tickets.redeem(ticket), { ok: false, reason: 'unknown' });
  });

  it('a newer ticket for the same seat cancels the older one; other seats and calls keep theirs', () => {
    const old = tickets.mint({ callId: 'call-a', party: 'visitor' });
    const agent = tickets.mint({ callId: 'call-a', party: 'agent' });
    const other = tickets.mint({ callId: 'call-b', party: 'visitor' });
    const fresh = tickets.mint({ callId: 'call-a', party: 'visitor' });
    assert.strictEqual(tickets.redeem(old.ticket).ok, false);
    assert.strictEqual(tickets.redeem(fresh.ticket).ok, true);
    assert.strictEqual(tickets.redeem(agent.ticket).ok, true);
    assert.strictEqual(tickets.redeem(other.ticket).ok, true);
  });

  it("stop working when their call ends (revokeCall), and a call's end leaves other calls' tickets alone", () => {
    const a = tickets.mint({ callId: 'call-a', party: 'visitor' });
    const b = tickets.mint({ callId: 'call-b', party: 'visitor' });
    tickets.revokeCall('call-a');
    assert.strictEqual(tickets.redeem(a.ticket).ok, false);
    assert.strictEqual(tickets.redeem(b.ticket).ok, true);
  });

  it('refuse anything that is not a ticket, without throwing', () => {
    for (const bad of [undefined, null, 42, {}, [], '', 'x'.repeat(43 * 1000), 'not a ticket', `${'A'.repeat(42)}=`]) {
      assert.deepStrictEqual(tickets.redeem(bad), { ok: false, reason: 'malformed' }, JSON.stringify(bad));
    }
    assert.strictEqual(tickets.redeem('A'.repeat(43)).reason, 'unknown', 'well-formed but never minted');
  });

  it('refuse a lifetime outside 10-600 s', () => {
    for (const ttlSeconds of [0, 9, 601, 1.5, '60']) {
      assert.throws(() => tickets.mint({ callId: 'c', party: 'visitor', ttlSeconds }), RangeError);
    }
  });

  it('keep only a digest: nothing the service holds redeems', () => {
    const { ticket } = tickets.mint({ callId: 'call-a', party: 'visitor' });
    const held = JSON.stringify([...tickets._byDigest]);
    assert.ok(!held.includes(ticket));
  });
});

describe('service -> App events', () => {
  const event = { type: 'ticket-redeemed', callId: 'call-a', party: 'visitor', ticketId: 'abc' };
  const asReceived = (signed) => ({ headers: signed.headers, content: JSON.parse(signed.body) });

  it('verify with the shared secret, as an App endpoint receives them (parsed body)', () => {
    const { headers, content } = asReceived(signAppEvent(SECRET, event));
    assert.deepStrictEqual(verifyAppEvent(SECRET, headers, content), { ok: true, event });
  });

  it('are refused with another secret, no secret, a changed payload, no headers, or too old', () => {
    const { headers, content } = asReceived(signAppEvent(SECRET, event));
    assert.deepStrictEqual(verifyAppEvent('another-secret-0123456789abcdef', headers, content), { ok: false, reason: 'bad signature' });
    assert.strictEqual(verifyAppEvent('', headers, content).ok, false);
    const forged = { payload: content.payload.replace('call-a', 'call-b') };
    assert.deepStrictEqual(verifyAppEvent(SECRET, headers, forged), { ok: false, reason: 'bad signature' });
    assert.match(verifyAppEvent(SECRET, {}, content).reason, /missing/);
    assert.match(verifyAppEvent(SECRET, headers, content, { now: Date.now() + 6 * 60 * 1000 }).reason, /expired/);
    assert.strictEqual(verifyAppEvent(SECRET, headers, { payload: 42 }).reason, 'malformed body');
  });

  it("are not confused with a control request's signature over the same body", () => {
    const payload = JSON.stringify(event);
    const control = signRequest({ secret: SECRET, method: 'POST', path: '/api/calls', body: payload });
    assert.deepStrictEqual(verifyAppEvent(SECRET, control, { payload }), { ok: false, reason: 'bad signature' });
  });
});
