'use strict';
// Recording a real call: two Chromium pages (visitor 440 Hz, agent 880 Hz)
// talk through the server with record: true; the files are checked with
// Debian's opus-tools and by finding each tone where it belongs.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { MediaServer } = require('../..');
const { closeAllBrowsers } = require('./helpers/browser');
const { waitFor, sleep } = require('./helpers/signal');
const { callFixture } = require('./helpers/fixture');
const { openTwoParties, connectParties } = require('./helpers/calls');
const { spawn } = require('child_process');
const { decodeOpus, opusInfo, tonePower } = require('./helpers/audio');
const { checkOggOpus } = require('../../js/api/recordings');

/** Two Chromium pages (visitor 440 Hz, agent 880 Hz) connected through `call`. */
async function connectTwoPages(call, baseUrl) {
  const parties = await openTwoParties(baseUrl);
  await connectParties(call, parties);
  return parties;
}

describe('a recorded call', function () {
  this.timeout(120000);
  const env = callFixture({ recordings: true });
  let summary;
  let callMs;

  before(async function () {
    const call = env.media.createCall({ id: '..', record: true });
    const t0 = Date.now();
    await connectTwoPages(call, env.pages.baseUrl);
    await sleep(9000); // about 10 s of call in all
    summary = await call.end();
    callMs = Date.now() - t0;
  });

  it('summary.recording is the complete sidecar, in a folder that cannot escape recordingsDir', function () {
    const rec = summary.recording;
    assert.ok(rec, 'no recording in the summary');
    assert.strictEqual(rec.complete, true, JSON.stringify(rec));
    assert.strictEqual(rec.callId, '..');
    assert.match(rec.folder, /^[A-Za-z0-9._-]+$/);
    assert.ok(!rec.folder.startsWith('.'));
    assert.deepStrictEqual(fs.readdirSync(env.dir), [rec.folder]);
    const onDisk = JSON.parse(fs.readFileSync(path.join(env.dir, rec.folder, 'recording.json'), 'utf8'));
    assert.deepStrictEqual(onDisk, rec);
    assert.deepStrictEqual(rec.files.map((f) => f.name).sort(), ['agent.opus', 'mixed.opus', 'visitor.opus']);
    for (const f of rec.files) assert.strictEqual(f.bytes, fs.statSync(path.join(env.dir, rec.folder, f.name)).size);
  });

  it('each file is valid Ogg Opus and lasts as long as the call (within 100 ms of the sidecar)', function () {
    const rec = summary.recording;
    for (const f of rec.files) {
      const info = opusInfo(path.join(env.dir, rec.folder, f.name));
      assert.ok(info.ok, `${f.name}: ${info.text}`);
      assert.ok(Math.abs(info.durationMs - f.durationMs) <= 100, `${f.name}: opusinfo ${info.durationMs} ms, sidecar ${f.durationMs} ms`);
    }
    const mixed = rec.files.find((f) => f.name === 'mixed.opus');
    assert.ok(Math.abs(mixed.durationMs - rec.durationMs) <= 100, `mixed ${mixed.durationMs} ms vs recording ${rec.durationMs} ms`);
    assert.ok(rec.durationMs <= callMs + 100, `recording ${rec.durationMs} ms longer than the call ${callMs} ms`);
  });

  it('visitor.opus holds 440 Hz and agent.opus 880 Hz', function () {
    const rec = summary.recording;
    const v = decodeOpus(path.join(env.dir, rec.folder, 'visitor.opus'));
    const a = decodeOpus(path.join(env.dir, rec.folder, 'agent.opus'));
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
    const m = decodeOpus(path.join(env.dir, rec.folder, 'mixed.opus'));
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

describe('pausing a recording', function () {
  this.timeout(120000);
  const env = callFixture({ recordings: true });
  let rec;
  const marks = {};

  before(async function () {
    const call = env.media.createCall({ id: 'paused-call', record: true });
    await connectTwoPages(call, env.pages.baseUrl);
    const t0 = Date.parse((await waitFor(async () => (await call.getStats()).startedAt, { what: 'stats' })));
    await sleep(2000);
    marks.pause = (Date.now() - t0) / 1000;
    await call.pauseRecording();
    await sleep(2500);
    marks.resume = (Date.now() - t0) / 1000;
    await call.resumeRecording();
    await sleep(2500);
    rec = (await call.end()).recording;
  });

  it('the sidecar lists the pause and the files still last the whole recording', function () {
    assert.strictEqual(rec.complete, true);
    assert.strictEqual(rec.pauses.length, 1);
    assert.ok(rec.pauses[0].startedAt && rec.pauses[0].endedAt);
    for (const f of rec.files) assert.ok(Math.abs(f.durationMs - rec.durationMs) <= 150, `${f.name} ${f.durationMs} ms vs ${rec.durationMs} ms`);
  });

  it('the paused stretch is silence in mixed.opus, with the tones before and after it', function () {
    const m = decodeOpus(path.join(env.dir, rec.folder, 'mixed.opus'));
    const inside = [marks.pause + 0.4, marks.resume - 0.4];
    const before = [marks.pause - 1.2, marks.pause - 0.2];
    const after = [marks.resume + 0.5, marks.resume + 1.5];
    const quiet = tonePower(m, 0, 440, ...inside).rms + tonePower(m, 1, 880, ...inside).rms;
    const loudBefore = tonePower(m, 0, 440, ...before).power;
    const loudAfter = tonePower(m, 1, 880, ...after).power;
    assert.ok(quiet < 0.01, `paused stretch ${inside} is not silent: rms ${quiet}`);
    assert.ok(loudBefore > 0.001 && loudAfter > 0.001, `tones missing around the pause: ${loudBefore} ${loudAfter}`);
  });
});

describe('a recording that cannot be written', function () {
  this.timeout(120000);
  const env = callFixture({ media: false, recordings: true });

  it('an unusable recordings folder gives an error event and complete: false, and the call goes on', async function () {
    const blocker = path.join(env.dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'x');
    const media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir: path.join(blocker, 'recordings') });
    try {
      const call = media.createCall({ id: 'unwritable', record: true });
      const failed = new Promise((resolve) => call.on('error', resolve));
      const { agent } = await connectTwoPages(call, env.pages.baseUrl);
      const err = await failed;
      assert.strictEqual(err.code, 'ERR_RECORDING_FAILED');
      assert.match(err.message, /not-a-folder/);
      const before = await agent.audioPacketsReceived();
      await waitFor(async () => (await agent.audioPacketsReceived()) > before + 50, { what: 'audio after the failure' });
      const summary = await call.end();
      assert.strictEqual(summary.recording.complete, false);
      assert.match(summary.recording.error, /not-a-folder/);
    } finally {
      await media.close();
      await closeAllBrowsers();
    }
  });

  it('a disk that fills up mid-call stops the recording; what was written still plays', async function () {
    if (process.getuid() !== 0) this.skip(); // mounting a small tmpfs needs root (CI runs as root)
    const mnt = path.join(env.dir, 'small-disk');
    fs.mkdirSync(mnt);
    require('child_process').execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', mnt]);
    const media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir: mnt });
    try {
      const call = media.createCall({ id: 'full-disk', record: true });
      const failed = new Promise((resolve) => call.on('error', resolve));
      const { agent } = await connectTwoPages(call, env.pages.baseUrl);
      const err = await failed;
      assert.strictEqual(err.code, 'ERR_RECORDING_FAILED');
      const before = await agent.audioPacketsReceived();
      await waitFor(async () => (await agent.audioPacketsReceived()) > before + 50, { what: 'audio after the disk filled' });
      const summary = await call.end();
      assert.strictEqual(summary.recording.complete, false);
      for (const name of ['visitor.opus', 'agent.opus']) {
        const check = checkOggOpus(path.join(mnt, summary.recording.folder, name));
        assert.ok(check.ok, `${name}: ${check.problems.join('; ')}`);
        assert.ok(check.durationMs > 0, `${name} holds no audio`);
      }
    } finally {
      await media.close();
      await closeAllBrowsers();
      require('child_process').execFileSync('umount', [mnt]);
    }
  });
});

describe('a server killed mid-call', function () {
  this.timeout(120000);
  let dir;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-rec-'));
  });

  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves files that play up to the last flush, marked incomplete (and cut to whole pages) by the next start', async function () {
    const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'crash-child.js'), dir],
      { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; if (out.includes('READY')) resolve(); });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before recording`)));
    });
    await sleep(1500); // past the next flush
    process.kill(-child.pid, 'SIGKILL'); // the server and its browsers, without any goodbye
    await new Promise((r) => child.once('exit', r));
    const [folder] = fs.readdirSync(dir);
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, folder, 'recording.json'), 'utf8'));
    assert.strictEqual(sidecar.complete, false);
    assert.strictEqual(sidecar.endedAt, null);
    for (const name of ['visitor.opus', 'agent.opus', 'mixed.opus']) {
      // SIGKILL may stop a write(2) part-way: at most the last page is cut, and it plays up to there.
      const check = checkOggOpus(path.join(dir, folder, name));
      assert.ok(check.ok || (check.truncated && check.problems.length === 1), `${name}: ${check.problems.join('; ')}`);
      assert.ok(check.durationMs >= 3000, `${name} plays only ${check.durationMs} ms`);
      const audio = decodeOpus(path.join(dir, folder, name));
      assert.ok(audio.frames / 48000 >= 3, `${name}: opusdec decoded ${audio.frames / 48000} s`);
    }
    const media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir: dir });
    try {
      const fixed = await waitFor(() => {
        const s = JSON.parse(fs.readFileSync(path.join(dir, folder, 'recording.json'), 'utf8'));
        return s.endedAt && s;
      }, { timeoutMs: 5000, what: 'the restarted server to finish the sidecar' });
      assert.strictEqual(fixed.complete, false);
      assert.strictEqual(fixed.recovered, true);
      assert.ok(fixed.durationMs >= 3000);
      for (const f of fixed.files) assert.ok(f.durationMs >= 3000 && f.bytes > 0, `${f.name}: ${JSON.stringify(f)}`);
      for (const name of ['visitor.opus', 'agent.opus', 'mixed.opus']) {
        const check = checkOggOpus(path.join(dir, folder, name)); // whole pages to the end after recovery
        assert.ok(check.ok, `${name} after recovery: ${check.problems.join('; ')}`);
      }
    } finally {
      await media.close();
    }
  });
});

/** ffprobe's view of a media file: streams and packets of the first video stream. */
function probe(file) {
  const out = require('child_process').execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams',
    '-show_packets', '-select_streams', 'v:0', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const info = JSON.parse(out);
  const all = JSON.parse(require('child_process').execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file],
    { encoding: 'utf8' }));
  return { format: info.format, video: info.streams[0], packets: info.packets || [], streams: all.streams };
}

describe('a recorded video call', function () {
  this.timeout(120000);
  const env = callFixture({ recordings: true });
  let rec;

  before(async function () {
    const call = env.media.createCall({ id: 'video-call', record: true });
    await connectParties(call, await openTwoParties(env.pages.baseUrl, { video: true }));
    await sleep(5000);
    rec = (await call.end()).recording;
  });

  it('each party gets a WebM with its VP8 video and Opus audio, opening on a keyframe', function () {
    assert.strictEqual(rec.complete, true, JSON.stringify(rec));
    for (const party of ['visitor', 'agent']) {
      const entry = rec.files.find((f) => f.name === `${party}.webm`);
      assert.ok(entry, `no ${party}.webm in ${JSON.stringify(rec.files)}`);
      const p = probe(path.join(env.dir, rec.folder, entry.name));
      assert.match(p.format.format_name, /webm|matroska/);
      const codecs = p.streams.map((s) => s.codec_name).sort();
      assert.deepStrictEqual(codecs, ['opus', 'vp8']);
      assert.ok(p.video.width > 0 && p.video.height > 0);
      assert.ok(p.packets.length > 30, `${party}: ${p.packets.length} video packets`);
      assert.match(p.packets[0].flags, /K/, `${party}: the first video packet is not a keyframe`);
      assert.ok(entry.durationMs > 3000, `${party}.webm lasts ${entry.durationMs} ms`);
    }
  });

  it('the WebM files decode without errors (ffmpeg)', function () {
    for (const party of ['visitor', 'agent']) {
      const r = require('child_process').spawnSync('ffmpeg', ['-v', 'error', '-xerror', '-i',
        path.join(env.dir, rec.folder, `${party}.webm`), '-f', 'null', '-'], { encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
    }
  });
});
