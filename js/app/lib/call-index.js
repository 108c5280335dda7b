'use strict';
// Where the App finds a call: in the call message's custom fields (the
// messages collection is the record Rocket.Chat keeps, and what clients read).
// The App's persistence only keeps an index, call id -> room and message, so
// that a call can be found from a button, an endpoint or a scheduled job.
// (IRoomRead.getMessages is not available to Apps on 1.42, so the room's
// messages cannot be searched instead.)

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

/**
 * Records where a new call's message is.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
 */
async function indexCall(persis, { callId, roomId, messageId, startedAt }) {
  await persis.createWithAssociations({ callId, roomId, messageId, startedAt }, [byCall(callId), ...byRoom(roomId)]);
}

/** Reads the call a message holds, or undefined. */
async function callFromMessage(read, messageId) {
  const message = await read.getMessageReader().getById(messageId);
  if (!message || !message.customFields || !message.customFields.callId) return undefined;
  return { message, call: plain(message.customFields) };
}

/**
 * The call with this id: {entry, message, call}, or undefined.
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
 */
async function findCall(read, callId) {
  if (typeof callId !== 'string' || !callId) return undefined;
  const [entry] = /** @type {{messageId: string, roomId: string}[]} */ (await read.getPersistenceReader().readByAssociation(byCall(callId)));
  if (!entry) return undefined;
  const found = await callFromMessage(read, entry.messageId);
  return found && { entry: plain(entry), ...found };
}

/** The room's newest call, or undefined. */
async function latestCallInRoom(read, roomId) {
  const entries = plain(await read.getPersistenceReader().readByAssociations(byRoom(roomId))) || [];
  entries.sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt)));
  for (const entry of entries) {
    const found = await callFromMessage(read, entry.messageId);
    if (found) return { entry, ...found };
  }
  return undefined;
}

module.exports = { indexCall, findCall, latestCallInRoom, plain };
