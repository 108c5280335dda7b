#!/usr/bin/env node
'use strict';
// Soak: calls set up and torn down in a loop, watching that nothing is left
// behind. Each cycle connects CALLS legs between two MediaServers in this
// process over loopback (full ICE, DTLS, SRTP keys, as two browsers' legs
// would), then ends them all, lets libnice close its sockets, and samples the
// process's RSS and open file descriptors. A leak shows as a slope.
//
//   node test/bench/soak.js                    # 200 calls a cycle for 600 s
//   SOAK_SECONDS=120 SOAK_CALLS=100 node test/bench/soak.js
//   node test/bench/soak.js --asan             # the ASan/UBSan add-on (npm run test:sanitize builds it)
//
// Figures only (test/bench/README.md); run it inside a private network
// namespace like the suite: `node scripts/netns.js node --expose-gc test/bench/soak.js`.

const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const SECONDS = Number(process.env.SOAK_SECONDS || 600);
const CALLS = Number(process.env.SOAK_CALLS || 200);
const BATCH = 20; // legs set up at once: what a busy service sees, not a thundering herd

if (process.argv.includes('--asan') && !process.env.LCC_ADDON) {
  const addon = path.join(root, 'build-sanitize', 'livechat_calls.node');
  if (!fs.existsSync(addon)) {
    console.error(`soak: ${addon} is missing: run \`npm run test:sanitize\` once to build it`);
    process.exit(2);
  }
  const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, LCC_ADDON: addon, LD_PRELOAD: libasan, ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:abort_on_error=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' },
  });
  process.exit(r.status === null ? 1 : r.status);
}

const { MediaServer } = require(root);

function openFds() {
  return fs.readdirSync('/proc/self/fd').length;
}

/** One leg of A (offering, as the agent's) connected to one of B (answering). */
async function connectPair(a, b, id) {
  const ca = a.createCall({ id });
  const cb = b.createCall({ id });
  ca.on('candidate', (p, c) => cb.addCandidate('visitor', c).catch(() => {}));
  cb.on('candidate', (p, c) => ca.addCandidate('agent', c).catch(() => {}));
  const connected = (call, party) => new Promise((resolve, reject) => {
    call.on('state', (p, state, err) => {
      if (p === party && state === 'connected') resolve();
      if (p === party && state === 'failed') reject(err || new Error(`${id} failed`));
    });
  });
  const both = Promise.all([connected(ca, 'agent'), connected(cb, 'visitor')]);
  await ca.acceptAnswer('agent', await cb.answer('visitor', await ca.offer('agent')));
  await both;
  return [ca, cb];
}

async function settle() {
  for (let i = 0; i < 25; i++) await new Promise((r) => setTimeout(r, 20)); // libnice closes sockets on the media thread
  if (global.gc) global.gc();
}

function slope(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : 0;
}

(async () => {
  const a = new MediaServer({ listenAddresses: ['127.0.0.1'], ports: { min: 40000, max: 44999 } });
  const b = new MediaServer({ listenAddresses: ['127.0.0.1'], ports: { min: 45000, max: 49999 } });
  await settle();
  const start = Date.now();
  const samples = [];
  console.log(`soak: ${CALLS} calls a cycle for ${SECONDS} s${process.env.LCC_ADDON ? ' (ASan/UBSan add-on)' : ''}`);
  console.log('cycle  elapsed s  setup ms  RSS MiB  open fds');
  const base = { rss: process.memoryUsage().rss, fds: openFds() };
  for (let cycle = 1; Date.now() - start < SECONDS * 1000; cycle++) {
    const t0 = Date.now();
    const pairs = [];
    for (let i = 0; i < CALLS; i += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, CALLS - i) }, (_, k) => `c${cycle}-${i + k}`);
      pairs.push(...await Promise.all(ids.map((id) => connectPair(a, b, id))));
    }
    const setupMs = Date.now() - t0;
    await Promise.all(pairs.flat().map((call) => call.end()));
    await settle();
    const s = { cycle, elapsed: (Date.now() - start) / 1000, setupMs, rss: process.memoryUsage().rss, fds: openFds() };
    samples.push(s);
    console.log(`${String(cycle).padStart(5)}  ${s.elapsed.toFixed(0).padStart(9)}  ${String(setupMs).padStart(8)}  ${(s.rss / 1048576).toFixed(1).padStart(7)}  ${String(s.fds).padStart(8)}`);
  }
  await a.close();
  await b.close();
  // The first cycles warm allocators and libraries up: fit from the third on.
  const fit = samples.length > 4 ? samples.slice(2) : samples;
  const rssSlope = slope(fit.map((s) => [s.cycle, s.rss])) / 1024;
  const fdSlope = slope(fit.map((s) => [s.cycle, s.fds]));
  const last = samples[samples.length - 1];
  console.log(`\nbefore: RSS ${(base.rss / 1048576).toFixed(1)} MiB, ${base.fds} fds; after ${samples.length} cycles (${samples.length * CALLS} calls): RSS ${(last.rss / 1048576).toFixed(1)} MiB, ${last.fds} fds`);
  console.log(`slope from cycle 3: RSS ${rssSlope.toFixed(1)} KiB per cycle (${(rssSlope * 1024 / CALLS).toFixed(0)} bytes per call), fds ${fdSlope.toFixed(2)} per cycle`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
