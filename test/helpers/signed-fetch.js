'use strict';
// A control-API request signed as the Rocket.Chat App signs it
// (js/common/request-signing.js), over real HTTP.

const { signRequest } = require('../../js/common/request-signing');

/**
 * @param {string} base the service URL (http://host:port)
 * @param {{method?: string, path: string, body?: object|string, secret: string, now?: number}} req
 * @returns {Promise<{status: number, body: any}>}
 */
async function signedFetch(base, { method = 'GET', path, body, secret, now }) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers = signRequest({ secret, method, path, body: text, ...(now === undefined ? {} : { now }) });
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'GET' ? undefined : text,
  });
  const raw = await res.text();
  let parsed = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // not JSON: left as text for the assertion message
  }
  return { status: res.status, body: parsed };
}

module.exports = { signedFetch };
