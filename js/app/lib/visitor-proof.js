'use strict';
// How a visitor proves who they are to the visitor endpoints without sending
// their LiveChat token. Every Apps-Engine (1.42.1, and the Deno runtimes of
// 1.59 and 1.62) writes each endpoint request whole into the App's log:
// headers, query, body and params. The token would stay there, readable in
// Administration > Apps > Logs. So the caller sends a proof instead:
//
//   x-visitor-proof: v1.<time>.<mac>
//   time = milliseconds since 1970 (UTC); each request a later one
//   mac  = hex HMAC-SHA256(key: the visitor's LiveChat token,
//          'livechat-calls visitor-proof v1\n' + METHOD + '\n' + path + '\n' + rid + '\n' + time)
//   (METHOD upper case, path the endpoint's as in docs/api.md: visitor/call, visitor/call/accept, ...)
//
// The App recomputes it with the token of the room's visitor. A logged proof
// is worth nothing: it names one method, path and room, is refused once more
// than PROOF_WINDOW_MS old, and is refused when it is not later than the last
// one the room's visitor used (kept in the App's persistence).

const crypto = require('crypto');
const { RocketChatAssociationModel, RocketChatAssociationRecord } = require('@rocket.chat/apps-engine/definition/metadata');
const { roomOfVisitor, forbidden, callError } = require('./access');

const PROOF_HEADER = 'x-visitor-proof';
const PROOF_WINDOW_MS = 2 * 60 * 1000;
const PROOF_RE = /^v1\.(\d{1,15})\.([0-9a-f]{64})$/;

function macOf(token, { method, path, rid, time }) {
  const text = `livechat-calls visitor-proof v1\n${String(method).toUpperCase()}\n${path}\n${rid}\n${time}`;
  return crypto.createHmac('sha256', String(token)).update(text).digest('hex');
}

/**
 * The x-visitor-proof header value for one request (for integrations written
 * in Node, and the tests).
 * @param {{token: string, method: string, path: string, rid: string, time?: number}} request
 */
function signVisitorProof({ token, method, path, rid, time = Date.now() }) {
  return `v1.${time}.${macOf(token, { method, path, rid, time })}`;
}

function lastProofKey(roomId) {
  return [
    new RocketChatAssociationRecord(RocketChatAssociationModel.ROOM, roomId),
    new RocketChatAssociationRecord(RocketChatAssociationModel.MISC, 'livechat-calls:visitor-proof'),
  ];
}

/**
 * The LiveChat room if `proof` is its visitor's, for this request; else
 * throws 403 (the same answer whatever is wrong with the room or the proof;
 * a proof that is malformed, too old or already used says so).
 * @param {import('./call-lifecycle').Ctx} ctx
 * @param {{proof: unknown, method: string, path: string}} request
 * @param {string} roomId
 */
async function roomOfVisitorProof(ctx, { proof, method, path }, roomId) {
  const m = typeof proof === 'string' ? PROOF_RE.exec(proof) : null;
  if (!m) throw callError(403, 'ERR_FORBIDDEN', `not allowed: send the ${PROOF_HEADER} header (v1.<time>.<mac>, docs/api.md)`);
  const time = Number(m[1]);
  if (Math.abs(Date.now() - time) > PROOF_WINDOW_MS) {
    throw callError(403, 'ERR_FORBIDDEN', `not allowed: the proof's time is more than ${PROOF_WINDOW_MS / 60000} minutes from the server's`);
  }
  const room = /** @type {import('@rocket.chat/apps-engine/definition/livechat').ILivechatRoom | undefined} */ (
    await ctx.read.getRoomReader().getById(roomId));
  const token = room && room.visitor && room.visitor.token;
  if (typeof token !== 'string' || !token) throw forbidden();
  const expected = Buffer.from(macOf(token, { method, path, rid: roomId, time }), 'hex');
  if (!crypto.timingSafeEqual(expected, Buffer.from(m[2], 'hex'))) throw forbidden();
  const proven = await roomOfVisitor(ctx.read, token, roomId); // the visitor still exists, and is the room's

  // Each proof once: later than the last one this room's visitor used.
  const [last] = /** @type {{time?: number}[]} */ (await ctx.read.getPersistenceReader().readByAssociations(lastProofKey(roomId)));
  if (last && Number(last.time) >= time) throw callError(403, 'ERR_FORBIDDEN', 'not allowed: this proof was used already (each request needs a new, later one)');
  // Remove and create: Rocket.Chat's updateByAssociations is not alike in every version.
  await ctx.persis.removeByAssociations(lastProofKey(roomId));
  await ctx.persis.createWithAssociations({ time }, lastProofKey(roomId));
  return proven;
}

module.exports = { roomOfVisitorProof, signVisitorProof, PROOF_HEADER, PROOF_WINDOW_MS };
