#!/usr/bin/env node
'use strict';
// Builds the native add-on with node-gyp, against the headers of the Node that
// runs this script (offline: no header download). Makes sure the Debian build
// packages are there first. `--force` rebuilds even when up to date.

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { BUILD_PACKAGES, ensurePackages } = require('./system-deps');

const root = path.resolve(__dirname, '..');
const addon = path.join(root, 'build', 'Release', 'livechat_calls.node');

// The newest mtime under dir (csrc/core has one folder per layer).
function newestIn(abs) {
  let newest = 0;
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const p = path.join(abs, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestIn(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function newestSource() {
  let newest = fs.statSync(path.join(root, 'binding.gyp')).mtimeMs;
  for (const dir of ['csrc/core', 'csrc/napi']) {
    const abs = path.join(root, dir);
    if (fs.existsSync(abs)) newest = Math.max(newest, newestIn(abs));
  }
  return newest;
}

function isUpToDate() {
  return fs.existsSync(addon) && fs.statSync(addon).mtimeMs >= newestSource() && !process.env.LCC_SANITIZE;
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js')); } catch { /* not a dependency */ }
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (!found) throw new Error('node-gyp not found: it ships with npm; reinstall npm or `npm i -g node-gyp`');
  return found;
}

// Node's own headers (node_api.h, openssl/) next to the binary: /usr/include/node for /usr/bin/node.
function nodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function build({ force = false } = {}) {
  ensurePackages(BUILD_PACKAGES);
  if (!force && isUpToDate()) return false;
  const args = [findNodeGyp(), 'rebuild'];
  const dir = nodeDir();
  if (dir) args.push(`--nodedir=${dir}`);
  console.log(`[build] node-gyp rebuild${process.env.LCC_SANITIZE ? ' (ASan/UBSan)' : ''}`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`native build failed (node-gyp exit ${r.status})`);
  return true;
}

module.exports = { build, isUpToDate };

if (require.main === module) {
  try {
    build({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`[build] ${err.message}`);
    process.exit(1);
  }
}
