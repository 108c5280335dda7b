'use strict';
// Where the App keeps its calls: one record per call in the App's own
// persistence, {callId, roomId, messageId, startedAt, call}, found by call id
// (buttons, the service's events, scheduled jobs) or by room (commands,
// endpoints). The record's `call` (an AppCall) is the App's only source of
// truth about a call. The call message in the room is a rendering of it and
// is never read back: where an admin lets users edit message custom fields, an
// agent could otherwise point a call message at another room's call.

const { RocketChatAssociationModel, RocketChatAssociationRecord } = require('@rocket.chat/apps-engine/definition/metadata');

const CALL_KIND = 'livechat-calls:call';

function byCall(callId) {
  return new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, `${CALL_KIND}:${callId}`);
}

function byRoom(roomId) {
  return [
    new RocketChatAssociationRecord(RocketChatAssociationModel.ROOM, roomId),
    new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, CALL_KIND),
  ];
}

/** A plain copy: values read through the engine may be proxies or frozen. */
function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** The call as stored: without the message id handed to callers. */
function stateOf(call) {
  const state = plain(call);
  delete state.messageId;
  return state;
}

/**
 * What callers get: where the call lives (`entry`) and its state (`call`).
 * Records without a call (written by App versions that kept the state in the
 * message) are not calls any more.
 * @returns {{entry: {callId: string, roomId: string, messageId: string, startedAt: string},
 *   call: import('./call-lifecycle').AppCall} | undefined}
 */
function fromRecord(record) {
  if (!record || !record.call || record.call.callId !== record.callId || record.call.roomId !== record.roomId) return undefined;
  const { call, ...entry } = plain(record);
  return { entry, call };
}

/**
 * Records a new call, posted as message `messageId`.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
 * @param {string} messageId
 * @param {import('./call-lifecycle').AppCall} call
 */
async function indexCall(persis, messageId, call) {
  const { callId, roomId, startedAt } = call;
  await persis.createWithAssociations({ callId, roomId, messageId, startedAt, call: stateOf(call) }, [byCall(callId), ...byRoom(roomId)]);
}

/**
 * Stores a call's new state; where it lives (id, room, message) never changes.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
 * @param {{callId: string, roomId: string, messageId: string, startedAt: string}} entry
 * @param {import('./call-lifecycle').AppCall} call
 */
async function saveCall(persis, entry, call) {
  const { callId, roomId, messageId, startedAt } = entry;
  await persis.updateByAssociation(byCall(callId), { callId, roomId, messageId, startedAt, call: { ...stateOf(call), callId, roomId } }, false);
}

/**
 * The call with this id: {entry, call}, or undefined.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
 */
async function findCall(read, callId) {
  if (typeof callId !== 'string' || !callId) return undefined;
  const [record] = await read.getPersistenceReader().readByAssociation(byCall(callId));
  return fromRecord(record);
}

/** The room's newest call, or undefined. */
async function latestCallInRoom(read, roomId) {
  const records = plain(await read.getPersistenceReader().readByAssociations(byRoom(roomId))) || [];
  const calls = records.map(fromRecord).filter((found) => found && found.entry.roomId === roomId);
  calls.sort((a, b) => String(b.entry.startedAt).localeCompare(String(a.entry.startedAt)));
  return calls[0];
}

module.exports = { indexCall, saveCall, findCall, latestCallInRoom, plain };
