'use strict';
// The call service's control API over real HTTP on 127.0.0.1: every endpoint
// signed correctly, the refusals (401 for missing, wrong, expired and replayed
// signatures; 413, 400, 404, 405, 409, 503), persistence across a restart, and
// close(). Needs the native add-on (the service owns a MediaServer).

const assert = require('assert');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { createCallService } = require('../../../js/service/call-service');
const { signRequest } = require('../../../js/common/request-signing');
const { verifyPartyToken, derivePartyTokenKey } = require('../../../js/service/calls/party-tokens');
const { version } = require('../../../package.json');

const SECRET = 'call-service-test-secret-0123456789';
const OTHER_SECRET = 'some-other-secret-0123456789abcdef';
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * fetch() with the App's signature headers. `headers` replaces the signature
 * (for replays); `now` signs as of another time.
 * @returns {Promise<{status: number, headers: Headers, body: any, sent: Record<string, string>}>}
 */
async function signedFetch(url, { method = 'GET', path: p, body, secret = SECRET, now, headers } = {}) {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const sent = headers || signRequest({ secret, method, path: p, body: text, ...(now === undefined ? {} : { now }) });
  const res = await fetch(url + p, {
    method,
    headers: { 'content-type': 'application/json', ...sent },
    body: method === 'GET' || method === 'HEAD' ? undefined : text,
  });
  const raw = await res.text();
  let parsed = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // left as text; the assertions will say so
  }
  return { status: res.status, headers: res.headers, body: parsed, sent };
}

/** Asserts an error response: status, code, JSON content type, no stack. */
function assertError(res, status, code, messageRe) {
  assert.strictEqual(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.strictEqual(res.body.error.code, code, JSON.stringify(res.body));
  assert.strictEqual(typeof res.body.error.message, 'string');
  assert.doesNotMatch(res.body.error.message, /\n\s+at /);
  if (messageRe) assert.match(res.body.error.message, messageRe);
}

function tempDir(label) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lcc-service-${label}-`));
}

describe('call service control API', function () {
  this.timeout(10000);
  let recordingsDir;
  let dataDir;
  let service;
  let url;
  const api = (opts) => signedFetch(url, opts);
  const start = async (extra = {}) => {
    const s = createCallService({
      secret: SECRET, port: 0, dataDir, media: { listenAddresses: ['127.0.0.1'], recordingsDir }, ...extra,
    });
    s.on('warning', () => {});
    return { s, url: (await s.listen()).url };
  };

  before(async function () {
    recordingsDir = tempDir('rec');
    dataDir = tempDir('data');
    ({ s: service, url } = await start());
  });

  after(async function () {
    if (service) await service.close();
    fs.rmSync(recordingsDir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe('with a correct signature', function () {
    it('listen() resolves the bound URL', function () {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.strictEqual(service.publicUrl, url);
    });

    it('GET /api/health gets 200 with the version and the open calls', async function () {
      const res = await api({ path: '/api/health' });
      assert.strictEqual(res.status, 200);
      assert.match(res.headers.get('content-type'), /^application\/json/);
      assert.deepStrictEqual(res.body, { ok: true, version, calls: service.calls.openCount });
    });

    it('POST /api/calls gets 201 with the call and its defaults', async function () {
      const res = await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-1' } });
      assert.strictEqual(res.status, 201, JSON.stringify(res.body));
      const call = res.body;
      assert.match(call.id, /^[A-Za-z0-9_-]{16,}$/);
      assert.match(call.createdAt, ISO_RE);
      assert.deepStrictEqual({ ...call, id: null, createdAt: null }, {
        id: null, roomId: 'room-1', state: 'created', endReason: null, record: false, relayPolicy: 'fallback',
        requestedRelayPolicy: 'fallback', path: null, ringTimeoutSeconds: 30, iceServers: [], createdAt: null,
        endedAt: null, endedBy: null, parties: { visitor: { joined: false }, agent: { joined: false } }, fallback: null,
        recording: null, quality: null, video: false, names: { visitor: null, agent: null }, appEventsUrl: null, visitorTokenHash: null,
      });
      assert.ok(fs.existsSync(path.join(dataDir, 'calls', `${call.id}.json`)), 'stored in dataDir/calls');
    });

    it('POST /api/calls takes the call UI fields (video, names), the visitor token hash and the App events URL, and refuses bad ones', async function () {
      const tokenHash = 'a'.repeat(64);
      const body = { roomId: 'room-ui', video: true, visitor: { name: 'Vera Visitor', tokenHash }, agent: { name: 'Alice Agent' }, app: { eventsUrl: 'https://chat.example.com/api/apps/public/x/service/events' } };
      const res = await api({ method: 'POST', path: '/api/calls', body });
      assert.strictEqual(res.status, 201, JSON.stringify(res.body));
      assert.strictEqual(res.body.video, true);
      assert.deepStrictEqual(res.body.names, { visitor: 'Vera Visitor', agent: 'Alice Agent' });
      assert.strictEqual(res.body.visitorTokenHash, tokenHash);
      assert.strictEqual(res.body.appEventsUrl, body.app.eventsUrl);
      const bad = [
        [{ video: 'yes' }, /video must be a boolean/],
        [{ visitor: { tokenHash: 'not-a-hash' } }, /visitor.tokenHash must be the SHA-256/],
        [{ visitor: { name: 'x'.repeat(81) } }, /visitor.name must be a string of at most 80/],
        [{ agent: { name: 'line\nbreak' } }, /agent.name must be a string/],
        [{ agent: { id: 'u1' } }, /unknown field 'agent.id'/],
        [{ app: { eventsUrl: 'ftp://x/events' } }, /app.eventsUrl must be an absolute http\(s\) URL/],
        [{ app: { eventsUrl: 'https://user:pw@chat.example.com/e' } }, /without credentials/],
        [{ visitor: 'Vera' }, /visitor must be an object/],
      ];
      for (const [fields, message] of bad) {
        assertError(await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-bad', ...fields } }), 400, 'ERR_INVALID_REQUEST', message);
      }
    });

    it('POST /api/calls/:id/tickets mints a single-use join ticket that POST /tickets/redeem trades for the party token once', async function () {
      const call = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-t', agent: { name: 'Alice Agent' } } })).body;
      const minted = await api({ method: 'POST', path: `/api/calls/${call.id}/tickets`, body: { party: 'visitor', ttlSeconds: 30 } });
      assert.strictEqual(minted.status, 201, JSON.stringify(minted.body));
      const ticket = new URL(minted.body.url).hash.replace('#ticket=', '');
      assert.match(ticket, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(minted.body.expiresAt) - Date.now() <= 30000);
      const redeem = (t) => fetch(`${url}/tickets/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticket: t }) })
        .then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));
      const first = await redeem(ticket);
      assert.strictEqual(first.status, 200);
      assert.strictEqual(first.headers.get('cache-control'), 'no-store');
      assert.strictEqual(first.headers.get('access-control-allow-origin'), null, 'no CORS: only the call page reads it');
      assert.deepStrictEqual([first.body.callId, first.body.party, first.body.names.agent], [call.id, 'visitor', 'Alice Agent']);
      const claims = verifyPartyToken(derivePartyTokenKey(SECRET), first.body.token);
      assert.deepStrictEqual([claims.ok, claims.callId, claims.party], [true, call.id, 'visitor']);
      assertError(await redeem(ticket), 410, 'ERR_TICKET_USED');
      assertError(await redeem('nope'), 400, 'ERR_INVALID_REQUEST');
      const get = await fetch(`${url}/tickets/redeem`);
      assert.strictEqual(get.status, 405, 'never a GET');
      // Signed like every control request; bad fields refused.
      assertError(await api({ method: 'POST', path: `/api/calls/${call.id}/tickets`, body: { party: 'visitor' }, secret: OTHER_SECRET }), 401, 'ERR_UNAUTHORIZED');
      assertError(await api({ method: 'POST', path: `/api/calls/${call.id}/tickets`, body: { party: 'host' } }), 400, 'ERR_INVALID_REQUEST');
      assertError(await api({ method: 'POST', path: `/api/calls/${call.id}/tickets`, body: { party: 'visitor', ttlSeconds: 5 } }), 400, 'ERR_INVALID_REQUEST', /ttlSeconds/);
      await api({ method: 'POST', path: `/api/calls/${call.id}/end`, body: { reason: 'ended' } });
      assertError(await api({ method: 'POST', path: `/api/calls/${call.id}/tickets`, body: { party: 'visitor' } }), 409, 'ERR_CALL_ENDED');
    });

    it('POST /api/calls with record: true gets relayPolicy always', async function () {
      const iceServers = [{ urls: 'turn:turn.example.org:3478', username: 'u', credential: 'p' }];
      const res = await api({
        method: 'POST', path: '/api/calls',
        body: { roomId: 'room-2', record: true, relayPolicy: 'never', ringTimeoutSeconds: 60, iceServers },
      });
      assert.strictEqual(res.status, 201, JSON.stringify(res.body));
      assert.strictEqual(res.body.record, true);
      assert.strictEqual(res.body.relayPolicy, 'always');
      assert.strictEqual(res.body.requestedRelayPolicy, 'never');
      assert.strictEqual(res.body.ringTimeoutSeconds, 60);
      assert.deepStrictEqual(res.body.iceServers, iceServers);
    });

    it('GET /api/calls/:id gets 200 with the call', async function () {
      const created = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-3' } })).body;
      const res = await api({ path: `/api/calls/${created.id}` });
      assert.strictEqual(res.status, 200);
      assert.deepStrictEqual(res.body, created);
    });

    it('GET /api/calls/:id of an unknown id gets 404 ERR_CALL_NOT_FOUND', async function () {
      assertError(await api({ path: '/api/calls/00000000-0000-0000-0000-000000000000' }), 404, 'ERR_CALL_NOT_FOUND');
      assertError(await api({ path: '/api/calls/..%2F..%2Fetc%2Fpasswd' }), 404, 'ERR_CALL_NOT_FOUND');
    });

    it('POST /api/calls/:id/end gets 200 with the ended call, and again unchanged', async function () {
      const created = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-4' } })).body;
      const open = (await api({ path: '/api/health' })).body.calls;
      const res = await api({ method: 'POST', path: `/api/calls/${created.id}/end`, body: { reason: 'declined' } });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(res.body.state, 'ended');
      assert.strictEqual(res.body.endReason, 'declined');
      assert.match(res.body.endedAt, ISO_RE);
      assert.strictEqual((await api({ path: '/api/health' })).body.calls, open - 1);
      const again = await api({ method: 'POST', path: `/api/calls/${created.id}/end`, body: { reason: 'missed' } });
      assert.strictEqual(again.status, 200);
      assert.deepStrictEqual(again.body, res.body);
    });

    it('POST /api/calls/:id/end ends the MediaServer call of the same id', async function () {
      const created = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-5' } })).body;
      const mediaCall = service.media.createCall({ id: created.id });
      const res = await api({ method: 'POST', path: `/api/calls/${created.id}/end`, body: { reason: 'ended' } });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(mediaCall.ended, true);
    });

    it('POST /api/calls/:id/tokens gets 200 with a token for that party', async function () {
      const iceServers = [{ urls: 'stun:stun.example.org' }];
      const created = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-6', iceServers } })).body;
      const res = await api({ method: 'POST', path: `/api/calls/${created.id}/tokens`, body: { party: 'agent' } });
      assert.strictEqual(res.status, 200, JSON.stringify(res.body));
      assert.deepStrictEqual(Object.keys(res.body).sort(), ['callId', 'expiresAt', 'iceServers', 'joinUrl', 'party', 'signallingUrl', 'token']);
      assert.strictEqual(res.body.callId, created.id);
      assert.strictEqual(res.body.party, 'agent');
      assert.strictEqual(res.body.signallingUrl, `${url.replace(/^http/, 'ws')}/ws`);
      assert.strictEqual(res.body.joinUrl, `${url}/call#token=${encodeURIComponent(res.body.token)}`);
      assert.deepStrictEqual(res.body.iceServers, iceServers);
      const expires = Date.parse(res.body.expiresAt);
      assert.ok(Math.abs(expires - (Date.now() + 7200 * 1000)) < 5000, res.body.expiresAt);
      const check = verifyPartyToken(derivePartyTokenKey(SECRET), res.body.token);
      assert.deepStrictEqual(check, { ok: true, callId: created.id, party: 'agent', expiresAt: res.body.expiresAt });
    });

    it('POST /api/calls/:id/tokens of an ended call gets 409 ERR_CALL_ENDED', async function () {
      const created = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'room-7' } })).body;
      await api({ method: 'POST', path: `/api/calls/${created.id}/end`, body: { reason: 'cancelled' } });
      assertError(await api({ method: 'POST', path: `/api/calls/${created.id}/tokens`, body: { party: 'visitor' } }), 409, 'ERR_CALL_ENDED');
    });

    it('GET /api/recordings gets 200 with the recordings folder', async function () {
      assert.deepStrictEqual((await api({ path: '/api/recordings' })).body, { recordings: [] });
      const folder = path.join(recordingsDir, 'rec-1');
      fs.mkdirSync(folder);
      const sidecar = { version: 1, callId: 'c1', startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), complete: true, files: [] };
      fs.writeFileSync(path.join(folder, 'recording.json'), JSON.stringify(sidecar));
      const res = await api({ path: '/api/recordings' });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(res.body.recordings.length, 1);
      assert.strictEqual(res.body.recordings[0].folder, 'rec-1');
      assert.deepStrictEqual(res.body.recordings[0].sidecar, sidecar);
      assert.strictEqual(typeof res.body.recordings[0].bytes, 'number');
    });

    it('a query string is part of what is signed', async function () {
      const res = await api({ path: '/api/health?verbose=1' });
      assert.strictEqual(res.status, 200);
    });
  });

  describe('authentication', function () {
    let callId;
    before(async function () {
      callId = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'auth-room' } })).body.id;
    });
    const endpoints = () => [
      { method: 'GET', path: '/api/health' },
      { method: 'POST', path: '/api/calls', body: { roomId: 'r' } },
      { method: 'GET', path: `/api/calls/${callId}` },
      { method: 'POST', path: `/api/calls/${callId}/end`, body: { reason: 'ended' } },
      { method: 'POST', path: `/api/calls/${callId}/tokens`, body: { party: 'visitor' } },
      { method: 'GET', path: '/api/recordings' },
    ];
    const names = ['GET /api/health', 'POST /api/calls', 'GET /api/calls/:id', 'POST /api/calls/:id/end', 'POST /api/calls/:id/tokens', 'GET /api/recordings'];

    names.forEach((name, i) => {
      it(`${name} without a signature gets 401`, async function () {
        const e = endpoints()[i];
        const res = await api({ ...e, headers: {} });
        assertError(res, 401, 'ERR_UNAUTHORIZED', /^missing x-lcc-timestamp/);
      });

      it(`${name} signed with another secret gets 401`, async function () {
        assertError(await api({ ...endpoints()[i], secret: OTHER_SECRET }), 401, 'ERR_UNAUTHORIZED', /^bad signature$/);
      });

      it(`${name} with an expired signature gets 401`, async function () {
        const res = await api({ ...endpoints()[i], now: Date.now() - 10 * 60 * 1000 });
        assertError(res, 401, 'ERR_UNAUTHORIZED', /^request expired/);
      });

      it(`${name} with a replayed signature gets 401`, async function () {
        const e = endpoints()[i];
        const first = await api(e);
        assert.ok(first.status < 400 || first.status === 409, JSON.stringify(first.body));
        assertError(await api({ ...e, headers: first.sent }), 401, 'ERR_UNAUTHORIZED', /^replayed request$/);
      });
    });

    it('a signature over another body gets 401', async function () {
      const sent = signRequest({ secret: SECRET, method: 'POST', path: '/api/calls', body: '{"roomId":"a"}' });
      assertError(await api({ method: 'POST', path: '/api/calls', body: { roomId: 'b' }, headers: sent }), 401, 'ERR_UNAUTHORIZED', /^bad signature$/);
    });

    it('an unknown /api/ route without a signature gets 401, not 404', async function () {
      assertError(await api({ path: '/api/nope', headers: {} }), 401, 'ERR_UNAUTHORIZED');
    });
  });

  describe('refusals', function () {
    it('POST /api/calls with a body over maxBodyBytes gets 413', async function () {
      const body = JSON.stringify({ roomId: 'x'.repeat(70000) });
      assertError(await api({ method: 'POST', path: '/api/calls', body }), 413, 'ERR_BODY_TOO_LARGE');
    });

    it('POST /api/calls with a chunked body over maxBodyBytes gets 413 before it ends', async function () {
      const { port } = new URL(url);
      const res = await new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/calls' }, (r) => {
          let text = '';
          r.on('data', (d) => { text += d; });
          r.on('end', () => resolve({ status: r.statusCode, text, connection: r.headers.connection }));
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(40000, 'x');
        req.write(chunk);
        req.write(chunk); // past the limit: the service answers without waiting for the rest
      });
      assert.strictEqual(res.status, 413);
      assert.strictEqual(JSON.parse(res.text).error.code, 'ERR_BODY_TOO_LARGE');
      assert.strictEqual(res.connection, 'close');
    });

    const badBodies = [
      ['not JSON', '{"roomId":', /not valid JSON/],
      ['a JSON array', '[]', /must be a JSON object/],
      ['no roomId', {}, /^roomId /],
      ['an empty roomId', { roomId: '' }, /^roomId /],
      ['a 129-character roomId', { roomId: 'r'.repeat(129) }, /^roomId /],
      ['a string record', { roomId: 'r', record: 'yes' }, /^record /],
      ['an unknown relayPolicy', { roomId: 'r', relayPolicy: 'sometimes' }, /^relayPolicy /],
      ['a bad iceServers entry', { roomId: 'r', iceServers: [{ urls: 'http://x' }] }, /^iceServers\[0\]/],
      ['iceServers as a string', { roomId: 'r', iceServers: 'stun:x' }, /^iceServers /],
      ['ringTimeoutSeconds 4', { roomId: 'r', ringTimeoutSeconds: 4 }, /^ringTimeoutSeconds /],
      ['ringTimeoutSeconds 1.5', { roomId: 'r', ringTimeoutSeconds: 7.5 }, /^ringTimeoutSeconds /],
      ['an unknown field', { roomId: 'r', roomid: 'r' }, /unknown field 'roomid'/],
    ];
    for (const [what, body, re] of badBodies) {
      it(`POST /api/calls with ${what} gets 400 naming the field`, async function () {
        assertError(await api({ method: 'POST', path: '/api/calls', body }), 400, 'ERR_INVALID_REQUEST', re);
      });
    }

    it('POST /api/calls/:id/end with a bad reason gets 400 naming reason', async function () {
      const id = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'r' } })).body.id;
      assertError(await api({ method: 'POST', path: `/api/calls/${id}/end`, body: { reason: 'bored' } }), 400, 'ERR_INVALID_REQUEST', /^reason /);
      assertError(await api({ method: 'POST', path: `/api/calls/${id}/end` }), 400, 'ERR_INVALID_REQUEST', /^reason /);
    });

    it('POST /api/calls/:id/tokens with a bad party gets 400 naming party', async function () {
      const id = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'r' } })).body.id;
      assertError(await api({ method: 'POST', path: `/api/calls/${id}/tokens`, body: { party: 'boss' } }), 400, 'ERR_INVALID_REQUEST', /^party /);
    });

    it('POST /api/calls/:id/end and /tokens of an unknown call get 404', async function () {
      const id = '00000000-0000-0000-0000-000000000000';
      assertError(await api({ method: 'POST', path: `/api/calls/${id}/end`, body: { reason: 'ended' } }), 404, 'ERR_CALL_NOT_FOUND');
      assertError(await api({ method: 'POST', path: `/api/calls/${id}/tokens`, body: { party: 'agent' } }), 404, 'ERR_CALL_NOT_FOUND');
    });

    it('an unknown /api/ route gets 404 ERR_NOT_FOUND', async function () {
      assertError(await api({ path: '/api/nope' }), 404, 'ERR_NOT_FOUND');
      assertError(await api({ path: '/api/calls/a/b/c' }), 404, 'ERR_NOT_FOUND');
    });

    it('a path outside /api/ gets 404', async function () {
      assertError(await api({ path: '/elsewhere' }), 404, 'ERR_NOT_FOUND');
    });

    it('an unexpected failure gets 500 ERR_INTERNAL without details, reported as a warning', async function () {
      const warnings = [];
      const onWarning = (err) => warnings.push(err);
      service.on('warning', onWarning);
      const original = service.calls.create;
      service.calls.create = async () => { throw new Error('disk on fire at /secret/path'); };
      try {
        const res = await api({ method: 'POST', path: '/api/calls', body: { roomId: 'r' } });
        assertError(res, 500, 'ERR_INTERNAL', /^internal error$/);
        assert.strictEqual(warnings.length, 1);
        assert.match(warnings[0].message, /disk on fire/);
      } finally {
        service.calls.create = original;
        service.off('warning', onWarning);
      }
    });

    it('a wrong method gets 405 with Allow', async function () {
      const res = await api({ method: 'DELETE', path: '/api/health' });
      assertError(res, 405, 'ERR_METHOD_NOT_ALLOWED');
      assert.strictEqual(res.headers.get('allow'), 'GET');
      assertError(await api({ method: 'GET', path: '/api/calls' }), 405, 'ERR_METHOD_NOT_ALLOWED');
    });
  });

  describe('limits, restart and close', function () {
    it('POST /api/calls past maxCalls gets 503 ERR_TOO_MANY_CALLS (memory-only store)', async function () {
      const { s, url: u } = await start({ maxCalls: 2, dataDir: undefined });
      try {
        const post = () => signedFetch(u, { method: 'POST', path: '/api/calls', body: { roomId: 'r' } });
        const a = await post();
        assert.strictEqual(a.status, 201);
        assert.strictEqual((await post()).status, 201);
        assertError(await post(), 503, 'ERR_TOO_MANY_CALLS');
        await signedFetch(u, { method: 'POST', path: `/api/calls/${a.body.id}/end`, body: { reason: 'ended' } });
        assert.strictEqual((await post()).status, 201, 'an ended call frees its place');
        assert.strictEqual(s.calls.dir, null);
      } finally {
        await s.close();
      }
    });

    it('a restart on the same dataDir finds the calls, open ones ended with service-restart', async function () {
      const open = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'restart-open' } })).body;
      const done = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'restart-done' } })).body;
      const ended = (await api({ method: 'POST', path: `/api/calls/${done.id}/end`, body: { reason: 'missed' } })).body;
      const known = service.calls.size;
      fs.writeFileSync(path.join(dataDir, 'calls', 'not-a-call.json'), '{}');
      await service.close();
      ({ s: service, url } = await start());
      assert.strictEqual(service.calls.size, known);
      assert.strictEqual((await api({ path: '/api/health' })).body.calls, 0);
      const after1 = (await api({ path: `/api/calls/${open.id}` })).body;
      assert.strictEqual(after1.state, 'ended');
      assert.strictEqual(after1.endReason, 'service-restart');
      assert.match(after1.endedAt, ISO_RE);
      assert.deepStrictEqual((await api({ path: `/api/calls/${done.id}` })).body, ended);
      const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'calls', `${open.id}.json`), 'utf8'));
      assert.strictEqual(stored.endReason, 'service-restart');
    });

    it('close() is idempotent and closes the MediaServer', async function () {
      const { s, url: u } = await start({ dataDir: undefined });
      await Promise.all([s.close(), s.close()]);
      await s.close();
      assert.strictEqual(s.media.closed, true);
      await assert.rejects(fetch(`${u}/api/health`));
      await assert.rejects(s.listen(), { code: 'ERR_SERVER_CLOSED' });
    });

    it('listen() is idempotent', async function () {
      const { s, url: u } = await start({ dataDir: undefined });
      try {
        assert.deepStrictEqual(await s.listen(), { url: u });
      } finally {
        await s.close();
      }
    });

    it('close() also closes idle keep-alive connections', async function () {
      const { s, url: u } = await start({ dataDir: undefined });
      const agent = new http.Agent({ keepAlive: true });
      const { port } = new URL(u);
      await new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/api/health', agent }, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject);
      });
      const t0 = Date.now();
      await s.close();
      assert.ok(Date.now() - t0 < 2000);
      agent.destroy();
    });
  });

  describe('options', function () {
    const bad = [
      [{}, /^secret must be a string of at least 16 characters$/],
      [{ secret: 'short' }, /^secret must be a string of at least 16 characters$/],
      [{ secret: SECRET, port: 70000 }, /^port must be an integer 0–65535/],
      [{ secret: SECRET, host: '' }, /^host /],
      [{ secret: SECRET, publicUrl: 'ftp://x' }, /^publicUrl /],
      [{ secret: SECRET, tokenTtlSeconds: 0 }, /^tokenTtlSeconds /],
      [{ secret: SECRET, maxBodyBytes: 'big' }, /^maxBodyBytes /],
      [{ secret: SECRET, maxCalls: 0 }, /^maxCalls /],
      [{ secret: SECRET, dataDir: 5 }, /^dataDir /],
      [{ secret: SECRET, fallbackTimeoutMs: 499 }, /^fallbackTimeoutMs must be an integer 500–60000/],
      [{ secret: SECRET, fallbackTimeoutMs: 60001 }, /^fallbackTimeoutMs /],
      [{ secret: SECRET, maxConnectionsPerIp: 0 }, /^maxConnectionsPerIp must be an integer 1–10000/],
      [{ secret: SECRET, maxConnectionsPerIp: 1.5 }, /^maxConnectionsPerIp /],
      [{ secret: SECRET, media: { ports: { min: 1 } } }, /^media: ports.min /],
      [{ secret: SECRET, colour: 'blue' }, /unknown option 'colour'/],
    ];
    for (const [options, re] of bad) {
      it(`createCallService(${JSON.stringify(options).replace(SECRET, '<secret>')}) throws ERR_INVALID_OPTION`, function () {
        assert.throws(() => createCallService(options), (err) => err.code === 'ERR_INVALID_OPTION' && re.test(err.message));
      });
    }

    it('publicUrl sets the signalling URL', async function () {
      const { s, url: u } = await start({ dataDir: undefined, publicUrl: 'https://calls.example.org/lcc/' });
      try {
        const id = (await signedFetch(u, { method: 'POST', path: '/api/calls', body: { roomId: 'r' } })).body.id;
        const res = await signedFetch(u, { method: 'POST', path: `/api/calls/${id}/tokens`, body: { party: 'visitor' } });
        assert.strictEqual(res.body.signallingUrl, 'wss://calls.example.org/lcc/ws');
      } finally {
        await s.close();
      }
    });
  });
});
