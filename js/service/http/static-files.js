'use strict';
// Serving files from disk safely: the demo pages, the browser client and
// recordings. A file name from a URL is resolved under one root folder only:
// no '..' segments, no absolute paths, no NUL or backslash, and the real path
// (symlinks followed) must still be inside the root's real path. GET and HEAD
// only; single byte ranges (RFC 9110 §14) so audio and video players can seek.

const fs = require('fs');
const path = require('path');

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.opus': 'audio/ogg',
  '.ogg': 'audio/ogg',
  '.webm': 'video/webm',
};

/**
 * The content type for a file name ('application/octet-stream' when unknown).
 * @param {string} name
 * @returns {string}
 */
function contentTypeOf(name) {
  return CONTENT_TYPES[path.extname(name).toLowerCase()] || 'application/octet-stream';
}

/**
 * Resolves `relative` (URL-decoded, '/'-separated) under `root`, or null when
 * it would leave the root in any way, or is not an existing regular file.
 * @param {string} root
 * @param {string} relative
 * @returns {string|null} the file's real path
 */
function resolveInside(root, relative) {
  if (typeof relative !== 'string' || relative === '' || relative.length > 1024) return null;
  if (relative.includes('\0') || relative.includes('\\') || relative.startsWith('/') || path.isAbsolute(relative)) return null;
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  let realRoot;
  let real;
  try {
    realRoot = fs.realpathSync(root);
    real = fs.realpathSync(path.join(realRoot, ...segments));
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + path.sep)) return null; // a symlink pointing out of the root
  try {
    if (!fs.statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real;
}

/**
 * Parses a Range header against a size: {start, end} (inclusive), null when
 * absent or not a single bytes range (then the whole file is sent), or
 * 'unsatisfiable'.
 * @param {string|undefined} header
 * @param {number} size
 * @returns {{start: number, end: number}|null|'unsatisfiable'}
 */
function parseRange(header, size) {
  if (typeof header !== 'string') return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null; // invalid: ignore the header
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

/**
 * Sends a file (GET or HEAD; others get 405), with Range support.
 * @param {import('http').IncomingMessage} req
 * @param {import('http').ServerResponse} res
 * @param {string} file an absolute path already checked by resolveInside()
 * @param {{contentType?: string, cacheControl?: string, headers?: Record<string, string>}} [opts] headers: added to the response
 */
function sendFile(req, res, file, { contentType = contentTypeOf(file), cacheControl = 'no-cache', headers: extra = {} } = {}) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    return;
  }
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    sendText(res, 404, 'not found');
    return;
  }
  const headers = {
    'content-type': contentType,
    'accept-ranges': 'bytes',
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
    'last-modified': stat.mtime.toUTCString(),
    ...extra,
  };
  const range = parseRange(req.headers.range, stat.size);
  if (range === 'unsatisfiable') {
    sendText(res, 416, 'range not satisfiable', { 'content-range': `bytes */${stat.size}` });
    return;
  }
  let status = 200;
  let start = 0;
  let end = stat.size - 1;
  if (range) {
    status = 206;
    ({ start, end } = range);
    headers['content-range'] = `bytes ${start}-${end}/${stat.size}`;
  }
  headers['content-length'] = String(Math.max(0, end - start + 1));
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || stat.size === 0) {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

/**
 * A short plain-text response.
 * @param {import('http').ServerResponse} res
 * @param {number} status
 * @param {string} text
 * @param {Record<string, string>} [headers]
 */
function sendText(res, status, text, headers = {}) {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/**
 * Serves `rest` (a URL path tail, still %-encoded) from inside `root`; 404 for
 * anything outside it (resolveInside), 400 for a malformed escape.
 * @param {object} [headers] extra response headers (e.g. CORS)
 */
function sendFromFolder(req, res, root, rest, headers) {
  let rel;
  try {
    rel = decodeURIComponent(rest);
  } catch {
    sendText(res, 400, 'bad file name');
    return;
  }
  const file = resolveInside(root, rel);
  if (!file) {
    sendText(res, 404, 'not found');
    return;
  }
  sendFile(req, res, file, { headers });
}

// The pages' Content-Security-Policy: same origin only, no CDN, no inline
// script. ws:/wss: for the signalling socket (older browsers do not count
// same-origin WebSockets as 'self').
const PAGE_CSP = "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; img-src 'self' data:; "
  + "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

/**
 * An HTML page from `root`, with the pages' CSP. No site may frame it
 * (clickjacking) unless `frameAncestors` names who may: a CSP source list,
 * for the one page made to be framed (the call page's overlay mode).
 * @param {{frameAncestors?: string|null}} [opts]
 */
function sendHtmlPage(req, res, root, name, { frameAncestors = null } = {}) {
  const file = resolveInside(root, name);
  if (!file) {
    sendText(res, 404, 'not found');
    return;
  }
  res.setHeader('content-security-policy', `${PAGE_CSP}; frame-ancestors ${frameAncestors || "'none'"}`);
  // For browsers without frame-ancestors; it cannot name origins, so a framable page goes without.
  if (!frameAncestors) res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  sendFile(req, res, file);
}

module.exports = { contentTypeOf, resolveInside, parseRange, sendFile, sendText, sendFromFolder, sendHtmlPage, PAGE_CSP };
