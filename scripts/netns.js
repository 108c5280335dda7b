'use strict';
// Runs a command inside a private network namespace holding only `lo`, so
// browsers and the media server can reach nothing but each other (and the
// namespaces tests create). Root uses `unshare --net`; other users a user
// namespace (`unshare -rn`). The command sees LCC_TEST_NETNS=1.

const { spawnSync } = require('child_process');

function inPrivateNetns() {
  return process.env.LCC_TEST_NETNS === '1';
}

/** Runs argv[0] with argv[1..] in a fresh namespace; returns its exit status. */
function runInPrivateNetns(argv, { cwd } = {}) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const unshareArgs = asRoot ? ['--net'] : ['--net', '--map-root-user'];
  const inner = 'ip link set lo up && exec "$0" "$@"';
  const r = spawnSync('unshare', [...unshareArgs, '--', 'sh', '-c', inner, ...argv], {
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

module.exports = { inPrivateNetns, runInPrivateNetns };

// `node scripts/netns.js CMD ARGS...`
if (require.main === module) process.exit(runInPrivateNetns(process.argv.slice(2)));
