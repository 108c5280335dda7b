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

  it('no site may frame the call page (CSP frame-ancestors and X-Frame-Options); its overlay mode ?embed=1 may be framed', async () => {
    const page = await get(port, '/call');
    assert.match(page.headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.strictEqual(page.headers['x-frame-options'], 'DENY');
    const overlay = await get(port, '/call?embed=1');
    assert.strictEqual(overlay.status, 200);
    assert.match(overlay.headers['content-security-policy'], /frame-ancestors \*$/);
    assert.strictEqual(overlay.headers['x-frame-options'], undefined);
  });

  it('with embedOrigins, only those sites may frame the overlay', async () => {
    const s = createCallService({
      secret: 'call-page-test-secret-0123456789', port: 0, media: { listenAddresses: ['127.0.0.1'] },
      embedOrigins: ['https://shop.example.com', 'https://www.example.org:8443'],
    });
    try {
      const p = Number(new URL((await s.listen()).url).port);
      const overlay = await get(p, '/call?embed=1');
      assert.match(overlay.headers['content-security-policy'], /frame-ancestors https:\/\/shop\.example\.com https:\/\/www\.example\.org:8443$/);
      assert.match((await get(p, '/call')).headers['content-security-policy'], /frame-ancestors 'none'/);
    } finally {
      await s.close();
    }
    assert.throws(() => createCallService({ secret: 'call-page-test-secret-0123456789', embedOrigins: ['https://shop.example.com/cart'] }), /^LccError: embedOrigins must be/);
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
