'use strict';
// The things agents and visitors do with a room's call, with their access
// checks, shared by the slash command, the endpoints and the buttons.
// Every action first proves who is acting (access.js), then finds the call,
// then applies the event (call-lifecycle.js).

const { roomServedBy, roomOfVisitor, callError } = require('./access');
const { findCall, latestCallInRoom } = require('./call-index');
const { startCall, applyEvent, settleIfOverdue, joinInfo } = require('./call-lifecycle');
const { ACTIVE } = require('./call-messages');
const { roomOfVisitorProof } = require('./visitor-proof');

const VISITOR_FIELDS = ['callId', 'roomId', 'messageId', 'provider', 'callStatus', 'startedAt', 'answeredAt', 'endedAt', 'duration', 'ringTimeoutSeconds', 'jitsiUrl', 'video'];

/** What a visitor may see of a call (no agent ids, no recording references). */
function visitorView(call) {
  return Object.fromEntries(VISITOR_FIELDS.filter((k) => call[k] !== undefined).map((k) => [k, call[k]]));
}

async function latestOrNotFound(ctx, roomId) {
  const found = await latestCallInRoom(ctx.read, roomId);
  if (!found) throw callError(404, 'ERR_NO_CALL', 'no call in this room');
  return found;
}

/** The agent starts a call (or gets the one already live). */
async function agentStart(ctx, user, roomId, { record = false, video = false } = {}) {
  const room = await roomServedBy(ctx.read, user, roomId);
  return startCall(ctx, { agent: user, room, record, video });
}

/** The agent ends (or cancels) the room's call. */
async function agentEnd(ctx, user, roomId) {
  await roomServedBy(ctx.read, user, roomId);
  const found = await latestOrNotFound(ctx, roomId);
  // An overdue ringing call was missed, not cancelled by this end.
  return applyEvent(ctx, { ...found, call: await settleIfOverdue(ctx, found) }, 'end', 'agent');
}

/**
 * The visitor accepts, declines or ends the room's call.
 * @param {{proof: unknown, method: string, path: string}} visitor the request's x-visitor-proof (visitor-proof.js)
 */
async function visitorEvent(ctx, visitor, roomId, event) {
  await roomOfVisitorProof(ctx, visitor, roomId);
  const found = await latestOrNotFound(ctx, roomId);
  const call = await settleIfOverdue(ctx, found);
  return applyEvent(ctx, { ...found, call }, event, 'visitor');
}

/**
 * The room's latest call as a party sees it, with what that party needs to
 * join while it is live.
 * @param {'visitor'|'agent'} party
 */
async function fetchCall(ctx, roomId, party) {
  const found = await latestOrNotFound(ctx, roomId);
  const call = await settleIfOverdue(ctx, found);
  // The visitor joins only once they accepted; the agent may join while it rings.
  const joinable = party === 'visitor' ? call.callStatus === 'inProgress' : ACTIVE.has(call.callStatus);
  const join = joinable ? await joinInfo(ctx, call, party) : null;
  return { call: party === 'visitor' ? visitorView(call) : call, join };
}

async function agentFetch(ctx, user, roomId) {
  await roomServedBy(ctx.read, user, roomId);
  return fetchCall(ctx, roomId, 'agent');
}

/** @param {{proof: unknown, method: string, path: string}} visitor the request's x-visitor-proof (visitor-proof.js) */
async function visitorFetch(ctx, visitor, roomId) {
  await roomOfVisitorProof(ctx, visitor, roomId);
  return fetchCall(ctx, roomId, 'visitor');
}

/**
 * A button pressed on a call message: finds the call by the button's value
 * and checks that the presser is its room's agent (user) or visitor (token).
 */
async function callForButton(ctx, callId, who) {
  const found = await findCall(ctx.read, callId);
  if (!found) throw callError(404, 'ERR_NO_CALL', 'no such call');
  if (who.visitorToken !== undefined) await roomOfVisitor(ctx.read, who.visitorToken, found.entry.roomId);
  else await roomServedBy(ctx.read, who.user, found.entry.roomId);
  return { ...found, call: await settleIfOverdue(ctx, found) };
}

module.exports = { agentStart, agentEnd, agentFetch, visitorEvent, visitorFetch, visitorView, callForButton };
