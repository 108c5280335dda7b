#!/usr/bin/env node
'use strict';
// npx livechat-calls recordings [--dir DIR]            list recordings
// npx livechat-calls recordings check <id|folder> [--dir DIR]   verify one recording's files
// npx livechat-calls app-package [OUT.zip]             write the Rocket.Chat App package
// npx livechat-calls serve                             run the call service (as `npm start`; env: docs/deployment.md)

const path = require('path');
const { listRecordings, checkRecording } = require('../api/recordings');

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    'usage: livechat-calls recordings [--dir DIR]\n' +
    '       livechat-calls recordings check <call id or folder> [--dir DIR]\n' +
    '       livechat-calls app-package [OUT.zip]   (default ./livechat-calls-app.zip)\n' +
    '       livechat-calls serve                   the call service; configured by LCC_* variables (serve --help)\n' +
    'DIR defaults to $LCC_RECORDINGS_DIR or ./recordings\n');
  process.exit(code);
}

function fmtDuration(ms) {
  if (typeof ms !== 'number') return '-';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function list(dir) {
  const recs = listRecordings(dir);
  if (!recs.length) {
    console.log(`no recordings in ${dir}`);
    return 0;
  }
  const rows = recs.map((r) => [r.sidecar.callId, r.folder, r.sidecar.startedAt || '-', fmtDuration(r.sidecar.durationMs),
    fmtBytes(r.bytes), r.sidecar.complete ? 'complete' : `incomplete${r.sidecar.error ? `: ${r.sidecar.error}` : ''}`]);
  const head = ['CALL', 'FOLDER', 'STARTED', 'DURATION', 'SIZE', 'STATUS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === r.length - 1 ? c : String(c).padEnd(widths[i]))).join('  '));
  return 0;
}

function progressBar() {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  return (done, total) => {
    if (Date.now() - started < 500 && done < total) return; // only for checks that take a while
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / total) * 100)}%`);
    if (done >= total) process.stderr.write('\n');
  };
}

function check(dir, id) {
  const recs = listRecordings(dir);
  const rec = recs.find((r) => r.folder === id) || recs.find((r) => r.sidecar.callId === id);
  if (!rec) {
    console.error(`no recording '${id}' in ${dir}`);
    return 2;
  }
  const result = checkRecording(dir, rec.folder, progressBar());
  for (const f of result.files) {
    console.log(`${f.ok ? 'ok  ' : 'BAD '} ${f.name}  ${fmtDuration(f.durationMs)}${f.problems.length ? `  ${f.problems.join('; ')}` : ''}`);
  }
  for (const p of result.problems) console.log(`BAD  ${p}`);
  console.log(`${rec.folder}: ${result.ok ? 'all files valid' : 'problems found'}${rec.sidecar.complete ? '' : ' (recording marked incomplete)'}`);
  return result.ok ? 0 : 1;
}

/** Writes the Rocket.Chat App zip (for Administration > Apps > Upload App). */
function appPackage(out) {
  const { buildAppZip } = require('../app/package/build-app-zip');
  const { path: written, files, info } = buildAppZip({ out });
  console.log(`${info.name} ${info.version}: ${written} (${files.length} files)`);
  return 0;
}

const HELP_FLAGS = ['--help', '-h'];

function main(argv) {
  const args = [...argv];
  if (args[0] === 'serve') {
    require('../service/main'); // runs until SIGINT/SIGTERM; reads --help from argv itself
    return undefined;
  }
  // Asking for help is not an error, whichever subcommand it follows.
  if (args.some((a) => HELP_FLAGS.includes(a))) return usage(0);
  let dir = process.env.LCC_RECORDINGS_DIR || './recordings';
  const i = args.indexOf('--dir');
  if (i >= 0) {
    if (!args[i + 1]) usage(2);
    dir = args[i + 1];
    args.splice(i, 2);
  }
  dir = path.resolve(dir);
  if (args[0] === 'app-package' && args.length <= 2) return appPackage(args[1] || 'livechat-calls-app.zip');
  if (args[0] !== 'recordings') usage(2);
  if (args.length === 1) return list(dir);
  if (args[1] === 'check' && args[2]) return check(dir, args[2]);
  return usage(2);
}

process.exitCode = main(process.argv.slice(2));
