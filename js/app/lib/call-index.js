'use strict';
// Where the App keeps its calls: one record per call in the App's own
// persistence, {callId, roomId, messageId, startedAt, rev, call}, found by
// call id (buttons, the service's events, scheduled jobs) or by room
// (commands, endpoints). The record's `call` (an AppCall) is the App's only
// source of truth about a call. The call message in the room is a rendering of
// it and is never read back: where an admin lets users edit message custom
// fields, an agent could otherwise point a call message at another room's call.
//
// A new state is a new record (revision rev + 1), then the previous one is
// removed by its own association: only create, read and remove by
// association behave alike in every Rocket.Chat (its updateByAssociations
// matches the association list exactly and, in some versions, throws after
// updating).

const { RocketChatAssociationModel, RocketChatAssociationRecord } = require('@rocket.chat/apps-engine/definition/metadata');

const CALL_KIND = 'livechat-calls:call';

/**
 * Where a call lives: its ids, and the revision of its record read last.
 * @typedef {{callId: string, roomId: string, messageId: string, startedAt: string, rev: number}} CallEntry
 */
/**
 * A call as found: where it lives and its state.
 * @typedef {{entry: CallEntry, call: import('./call-lifecycle').AppCall}} FoundCall
 */

function byCall(callId) {
  return new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, `${CALL_KIND}:${callId}`);
}

/** Each revision's own association, so that exactly that record can be removed. */
function byRevision(callId, rev) {
  return new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, `${CALL_KIND}:${callId}:rev:${rev}`);
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
 * @returns {FoundCall | undefined}
 */
function fromRecord(record) {
  if (!record || !record.call || record.call.callId !== record.callId || record.call.roomId !== record.roomId) return undefined;
  const { call, ...entry } = plain(record);
  return { entry, call };
}

/**
 * Of several revisions of one call (a reader may see the new before the old is removed), the newest.
 * @param {FoundCall[]} records
 * @returns {FoundCall | undefined}
 */
function newest(records) {
  return records.reduce((best, r) => (!best || Number(r.entry.rev) > Number(best.entry.rev) ? r : best), undefined);
}

async function createRevision(persis, { callId, roomId, messageId, startedAt }, rev, call) {
  const record = { callId, roomId, messageId, startedAt, rev, call: { ...stateOf(call), callId, roomId } };
  await persis.createWithAssociations(record, [byCall(callId), ...byRoom(roomId), byRevision(callId, rev)]);
}

/**
 * Records a new call, posted as message `messageId`.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
 * @param {string} messageId
 * @param {import('./call-lifecycle').AppCall} call
 */
async function indexCall(persis, messageId, call) {
  await createRevision(persis, { callId: call.callId, roomId: call.roomId, messageId, startedAt: call.startedAt }, 1, call);
}

/**
 * Stores a call's new state; where it lives (id, room, message) never changes.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
 * @param {CallEntry} entry as found
 * @param {import('./call-lifecycle').AppCall} call
 */
async function saveCall(persis, entry, call) {
  // Later than any revision written since `entry` was read (the clock), and than `entry` itself.
  await createRevision(persis, entry, Math.max(Number(entry.rev) + 1, Date.now()), call);
  await persis.removeByAssociation(byRevision(entry.callId, entry.rev));
}

/**
 * The call with this id: {entry, call}, or undefined.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
 */
async function findCall(read, callId) {
  if (typeof callId !== 'string' || !callId) return undefined;
  const records = plain(await read.getPersistenceReader().readByAssociation(byCall(callId))) || [];
  return newest(records.map(fromRecord).filter(Boolean));
}

/** The room's newest call, or undefined. */
async function latestCallInRoom(read, roomId) {
  const records = plain(await read.getPersistenceReader().readByAssociations(byRoom(roomId))) || [];
  const calls = records.map(fromRecord).filter((found) => found && found.entry.roomId === roomId);
  const latest = calls.reduce((best, c) => (!best || String(c.entry.startedAt) > String(best.entry.startedAt) ? c : best), undefined);
  return latest && newest(calls.filter((c) => c.entry.callId === latest.entry.callId));
}

module.exports = { indexCall, saveCall, findCall, latestCallInRoom, plain };
