'use strict';
// Running out of what a leg needs is a clear error for the new leg, never a
// crash, and the calls already running keep theirs (docs/security.md,
// "Limits"): file descriptors (GLib aborts the process when it cannot make a
// wakeup descriptor, so the core refuses a new leg while fewer than 64 are
// left) and the media port range.

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { MediaServer } = require('../../..');

const INDEX = path.join(__dirname, '..', '..', '..');
const OFFER = path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-offer-audio.sdp');

/** Answers offers on new calls until the core refuses one; reports what happened, as JSON on stdout. */
const FILL_UNTIL_REFUSED = `
const fs = require('fs');
const { MediaServer } = require(${JSON.stringify(INDEX)});
const offer = fs.readFileSync(${JSON.stringify(OFFER)}, 'utf8');
(async () => {
  const media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
  const calls = [];
  let refused = null;
  for (let i = 0; i < 500 && !refused; i++) {
    const call = media.createCall({ id: 'c' + i });
    try {
      await call.answer('visitor', offer);
      calls.push(call);
    } catch (err) {
      refused = { code: err.code, message: err.message };
      await call.end();
    }
  }
  // The calls made before the refusal still work: their legs answer commands.
  const states = (await media.getStats()).map((s) => s.parties.visitor && s.parties.visitor.state);
  await calls[0].addCandidate('visitor', { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 9 typ host', sdpMid: '0' });
  // Ending calls gives their descriptors back (libnice closes them on the
  // media thread shortly after): a new call then gets its leg.
  for (const call of calls.slice(-3)) await call.end();
  let again = false;
  for (let i = 0; i < 100 && !again; i++) {
    const call = media.createCall({ id: 'again' + i });
    again = await call.answer('visitor', offer).then(() => true, async () => { await call.end(); await new Promise((r) => setTimeout(r, 20)); return false; });
  }
  await media.close();
  console.log(JSON.stringify({ made: calls.length, refused, states, again }));
})().catch((err) => { console.log(JSON.stringify({ crash: String(err && err.stack || err) })); process.exit(3); });
`;

describe('resource limits: a new leg is refused, nothing crashes, running calls go on', function () {
  this.timeout(60000);

  it('near the open-files limit (ulimit -n 160) a new leg gets ERR_NO_DESCRIPTORS instead of aborting the process', () => {
    const r = spawnSync('sh', ['-c', `ulimit -n 160 && exec "${process.execPath}" -e "$0"`, FILL_UNTIL_REFUSED], { encoding: 'utf8', timeout: 50000 });
    assert.strictEqual(r.status, 0, `exit ${r.status} ${r.signal || ''}\n${r.stdout}\n${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.ok(out.made >= 1, `some legs fit under the limit: ${r.stdout}`);
    assert.strictEqual(out.refused.code, 'ERR_NO_DESCRIPTORS');
    assert.match(out.refused.message, /file descriptors in use: a new leg needs \d+ free \(raise ulimit -n\)/);
    assert.ok(out.states.length >= out.made && out.states.every((s) => s === 'new' || s === 'connecting'), `running legs untouched: ${out.states}`);
    assert.strictEqual(out.again, true);
  });

  it('with the media port range used up a new leg gets ERR_ICE_FAILED naming the range; the running call keeps its leg', async () => {
    const offer = fs.readFileSync(OFFER, 'utf8');
    const media = new MediaServer({ listenAddresses: ['127.0.0.1'], ports: { min: 45100, max: 45101 } });
    try {
      const calls = [];
      let refused = null;
      for (let i = 0; i < 5 && !refused; i++) {
        const call = media.createCall({ id: `p${i}` });
        try {
          await call.answer('visitor', offer);
          calls.push(call);
        } catch (err) {
          refused = err;
          await call.end();
        }
      }
      assert.ok(refused, 'a leg past the range was refused');
      assert.strictEqual(refused.code, 'ERR_ICE_FAILED');
      assert.match(refused.message, /port range 45100-45101 exhausted/);
      const running = (await calls[0].getStats()).parties.visitor;
      assert.ok(['new', 'connecting'].includes(running.state), running.state);
      await calls[0].end();
      const again = media.createCall({ id: 'again' });
      await again.answer('visitor', offer); // the ended call's port is free again
      await again.end();
    } finally {
      await media.close();
    }
  });
});
