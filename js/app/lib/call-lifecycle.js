'use strict';
// A call's life, from the agent's start to its end:
//
//   ringing -> inProgress (the visitor accepts) -> ended (either side ends)
//   ringing -> declined (the visitor declines or ends)
//   ringing -> ended    (the agent cancels; no talk time)
//   ringing -> missed   (the ring timeout passes, or the room closes)
//
// Each step updates the call message in place. WebRTC calls are created and
// ended on the call service; Jitsi calls only carry the Jitsi room URL.
// Every function takes ctx = {app, read, modify, http, persis}: the accessors
// of whatever Apps-Engine entry point is running.

const crypto = require('crypto');
const { readConfig } = require('./settings');
const { jitsiRoomUrl } = require('./jitsi');
const { createServiceClient } = require('./service-client');
const { callText, callBlocks, ACTIVE } = require('./call-messages');
const { indexCall, saveCall, latestCallInRoom } = require('./call-index');
const { callError } = require('./access');
const { parseIceServers } = require('../../common/webrtc-servers');
const { APP_EVENTS_ENDPOINT } = require('../../common/app-events');
const { cleanQuality } = require('../../common/quality');

/**
 * The accessors of the running entry point.
 * @typedef {object} Ctx
 * @property {import('@rocket.chat/apps-engine/definition/App').App} app
 * @property {import('@rocket.chat/apps-engine/definition/accessors').IRead} read
 * @property {import('@rocket.chat/apps-engine/definition/accessors').IModify} modify
 * @property {import('@rocket.chat/apps-engine/definition/accessors').IHttp} http
 * @property {import('@rocket.chat/apps-engine/definition/accessors').IPersistence} persis
 */

/**
 * The App's view of a call, as kept in the App's persistence (call-index.js)
 * and rendered into the call message (text, buttons, custom fields).
 * @typedef {object} AppCall
 * @property {string} callId the call service's id (WebRTC) or a random UUID (Jitsi)
 * @property {string} roomId
 * @property {string} provider WebRTC or Jitsi
 * @property {string} callStatus ringing, inProgress, ended, declined or missed
 * @property {string} startedAt ISO time the agent started it
 * @property {string|null} answeredAt ISO time the visitor accepted
 * @property {string|null} endedAt
 * @property {number|null} duration talk time in seconds, answer to end
 * @property {number} ringTimeoutSeconds
 * @property {{id: string, username: string, name: string}} startedBy
 * @property {string|null} endedBy agent, visitor, timeout or room-closed
 * @property {boolean} record
 * @property {{id: string} & Record<string, any>|null} recording the service's recording reference (its id, folder, files), once ended
 * @property {{visitor: object|null, agent: object|null}|null} [quality] each party's packets, jitter, RTT and MOS, once ended (docs/service-api.md)
 * @property {string} [jitsiUrl]
 * @property {string} [relayPolicy] as the service applies it
 * @property {string|null} [path] 'p2p' or 'relay', once ended
 * @property {boolean} [video] the agent started a video call (audio otherwise)
 * @property {{ticketId: string, expiresAt: string}|null} [visitorLink] the visitor's single-use Open call
 *   link while the message shows it (the link itself is only in the button, never in custom fields)
 * @property {string} [messageId] returned to callers, not stored
 */

const RING_TIMEOUT_JOB = 'livechat-calls-ring-timeout';
const LINK_EXPIRY_JOB = 'livechat-calls-link-expiry';
/** A ringing call found this late past its deadline is settled as missed on the spot (the job may not have run). */
const OVERDUE_GRACE_MS = 2000;

/**
 * The status an event moves a call to: a status, `undefined` for "nothing
 * changes" (ending an ended call, a late timeout), or `null` for "refused".
 * @param {string} status
 * @param {'accept'|'decline'|'end'|'timeout'|'room-closed'} event
 * @param {'agent'|'visitor'|'system'} actor
 */
function nextStatus(status, event, actor) {
  if (status === 'ringing') {
    if (event === 'accept') return actor === 'visitor' ? 'inProgress' : null;
    if (event === 'decline') return 'declined';
    if (event === 'end') return actor === 'visitor' ? 'declined' : 'ended';
    return 'missed'; // timeout, room-closed
  }
  if (status === 'inProgress') {
    if (event === 'accept') return undefined;
    if (event === 'timeout') return undefined;
    return 'ended'; // end, decline (hanging up), room-closed
  }
  return event === 'accept' ? null : undefined;
}

/** What the call service records as the reason a call ended. */
function serviceReason(call) {
  if (call.callStatus === 'ended' && !call.answeredAt) return 'cancelled';
  return call.callStatus;
}

/** A name fit for the call UI (the service takes at most 80 printable characters). */
function displayName(name) {
  // eslint-disable-next-line no-control-regex
  const clean = String(name || '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean.length > 80 ? `${clean.slice(0, 79)}…` : clean || undefined;
}

function whoIs(user) {
  return { id: user.id, username: user.username, name: user.name || user.username };
}

async function editorOf(read) {
  const appUser = await read.getUserReader().getAppUser();
  if (!appUser) throw callError(500, 'ERR_INTERNAL', "the App's user is missing");
  return appUser;
}

/**
 * Rewrites the call message from the call: text, buttons and, for clients
 * that read them, the call in its custom fields (the App never reads them
 * back: call-index.js). `linkUrl` is the visitor's Open call link to show.
 * @param {Ctx} ctx
 * @param {string} messageId
 * @param {AppCall} call
 * @param {string} [linkUrl]
 */
async function renderMessage(ctx, messageId, call, linkUrl) {
  const editor = await editorOf(ctx.read);
  const builder = await ctx.modify.getUpdater().message(messageId, editor);
  const current = builder.getMessage();
  // setUpdateData, not addCustomField: the latter refuses keys that are already set.
  builder.setUpdateData({
    ...current,
    id: messageId,
    text: callText(call),
    blocks: callBlocks(call, { linkUrl: call.visitorLink ? linkUrl : undefined }),
    customFields: { ...(current.customFields || {}), ...call },
  }, editor);
  await ctx.modify.getUpdater().finish(builder);
}

/**
 * Stores a call's new state, then shows it in its message. `linkUrl` is the
 * visitor's Open call link to show; without it the message offers Join call
 * (and any earlier link is forgotten: only its ticket's expiry or use ever
 * mattered).
 * @param {Ctx} ctx
 * @param {import('./call-index').CallEntry} entry where the call lives
 * @param {AppCall} call
 * @param {{linkUrl?: string}} [link]
 */
async function updateCall(ctx, entry, call, { linkUrl } = {}) {
  const stored = { ...call, visitorLink: linkUrl && ACTIVE.has(call.callStatus) ? call.visitorLink || null : null };
  delete stored.messageId; // returned to callers, not stored
  await saveCall(ctx.persis, entry, stored);
  await renderMessage(ctx, entry.messageId, stored, linkUrl);
}

/** @param {Ctx} ctx */
async function postMessage(ctx, room, agent, call) {
  const builder = ctx.modify.getCreator().startMessage()
    .setRoom(room)
    .setSender(agent)
    .setGroupable(false)
    .setText(callText(call))
    .setBlocks(callBlocks(call));
  for (const [key, value] of Object.entries(call)) builder.addCustomField(key, value);
  return ctx.modify.getCreator().finish(builder);
}

function checkCallsEnabled(config) {
  if (!config.enabled || config.provider === 'none') {
    throw callError(409, 'ERR_CALLS_DISABLED',
      'calls are turned off: an admin must turn on WebRTC_Enabled and choose a call provider (Omnichannel_call_provider)');
  }
  if (config.provider === 'WebRTC' && !config.serviceSecret) {
    throw callError(503, 'ERR_NOT_CONFIGURED', 'the call service is not set up: an admin must set LivechatCalls_Service_Secret');
  }
}

/** SHA-256 hex: the service rings the site's call script by this, never by the token. */
function tokenHash(token) {
  return crypto.createHash('sha256').update(String(token)).digest('hex');
}

/**
 * Where the call service posts this App's events: Rocket.Chat's public App
 * endpoint, under the URL the service reaches Rocket.Chat at (the setting,
 * else Site_Url); null when neither is known.
 */
async function appEventsUrl(ctx, config) {
  const base = config.rocketchatUrl || await ctx.read.getEnvironmentReader().getServerSettings().getValueById('Site_Url');
  if (typeof base !== 'string' || !/^https?:\/\//.test(base)) return null;
  return `${base.replace(/\/+$/, '')}/api/apps/public/${ctx.app.getID()}/${APP_EVENTS_ENDPOINT}`;
}

/** Creates the call on the service (WebRTC) or builds the Jitsi URL. */
async function provisionCall(ctx, config, room, record, { video, agent }) {
  if (config.provider === 'Jitsi') {
    const uniqueId = await ctx.read.getEnvironmentReader().getServerSettings().getValueById('uniqueID');
    return { callId: crypto.randomUUID(), jitsiUrl: jitsiRoomUrl(config, room, uniqueId), record: false };
  }
  let iceServers;
  try {
    iceServers = parseIceServers(config.iceServers);
  } catch (err) {
    throw callError(503, 'ERR_NOT_CONFIGURED', `WebRTC_Servers is malformed: ${err.message}`);
  }
  const visitor = room.visitor || {};
  const eventsUrl = await appEventsUrl(ctx, config);
  const created = await createServiceClient(ctx.http, config).createCall({
    roomId: room.id,
    record,
    relayPolicy: config.relayPolicy,
    iceServers,
    ringTimeoutSeconds: config.ringTimeout,
    video,
    visitor: { name: displayName(visitor.name || visitor.username), ...(visitor.token ? { tokenHash: tokenHash(visitor.token) } : {}) },
    agent: { name: displayName(agent.name || agent.username) },
    ...(eventsUrl ? { app: { eventsUrl } } : {}),
  });
  return { callId: created.id, relayPolicy: created.relayPolicy, record: created.record };
}

/**
 * Starts a call in a LiveChat room the agent serves, or returns the call
 * already ringing or in progress there.
 * @param {Ctx} ctx
 * @returns {Promise<{call: AppCall, created: boolean}>}
 */
async function startCall(ctx, { agent, room, record = false, video = false }) {
  const config = await readConfig(ctx.read);
  checkCallsEnabled(config);
  if (!room.isOpen) throw callError(409, 'ERR_ROOM_CLOSED', 'the conversation is closed');

  const latest = await latestCallInRoom(ctx.read, room.id);
  if (latest && ACTIVE.has(latest.call.callStatus)) {
    const call = await settleIfOverdue(ctx, latest);
    if (ACTIVE.has(call.callStatus)) return { call, created: false };
  }

  const wantRecord = config.provider === 'WebRTC' && (config.recording === 'always' || (config.recording === 'agent' && record === true));
  const provisioned = await provisionCall(ctx, config, room, wantRecord, { video: video === true, agent });
  const call = {
    callId: provisioned.callId,
    roomId: room.id,
    provider: config.provider,
    callStatus: 'ringing',
    startedAt: new Date().toISOString(),
    answeredAt: null,
    endedAt: null,
    duration: null,
    ringTimeoutSeconds: config.ringTimeout,
    startedBy: whoIs(agent),
    endedBy: null,
    record: provisioned.record,
    recording: null,
    video: video === true,
    visitorLink: null,
  };
  if (provisioned.jitsiUrl) call.jitsiUrl = provisioned.jitsiUrl;
  if (provisioned.relayPolicy) call.relayPolicy = provisioned.relayPolicy;

  let messageId;
  try {
    messageId = await postMessage(ctx, room, agent, call);
  } catch (err) {
    if (config.provider === 'WebRTC') await endOnService(ctx, config, { ...call, callStatus: 'ended' });
    throw err;
  }
  try {
    await indexCall(ctx.persis, messageId, call);
    await ctx.modify.getScheduler().scheduleOnce({
      id: RING_TIMEOUT_JOB,
      when: new Date(Date.parse(call.startedAt) + config.ringTimeout * 1000),
      data: { callId: call.callId },
    });
  } catch (err) {
    // A call nobody could find again must not stay "ringing" in the room.
    await abandonCall(ctx, config, messageId, call);
    throw err;
  }
  return { call: { ...call, messageId }, created: true };
}

/**
 * Ends a call whose start failed half-way (its message posted, not indexed).
 * @param {Ctx} ctx
 */
async function abandonCall(ctx, config, messageId, call) {
  const ended = { ...call, callStatus: 'ended', endedAt: new Date().toISOString(), duration: 0, endedBy: 'agent' };
  if (config.provider === 'WebRTC') await endOnService(ctx, config, ended);
  await renderMessage(ctx, messageId, ended).catch((err) => ctx.app.getLogger().error(`call ${call.callId}: ${err.message}`));
}

/**
 * Tells the service a WebRTC call is over; returns what it answered, or null (logged) when it could not.
 * @param {Ctx} ctx
 */
async function endOnService(ctx, config, call) {
  try {
    return await createServiceClient(ctx.http, config).endCall(call.callId, serviceReason(call));
  } catch (err) {
    ctx.app.getLogger().error(`call ${call.callId}: could not end it on the call service: ${err.message}`);
    return null;
  }
}

/**
 * Applies an event to a call found with call-index.js.
 * @param {Ctx} ctx
 * @param {import('./call-index').FoundCall} found
 * @param {'accept'|'decline'|'end'|'timeout'|'room-closed'} event
 * @param {'agent'|'visitor'|'system'} actor
 * @param {{visitorLink?: {ticketId: string, expiresAt: string}, linkUrl?: string}} [link] the visitor's
 *   Open call link to show from this update on (visitor-link.js)
 * @returns {Promise<AppCall>} the call after the event
 */
async function applyEvent(ctx, found, event, actor, link = {}) {
  /** @type {AppCall} */
  const before = { ...found.call };
  delete before.messageId; // returned to callers, not stored in the message
  const status = nextStatus(before.callStatus, event, actor);
  if (status === undefined) return { ...before, messageId: found.entry.messageId };
  if (status === null) {
    throw callError(409, ACTIVE.has(before.callStatus) ? 'ERR_INVALID_STATE' : 'ERR_CALL_ENDED',
      ACTIVE.has(before.callStatus) ? `a ${actor} cannot ${event} this call` : `the call has ended (${before.callStatus})`);
  }
  const now = new Date();
  /** @type {AppCall} */
  const call = { ...before, callStatus: status, visitorLink: link.visitorLink || null };
  if (status === 'inProgress') call.answeredAt = now.toISOString();
  if (!ACTIVE.has(status)) {
    call.endedAt = now.toISOString();
    call.duration = call.answeredAt ? Math.max(0, Math.round((now.getTime() - Date.parse(call.answeredAt)) / 1000)) : 0;
    call.endedBy = event === 'timeout' || event === 'room-closed' ? event : actor;
    if (call.provider === 'WebRTC') {
      const ended = await endOnService(ctx, await readConfig(ctx.read), call);
      if (ended) {
        call.path = ended.path || null;
        call.recording = ended.recording ? { id: ended.recording.id || call.callId, ...ended.recording } : null;
        call.quality = cleanQuality(ended.quality); // known fields only: it goes into the message
      }
    }
  }
  await updateCall(ctx, found.entry, call, { linkUrl: link.linkUrl });
  return { ...call, messageId: found.entry.messageId };
}

/**
 * A ringing call past its ring timeout is missed, whether or not the job ran.
 * @param {Ctx} ctx
 * @param {import('./call-index').FoundCall} found
 * @returns {Promise<AppCall>}
 */
async function settleIfOverdue(ctx, found) {
  const s = found.call;
  const deadline = Date.parse(s.startedAt) + s.ringTimeoutSeconds * 1000 + OVERDUE_GRACE_MS;
  if (s.callStatus === 'ringing' && Date.now() > deadline) return applyEvent(ctx, found, 'timeout', 'system');
  return { ...s, messageId: found.entry.messageId };
}

/**
 * What a party needs to join: for WebRTC a signalling token minted by the
 * service (bound to this call and party, short-lived), for Jitsi the room URL.
 * @param {Ctx} ctx
 */
async function joinInfo(ctx, call, party) {
  if (!ACTIVE.has(call.callStatus)) return null;
  if (call.provider === 'Jitsi') return { url: call.jitsiUrl };
  const config = await readConfig(ctx.read);
  const minted = await createServiceClient(ctx.http, config).mintToken(call.callId, party);
  return {
    token: minted.token,
    expiresAt: minted.expiresAt,
    signallingUrl: minted.signallingUrl,
    joinUrl: minted.joinUrl,
    iceServers: minted.iceServers,
  };
}

module.exports = {
  startCall, applyEvent, settleIfOverdue, joinInfo, nextStatus, updateCall, RING_TIMEOUT_JOB, LINK_EXPIRY_JOB,
};
