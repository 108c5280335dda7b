'use strict';
// call.end() and media.close() give back what a call took: the sockets of its
// ICE agents and the media thread.

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { MediaServer } = require('../../..');

const offer = fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-offer-av.sdp'), 'utf8');

function openSockets() {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try { return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:'); } catch { return false; }
  }).length;
}

function mediaThreads() {
  return fs.readdirSync('/proc/self/task')
    .filter((t) => fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'lcc-media').length;
}

async function settle() {
  // libnice closes TCP and TURN sockets asynchronously on the media thread.
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 20));
}

describe('releasing resources', function () {
  this.timeout(20000);

  for (const [iceTcp, perLeg, what] of [[false, 1, 'a UDP socket'], [true, 2, 'a UDP and a TCP socket']]) {
    it(`call.end() closes the sockets of both legs (iceTcp: ${iceTcp}, each leg holds at least ${what})`, async function () {
      const media = new MediaServer({ listenAddresses: ['127.0.0.1'], iceTcp });
      const before = openSockets();
      const call = media.createCall({ id: 'sockets' });
      await call.answer('visitor', offer);
      await call.offer('agent');
      assert.ok(openSockets() >= before + 2 * perLeg, `each leg holds at least ${what}`);
      await call.end();
      await settle();
      assert.strictEqual(openSockets(), before);
      await media.close();
    });
  }

  it('media.close() ends live calls, closes their sockets and stops the media thread', async function () {
    const sockets = openSockets();
    const threads = mediaThreads();
    const media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
    const call = media.createCall({ id: 'open-call' });
    await call.answer('visitor', offer);
    assert.strictEqual(mediaThreads(), threads + 1);
    await media.close();
    await settle();
    assert.strictEqual(call.ended, true);
    assert.strictEqual(openSockets(), sockets);
    assert.strictEqual(mediaThreads(), threads);
  });
});
