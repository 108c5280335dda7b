'use strict';
// The client's signalling messages (docs/signalling.md): decoding a frame and
// checking each type's fields. Nothing here knows about calls or sockets; a
// bad message comes back as {error: {code, message}} for the socket to answer.

/** Largest message accepted (the protocol's limit; the socket's hard cap is higher so we can answer). */
const MAX_MESSAGE_BYTES = 64 * 1024;
const CONNECTION_STATES = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'];
const MAX_GENERATION = 2 ** 31;

const { checkQualityReport } = require('../../common/quality');

function bad(message, code = 'ERR_INVALID_MESSAGE') {
  return { error: { code, message } };
}

function isGeneration(v) {
  return Number.isInteger(v) && v >= 0 && v <= MAX_GENERATION;
}

/** {candidate, sdpMid, sdpMLineIndex} as a browser's toJSON() gives it, or null (end of candidates). */
function checkCandidate(c) {
  if (c === null) return true;
  if (c === undefined || typeof c !== 'object' || Array.isArray(c)) return false;
  if (typeof c.candidate !== 'string') return false;
  if (c.sdpMid !== undefined && c.sdpMid !== null && typeof c.sdpMid !== 'string') return false;
  if (c.sdpMLineIndex !== undefined && c.sdpMLineIndex !== null && !(Number.isInteger(c.sdpMLineIndex) && c.sdpMLineIndex >= 0)) return false;
  return true;
}

/** Per type: a check returning an error string, or null when the message is usable. */
const CHECKS = {
  join: (m) => (typeof m.token === 'string' ? null : 'join needs a string token'),
  offer: (m) => (typeof m.sdp === 'string' && m.sdp !== '' ? gen(m) : 'offer needs a non-empty string sdp'),
  answer: (m) => (typeof m.sdp === 'string' && m.sdp !== '' ? gen(m) : 'answer needs a non-empty string sdp'),
  candidate: (m) => (checkCandidate(m.candidate) ? gen(m) : 'candidate must be {candidate, sdpMid, sdpMLineIndex} or null'),
  state: (m) => (CONNECTION_STATES.includes(m.connectionState) ? gen(m) : `connectionState must be one of ${CONNECTION_STATES.join(', ')}`),
  media: (m) => (typeof m.audio === 'boolean' && typeof m.video === 'boolean' ? null : 'media needs boolean audio and video'),
  hangup: () => null,
  quality: (m) => checkQualityReport(m.report),
};

function gen(m) {
  return isGeneration(m.generation) ? null : `${m.type} needs an integer generation`;
}

/**
 * Decodes one WebSocket frame into a checked message.
 * @param {Buffer|ArrayBuffer|Buffer[]} data
 * @param {boolean} isBinary
 * @returns {{message: {type: string} & Record<string, unknown>} | {error: {code: string, message: string}}}
 */
function decodeMessage(data, isBinary) {
  if (isBinary) return bad('binary frames are not accepted; send JSON text');
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  if (buf.length > MAX_MESSAGE_BYTES) return bad(`message larger than ${MAX_MESSAGE_BYTES} bytes`, 'ERR_MESSAGE_TOO_LARGE');
  let m;
  try {
    m = JSON.parse(buf.toString('utf8'));
  } catch {
    return bad('message is not valid JSON');
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string') {
    return bad('message must be a JSON object with a string type');
  }
  const check = Object.prototype.hasOwnProperty.call(CHECKS, m.type) ? CHECKS[m.type] : null;
  if (!check) return bad(`unknown message type '${m.type.slice(0, 40)}'`, 'ERR_UNKNOWN_TYPE');
  const problem = check(m);
  return problem ? bad(problem) : { message: m };
}

module.exports = { decodeMessage, MAX_MESSAGE_BYTES, CONNECTION_STATES };
