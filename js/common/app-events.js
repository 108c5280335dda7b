'use strict';
// Events from the call service to the Rocket.Chat App: what happened to a
// call that the App did not do itself (a join ticket was used, a party hung
// up in the call page, the visitor answered in the site's widget script).
// The service POSTs them to the App's public endpoint `service/events`.
//
// Rocket.Chat hands an App endpoint the parsed JSON body, not its bytes, so
// the signed bytes travel as a string: the body is {"payload": "<JSON>"} and
// the signature (request-signing.js, the same shared secret as the App's
// requests to the service) covers the payload string, under a fixed path
// that names this channel instead of Rocket.Chat's URL layout.
//
// Shared by the service and the App (bundled into it): Node's crypto only.

const { signRequest, verifyRequest } = require('./request-signing');

/** The "path" both sides sign: not a URL, a name for this channel. */
const APP_EVENTS_SIGNED_PATH = '/livechat-calls/app-events';
/** The App's endpoint path (under /api/apps/public/<appId>/). */
const APP_EVENTS_ENDPOINT = 'service/events';
const MAX_PAYLOAD_CHARS = 16 * 1024;

/**
 * The body and headers of one event.
 * @param {string} secret
 * @param {{type: string} & Record<string, unknown>} event
 * @returns {{body: string, headers: Record<string, string>}}
 */
function signAppEvent(secret, event) {
  const payload = JSON.stringify(event);
  const headers = signRequest({ secret, method: 'POST', path: APP_EVENTS_SIGNED_PATH, body: payload });
  return { body: JSON.stringify({ payload }), headers: { ...headers, 'content-type': 'application/json' } };
}

/**
 * Checks an event as an App endpoint receives it. Never throws.
 * @param {string} secret
 * @param {Record<string, unknown>} headers the request's headers (lower-case names)
 * @param {unknown} content the parsed body
 * @param {{now?: number}} [opts]
 * @returns {{ok: true, event: {type: string} & Record<string, unknown>} | {ok: false, reason: string}}
 */
function verifyAppEvent(secret, headers, content, { now = Date.now() } = {}) {
  if (!secret) return { ok: false, reason: 'no shared secret is set' };
  const payload = content && typeof content === 'object' ? /** @type {any} */ (content).payload : undefined;
  if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD_CHARS) return { ok: false, reason: 'malformed body' };
  const verdict = verifyRequest({ secret, method: 'POST', path: APP_EVENTS_SIGNED_PATH, headers: /** @type {any} */ (headers || {}), body: payload, now });
  if (verdict.ok !== true) return { ok: false, reason: /** @type {{reason: string}} */ (verdict).reason };
  let event;
  try {
    event = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'malformed payload' };
  }
  if (!event || typeof event !== 'object' || typeof event.type !== 'string' || typeof event.callId !== 'string') {
    return { ok: false, reason: 'malformed event' };
  }
  return { ok: true, event };
}

module.exports = { signAppEvent, verifyAppEvent, APP_EVENTS_ENDPOINT, APP_EVENTS_SIGNED_PATH };
