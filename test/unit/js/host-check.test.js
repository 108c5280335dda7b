'use strict';
// The Host check (DNS-rebinding defence, docs/security.md#the-host-header), against a
// real call service on 127.0.0.1: a request or WebSocket upgrade that names
// another host (what a rebinding page sends) is refused with 421; the public
// URL's host, the allowed hosts and the loopback names are served.

const assert = require('assert');
const http = require('http');
const { WebSocket } = require('ws');
const { createCallService } = require('../../../js/service/call-service');
const { signRequest } = require('../../../js/common/request-signing');

const SECRET = 'host-check-test-secret-0123456789';

/** A request to 127.0.0.1:port with this Host header; resolves with {status, body}. */
function request(port, host, { method = 'GET', path = '/healthz', headers = {}, body = '' } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, host } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket upgrade with this Host header: 'open' or the HTTP status it was refused with. */
function upgrade(port, host, path) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host } });
    ws.once('open', () => { ws.terminate(); resolve('open'); });
    ws.once('unexpected-response', (req, res) => { res.resume(); resolve(res.statusCode); });
    ws.once('error', reject);
  });
}

describe('Host check (DNS rebinding)', function () {
  this.timeout(10000);
  let service;
  let port;

  before(async () => {
    service = createCallService({
      secret: SECRET, port: 0, publicUrl: 'https://calls.example.org', allowedHosts: ['calls.internal'],
      media: { listenAddresses: ['127.0.0.1'] },
    });
    ({ port } = new URL((await service.listen()).url));
  });
  after(() => service.close());

  it('refuses HTTP requests naming another host with 421 ERR_HOST_NOT_ALLOWED, on every route', async () => {
    const body = JSON.stringify({ roomId: 'r' });
    const signed = signRequest({ secret: SECRET, method: 'POST', path: '/api/calls', body });
    for (const [host, opts] of [
      ['evil.example', {}],
      [`evil.example:${port}`, { path: '/call' }],
      ['evil.example', { path: '/metrics' }],
      ['calls.example.org.evil.example', { path: '/client/livechat-call.js' }],
      ['evil.example', { method: 'POST', path: '/api/calls', headers: { ...signed, 'content-type': 'application/json' }, body }],
    ]) {
      const res = await request(port, host, opts);
      assert.strictEqual(res.status, 421, `${host} ${opts.path || '/healthz'}`);
      assert.strictEqual(JSON.parse(res.body).error.code, 'ERR_HOST_NOT_ALLOWED');
    }
    assert.strictEqual(service.calls.openCount, 0, 'the signed request made no call');
  });

  it('refuses WebSocket upgrades on /ws and /ring naming another host with 421', async () => {
    for (const path of ['/ws', '/ring']) {
      assert.strictEqual(await upgrade(port, 'evil.example', path), 421, path);
      assert.strictEqual(await upgrade(port, `localhost:${port}`, path), 'open', path);
    }
  });

  it("serves the public URL's host, the allowed hosts, the loopback names and IP addresses (never a rebinding page's Host), with any port", async () => {
    for (const host of ['calls.example.org', 'Calls.Example.ORG:443', 'calls.internal:3000', `localhost:${port}`, 'localhost.',
      `127.0.0.1:${port}`, `[::1]:${port}`, '[::1]', '10.0.0.5:3000', '[2001:db8::5]:443']) {
      assert.strictEqual((await request(port, host)).status, 200, host);
    }
  });

  it('allowedHosts takes host names only', () => {
    for (const allowedHosts of ['calls.internal', ['calls.internal:3000'], ['http://calls.internal'], [5]]) {
      assert.throws(() => createCallService({ secret: SECRET, allowedHosts }), (err) => err.code === 'ERR_INVALID_OPTION' && /^allowedHosts must be/.test(err.message));
    }
  });
});
