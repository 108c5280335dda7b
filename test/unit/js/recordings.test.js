'use strict';
// The recordings tools on real Ogg Opus files made by opusenc (opus-tools):
// listing, verifying (a flipped byte or a cut file is caught), expiry, crash
// recovery of sidecars, and the CLI.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { listRecordings, checkRecording, checkOggOpus, removeExpired, recoverUnfinished } = require('../../../js/api/recordings');

const CLI = path.join(__dirname, '..', '..', '..', 'js', 'cli', 'main.js');

function makeOpus(file, seconds, freq) {
  const wav = `${file}.wav`;
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', wav, 'synth', String(seconds), 'sine', String(freq), 'vol', '0.5']);
  execFileSync('opusenc', ['--quiet', wav, file]);
  fs.rmSync(wav);
}

function makeRecording(dir, folder, { startedAt, complete = true, seconds = 2, pid, endedAt } = {}) {
  const base = path.join(dir, folder);
  fs.mkdirSync(base, { recursive: true });
  const files = [];
  for (const [name, freq] of [['visitor.opus', 440], ['agent.opus', 880], ['mixed.opus', 660]]) {
    makeOpus(path.join(base, name), seconds, freq);
    files.push({ name, bytes: fs.statSync(path.join(base, name)).size, durationMs: complete ? seconds * 1000 : 0 });
  }
  const sidecar = { version: 1, callId: folder, folder, host: os.hostname(), pid: pid || process.pid,
    startedAt, endedAt: complete ? endedAt || startedAt : null, durationMs: complete ? seconds * 1000 : 0, files,
    pauses: [], complete, error: null };
  fs.writeFileSync(path.join(base, 'recording.json'), JSON.stringify(sidecar));
  return base;
}

describe('recordings on disk', function () {
  this.timeout(30000);
  let dir;

  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-recs-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('listRecordings() lists folders with a sidecar, newest first, with their size', function () {
    makeRecording(dir, 'old', { startedAt: '2026-01-01T00:00:00.000Z' });
    makeRecording(dir, 'new', { startedAt: '2026-06-01T00:00:00.000Z' });
    fs.mkdirSync(path.join(dir, 'not-a-recording'));
    const recs = listRecordings(dir);
    assert.deepStrictEqual(recs.map((r) => r.folder), ['new', 'old']);
    assert.ok(recs[0].bytes > 1000);
  });

  it('checkOggOpus() names a page whose OpusHead is cut short instead of throwing (found by fuzzing)', function () {
    const file = path.join(dir, 'short-head.opus');
    fs.copyFileSync(path.join(__dirname, '..', '..', 'fuzz', 'js', 'corpus', 'ogg_reader', 'regress-short-opushead'), file);
    const r = checkOggOpus(file);
    assert.strictEqual(r.ok, false);
    assert.ok(r.problems.includes('first page is not OpusHead'), r.problems.join('; '));
  });

  it('checkRecording() accepts good files and names a flipped byte and a cut file', function () {
    const base = makeRecording(dir, 'rec', { startedAt: '2026-01-01T00:00:00.000Z' });
    assert.ok(checkRecording(dir, 'rec').ok);
    const agent = path.join(base, 'agent.opus');
    const bytes = fs.readFileSync(agent);
    bytes[bytes.length - 100] ^= 0xff;
    fs.writeFileSync(agent, bytes);
    fs.truncateSync(path.join(base, 'visitor.opus'), 3000);
    const r = checkRecording(dir, 'rec');
    assert.strictEqual(r.ok, false);
    const byName = Object.fromEntries(r.files.map((f) => [f.name, f]));
    assert.match(byName['agent.opus'].problems.join(), /bad CRC/);
    assert.match(byName['visitor.opus'].problems.join(), /truncated|lasts/);
    assert.strictEqual(byName['mixed.opus'].ok, true);
  });

  it('removeExpired() removes only recordings older than the retention', function () {
    const now = Date.parse('2026-03-01T00:00:00.000Z');
    makeRecording(dir, 'expired', { startedAt: '2026-01-01T00:00:00.000Z' });
    makeRecording(dir, 'kept', { startedAt: '2026-02-25T00:00:00.000Z' });
    assert.deepStrictEqual(removeExpired(dir, 30, { now }), ['expired']);
    assert.deepStrictEqual(fs.readdirSync(dir), ['kept']);
    assert.deepStrictEqual(removeExpired(dir, 0, { now }), []);
  });

  it('recoverUnfinished() completes the sidecar of a dead writer from its files, and leaves live ones', function () {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    makeRecording(dir, 'crashed', { startedAt: '2026-01-01T00:00:00.000Z', complete: false, seconds: 3, pid: Number(dead.stdout) });
    makeRecording(dir, 'live', { startedAt: '2026-01-01T00:00:00.000Z', complete: false, seconds: 1 });
    assert.deepStrictEqual(recoverUnfinished(dir), ['crashed']);
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'crashed', 'recording.json'), 'utf8'));
    assert.strictEqual(s.complete, false);
    assert.strictEqual(s.recovered, true);
    for (const f of s.files) assert.ok(Math.abs(f.durationMs - 3000) <= 30, `${f.name}: ${f.durationMs}`);
    assert.strictEqual(checkRecording(dir, 'crashed').ok, true);
    assert.strictEqual(s.endedAt, new Date(Date.parse(s.startedAt) + s.durationMs).toISOString());
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(dir, 'live', 'recording.json'), 'utf8')).endedAt, null);
  });

  it('recoverUnfinished() cuts an Ogg file a kill left inside a page back to its last whole page', function () {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const base = makeRecording(dir, 'killed', { startedAt: '2026-01-01T00:00:00.000Z', complete: false, seconds: 3, pid: Number(dead.stdout) });
    const mixed = path.join(base, 'mixed.opus');
    const size = fs.statSync(mixed).size;
    fs.truncateSync(mixed, size - 200); // the write of the last page stopped part-way
    const before = checkOggOpus(mixed);
    assert.deepStrictEqual([before.ok, before.truncated], [false, true], before.problems.join('; '));
    assert.deepStrictEqual(recoverUnfinished(dir), ['killed']);
    const after = checkOggOpus(mixed);
    assert.ok(after.ok, after.problems.join('; '));
    assert.strictEqual(fs.statSync(mixed).size, before.wholeBytes);
    const s = JSON.parse(fs.readFileSync(path.join(base, 'recording.json'), 'utf8'));
    const entry = s.files.find((f) => f.name === 'mixed.opus');
    assert.strictEqual(entry.bytes, before.wholeBytes);
    assert.ok(entry.durationMs > 0 && entry.durationMs < 3000, `${entry.durationMs}`);
  });

  it('`livechat-calls recordings` lists them and `recordings check` exits 1 on a damaged file', function () {
    const base = makeRecording(dir, 'room7-call1', { startedAt: '2026-01-01T00:00:00.000Z' });
    const list = spawnSync(process.execPath, [CLI, 'recordings', '--dir', dir], { encoding: 'utf8' });
    assert.strictEqual(list.status, 0);
    assert.match(list.stdout, /room7-call1.*0:00:02.*complete/);
    const ok = spawnSync(process.execPath, [CLI, 'recordings', 'check', 'room7-call1', '--dir', dir], { encoding: 'utf8' });
    assert.strictEqual(ok.status, 0, ok.stdout);
    fs.truncateSync(path.join(base, 'mixed.opus'), 2000);
    const bad = spawnSync(process.execPath, [CLI, 'recordings', 'check', 'room7-call1', '--dir', dir], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 1);
    assert.match(bad.stdout, /BAD\s+mixed\.opus/);
    const none = spawnSync(process.execPath, [CLI, 'recordings', 'check', 'nope', '--dir', dir], { encoding: 'utf8' });
    assert.strictEqual(none.status, 2);
  });
});
