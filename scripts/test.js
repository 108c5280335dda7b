#!/usr/bin/env node
'use strict';
// Runs the tests with mocha inside private network namespaces holding only
// `lo` (see scripts/netns.js).
//
//   node scripts/test.js FILE... [mocha flags]   one mocha over the named files, in one namespace
//   node scripts/test.js [mocha flags]           the whole suite (`npm test`)
//
// The whole suite is cut into jobs: the C unit tests, the other unit tests
// together, and each e2e file alone. Each job is its own mocha process in its
// own network namespace, so jobs share no port, route, bridge or coturn; temp
// folders are per process (mkdtemp) and the namespaces a test names carry its
// pid. Two jobs run at once by default, longest first, plus one of the jobs
// that mostly wait on timers (WAITING_JOBS) beside them (LCC_TEST_JOBS=N for N;
// LCC_TEST_JOBS=1 is one mocha over the whole suite, unit then e2e, in one
// namespace). A job's output is printed whole when it ends; the run fails if
// any job fails, and every job runs to its end whatever the others do.
//
// Why two: most of an e2e file's time is real time (a call lasting seconds,
// ICE timeouts, a ring running out), so two files overlap well on this
// project's 2-core machines; a third adds CPU contention (Chromium, valgrind)
// and little wall time (measured before the waiting lane: 1 job 654 s, 2 jobs
// 465-476 s, 3 jobs 449 s). With the waiting lane the suite takes 360-380 s on
// a set-up tree here and keeps both cores 86 % busy (/proc/stat), so what
// shortens it now is less work, not more lanes. Every test must hold on a
// busy machine anyway (CI machines may be): none runs alone, not even those
// that measure call quality.

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { inPrivateNetns, runInPrivateNetns, spawnInPrivateNetns } = require('./netns');

const root = path.resolve(__dirname, '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

// Jobs known to take longest, started first (this order only changes the wall
// time, never what runs). Everything else follows in name order.
const LONGEST_FIRST = [
  'test/unit/c.test.js',
  'test/e2e/recording.test.js',
  'test/e2e/call-ui.test.js',
  'test/e2e/connectivity.test.js',
  'test/e2e/app-quality.test.js',
  'test/e2e/app-visitor-link.test.js',
  'test/e2e/nat.test.js',
  'test/e2e/quality.test.js',
  'test/unit (JS, fuzz corpora)',
  'test/e2e/refusals.test.js',
  'test/e2e/demo.test.js',
  'test/e2e/app-calls.test.js',
  'test/e2e/relay.test.js',
  'test/e2e/turn.test.js',
];

// Every *.test.js under dir, at any depth (what mocha's dir/**/*.test.js finds).
function testFiles(dir) {
  return fs.readdirSync(path.join(root, dir), { recursive: true }).filter((f) => f.endsWith('.test.js'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`).sort();
}

// Jobs that spend most of their time waiting on timers with the CPU idle: the
// App's jobs that wait for the Apps-Engine's scheduler (a link's lifetime, a
// ring timeout; measured 0.2 CPU for 30-40 s of wall each). They run in a lane
// of their own beside the others.
const WAITING_JOBS = [
  'test/e2e/app-visitor-link.test.js',
  'test/e2e/app-calls.test.js',
];

/** The whole suite as jobs: [{name, files}], longest first. */
function suiteJobs() {
  const C = 'test/unit/c.test.js';
  const unit = testFiles('test/unit');
  const jobs = [
    ...unit.filter((f) => f === C).map((f) => ({ name: f, files: [f] })),
    { name: 'test/unit (JS, fuzz corpora)', files: unit.filter((f) => f !== C) },
    ...testFiles('test/e2e').map((f) => ({ name: f, files: [f] })),
  ];
  const rank = (j) => {
    const i = LONGEST_FIRST.indexOf(j.name);
    return i < 0 ? LONGEST_FIRST.length : i;
  };
  return jobs.map((j, i) => ({ ...j, i })).sort((a, b) => rank(a) - rank(b) || a.i - b.i);
}

function jobCount() {
  const raw = process.env.LCC_TEST_JOBS;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    console.error(`LCC_TEST_JOBS must be an integer 1-16, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const count = (out, word) => { const m = new RegExp(`(\\d+) ${word}`).exec(out.replace(/\x1b\[[0-9;]*m/g, '')); return m ? Number(m[1]) : 0; };

/** Runs one job to its end; resolves with its result, never rejects. */
function runJob(job, flags) {
  const t0 = Date.now();
  const color = process.stdout.isTTY ? ['--color'] : [];
  return new Promise((resolve) => {
    const child = spawnInPrivateNetns([process.execPath, mocha, ...color, ...flags, ...job.files], { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', (e) => { out += `\n[test] could not start the job: ${e.message}\n`; });
    child.on('close', (status, signal) => {
      if (status === null) out += `\n[test] the job ended on signal ${signal}\n`;
      resolve({ ...job, status: status === null ? 1 : status, ms: Date.now() - t0, out,
        passing: count(out, 'passing'), failing: count(out, 'failing'), pending: count(out, 'pending') });
    });
  });
}

async function runSuite(flags) {
  const jobs = suiteJobs();
  const width = jobCount();
  const t0 = Date.now();
  console.log(`[test] ${jobs.length} jobs, up to ${width} at once and one waiting job beside them, each in its own network namespace`);
  const queue = [...jobs];
  const results = [];
  const running = new Set();
  function start(job) {
    console.log(`[test] start ${job.name}`);
    const p = runJob(job, flags).then((r) => {
      running.delete(p);
      results.push(r);
      console.log(`\n[test] ──── ${r.name}: ${r.status === 0 ? 'passed' : `FAILED (exit ${r.status})`} in ${seconds(r.ms)} ────`);
      process.stdout.write(r.out);
    });
    running.add(p);
    return p;
  }
  // One more lane for the jobs that mostly wait (WAITING_JOBS): beside the
  // `width` lanes, never in place of one.
  let waitingLaneBusy = false;
  const waiting = queue.filter((j) => WAITING_JOBS.includes(j.name));
  const others = queue.filter((j) => !WAITING_JOBS.includes(j.name));
  let lanes = 0;
  while (waiting.length || others.length) {
    if (!waitingLaneBusy && waiting.length) {
      waitingLaneBusy = true;
      start(waiting.shift()).then(() => { waitingLaneBusy = false; });
    } else if (lanes < width && (others.length || waiting.length)) {
      lanes++;
      start(others.length ? others.shift() : waiting.shift()).then(() => { lanes--; });
    } else {
      await Promise.race(running);
    }
  }
  await Promise.all(running);

  const failed = results.filter((r) => r.status !== 0);
  const total = (k) => results.reduce((s, r) => s + r[k], 0);
  console.log(`\n[test] jobs by time (all ${results.length}, ${width} at once + 1 waiting):`);
  for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
    console.log(`  ${r.status === 0 ? 'ok  ' : 'FAIL'} ${seconds(r.ms).padStart(8)}  ${r.passing} passing${r.failing ? `, ${r.failing} failing` : ''}  ${r.name}`);
  }
  console.log(`[test] ${total('passing')} passing, ${total('failing')} failing, ${total('pending')} pending; wall ${seconds(Date.now() - t0)}`);
  if (failed.length) console.log(`[test] FAILED: ${failed.map((r) => r.name).join(', ')}`);
  return failed.length ? 1 : 0;
}

const args = process.argv.slice(2);
// Test files named on the command line (not the values of flags such as --grep X).
const named = args.filter((a) => !a.startsWith('-') && (/\.js$|\*/.test(a) || fs.existsSync(path.resolve(root, a))));
if (named.length) {
  if (inPrivateNetns()) {
    const r = spawnSync(process.execPath, [mocha, ...args], { cwd: root, stdio: 'inherit' });
    process.exit(r.status === null ? 1 : r.status);
  }
  process.exit(runInPrivateNetns([process.execPath, __filename, ...args], { cwd: root }));
} else if (jobCount() === 1) {
  // Default specs (mocha would merge a config spec with named files).
  const all = [...args, 'test/unit/**/*.test.js', 'test/e2e/**/*.test.js'];
  process.exit(runInPrivateNetns([process.execPath, __filename, ...all], { cwd: root }));
} else {
  runSuite(args).then((code) => process.exit(code));
}
