'use strict';
// Recording a real call: two Chromium pages (visitor 440 Hz, agent 880 Hz)
// talk through the server with record: true; the files are checked with
// Debian's opus-tools and by finding each tone where it belongs.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { MediaServer } = require('../..');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { toneFile } = require('./helpers/tones');
const { startPageServer, openPeer } = require('./helpers/pages');
const { waitFor, sleep } = require('./helpers/signal');
const { pageOffers, serverOffers } = require('./helpers/calls');
const { decodeOpus, opusInfo, tonePower } = require('./helpers/audio');

describe('a recorded call', function () {
  this.timeout(120000);
  let pages;
  let media;
  let dir;
  let summary;
  let callMs;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-rec-'));
    pages = await startPageServer();
    media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir: dir });
    const [vb, ab] = await Promise.all([
      launchBrowser({ name: 'visitor', fakeAudioFile: await toneFile(440) }),
      launchBrowser({ name: 'agent', fakeAudioFile: await toneFile(880) }),
    ]);
    const [visitor, agent] = await Promise.all([
      openPeer(vb, { baseUrl: pages.baseUrl }),
      openPeer(ab, { baseUrl: pages.baseUrl }),
    ]);
    const call = media.createCall({ id: '..', record: true });
    const t0 = Date.now();
    await Promise.all([pageOffers(call, 'visitor', visitor), serverOffers(call, 'agent', agent)]);
    await waitFor(async () => (await agent.audioPacketsReceived()) > 50, { what: 'relayed audio' });
    await sleep(6000);
    summary = await call.end();
    callMs = Date.now() - t0;
  });

  after(async function () {
    await closeAllBrowsers();
    if (media) await media.close();
    if (pages) await pages.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('summary.recording is the complete sidecar, in a folder that cannot escape recordingsDir', function () {
    const rec = summary.recording;
    assert.ok(rec, 'no recording in the summary');
    assert.strictEqual(rec.complete, true, JSON.stringify(rec));
    assert.strictEqual(rec.callId, '..');
    assert.match(rec.folder, /^[A-Za-z0-9._-]+$/);
    assert.ok(!rec.folder.startsWith('.'));
    assert.deepStrictEqual(fs.readdirSync(dir), [rec.folder]);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, rec.folder, 'recording.json'), 'utf8'));
    assert.deepStrictEqual(onDisk, rec);
    assert.deepStrictEqual(rec.files.map((f) => f.name).sort(), ['agent.opus', 'mixed.opus', 'visitor.opus']);
    for (const f of rec.files) assert.strictEqual(f.bytes, fs.statSync(path.join(dir, rec.folder, f.name)).size);
  });

  it('each file is valid Ogg Opus and lasts as long as the call (within 100 ms of the sidecar)', function () {
    const rec = summary.recording;
    for (const f of rec.files) {
      const info = opusInfo(path.join(dir, rec.folder, f.name));
      assert.ok(info.ok, `${f.name}: ${info.text}`);
      assert.ok(Math.abs(info.durationMs - f.durationMs) <= 100, `${f.name}: opusinfo ${info.durationMs} ms, sidecar ${f.durationMs} ms`);
    }
    const mixed = rec.files.find((f) => f.name === 'mixed.opus');
    assert.ok(Math.abs(mixed.durationMs - rec.durationMs) <= 100, `mixed ${mixed.durationMs} ms vs recording ${rec.durationMs} ms`);
    assert.ok(rec.durationMs <= callMs + 100, `recording ${rec.durationMs} ms longer than the call ${callMs} ms`);
  });

  it('visitor.opus holds 440 Hz and agent.opus 880 Hz', function () {
    const rec = summary.recording;
    const v = decodeOpus(path.join(dir, rec.folder, 'visitor.opus'));
    const a = decodeOpus(path.join(dir, rec.folder, 'agent.opus'));
    const end = Math.min(v.frames, a.frames) / 48000;
    const t = [end - 3, end - 1];
    const v440 = tonePower(v, 0, 440, ...t).power;
    const v880 = tonePower(v, 0, 880, ...t).power;
    const a880 = tonePower(a, 0, 880, ...t).power;
    const a440 = tonePower(a, 0, 440, ...t).power;
    assert.ok(v440 > 10 * v880, `visitor: 440 Hz ${v440} vs 880 Hz ${v880}`);
    assert.ok(a880 > 10 * a440, `agent: 880 Hz ${a880} vs 440 Hz ${a440}`);
  });

  it('mixed.opus is stereo with 440 Hz on the left and 880 Hz on the right', function () {
    const rec = summary.recording;
    const m = decodeOpus(path.join(dir, rec.folder, 'mixed.opus'));
    assert.strictEqual(m.channels, 2);
    const end = m.frames / 48000;
    const t = [end - 3, end - 1];
    const l440 = tonePower(m, 0, 440, ...t).power;
    const l880 = tonePower(m, 0, 880, ...t).power;
    const r880 = tonePower(m, 1, 880, ...t).power;
    const r440 = tonePower(m, 1, 440, ...t).power;
    assert.ok(l440 > 10 * l880, `left: 440 Hz ${l440} vs 880 Hz ${l880}`);
    assert.ok(r880 > 10 * r440, `right: 880 Hz ${r880} vs 440 Hz ${r440}`);
  });
});
