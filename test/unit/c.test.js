'use strict';
// Builds the C unit tests (test/unit/c/*_test.c against csrc/core, no Node),
// runs each one natively (its assertions), and runs it once more under the
// memory checker that can see its kind of bug:
//
// valgrind memcheck (build out/): tests of code that runs threads, or that
// hands its buffers to system libraries, which ASan does not instrument (a
// library writing past our buffer, or reading memory we never set, is seen by
// valgrind alone):
//   server_test, relay_test  the media thread with libnice's and GLib's threads; legs and calls created and
//                            destroyed across them
//   dtls_test                OpenSSL reads and writes the session's memory BIOs; callbacks that may destroy it
//   srtp_test                libsrtp writes the auth tag into the trailer room after our payload
//   mixer_test               libopus decodes into the mixer's buffers, libopusenc reads them
//   ring_test                a producer and a consumer thread racing
// ASan + UBSan (build out-san/, the flavour scripts/sanitize.js runs): code of
// our own over memory of our own, where ASan sees what valgrind sees (overruns,
// use after free, leaks through LeakSanitizer) and UBSan adds undefined
// behaviour, which valgrind cannot see; only valgrind's uninitialised-value
// check is not repeated there:
//   candidate_test, demux_test, rtp_test, rtcp_test, sdp_test, vp8_test  the parsers (bytes in, structs out)
//   rewrite_test             the relay's pure per-packet rewrite (views in, a plan and a header out)
//   ogg_opus_test            the Ogg Opus writer (libogg takes packets through memcpy, which ASan checks)
//   webm_test                the WebM writer (EBML written by hand)
//   tcp_guard_test           the ICE-TCP guard's sweeps over sockets the test accepted itself
// A test not listed in SANITIZER_ONLY runs under valgrind: a new test is
// checked the thorough way until someone decides otherwise.
//
// The runs go one at a time (each test's `it` waits for its own run):
// dtls_test's retransmission timer and relay_test's consent checks run on real
// time, and two valgrind runs beside the e2e jobs of the parallel suite
// (scripts/test.js) starved them on this 2-core machine; so did native and
// sanitizer runs beside a valgrind run (relay_test's consent expired under
// valgrind in a clean-clone run with a fuzzer beside the suite).

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const dir = path.join(__dirname, 'c');
const tests = fs.readdirSync(dir).filter((f) => f.endsWith('_test.c')).map((f) => f.slice(0, -2));
const suppressions = path.join(dir, 'valgrind.supp');

const SANITIZER_ONLY = new Set(['candidate_test', 'demux_test', 'rtp_test', 'rtcp_test', 'sdp_test', 'vp8_test', 'rewrite_test', 'ogg_opus_test', 'webm_test', 'tcp_guard_test']);
const CONCURRENT_RUNS = 1;

const VALGRIND = ['valgrind', '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite',
  '--show-leak-kinds=definite', `--suppressions=${suppressions}`, '-q'];
const SANITIZER_ENV = { ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' };

function make(args) {
  const r = spawnSync('make', args, { cwd: dir, encoding: 'utf8', timeout: 600000 });
  return { status: r.status, out: `${r.stdout || ''}${r.stderr || ''}${r.error ? r.error.message : ''}` };
}

/** Runs argv to its end; resolves with {status, out}, never rejects. */
function run(argv, { timeout, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: dir, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { out += `\n[timed out after ${timeout} ms]`; child.kill('SIGKILL'); }, timeout);
    child.on('error', (e) => { out += `\n${e.message}`; });
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, out }); });
  });
}

/** Starts thunks at most `width` at a time; returns one promise per thunk, in order. */
function limited(thunks, width) {
  let next = 0;
  const results = thunks.map(() => { let settle; const p = new Promise((r) => { settle = r; }); return { p, settle }; });
  async function lane() {
    while (next < thunks.length) {
      const i = next++;
      results[i].settle(await thunks[i]());
    }
  }
  for (let k = 0; k < width; k++) lane();
  return results.map((r) => r.p);
}

describe('C unit tests (csrc/core without Node)', function () {
  this.timeout(600000);
  const runs = {}; // `${name} ${kind}` -> Promise<{status, out}>

  before(function () {
    const built = make(['-j2', '-s']);
    assert.strictEqual(built.status, 0, `make failed:\n${built.out}`);
    const sanTargets = tests.filter((t) => SANITIZER_ONLY.has(t)).map((t) => `out-san/${t}`);
    if (sanTargets.length) {
      const san = make(['-j2', '-s', 'SAN=1', ...sanTargets]);
      assert.strictEqual(san.status, 0, `make SAN=1 failed:\n${san.out}`);
    }
    // valgrind's runs first: they are the long ones.
    const jobs = [];
    for (const name of tests.filter((t) => !SANITIZER_ONLY.has(t))) {
      jobs.push([`${name} valgrind`, () => run([...VALGRIND, path.join(dir, 'out', name)], { timeout: 500000 })]);
    }
    for (const name of tests) jobs.push([`${name} native`, () => run([path.join(dir, 'out', name)], { timeout: 300000 })]);
    for (const name of tests.filter((t) => SANITIZER_ONLY.has(t))) {
      jobs.push([`${name} sanitizers`, () => run([path.join(dir, 'out-san', name)], { timeout: 300000, env: SANITIZER_ENV })]);
    }
    const promises = limited(jobs.map(([, thunk]) => thunk), CONCURRENT_RUNS);
    jobs.forEach(([key], i) => { runs[key] = promises[i]; });
  });

  for (const name of tests) {
    it(`${name} passes`, async function () {
      const r = await runs[`${name} native`];
      assert.strictEqual(r.status, 0, r.out);
      assert.match(r.out, /\d+ passed, 0 failed/);
    });

    if (SANITIZER_ONLY.has(name)) {
      it(`${name} passes under ASan + UBSan with no report`, async function () {
        const r = await runs[`${name} sanitizers`];
        assert.doesNotMatch(r.out, /AddressSanitizer|LeakSanitizer|runtime error/, r.out);
        assert.strictEqual(r.status, 0, r.out);
        assert.match(r.out, /\d+ passed, 0 failed/);
      });
    } else {
      it(`${name} is clean under valgrind memcheck`, async function () {
        const r = await runs[`${name} valgrind`];
        assert.notStrictEqual(r.status, 99, `memcheck errors:\n${r.out}`);
        assert.strictEqual(r.status, 0, r.out);
      });
    }
  }
});
