#!/usr/bin/env node
'use strict';
// Runs mocha inside a private network namespace holding only `lo` (see
// scripts/netns.js). Arguments go to mocha; with no test file named, the
// whole suite runs (unit, then e2e).

const path = require('path');
const { spawnSync } = require('child_process');
const { inPrivateNetns, runInPrivateNetns } = require('./netns');

const root = path.resolve(__dirname, '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
// Default specs when no test file is named (mocha would merge a config spec with named files).
const named = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const args = named.length ? process.argv.slice(2) : [...process.argv.slice(2), 'test/unit/**/*.test.js', 'test/e2e/**/*.test.js'];

if (inPrivateNetns()) {
  const r = spawnSync(process.execPath, [mocha, ...args], { cwd: root, stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}
process.exit(runInPrivateNetns([process.execPath, __filename, ...process.argv.slice(2)], { cwd: root }));
