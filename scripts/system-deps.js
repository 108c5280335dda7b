'use strict';
// Debian packages the project needs, and installing them: with apt-get when
// running as root, otherwise by printing the exact command to run.

const { execFileSync, spawnSync } = require('child_process');

// What the native build needs (headers, pkg-config files, the toolchain node-gyp uses).
const BUILD_PACKAGES = [
  'pkg-config', 'make', 'gcc', 'g++', 'python3',
  'libglib2.0-dev', 'libnice-dev', 'libsrtp2-dev', 'libopus-dev', 'libogg-dev', 'libopusenc-dev', 'libcjson-dev',
];

// What the test suite needs on top: browsers, tone files, independent decoders,
// the C unit tests' OpenSSL, network namespaces, memcheck, a TURN server, NAT.
const TEST_PACKAGES = [
  'chromium', 'firefox-esr', 'sox', 'opus-tools', 'ffmpeg', 'libvpx-dev', 'libssl-dev', 'iproute2', 'valgrind',
  'coturn', 'iptables',
];

// What `npm run fuzz` (scripts/fuzz.js) needs on top of the build: clang for
// libFuzzer and its sanitizers (the replay in `npm test` needs only gcc).
const FUZZ_PACKAGES = [...BUILD_PACKAGES, 'clang'];

function isInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function missingPackages(list) {
  return list.filter((p) => !isInstalled(p));
}

/** Installs what is missing from `list`; throws with the command to run when not root. */
function ensurePackages(list, log = console.log) {
  const missing = missingPackages(list);
  if (missing.length === 0) return [];
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    const err = new Error(`livechat-calls needs Debian packages that are missing: ${missing.join(' ')}\n` +
      `Run as root:  apt-get update && ${cmd}`);
    err.code = 'ERR_MISSING_PACKAGES';
    throw err;
  }
  log(`[setup] installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  return missing;
}

module.exports = { BUILD_PACKAGES, TEST_PACKAGES, FUZZ_PACKAGES, missingPackages, ensurePackages };
