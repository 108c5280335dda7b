'use strict';
// The control API's request bodies: JSON parsing and the checks of each
// endpoint's fields. Every failure is a 400 ERR_INVALID_REQUEST whose message
// names the field; unknown fields are refused too, so a typo in the App shows
// up at once instead of silently taking a default.

const { HttpError } = require('./http-json');
const { describe } = require('../../common/describe');
const { PARTIES } = require('../../common/parties');
const { parseIceServers } = require('../../api/ice-servers');
const { DEFAULT_TTL_SECONDS, MIN_TTL_SECONDS, MAX_TTL_SECONDS } = require('../calls/join-tickets');

const TICKET_TTL = { fallback: DEFAULT_TTL_SECONDS, min: MIN_TTL_SECONDS, max: MAX_TTL_SECONDS };

const RELAY_POLICIES = ['fallback', 'always', 'never'];
const END_REASONS = ['ended', 'declined', 'missed', 'cancelled'];
const MAX_ROOM_ID_CHARS = 128;
const MAX_NAME_CHARS = 80;
const TOKEN_HASH_RE = /^[0-9a-f]{64}$/;
const MAX_URL_CHARS = 2048;

function invalid(message) {
  return new HttpError(400, 'ERR_INVALID_REQUEST', message);
}

function oneOf(list) {
  return list.map((v) => `'${v}'`).join(', ');
}

/**
 * The body as a JSON object; an empty body counts as {}.
 * @param {Buffer} raw
 * @returns {Record<string, unknown>}
 * @throws {HttpError} 400 when it is not JSON or not an object
 */
function parseJsonObject(raw) {
  if (raw.length === 0) return {};
  let value;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw invalid(`the body is not valid JSON (${err.message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`the body must be a JSON object, got ${describe(value)}`);
  return value;
}

function onlyFields(body, known) {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) throw invalid(`unknown field '${key}' (known: ${known.join(', ')})`);
  }
}

function enumField(body, name, list, fallback) {
  const value = body[name] === undefined ? fallback : body[name];
  if (!list.includes(value)) throw invalid(`${name} must be one of ${oneOf(list)}, got ${describe(body[name])}`);
  return value;
}

/** An optional display name: trimmed, control characters refused. */
function nameField(value, label) {
  if (value === undefined || value === null) return null;
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length > MAX_NAME_CHARS || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(`${label} must be a string of at most ${MAX_NAME_CHARS} printable characters, got ${describe(value)}`);
  }
  return value.trim() || null;
}

/** An optional object field holding only `known` keys. */
function objectField(body, name, known) {
  const value = body[name];
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${name} must be an object, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw invalid(`unknown field '${name}.${key}' (known: ${known.join(', ')})`);
  }
  return value;
}

/** The App's events URL: absolute http(s), no credentials in it. */
function eventsUrlField(value) {
  if (value === undefined || value === null) return null;
  let url;
  try {
    url = typeof value === 'string' && value.length <= MAX_URL_CHARS ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.hash) {
    throw invalid(`app.eventsUrl must be an absolute http(s) URL without credentials or fragment, got ${describe(value)}`);
  }
  return url.href;
}

/**
 * POST /api/calls. The effective relay policy is 'always' when recording,
 * since the recorder needs the media to pass through the server.
 * @param {Record<string, unknown>} body
 * @returns {{roomId: string, record: boolean, relayPolicy: string, requestedRelayPolicy: string,
 *   ringTimeoutSeconds: number, iceServers: object[]}}
 * @throws {HttpError} 400 naming the field
 */
function checkCreateCall(body) {
  onlyFields(body, ['roomId', 'record', 'relayPolicy', 'iceServers', 'ringTimeoutSeconds', 'video', 'visitor', 'agent', 'app']);
  const { roomId, record = false, iceServers = [], ringTimeoutSeconds = 30, video = false } = body;
  if (typeof roomId !== 'string' || roomId.length < 1 || roomId.length > MAX_ROOM_ID_CHARS) {
    throw invalid(`roomId must be a string of 1–${MAX_ROOM_ID_CHARS} characters, got ${describe(roomId)}`);
  }
  if (typeof record !== 'boolean') throw invalid(`record must be a boolean, got ${describe(record)}`);
  const requestedRelayPolicy = enumField(body, 'relayPolicy', RELAY_POLICIES, 'fallback');
  if (!Array.isArray(iceServers)) throw invalid(`iceServers must be an array of RTCIceServer, got ${describe(iceServers)}`);
  let servers;
  try {
    servers = parseIceServers(iceServers); // its messages name the entry: "iceServers[1].urls must be ..."
  } catch (err) {
    throw invalid(err.message);
  }
  if (!Number.isInteger(ringTimeoutSeconds) || ringTimeoutSeconds < 5 || ringTimeoutSeconds > 600) {
    throw invalid(`ringTimeoutSeconds must be an integer 5–600, got ${describe(ringTimeoutSeconds)}`);
  }
  if (typeof video !== 'boolean') throw invalid(`video must be a boolean, got ${describe(video)}`);
  const visitor = objectField(body, 'visitor', ['name', 'tokenHash']);
  const agent = objectField(body, 'agent', ['name']);
  const app = objectField(body, 'app', ['eventsUrl']);
  if (visitor.tokenHash !== undefined && (typeof visitor.tokenHash !== 'string' || !TOKEN_HASH_RE.test(visitor.tokenHash))) {
    throw invalid('visitor.tokenHash must be the SHA-256 of the LiveChat token in lower-case hex');
  }
  return {
    roomId,
    record,
    relayPolicy: record ? 'always' : requestedRelayPolicy,
    requestedRelayPolicy,
    ringTimeoutSeconds,
    iceServers: servers,
    video,
    names: { visitor: nameField(visitor.name, 'visitor.name'), agent: nameField(agent.name, 'agent.name') },
    visitorTokenHash: visitor.tokenHash || null,
    appEventsUrl: eventsUrlField(app.eventsUrl),
  };
}

/**
 * POST /api/calls/:id/end.
 * @returns {{reason: 'ended'|'declined'|'missed'|'cancelled'}}
 * @throws {HttpError} 400 naming the field
 */
function checkEndCall(body) {
  onlyFields(body, ['reason']);
  return { reason: enumField(body, 'reason', END_REASONS, undefined) };
}

/**
 * POST /api/calls/:id/tokens.
 * @returns {{party: 'visitor'|'agent'}}
 * @throws {HttpError} 400 naming the field
 */
function checkTokenRequest(body) {
  onlyFields(body, ['party']);
  return { party: enumField(body, 'party', PARTIES, undefined) };
}

/**
 * POST /api/calls/:id/tickets.
 * @returns {{party: 'visitor'|'agent', ttlSeconds: number}}
 * @throws {HttpError} 400 naming the field
 */
function checkTicketRequest(body) {
  onlyFields(body, ['party', 'ttlSeconds']);
  const { ttlSeconds = TICKET_TTL.fallback } = body;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < TICKET_TTL.min || ttlSeconds > TICKET_TTL.max) {
    throw invalid(`ttlSeconds must be an integer ${TICKET_TTL.min}–${TICKET_TTL.max}, got ${describe(ttlSeconds)}`);
  }
  return { party: enumField(body, 'party', PARTIES, undefined), ttlSeconds };
}

module.exports = { parseJsonObject, checkCreateCall, checkEndCall, checkTokenRequest, checkTicketRequest, RELAY_POLICIES, END_REASONS };
