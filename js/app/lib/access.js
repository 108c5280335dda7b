'use strict';
// Who may do what with a room's call. Only the agent serving a LiveChat room
// may start or end its calls from the agent side; only the holder of the
// room's visitor token may accept, decline or fetch it from the visitor side.
// Everyone else is refused with the same 403, whether or not the room exists,
// so that knowing (or guessing) a room id gives nothing away. (Rocket.Chat's
// own WebRTC signalling lets anyone who knows a room id read and write it.)

const LIVECHAT_ROOM_TYPE = 'l';

/** An error carrying the HTTP status and code an endpoint answers with. */
function callError(status, code, message) {
  return Object.assign(new Error(message), { name: 'CallError', status, code });
}

function forbidden() {
  return callError(403, 'ERR_FORBIDDEN', 'not allowed');
}

function isLivechatRoom(room) {
  return Boolean(room && room.type === LIVECHAT_ROOM_TYPE);
}

/**
 * The LiveChat room if `user` is the agent serving it; else throws 403.
 * @returns {Promise<import('@rocket.chat/apps-engine/definition/livechat').ILivechatRoom>}
 */
async function roomServedBy(read, user, roomId) {
  if (!user || !user.id || typeof roomId !== 'string' || !roomId) throw forbidden();
  const room = await read.getRoomReader().getById(roomId);
  if (!isLivechatRoom(room) || !room.servedBy || room.servedBy.id !== user.id) throw forbidden();
  return room;
}

/**
 * The LiveChat room if `token` is its visitor's token; else throws 403.
 * The token is looked up the way Rocket.Chat's LiveChat API does, and the
 * visitor found must be the room's.
 */
async function roomOfVisitor(read, token, roomId) {
  if (typeof token !== 'string' || !token || typeof roomId !== 'string' || !roomId) throw forbidden();
  const [room, visitor] = await Promise.all([
    read.getRoomReader().getById(roomId),
    read.getLivechatReader().getLivechatVisitorByToken(token),
  ]);
  if (!isLivechatRoom(room) || !visitor || !room.visitor || room.visitor.id !== visitor.id) throw forbidden();
  return room;
}

module.exports = { callError, forbidden, isLivechatRoom, roomServedBy, roomOfVisitor };
