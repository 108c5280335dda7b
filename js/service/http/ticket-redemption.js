'use strict';
// POST /tickets/redeem: the call page trades a join ticket (join-tickets.js)
// for a party token. A POST, so no cache, proxy log or browser history keeps
// the ticket; the answer is `no-store`. No CORS: only the service's own call
// page (same origin) can read the answer.
//
//   request  {"ticket": "<43 base64url characters>"}
//   200      {callId, party, token, expiresAt, signallingUrl, video, names}
//   400      ERR_INVALID_REQUEST   (not JSON, no ticket field)
//   410      ERR_TICKET_USED       (used, replaced by a newer one, or never minted)
//   410      ERR_TICKET_EXPIRED
//   409      ERR_CALL_ENDED
//
// Every redemption, good or bad, is reported on the service ('ticket-redeemed'
// carries callId, party and the ticket's id, never the ticket).

const { readBody, sendJson, sendError, HttpError } = require('./http-json');
const { parseJsonObject } = require('./requests');
const { signallingUrlOf } = require('./http-api');

const MAX_BODY_BYTES = 1024;

const REFUSALS = {
  malformed: () => new HttpError(400, 'ERR_INVALID_REQUEST', 'ticket must be the ticket from the call link'),
  unknown: () => new HttpError(410, 'ERR_TICKET_USED',
    'this call link was already used or replaced by a newer one: press Join call in the chat again'),
  expired: () => new HttpError(410, 'ERR_TICKET_EXPIRED', 'this call link has expired: press Join call in the chat again'),
};

/**
 * @param {import('../call-service').CallService} service
 * @param {import('../calls/join-tickets').JoinTickets} tickets
 */
function mountTicketRedemption(service, tickets) {
  service.addRoute('/tickets', async (req, res) => {
    try {
      if (req.url.split('?')[0] !== '/tickets/redeem') {
        req.resume();
        throw new HttpError(404, 'ERR_NOT_FOUND', 'no such endpoint');
      }
      if (req.method !== 'POST') {
        req.resume();
        throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', '/tickets/redeem allows POST', { allow: 'POST' });
      }
      const body = parseJsonObject(await readBody(req, MAX_BODY_BYTES));
      const verdict = tickets.redeem(body.ticket);
      if (!verdict.ok) {
        service.emit('ticket-refused', { reason: verdict.reason });
        throw REFUSALS[verdict.reason]();
      }
      const call = service.calls.get(verdict.callId);
      if (!call || call.state === 'ended') throw new HttpError(409, 'ERR_CALL_ENDED', 'the call has ended');
      const { token, expiresAt } = service.mintPartyToken(call.id, verdict.party);
      service.emit('ticket-redeemed', { callId: call.id, party: verdict.party, ticketId: verdict.id });
      sendJson(res, 200, {
        callId: call.id,
        party: verdict.party,
        token,
        expiresAt,
        signallingUrl: signallingUrlOf(service.publicUrl),
        video: !!call.video,
        names: { ...(call.names || {}) },
      });
    } catch (err) {
      if (err && err.aborted) return;
      sendError(res, err, (e) => service.warn(e));
    }
  });
}

module.exports = { mountTicketRedemption };
