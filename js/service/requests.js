'use strict';
// The control API's request bodies: JSON parsing and the checks of each
// endpoint's fields. Every failure is a 400 ERR_INVALID_REQUEST whose message
// names the field; unknown fields are refused too, so a typo in the App shows
// up at once instead of silently taking a default.

const { HttpError } = require('./http-json');
const { describe } = require('../common/describe');
const { parseIceServers } = require('../api/ice-servers');

const RELAY_POLICIES = ['fallback', 'always', 'never'];
const END_REASONS = ['ended', 'declined', 'missed', 'cancelled'];
const PARTIES = ['visitor', 'agent'];
const MAX_ROOM_ID_CHARS = 128;

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

/**
 * POST /api/calls. The effective relay policy is 'always' when recording,
 * since the recorder needs the media to pass through the server.
 * @param {Record<string, unknown>} body
 * @returns {{roomId: string, record: boolean, relayPolicy: string, requestedRelayPolicy: string,
 *   ringTimeoutSeconds: number, iceServers: object[]}}
 * @throws {HttpError} 400 naming the field
 */
function checkCreateCall(body) {
  onlyFields(body, ['roomId', 'record', 'relayPolicy', 'iceServers', 'ringTimeoutSeconds']);
  const { roomId, record = false, iceServers = [], ringTimeoutSeconds = 30 } = body;
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
  return {
    roomId,
    record,
    relayPolicy: record ? 'always' : requestedRelayPolicy,
    requestedRelayPolicy,
    ringTimeoutSeconds,
    iceServers: servers,
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

module.exports = { parseJsonObject, checkCreateCall, checkEndCall, checkTokenRequest, RELAY_POLICIES, END_REASONS };
