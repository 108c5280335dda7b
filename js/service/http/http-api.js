'use strict';
// The control API under /api/: what the Rocket.Chat App calls. Each request
// goes through the same steps, in this order:
//   1. read the body (bounded: 413 past maxBodyBytes),
//   2. authenticate it (401), since the signature covers the raw body and
//      nothing else may be trusted before it holds,
//   3. route (404 unknown path, 405 wrong method),
//   4. parse and check the JSON (400), then run the handler.
// docs/service-api.md documents every route; keep the two in step.

const { HttpError, readBody, sendJson, sendError } = require('./http-json');
const { parseJsonObject, checkCreateCall, checkEndCall, checkTokenRequest, checkTicketRequest } = require('./requests');
const { isCallId } = require('../calls/call-store');
const { listRecordings } = require('../../api/recordings');
const { version } = require('../../../package.json');

/** A route's path pattern: literal segments and ':name' parameters. */
function compile(pattern) {
  const segments = pattern.split('/').slice(1);
  return (pathname) => {
    const parts = pathname.split('/').slice(1);
    if (parts.length !== segments.length) return null;
    const params = {};
    for (let i = 0; i < segments.length; i++) {
      if (segments[i].startsWith(':')) params[segments[i].slice(1)] = parts[i];
      else if (segments[i] !== parts[i]) return null;
    }
    return params;
  };
}

/** http://, https:// -> ws://, wss://, plus the signalling path. */
function signallingUrlOf(publicUrl) {
  return `${publicUrl.replace(/^http/, 'ws')}/ws`;
}

/**
 * The /api/* request handler.
 * @param {{store: import('../calls/call-store').CallStore, media: import('../../api/media-server').MediaServer,
 *   auth: {check(req: object, body: Buffer): {ok: boolean, reason?: string}},
 *   mintPartyToken: (callId: string, party: 'visitor'|'agent') => {token: string, expiresAt: string},
 *   config: {maxBodyBytes: number, maxCalls: number, tokenTtlSeconds: number, recordingsDir: string},
 *   publicUrl: () => string, onInternalError?: (err: unknown) => void,
 *   endCall: (id: string, how: {reason: string, by: string}) => Promise<object>}} deps endCall: ends the call's live
 *   signalling session, if it has one (false when it has none)
 * @returns {(req: import('http').IncomingMessage, res: import('http').ServerResponse) => Promise<void>} never rejects
 */
function createHttpApi({ store, media, auth, mintPartyToken, tickets, config, publicUrl, onInternalError, endCall, onUnauthorized = () => {} }) {
  /** The call or a 404. */
  function mustGet(id) {
    const call = isCallId(id) ? store.get(id) : undefined;
    if (!call) throw new HttpError(404, 'ERR_CALL_NOT_FOUND', 'no call with this id');
    return call;
  }

  const routes = [
    {
      pattern: '/api/health',
      methods: {
        GET: () => [200, { ok: true, version, calls: store.openCount }],
      },
    },
    {
      pattern: '/api/calls',
      methods: {
        POST: async ({ body }) => {
          const fields = checkCreateCall(parseJsonObject(body));
          if (store.openCount >= config.maxCalls) {
            throw new HttpError(503, 'ERR_TOO_MANY_CALLS', `the service already has ${config.maxCalls} calls open`);
          }
          return [201, await store.create(fields)];
        },
      },
    },
    {
      pattern: '/api/calls/:id',
      methods: {
        GET: ({ params }) => [200, mustGet(params.id)],
      },
    },
    {
      pattern: '/api/calls/:id/end',
      methods: {
        POST: async ({ params, body }) => {
          const { reason } = checkEndCall(parseJsonObject(body));
          const before = mustGet(params.id);
          // Idempotent: an ended call comes back unchanged (after its recording is referenced).
          return [200, await endCall(before.id, { reason, by: 'service' })];
        },
      },
    },
    {
      pattern: '/api/calls/:id/tokens',
      methods: {
        POST: ({ params, body }) => {
          const { party } = checkTokenRequest(parseJsonObject(body));
          const call = mustGet(params.id);
          if (call.state === 'ended') throw new HttpError(409, 'ERR_CALL_ENDED', 'the call has ended');
          const { token, expiresAt } = mintPartyToken(call.id, party);
          // The token goes in the join URL's fragment, which browsers never send to a server (or its logs).
          const joinUrl = `${publicUrl()}/call#token=${encodeURIComponent(token)}`;
          return [200, { callId: call.id, party, token, expiresAt, signallingUrl: signallingUrlOf(publicUrl()), joinUrl, iceServers: call.iceServers }];
        },
      },
    },
    {
      pattern: '/api/calls/:id/tickets',
      methods: {
        POST: ({ params, body }) => {
          const { party, ttlSeconds } = checkTicketRequest(parseJsonObject(body));
          const call = mustGet(params.id);
          if (call.state === 'ended') throw new HttpError(409, 'ERR_CALL_ENDED', 'the call has ended');
          const { ticket, id, expiresAt } = tickets.mint({ callId: call.id, party, ttlSeconds });
          // In the fragment: never sent to a server, so no proxy or access log sees it.
          const url = `${publicUrl()}/call#ticket=${ticket}`;
          return [201, { callId: call.id, party, ticketId: id, url, expiresAt }];
        },
      },
    },
    {
      pattern: '/api/recordings',
      methods: {
        GET: () => [200, {
          // Folder names only: the server's own paths are not the App's business.
          recordings: listRecordings(config.recordingsDir).map((r) => ({ folder: r.folder, bytes: r.bytes, sidecar: r.sidecar })),
        }],
      },
    },
  ].map((r) => ({ ...r, match: compile(r.pattern) }));

  return async function handleApi(req, res) {
    try {
      const body = await readBody(req, config.maxBodyBytes);
      const verdict = auth.check(req, body);
      if (!verdict.ok) {
        onUnauthorized(verdict.reason);
        throw new HttpError(401, 'ERR_UNAUTHORIZED', verdict.reason);
      }
      const pathname = req.url.split('?')[0];
      let params = null;
      const route = routes.find((r) => (params = r.match(pathname)) !== null);
      if (!route) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such endpoint');
      const handler = Object.prototype.hasOwnProperty.call(route.methods, req.method) ? route.methods[req.method] : null;
      if (!handler) {
        const allow = Object.keys(route.methods).join(', ');
        throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `${route.pattern} allows ${allow}`, { allow });
      }
      const [status, result] = await handler({ params, body });
      sendJson(res, status, result);
    } catch (err) {
      if (err && err.aborted) return; // the client left mid-body: nobody to answer
      sendError(res, err, onInternalError);
    }
  };
}

module.exports = { createHttpApi, signallingUrlOf };
