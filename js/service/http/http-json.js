'use strict';
// JSON over node:http for the control API: reading a bounded request body,
// writing JSON responses, and the one error type handlers throw. Error bodies
// are always {"error": {"code", "message"}} and never carry a stack.

/** An error that becomes an HTTP response as it is. */
class HttpError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code stable code, e.g. 'ERR_INVALID_REQUEST'
   * @param {string} message safe to show the client
   * @param {Record<string, string>} [headers] extra response headers (e.g. Allow)
   */
  constructor(status, code, message, headers) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers || {};
  }
}

/** After a 413 the rest of the body is discarded; a client still sending after this long is cut off. */
const DISCARD_GRACE_MS = 2000;

/**
 * Reads the whole request body, at most maxBytes of it. Past the limit it
 * stops keeping data and rejects with a 413 HttpError; the caller answers and
 * the connection is closed (see sendJson), the remaining bytes being discarded
 * unread into memory. A client that goes away mid-body rejects it with an
 * error whose `aborted` is true.
 * @param {import('http').IncomingMessage} req
 * @param {number} maxBytes
 * @returns {Promise<Buffer>}
 */
function readBody(req, maxBytes) {
  const tooLarge = () => new HttpError(413, 'ERR_BODY_TOO_LARGE', `the request body exceeds ${maxBytes} bytes`);
  const declared = req.headers['content-length'];
  // A declared length over the limit is refused before reading a byte of it.
  if (declared !== undefined && Number(declared) > maxBytes) {
    discardRest(req);
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        chunks.length = 0;
        discardRest(req);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err) => {
      cleanup();
      reject(Object.assign(err, { aborted: true }));
    };
    // The client went away before the end of its body.
    const onClose = () => {
      if (!req.complete) onError(Object.assign(new Error('request aborted'), { aborted: true }));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Lets the unread rest of a refused body drain without keeping it, for a bounded time. */
function discardRest(req) {
  req.on('error', () => {});
  req.resume();
  const timer = setTimeout(() => req.socket && req.socket.destroy(), DISCARD_GRACE_MS);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.lccDiscarding = true; // sendJson closes the connection after answering
}

/**
 * Writes a JSON response (and closes the connection when the request body
 * was refused, since its unread rest cannot be skipped safely).
 * @param {import('http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  const all = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  };
  if (res.req && res.req.lccDiscarding) all.connection = 'close';
  res.writeHead(status, all);
  res.end(text);
}

/**
 * Answers with an error body. An HttpError goes out as it is; anything else is
 * a 500 ERR_INTERNAL whose details stay on the server (onInternal).
 * @param {import('http').ServerResponse} res
 * @param {unknown} err
 * @param {(err: unknown) => void} [onInternal]
 */
function sendError(res, err, onInternal) {
  if (err instanceof HttpError) {
    sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
    return;
  }
  if (onInternal) onInternal(err);
  sendJson(res, 500, { error: { code: 'ERR_INTERNAL', message: 'internal error' } });
}

module.exports = { HttpError, readBody, sendJson, sendError };
