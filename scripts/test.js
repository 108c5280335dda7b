#!/usr/bin/env node
'use strict';
// Runs mocha inside a private network namespace holding only `lo`, so browsers
// and the media server under test can reach nothing but each other (and the
// namespaces the tests create themselves). Root uses `unshare --net`; other
// users get a user namespace (`unshare -rn`). Arguments go to mocha.

const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
// Default specs when no test file is named (mocha would merge a config spec with named files).
const named = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const args = named.length ? process.argv.slice(2) : [...process.argv.slice(2), 'test/unit/**/*.test.js', 'test/e2e/**/*.test.js'];

if (process.env.LCC_TEST_NETNS === '1') {
  const r = spawnSync(process.execPath, [mocha, ...args], { cwd: root, stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const unshareArgs = asRoot ? ['--net'] : ['--net', '--map-root-user'];
const inner = 'ip link set lo up && exec "$0" "$@"';
const r = spawnSync('unshare', [...unshareArgs, '--', 'sh', '-c', inner, process.execPath, __filename, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LCC_TEST_NETNS: '1' },
});
if (r.error || r.status === null) {
  console.error(`[test] cannot create a private network namespace (${r.error ? r.error.message : `signal ${r.signal}`}); ` +
    'the e2e tests must not run in the machine\'s own namespace. Run as root or enable unprivileged user namespaces.');
  process.exit(1);
}
process.exit(r.status);
