#!/usr/bin/env node
'use strict';
// Everything `npm start` and `npm test` need on a fresh Debian 12 machine:
// Debian packages (apt-get when root, else the command to run), npm
// dependencies (npm ci), and the native build. Idempotent and quick when done.
// `--test` adds what the test suite needs (browser, sox, decoders, ..., the
// Apps-Engines 1.59 and 1.62 with their Deno runtime: scripts/apps-engines.js).

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { BUILD_PACKAGES, TEST_PACKAGES, ensurePackages } = require('./system-deps');
const { build } = require('./build');

const root = path.resolve(__dirname, '..');

function npmDepsStale() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(installed)) return true;
  return fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs;
}

function installNpmDeps() {
  const npm = process.env.npm_execpath;
  const cmd = fs.existsSync(path.join(root, 'package-lock.json')) ? 'ci' : 'install';
  console.log(`[setup] npm ${cmd}`);
  const r = npm
    ? spawnSync(process.execPath, [npm, cmd, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', [cmd, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm ${cmd} failed`);
}

function main() {
  const forTests = process.argv.includes('--test');
  ensurePackages(forTests ? [...BUILD_PACKAGES, ...TEST_PACKAGES] : BUILD_PACKAGES);
  if (npmDepsStale()) installNpmDeps(); // npm ci also runs the install script (native build)
  build();
  // The Apps-Engines with a Deno runtime the App's tests run (npm registry only; quick when done).
  if (forTests) require('./apps-engines').prepareDenoEngines();
}

try {
  main();
} catch (err) {
  console.error(`[setup] ${err.message}`);
  process.exit(1);
}
