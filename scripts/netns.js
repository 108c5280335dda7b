'use strict';
// Runs a command inside a private network namespace holding only `lo`, so
// browsers and the media server can reach nothing but each other (and the
// namespaces tests create). Root uses `unshare --net`; other users a user
// namespace (`unshare -rn`). The command sees LCC_TEST_NETNS=1.

const { spawn, spawnSync } = require('child_process');

function inPrivateNetns() {
  return process.env.LCC_TEST_NETNS === '1';
}

// The unshare command line that runs argv in a fresh namespace with lo up.
function unshareArgv(argv) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const unshareArgs = asRoot ? ['--net'] : ['--net', '--map-root-user'];
  const inner = 'ip link set lo up && exec "$0" "$@"';
  return [...unshareArgs, '--', 'sh', '-c', inner, ...argv];
}

/** Runs argv[0] with argv[1..] in a fresh namespace; returns its exit status. */
function runInPrivateNetns(argv, { cwd } = {}) {
  const r = spawnSync('unshare', unshareArgv(argv), {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, LCC_TEST_NETNS: '1' },
  });
  if (r.error || r.status === null) {
    console.error(`cannot run in a private network namespace (${r.error ? r.error.message : `signal ${r.signal}`}); ` +
      'browsers must not run in the machine\'s own namespace. Run as root or enable unprivileged user namespaces.');
    return 1;
  }
  return r.status;
}

/**
 * Starts argv in a fresh namespace of its own without waiting (stdout and stderr
 * piped); returns the ChildProcess. Parallel test jobs each get one.
 */
function spawnInPrivateNetns(argv, { cwd } = {}) {
  return spawn('unshare', unshareArgv(argv), {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LCC_TEST_NETNS: '1' },
  });
}

module.exports = { inPrivateNetns, runInPrivateNetns, spawnInPrivateNetns };

// `node scripts/netns.js CMD ARGS...`
if (require.main === module) process.exit(runInPrivateNetns(process.argv.slice(2)));
