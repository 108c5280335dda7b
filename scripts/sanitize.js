#!/usr/bin/env node
'use strict';
// The suite under AddressSanitizer + UndefinedBehaviorSanitizer:
//  1. the C unit tests built with -fsanitize=address,undefined;
//  2. the add-on built with the same flags (kept in build-sanitize/), loaded
//     into Node with libasan preloaded, running the JS unit tests and the full
//     e2e suite with real browsers. Any report fails the run.
// `npm run test:sanitize`. The normal build in build/Release is restored after.

const fs = require('fs');
const path = require('path');
const { spawnSync, execFileSync } = require('child_process');
const { build } = require('./build');
const { runInPrivateNetns } = require('./netns');

const root = path.resolve(__dirname, '..');
const cdir = path.join(root, 'test', 'unit', 'c');

function step(title, fn) {
  console.log(`\n[sanitize] ${title}`);
  const status = fn();
  if (status !== 0) {
    console.error(`[sanitize] FAILED: ${title}`);
    process.exit(status || 1);
  }
}

step('C unit tests with ASan + UBSan', () => {
  const r = spawnSync('make', ['-s', '-j2', 'SAN=1'], { cwd: cdir, stdio: 'inherit' });
  if (r.status !== 0) return r.status;
  for (const t of fs.readdirSync(path.join(cdir, 'out-san')).filter((f) => f.endsWith('_test'))) {
    const run = spawnSync(path.join(cdir, 'out-san', t), [], { cwd: cdir, stdio: 'inherit',
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' } });
    if (run.status !== 0) return run.status;
  }
  return 0;
});

// Outside build/: node-gyp rebuild wipes that folder.
const sanAddon = path.join(root, 'build-sanitize', 'livechat_calls.node');
step('add-on with ASan + UBSan', () => {
  process.env.LCC_SANITIZE = '1';
  build({ force: true });
  delete process.env.LCC_SANITIZE;
  fs.mkdirSync(path.dirname(sanAddon), { recursive: true });
  fs.copyFileSync(path.join(root, 'build', 'Release', 'livechat_calls.node'), sanAddon);
  build({ force: true }); // restore the normal build
  return 0;
});

step('JS unit tests and e2e suite on the sanitized add-on', () => {
  const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
  Object.assign(process.env, {
    LCC_ADDON: sanAddon,
    LD_PRELOAD: libasan,
    // Node and V8 keep allocations until exit by design: leaks are checked in the C tests.
    ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:abort_on_error=1',
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
  });
  return runInPrivateNetns([process.execPath, mocha, 'test/unit/js/**/*.test.js', 'test/e2e/**/*.test.js'], { cwd: root });
});

console.log('\n[sanitize] clean: no ASan or UBSan report');
