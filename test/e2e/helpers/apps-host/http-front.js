'use strict';
// The two HTTP routes of Rocket.Chat that reach an App, in front of a test
// host (index.js), so that browsers, the widget stand-in and the call service
// talk to the App over HTTP as they do to a real server:
//
//   ANY  /api/apps/public/<appId>/<path>   the App's public endpoints (Rocket.Chat
//        passes method, headers, query and the parsed JSON body)
//   POST /api/apps/ui.interaction/<appId>  a button press: with `x-visitor-token`
//        as the LiveChat widget sends it (body {type: 'blockAction', actionId, rid,
//        mid, viewId, container, triggerId, payload: {value}}: see
//        /work/shared/notes/livechat-widget.md); Rocket.Chat finds the visitor by
//        the token (an unknown or missing token is refused before the App) and
//        hands the App the visitor, the room `rid` and the message `mid`, without
//        checking that the visitor belongs to the room. With `x-user-id` and
//        `x-auth-token` it is a user's press (the agent's web client).
//
// Every request is recorded (`requests`) so a test can search them.

const http = require('http');

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(Object.assign(err, { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

function send(res, status, body) {
  const text = JSON.stringify(body === undefined ? {} : body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * @param {object} host a started apps-host (startAppHost)
 * @param {{authTokens?: Record<string, string>}} [options] userId -> auth token accepted for user presses
 * @returns {Promise<{url: string, requests: object[], close(): Promise<void>}>}
 */
async function startHttpFront(host, { authTokens = {} } = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://front');
    let body;
    try {
      body = await readJson(req);
    } catch {
      return send(res, 400, { success: false, error: 'invalid JSON' });
    }
    requests.push({ method: req.method, url: req.url, headers: { ...req.headers }, body });
    try {
      const interaction = url.pathname.match(/^\/api\/apps\/ui\.interaction\/([^/]+)$/);
      if (interaction && req.method === 'POST') {
        if (interaction[1] !== host.appId) return send(res, 404, { success: false, error: 'no such app' });
        return send(res, ...(await press(host, req.headers, body || {}, authTokens)));
      }
      const endpoint = url.pathname.match(/^\/api\/apps\/public\/([^/]+)\/(.+)$/);
      if (endpoint && endpoint[1] === host.appId) {
        const r = await host.executeApi(endpoint[2], {
          method: req.method.toLowerCase(),
          headers: req.headers,
          query: Object.fromEntries(url.searchParams),
          content: body,
        });
        return send(res, r.status, r.content);
      }
      return send(res, 404, { success: false, error: 'not found' });
    } catch (err) {
      return send(res, 500, { success: false, error: err.message });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A button press as Rocket.Chat's UIKit route takes it; returns [status, body]. */
async function press(host, headers, body, authTokens) {
  if (body.type !== 'blockAction') return [400, { success: false, error: 'only blockAction is emulated' }];
  const visitorToken = headers['x-visitor-token'];
  const common = { actionId: body.actionId, value: body.payload && body.payload.value, messageId: body.mid, roomId: body.rid, triggerId: body.triggerId };
  if (visitorToken !== undefined) {
    if (!host.visitorByToken(visitorToken)) return [401, { success: false, error: 'invalid visitor token' }];
    await host.livechatBlockAction({ ...common, visitorToken, blockId: undefined });
    return [200, { success: true }];
  }
  const userId = headers['x-user-id'];
  if (!userId || !authTokens[userId] || authTokens[userId] !== headers['x-auth-token']) {
    return [401, { success: false, error: 'You must be logged in to do this.' }];
  }
  await host.blockAction({ ...common, userId });
  return [200, { success: true }];
}

module.exports = { startHttpFront };
