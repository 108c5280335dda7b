'use strict';
// Recordings on disk: list them, verify their files, finish the sidecars of
// recordings a crash left behind, and remove expired ones. Pure Node (no
// add-on), so the CLI and a service without media can use it.
//
// Layout (docs/recording.md): <dir>/<folder>/{visitor,agent,mixed}.opus,
// {visitor,agent}.webm, recording.json.

const fs = require('fs');
const os = require('os');
const path = require('path');

const SIDECAR = 'recording.json';
const LIVE_SIDECAR_MS = 30000; // a live recording rewrites its sidecar every 5 s

/** CRC-32 of Ogg pages (polynomial 0x04c11db7, no reflection; RFC 3533). */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? ((r << 1) ^ 0x04c11db7) >>> 0 : (r << 1) >>> 0;
    t[i] = r >>> 0;
  }
  return t;
})();

function oggCrc(buf) {
  let crc = 0;
  for (let i = 0; i < buf.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ buf[i]) & 0xff]) >>> 0;
  return crc >>> 0;
}

/**
 * Walks an Ogg Opus file page by page: checks capture patterns, CRCs and
 * granule order. Returns { ok, problems[], pages, durationMs, complete (an EOS page),
 * wholeBytes (where the last whole page ends), truncated (the file ends inside a page) }.
 * @param {string} file
 * @param {(done: number, total: number) => void} [onProgress]
 */
function checkOggOpus(file, onProgress) {
  const buf = fs.readFileSync(file);
  const problems = [];
  let off = 0;
  let pages = 0;
  let preSkip = 0;
  let lastGranule = -1n;
  let eos = false;
  let truncated = false;
  while (off < buf.length) {
    if (buf.length - off < 27 || buf.toString('latin1', off, off + 4) !== 'OggS') {
      problems.push(`no Ogg page at byte ${off} (${buf.length - off} bytes left)`);
      break;
    }
    const nseg = buf[off + 26];
    if (buf.length - off < 27 + nseg) { problems.push(`page ${pages} truncated`); truncated = true; break; }
    let body = 0;
    for (let i = 0; i < nseg; i++) body += buf[off + 27 + i];
    const len = 27 + nseg + body;
    if (buf.length - off < len) { problems.push(`page ${pages} truncated`); truncated = true; break; }
    const page = Buffer.from(buf.subarray(off, off + len));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    if (oggCrc(page) !== crc) problems.push(`page ${pages} has a bad CRC`);
    const granule = buf.readBigInt64LE(off + 6);
    if (pages === 0) {
      // OpusHead is at least 19 bytes (RFC 7845 §5.1); a shorter one is damage, not a crash
      // (found by test/fuzz/js/ogg_reader.fuzz.js).
      if (body < 19 || buf.toString('latin1', off + 27 + nseg, off + 35 + nseg) !== 'OpusHead') problems.push('first page is not OpusHead');
      else preSkip = buf.readUInt16LE(off + 27 + nseg + 10);
    }
    if (granule !== -1n) {
      if (granule < lastGranule) problems.push(`granule goes back at page ${pages}`);
      lastGranule = granule;
    }
    if (buf[off + 5] & 0x04) eos = true;
    pages++;
    off += len;
    if (onProgress && pages % 256 === 0) onProgress(off, buf.length);
  }
  if (onProgress) onProgress(buf.length, buf.length);
  const samples = lastGranule > BigInt(preSkip) ? Number(lastGranule) - preSkip : 0;
  return { ok: problems.length === 0, problems, pages, durationMs: Math.round(samples / 48), complete: eos, wholeBytes: off, truncated };
}

/** A WebM file starts with an EBML header whose DocType is webm. */
function checkWebm(file) {
  const head = Buffer.alloc(64);
  const fd = fs.openSync(file, 'r');
  const n = fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  const ok = n >= 4 && head.readUInt32BE(0) === 0x1a45dfa3 && head.subarray(0, n).includes(Buffer.from('webm'));
  return { ok, problems: ok ? [] : ['not a WebM file (no EBML header with DocType webm)'], durationMs: null };
}

function readSidecar(folder) {
  try {
    return JSON.parse(fs.readFileSync(path.join(folder, SIDECAR), 'utf8'));
  } catch {
    return null;
  }
}

function writeSidecar(folder, sidecar) {
  const tmp = path.join(folder, `.${SIDECAR}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o640);
  try {
    fs.writeSync(fd, JSON.stringify(sidecar, null, 2));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(folder, SIDECAR));
}

/**
 * Every recording folder under dir with its sidecar, newest first.
 * @returns {{folder: string, path: string, sidecar: object, bytes: number}[]}
 */
function listRecordings(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const name of fs.readdirSync(dir)) {
    const folder = path.join(dir, name);
    const sidecar = fs.statSync(folder).isDirectory() ? readSidecar(folder) : null;
    if (!sidecar) continue;
    const bytes = fs.readdirSync(folder).reduce((n, f) => n + fs.statSync(path.join(folder, f)).size, 0);
    out.push({ folder: name, path: folder, sidecar, bytes });
  }
  return out.sort((a, b) => String(b.sidecar.startedAt).localeCompare(String(a.sidecar.startedAt)));
}

/** A sidecar's writer is alive when it is a live process on this host, or
 * (another host) when it rewrote the sidecar within the last 30 s. */
function writerMayBeAlive(sidecar, ageMs) {
  if (sidecar.host === os.hostname() && Number.isInteger(sidecar.pid)) {
    if (sidecar.pid === process.pid) return true;
    try {
      process.kill(sidecar.pid, 0);
      return true;
    } catch (err) {
      return err.code === 'EPERM';
    }
  }
  return ageMs < LIVE_SIDECAR_MS;
}

/**
 * Recordings a crash left unfinished (complete: false, no end, sidecar not
 * rewritten for 30 s) get their end, durations and sizes from the files and
 * stay complete: false. An Ogg file the crash cut inside a page (SIGKILL can
 * stop a write(2) part-way) is cut back to its last whole page, so every
 * checker and player reads it to the end. Returns the folders fixed.
 */
function recoverUnfinished(dir, { now = Date.now() } = {}) {
  const fixed = [];
  for (const rec of listRecordings(dir)) {
    const s = rec.sidecar;
    if (s.complete || s.endedAt) continue;
    if (writerMayBeAlive(s, now - fs.statSync(path.join(rec.path, SIDECAR)).mtimeMs)) continue;
    let longest = 0;
    for (const f of s.files || []) {
      const file = path.join(rec.path, f.name);
      if (!fs.existsSync(file)) continue;
      let check = f.name.endsWith('.opus') ? checkOggOpus(file) : checkWebm(file);
      if (check.truncated && check.problems.length === 1 && check.pages > 0) {
        fs.truncateSync(file, check.wholeBytes);
        check = checkOggOpus(file);
      }
      f.bytes = fs.statSync(file).size;
      if (check.durationMs !== null) f.durationMs = check.durationMs;
      longest = Math.max(longest, f.durationMs || 0);
    }
    s.durationMs = longest;
    s.endedAt = new Date(Date.parse(s.startedAt) + longest).toISOString();
    s.complete = false;
    s.error = s.error || 'the process stopped while recording; files hold what was written up to the last flush';
    s.recovered = true;
    writeSidecar(rec.path, s);
    fixed.push(rec.folder);
  }
  return fixed;
}

/** Removes recordings that started more than `days` days ago. Returns the folders removed. */
function removeExpired(dir, days, { now = Date.now() } = {}) {
  if (!days) return [];
  const removed = [];
  for (const rec of listRecordings(dir)) {
    const started = Date.parse(rec.sidecar.startedAt);
    if (Number.isFinite(started) && now - started > days * 86400000) {
      fs.rmSync(rec.path, { recursive: true, force: true });
      removed.push(rec.folder);
    }
  }
  return removed;
}

/**
 * Verifies one recording's files against its sidecar.
 * @returns {{ok: boolean, files: {name: string, ok: boolean, problems: string[], durationMs: number|null}[]}}
 */
function checkRecording(dir, folder, onProgress) {
  const base = path.join(dir, path.basename(folder));
  const sidecar = readSidecar(base);
  if (!sidecar) return { ok: false, files: [], problems: [`no ${SIDECAR} in ${base}`] };
  const files = [];
  const total = (sidecar.files || []).reduce((n, f) => n + (f.bytes || 0), 0) || 1;
  let before = 0;
  for (const f of sidecar.files || []) {
    const file = path.join(base, f.name);
    if (!fs.existsSync(file)) {
      files.push({ name: f.name, ok: false, problems: ['missing'], durationMs: null });
      continue;
    }
    const progress = onProgress ? (done) => onProgress(before + done, total) : undefined;
    const r = f.name.endsWith('.opus') ? checkOggOpus(file, progress) : checkWebm(file);
    if (f.name.endsWith('.opus') && sidecar.complete && !r.complete) r.problems.push('no end-of-stream page');
    if (r.durationMs !== null && f.durationMs !== undefined && Math.abs(r.durationMs - f.durationMs) > 100) {
      r.problems.push(`lasts ${r.durationMs} ms, the sidecar says ${f.durationMs} ms`);
    }
    files.push({ name: f.name, ok: r.problems.length === 0, problems: r.problems, durationMs: r.durationMs });
    before += f.bytes || 0;
  }
  return { ok: files.every((f) => f.ok), files, problems: [] };
}

module.exports = { listRecordings, recoverUnfinished, removeExpired, checkRecording, checkOggOpus };
