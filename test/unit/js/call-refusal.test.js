'use strict';
// A call the core refuses to create reaches the caller as an error with the
// core's code: `call.ready` rejects, 'error' is emitted, and the first (and
// every) operation rejects with it. The refusal here is the core's own
// duplicate-id check (csrc/core/server/server.c, run_call_create): JS checks
// ids first, so the test makes JS forget a live call to let the core decide.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { MediaServer, LccError } = require('../../../js');

function isCoreRefusal(err) {
  assert.ok(err instanceof LccError, `expected an LccError, got ${err && err.stack}`);
  assert.strictEqual(err.code, 'ERR_CALL_EXISTS', `${err.code}: ${err.message}`);
  assert.match(err.message, /call 'dup' exists/, 'the core\'s own message');
  return true;
}

describe('A call the core refuses (native)', function () {
  this.timeout(20000);
  let media;
  let dir;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-refusal-'));
    media = new MediaServer({ listenAddresses: ['127.0.0.1'], ports: { min: 46000, max: 46999 }, recordingsDir: dir });
  });

  afterEach(async () => {
    await media.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Creates 'dup' in the core, then hides it from JS so the next createCall('dup') reaches the core. */
  async function liveCallHiddenFromJs() {
    const first = media.createCall({ id: 'dup' });
    await first.ready;
    media._calls.delete('dup');
    return first;
  }

  it('ready resolves once the core created the call', async () => {
    const call = media.createCall({ id: 'fine' });
    assert.ok(call.ready instanceof Promise);
    assert.strictEqual(await call.ready, undefined);
    assert.strictEqual(call.ended, false);
    assert.match(await call.offer('visitor'), /^v=0\r?\n/);
  });

  it("ready rejects with the core's code; 'error' then 'end' are emitted; every method rejects with the same code", async () => {
    const first = await liveCallHiddenFromJs();
    const refused = media.createCall({ id: 'dup' }); // still synchronous: no throw, JS did not see the live call
    const seen = [];
    refused.on('error', (err) => seen.push(['error', err.code]));
    refused.on('end', () => seen.push(['end']));
    const early = refused.answer('visitor', 'v=0\r\n'); // issued before the refusal arrived

    await assert.rejects(refused.ready, isCoreRefusal);
    await assert.rejects(early, isCoreRefusal);
    assert.deepStrictEqual(seen, [['error', 'ERR_CALL_EXISTS'], ['end']]);
    assert.strictEqual(refused.ended, true);

    // Issued after the refusal: the same code, not ERR_CALL_ENDED.
    await assert.rejects(refused.offer('agent'), isCoreRefusal);
    await assert.rejects(refused.addCandidate('agent', null), isCoreRefusal);
    await assert.rejects(refused.startRecording(), isCoreRefusal);
    await assert.rejects(refused.getStats(), isCoreRefusal);
    // end() stays safe to call in clean-up code.
    const summary = await refused.end();
    assert.strictEqual(summary.id, 'dup');
    assert.deepStrictEqual(summary.parties, { visitor: null, agent: null });

    // The call the core kept is untouched.
    media._calls.set('dup', first);
    assert.match(await first.offer('visitor'), /^v=0\r?\n/);
    assert.strictEqual(first.ended, false);
  });

  it('a refusal nobody listens for does not crash: no unhandled rejection, and the first operation rejects with it', async () => {
    await liveCallHiddenFromJs();
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const refused = media.createCall({ id: 'dup' });
      await new Promise((resolve) => refused.once('end', resolve));
      await new Promise((resolve) => setImmediate(resolve));
      await assert.rejects(refused.offer('visitor'), isCoreRefusal);
      assert.deepStrictEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
