'use strict';
// The demo served by `npm start`: a LiveChat-like visitor page, an agent
// console, the generic call page of joinUrl links, and a recordings page, all
// using the browser client (js/client/) over the real signalling WebSocket.
//
// There is no Rocket.Chat here, so the demo plays the App's part for ONE demo
// room (one visitor, one agent): it creates calls in the service's store,
// mints party tokens, rings the visitor (Server-Sent Events), and ends calls
// that are declined, cancelled or not answered in time ('missed').
//
// SECURITY: the /demo/* routes have NO authentication: anyone who can open
// these pages can start, accept or end the demo room's calls and play the
// recordings. It is a local demo; do not expose it. The WebSocket signalling
// itself still checks party tokens like for any other call.
//
// Routes (registered with service.addRoute(prefix, handler)):
//   GET  /                          302 to /demo/ (service.addRootRoute)
//   GET  /demo/, /demo/assets/<f>   the index page, CSS and page scripts (js/service/web/demo/)
//   GET  /visitor /agent /recordings   the demo pages (/call and /assets are the service's own: call-page.js)
//   POST /demo/calls {video?, record?}        -> 201 {callId, party: 'agent', token, expiresAt, signallingUrl, video, record, ringTimeoutSeconds}
//   GET  /demo/calls/:id            -> 200 the demo call (see describe() below)
//   POST /demo/calls/:id/accept     -> 200 {callId, party: 'visitor', token, expiresAt, signallingUrl, video}
//   POST /demo/calls/:id/decline    -> 200 the demo call, ended 'declined'
//   POST /demo/calls/:id/cancel     -> 200 the demo call, ended 'cancelled' (agent gave up while ringing)
//   GET  /demo/incoming             -> 200 {call: <demo call>|null}: the call ringing now
//   GET  /demo/events               Server-Sent Events for the visitor: 'incoming' and 'ringEnded'
//                                   (at most MAX_EVENT_STREAMS at once; 503 past it)
//   GET  /demo/recordings           -> 200 {recordings: [...]}
//   GET  /recordings/files/<folder>/<name>   a recording's file (Range supported)

const path = require('path');
const { HttpError, readBody, sendJson, sendError } = require('../http/http-json');
const { parseJsonObject, checkCreateCall } = require('../http/requests');
const { signallingUrlOf } = require('../http/http-api');
const { isCallId } = require('../calls/call-store');
const { listRecordings } = require('../../api/recordings');
const { resolveInside, sendFile, sendText, sendFromFolder, sendHtmlPage } = require('../http/static-files');

const DEMO_DIR = path.join(__dirname, 'demo');
const ROOM_ID = 'demo-room';
const MAX_BODY_BYTES = 4096;
const WATCH_MS = 500; // how often the open call's record is checked for an end the demo did not cause
const SSE_KEEPALIVE_MS = 15000;
/** Visitor pages listening at once: a few tabs of a local demo; each one holds a socket and a response. */
const MAX_EVENT_STREAMS = 16;
const PAGES = { '/visitor': 'visitor.html', '/agent': 'agent.html', '/recordings': 'recordings.html' };
const PREFIXES = ['/', '/demo', '/visitor', '/agent', '/recordings'];
const SAFE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Builds the demo's request handler (without registering it).
 * @param {import('../call-service').CallService} service
 * @param {{recordingsDir?: string, ringTimeoutSeconds?: number}} [options]
 * @returns {{handle: (req: import('http').IncomingMessage, res: import('http').ServerResponse) => void,
 *   prefixes: string[], close: () => void}}
 */
function createDemo(service, { recordingsDir, ringTimeoutSeconds = 30 } = {}) {
  if (!Number.isInteger(ringTimeoutSeconds) || ringTimeoutSeconds < 5 || ringTimeoutSeconds > 600) {
    throw new TypeError(`mountDemo: ringTimeoutSeconds must be an integer 5–600, got ${ringTimeoutSeconds}`);
  }
  const recDir = recordingsDir || service.recordingsDir;
  const mint = (callId, party) => service.mintPartyToken(callId, party);
  const store = service.calls;
  const warn = (err) => service.warn(err);

  /** The demo room's latest call: {id, video, record, status: 'ringing'|'accepted'|'ended', acceptedAt, ringTimer}. */
  let current = null;
  const sseClients = new Set();
  const watcher = setInterval(() => watch().catch(warn), WATCH_MS);
  watcher.unref();
  const keepalive = setInterval(() => { for (const res of sseClients) res.write(': keepalive\n\n'); }, SSE_KEEPALIVE_MS);
  keepalive.unref();

  function tokenResponse(demoCall, party) {
    const { token, expiresAt } = mint(demoCall.id, party);
    return { callId: demoCall.id, party, token, expiresAt, signallingUrl: signallingUrlOf(service.publicUrl), video: demoCall.video };
  }

  /** What the pages learn about a call. */
  function describe(demoCall) {
    const call = store.get(demoCall.id);
    const ended = !call || call.state === 'ended';
    const endedAt = call && call.endedAt ? call.endedAt : null;
    const talkFrom = call && call.connectedAt ? call.connectedAt : demoCall.acceptedAt;
    let talkTimeSeconds = null;
    if (talkFrom) {
      const until = ended ? Date.parse(endedAt || new Date().toISOString()) : Date.now();
      talkTimeSeconds = Math.max(0, Math.round((until - Date.parse(talkFrom)) / 1000));
    }
    return {
      id: demoCall.id,
      video: demoCall.video,
      record: demoCall.record,
      state: ended ? 'ended' : demoCall.status === 'ringing' ? 'ringing' : 'inProgress',
      endReason: call ? call.endReason : 'ended',
      endedBy: call && call.endedBy !== undefined ? call.endedBy : null,
      answered: !!demoCall.acceptedAt,
      path: call ? call.path : null,
      fallback: call && call.fallback ? call.fallback : null,
      createdAt: demoCall.createdAt,
      acceptedAt: demoCall.acceptedAt,
      endedAt,
      talkTimeSeconds,
      ringTimeoutSeconds: demoCall.ringTimeoutSeconds,
    };
  }

  function publish(event, data) {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of sseClients) res.write(text);
  }

  /** Ends a call so that joined sockets hear `ended` (service.endCall), then the demo's bookkeeping. */
  async function endCall(id, reason, by) {
    await service.endCall(id, { reason, by });
    onEnded(id);
  }

  /** The demo's bookkeeping once a call is over, whoever ended it. */
  function onEnded(id) {
    if (!current || current.id !== id || current.status === 'ended') return;
    const wasRinging = current.status === 'ringing';
    clearTimeout(current.ringTimer);
    current.status = 'ended';
    if (wasRinging) publish('ringEnded', describe(current));
  }

  async function watch() {
    if (!current || current.status === 'ended') return;
    const call = store.get(current.id);
    if (!call || call.state === 'ended') onEnded(current.id);
  }

  function mustGetDemoCall(id) {
    if (!current || current.id !== id || !isCallId(id)) throw new HttpError(404, 'ERR_CALL_NOT_FOUND', 'no demo call with this id');
    return current;
  }

  async function readJson(req) {
    return parseJsonObject(await readBody(req, MAX_BODY_BYTES));
  }

  async function createCall(req) {
    const body = await readJson(req);
    for (const key of Object.keys(body)) {
      if (!['video', 'record'].includes(key)) throw new HttpError(400, 'ERR_INVALID_REQUEST', `unknown field '${key}' (known: video, record)`);
    }
    if (body.video !== undefined && typeof body.video !== 'boolean') throw new HttpError(400, 'ERR_INVALID_REQUEST', 'video must be a boolean');
    const record = body.record === undefined ? false : body.record;
    const fields = checkCreateCall({ roomId: ROOM_ID, record, ringTimeoutSeconds });
    // One demo room: a new call replaces whatever is still open there.
    if (current && current.status !== 'ended') {
      await endCall(current.id, current.status === 'ringing' ? 'cancelled' : 'ended', 'agent');
    }
    const call = await store.create(fields);
    const demoCall = {
      id: call.id,
      video: !!body.video,
      record: call.record,
      status: 'ringing',
      createdAt: call.createdAt,
      acceptedAt: null,
      ringTimeoutSeconds,
      ringTimer: null,
    };
    demoCall.ringTimer = setTimeout(() => {
      if (current === demoCall && demoCall.status === 'ringing') endCall(demoCall.id, 'missed', 'service').catch(warn);
    }, ringTimeoutSeconds * 1000);
    demoCall.ringTimer.unref();
    current = demoCall;
    publish('incoming', describe(demoCall));
    return [201, { ...tokenResponse(demoCall, 'agent'), record: demoCall.record, ringTimeoutSeconds }];
  }

  async function ringAnswer(req, id, action) {
    await readJson(req); // nothing expected; still bounded and checked
    const demoCall = mustGetDemoCall(id);
    const call = store.get(id);
    if (!call || call.state === 'ended') onEnded(id);
    if (demoCall.status !== 'ringing') {
      throw new HttpError(409, 'ERR_NOT_RINGING', `the call is not ringing any more (${describe(demoCall).state}${call && call.endReason ? `: ${call.endReason}` : ''})`);
    }
    if (action === 'accept') {
      clearTimeout(demoCall.ringTimer);
      demoCall.status = 'accepted';
      demoCall.acceptedAt = new Date().toISOString();
      publish('ringEnded', describe(demoCall));
      return [200, tokenResponse(demoCall, 'visitor')];
    }
    await endCall(id, action === 'decline' ? 'declined' : 'cancelled', action === 'decline' ? 'visitor' : 'agent');
    return [200, describe(demoCall)];
  }

  function recordingsList() {
    if (!recDir) return [];
    return listRecordings(recDir).map((r) => {
      const s = r.sidecar || {};
      const files = (Array.isArray(s.files) ? s.files : [])
        .filter((f) => f && typeof f.name === 'string' && SAFE_NAME_RE.test(f.name) && resolveInside(recDir, `${r.folder}/${f.name}`))
        .map((f) => ({
          name: f.name,
          kind: f.kind || null,
          party: f.party || null,
          bytes: f.bytes || 0,
          durationMs: f.durationMs === undefined ? null : f.durationMs,
          url: `/recordings/files/${encodeURIComponent(r.folder)}/${encodeURIComponent(f.name)}`,
        }));
      return {
        folder: r.folder,
        callId: s.callId || null,
        startedAt: s.startedAt || null,
        endedAt: s.endedAt || null,
        durationMs: s.durationMs === undefined ? null : s.durationMs,
        complete: !!s.complete,
        error: s.error || null,
        bytes: r.bytes,
        files,
      };
    });
  }

  /** /recordings/files/<folder>/<name>: only files a listed recording's sidecar names. */
  function sendRecordingFile(req, res, rest) {
    const parts = rest.split('/');
    let folder;
    let name;
    try {
      [folder, name] = parts.map(decodeURIComponent);
    } catch {
      sendText(res, 400, 'bad file name');
      return;
    }
    if (parts.length !== 2 || !recDir || !SAFE_NAME_RE.test(folder) || !SAFE_NAME_RE.test(name)) {
      sendText(res, 404, 'not found');
      return;
    }
    const rec = recordingsList().find((r) => r.folder === folder);
    const listed = rec && rec.files.find((f) => f.name === name);
    const file = listed ? resolveInside(recDir, `${folder}/${name}`) : null;
    if (!file) {
      sendText(res, 404, 'not found');
      return;
    }
    sendFile(req, res, file);
  }

  function openEvents(req, res) {
    if (sseClients.size >= MAX_EVENT_STREAMS) {
      sendJson(res, 503, { error: { code: 'ERR_TOO_MANY_STREAMS', message: `at most ${MAX_EVENT_STREAMS} demo visitor pages listen at once: close some` } });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    if (current && current.status === 'ringing') res.write(`event: incoming\ndata: ${JSON.stringify(describe(current))}\n\n`);
    sseClients.add(res);
    res.on('close', () => sseClients.delete(res)); // not req's 'close': that fires once the (empty) request is read
  }

  const jsonRoutes = [
    { method: 'POST', re: /^\/demo\/calls$/, run: (req) => createCall(req) },
    { method: 'GET', re: /^\/demo\/calls\/([^/]+)$/, run: (req, m) => [200, describe(mustGetDemoCall(m[1]))] },
    { method: 'POST', re: /^\/demo\/calls\/([^/]+)\/(accept|decline|cancel)$/, run: (req, m) => ringAnswer(req, m[1], m[2]) },
    { method: 'GET', re: /^\/demo\/incoming$/, run: () => [200, { call: current && current.status === 'ringing' ? describe(current) : null }] },
    { method: 'GET', re: /^\/demo\/recordings$/, run: () => [200, { recordings: recordingsList() }] },
  ];

  async function handleJson(req, res, pathname) {
    try {
      const matches = jsonRoutes.map((r) => ({ r, m: r.re.exec(pathname) })).filter((x) => x.m);
      if (matches.length === 0) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such endpoint');
      const hit = matches.find((x) => x.r.method === req.method);
      if (!hit) {
        const allow = matches.map((x) => x.r.method).join(', ');
        throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `${pathname} allows ${allow}`, { allow });
      }
      // JSON only: another site's page cannot send that without a CORS preflight we never answer.
      if (req.method === 'POST' && !/^application\/json\b/i.test(req.headers['content-type'] || '')) {
        req.resume();
        throw new HttpError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'send JSON (content-type: application/json)');
      }
      const [status, body] = await hit.r.run(req, hit.m);
      sendJson(res, status, body);
    } catch (err) {
      if (err && err.aborted) return;
      sendError(res, err, warn);
    }
  }

  function handle(req, res) {
    let pathname;
    try {
      pathname = new URL(req.url, 'http://x').pathname;
    } catch {
      sendText(res, 400, 'bad request');
      return;
    }
    if (req.method !== 'POST') req.resume();
    if (pathname === '/') {
      res.writeHead(302, { location: '/demo/', 'content-length': '0' });
      res.end();
    } else if (pathname === '/demo' || pathname === '/demo/') {
      sendHtmlPage(req, res, DEMO_DIR, 'index.html');
    } else if (pathname.startsWith('/demo/assets/')) {
      sendFromFolder(req, res, DEMO_DIR, pathname.slice('/demo/assets/'.length));
    } else if (pathname === '/demo/events') {
      if (req.method !== 'GET') sendText(res, 405, 'method not allowed', { allow: 'GET' });
      else openEvents(req, res);
    } else if (pathname.startsWith('/demo/')) {
      handleJson(req, res, pathname);
    } else if (Object.prototype.hasOwnProperty.call(PAGES, pathname)) {
      sendHtmlPage(req, res, DEMO_DIR, PAGES[pathname]);
    } else if (pathname.startsWith('/recordings/files/')) {
      sendRecordingFile(req, res, pathname.slice('/recordings/files/'.length));
    } else {
      sendText(res, 404, 'not found');
    }
  }

  function close() {
    clearInterval(watcher);
    clearInterval(keepalive);
    if (current) clearTimeout(current.ringTimer);
    for (const res of sseClients) res.end();
    sseClients.clear();
  }

  return { handle, prefixes: PREFIXES, close };
}

/**
 * Serves the demo from the call service: registers its routes with
 * service.addRoute(prefix, handler).
 * @param {import('../call-service').CallService} service
 * @param {{recordingsDir?: string, ringTimeoutSeconds?: number}} [options] recordingsDir: where
 *   the recordings page looks (default: the service's); ringTimeoutSeconds (5–600, default 30):
 *   after this an unanswered demo call ends as 'missed'
 * @returns {{close: () => void, handle: Function}} close() stops the demo's timers (unref'd) and
 *   ends its event streams; call it before service.close()
 */
function mountDemo(service, options = {}) {
  if (typeof service.addRoute !== 'function') {
    throw new Error('mountDemo: this call service has no addRoute(prefix, handler)');
  }
  const demo = createDemo(service, options);
  for (const prefix of demo.prefixes) {
    if (prefix === '/') continue; // addRoute() takes no '/': the root redirect needs the service's help (see below)
    service.addRoute(prefix, demo.handle);
  }
  service.addRootRoute(demo.handle); // '/' -> '/demo/'
  return { close: demo.close, handle: demo.handle };
}

module.exports = { mountDemo, createDemo, MAX_EVENT_STREAMS };
