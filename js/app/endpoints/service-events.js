'use strict';
// POST service/events: what the call service tells the App (see
// js/common/app-events.js for the wire format and its signature). Only the
// service holds the shared secret, so only it gets past the check; every
// event is idempotent, so a replay inside the signature's window changes
// nothing.
//
//   ticket-redeemed {callId, ticketId}      the visitor's Open call link was used: Join call again
//   call-ended      {callId, reason, endedBy} a party hung up in the call page (or the service ended it)
//   visitor-answer  {callId, answer}        the visitor answered in the site's call script (accept|decline)

const { defineEndpoint } = require('../lib/responses');
const { readConfig } = require('../lib/settings');
const { verifyAppEvent, APP_EVENTS_ENDPOINT } = require('../../common/app-events');
const { isParty } = require('../../common/parties');
const { findCall } = require('../lib/call-index');
const { applyEvent, settleIfOverdue } = require('../lib/call-lifecycle');
const { withdrawVisitorLink } = require('../lib/visitor-link');
const { callError } = require('../lib/access');

async function callOf(ctx, callId) {
  const found = await findCall(ctx.read, callId);
  if (!found) throw callError(404, 'ERR_NO_CALL', 'no such call');
  return { ...found, call: await settleIfOverdue(ctx, found) };
}

const handlers = {
  'ticket-redeemed': async (ctx, event) => ({ changed: await withdrawVisitorLink(ctx, event.callId, String(event.ticketId)) }),

  'call-ended': async (ctx, event) => {
    const found = await callOf(ctx, event.callId);
    const actor = isParty(event.endedBy) ? event.endedBy : 'system';
    const call = await applyEvent(ctx, found, 'end', actor);
    return { callStatus: call.callStatus };
  },

  'visitor-answer': async (ctx, event) => {
    if (event.answer !== 'accept' && event.answer !== 'decline') throw callError(400, 'ERR_INVALID_REQUEST', "answer must be 'accept' or 'decline'");
    const call = await applyEvent(ctx, await callOf(ctx, event.callId), event.answer, 'visitor');
    return { callStatus: call.callStatus };
  },
};

const ServiceEventsEndpoint = defineEndpoint({
  path: APP_EVENTS_ENDPOINT,
  authRequired: false,
  post: async (request, ctx) => {
    const config = await readConfig(ctx.read);
    const verdict = verifyAppEvent(config.serviceSecret, request.headers, request.content);
    if (verdict.ok !== true) {
      const { reason } = /** @type {{reason: string}} */ (verdict);
      ctx.app.getLogger().warn(`refused a call service event: ${reason}`);
      throw callError(401, 'ERR_UNAUTHORIZED', reason);
    }
    const { event } = /** @type {{event: any}} */ (/** @type {unknown} */ (verdict));
    const handler = Object.prototype.hasOwnProperty.call(handlers, event.type) ? handlers[event.type] : null;
    if (!handler) throw callError(400, 'ERR_UNKNOWN_EVENT', `unknown event type ${JSON.stringify(event.type).slice(0, 40)}`);
    return { content: { ok: true, ...(await handler(ctx, event)) } };
  },
});

module.exports = { ServiceEventsEndpoint };
