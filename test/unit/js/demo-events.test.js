'use strict';
// The demo's event streams (/demo/events, what the demo visitor page listens
// to): a client cannot hold an unlimited number open.

const assert = require('assert');
const http = require('http');
const { createCallService } = require('../../../js/service/call-service');
const { mountDemo, MAX_EVENT_STREAMS } = require('../../../js/service/web/demo');

/** Opens /demo/events; resolves with {status, req} once the answer's head is in (a stream stays open). */
function openStream(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/demo/events', agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, req });
    });
    req.on('error', reject);
  });
}

describe('demo event streams', function () {
  let service;
  let demo;
  let port;
  const open = [];
  before(async () => {
    service = createCallService({ secret: 'demo-events-secret-0123456789', port: 0, media: { listenAddresses: ['127.0.0.1'] } });
    demo = mountDemo(service);
    port = Number(new URL((await service.listen()).url).port);
  });
  after(async () => {
    for (const { req } of open) req.destroy();
    demo.close();
    await service.close();
  });

  it(`serves ${MAX_EVENT_STREAMS} streams at once, refuses more with 503, and serves again once one closes`, async () => {
    for (let i = 0; i < MAX_EVENT_STREAMS; i++) {
      open.push(await openStream(port));
      assert.strictEqual(open[i].status, 200, `stream ${i + 1}`);
    }
    const refused = await openStream(port);
    open.push(refused);
    assert.strictEqual(refused.status, 503);
    const first = open.shift();
    first.req.destroy();
    for (;;) { // the service notices the closed stream
      const again = await openStream(port);
      open.push(again);
      if (again.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
