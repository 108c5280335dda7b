'use strict';
// The visitor's way into a call from Rocket.Chat's stock LiveChat widget.
//
// The widget can do one thing for us: a button without a URL reaches the App
// with the visitor proven by their LiveChat token (call-actions.js checks that
// this visitor is the room's). It cannot open anything the App answers, but it
// re-renders a message the App updates. So pressing Join call turns the call
// message's button into Open call: a URL button to the call page carrying a
// join ticket (js/service/calls/join-tickets.js) that works once, for a minute, for
// the visitor's seat only. Everyone in the room sees that message, so nothing
// in it may stay usable: when the ticket is used (the service tells us,
// service-events.js) or expires (a scheduled job), the message offers Join
// call again. The call (and its message's custom fields) keeps the ticket's
// id, never the link.

const { readConfig } = require('./settings');
const { createServiceClient } = require('./service-client');
const { ACTIVE } = require('./call-messages');
const { findCall } = require('./call-index');
const { applyEvent, updateCall, LINK_EXPIRY_JOB } = require('./call-lifecycle');

/** After the ticket's expiry, so the service has surely refused it by then. */
const EXPIRY_SLACK_MS = 1000;

function withoutMessageId(call) {
  const copy = { ...call };
  delete copy.messageId;
  return copy;
}

/**
 * The room's visitor pressed Join call: a ringing call is accepted, then the
 * message offers the visitor's single-use Open call link.
 * @param {import('./call-lifecycle').Ctx} ctx
 * @param {import('./call-index').FoundCall} found
 * @returns {Promise<import('./call-lifecycle').AppCall>}
 */
async function offerVisitorLink(ctx, found) {
  const call = withoutMessageId(found.call);
  // Jitsi's Join call button already is the room's URL.
  if (call.provider !== 'WebRTC') return applyEvent(ctx, found, 'accept', 'visitor');
  if (!ACTIVE.has(call.callStatus)) return call; // over: no seat to offer
  const config = await readConfig(ctx.read);
  const minted = await createServiceClient(ctx.http, config).mintTicket(call.callId, 'visitor', config.joinLinkTtl);
  const link = { visitorLink: { ticketId: minted.ticketId, expiresAt: minted.expiresAt }, linkUrl: minted.url };
  let next;
  if (call.callStatus === 'ringing') {
    // One update: accepted, with the link (a ticket minted for a call then refused is never shown).
    next = withoutMessageId(await applyEvent(ctx, found, 'accept', 'visitor', link));
  } else {
    next = { ...call, visitorLink: link.visitorLink };
    await updateCall(ctx, found.entry, next, { linkUrl: link.linkUrl });
  }
  await ctx.modify.getScheduler().scheduleOnce({
    id: LINK_EXPIRY_JOB,
    when: new Date(Date.parse(minted.expiresAt) + EXPIRY_SLACK_MS),
    data: { callId: call.callId, ticketId: minted.ticketId },
  });
  return next;
}

/**
 * The link with this ticket stopped working (used, or expired): the message
 * offers Join call again. Nothing happens when the message shows another link
 * by now (a newer press), none, or the call is over.
 * @param {import('./call-lifecycle').Ctx} ctx
 * @param {string} callId
 * @param {string} ticketId
 * @returns {Promise<boolean>} whether the message changed
 */
async function withdrawVisitorLink(ctx, callId, ticketId) {
  const found = await findCall(ctx.read, callId);
  if (!found) return false;
  const link = found.call.visitorLink;
  if (!link || link.ticketId !== ticketId || !ACTIVE.has(found.call.callStatus)) return false;
  await updateCall(ctx, found.entry, withoutMessageId(found.call));
  return true;
}

module.exports = { offerVisitorLink, withdrawVisitorLink };
