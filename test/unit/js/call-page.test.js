'use strict';
// Without the demo (LCC_DEMO=0, production), the service still serves what a
// party token's joinUrl needs: the call page, its assets and the client; and
// nothing of the demo.

const assert = require('assert');
const http = require('http');
const { createCallService } = require('../../../js/service/call-service');

/** A GET with the path sent exactly as given. */
function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    }).on('error', reject);
  });
}

describe('call page without the demo', () => {
  let service;
  let port;
  before(async () => {
    service = createCallService({ secret: 'call-page-test-secret-0123456789', port: 0, media: { listenAddresses: ['127.0.0.1'] } });
    port = Number(new URL((await service.listen()).url).port);
  });
  after(() => service.close());

  it('GET /call is the join page, with a same-origin CSP and no referrer', async () => {
    const r = await get(port, '/call');
    assert.strictEqual(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.headers['content-security-policy'], /script-src 'self'/);
    assert.strictEqual(r.headers['referrer-policy'], 'no-referrer');
  });

  it('its assets and the client are served; the client with CORS open for the widget', async () => {
    for (const p of ['/assets/call.js', '/assets/call-view.js', '/assets/ui.css', '/client/livechat-call.js']) {
      assert.strictEqual((await get(port, p)).status, 200, p);
    }
    assert.strictEqual((await get(port, '/client/livechat-call.js')).headers['access-control-allow-origin'], '*');
  });

  it('the demo pages and anything outside the folders are not there', async () => {
    for (const p of ['/visitor', '/agent', '/recordings', '/demo/', '/call/x', '/assets/../package.json', '/assets/%2e%2e/package.json', '/client/README.md', '/assets/call.html', '/assets/%63all.html']) {
      assert.strictEqual((await get(port, p)).status, 404, p);
    }
  });
});
