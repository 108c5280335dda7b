'use strict';
// Random packet loss on `lo` of the test's own network namespace (the one
// scripts/test.js makes with `unshare --net`): every datagram that goes out on
// lo, browser to server and server to browser, is dropped with the given
// probability. netem (`tc qdisc add dev lo root netem loss N%`) when the kernel
// has it; otherwise iptables' statistic match on UDP (`-m statistic --mode
// random --probability P -j DROP`), which loses media and ICE packets the same
// way but leaves TCP (signalling, the control API) alone. Kernels built without
// CONFIG_NET_SCH_NETEM answer "Specified qdisc kind is unknown". The rule sits
// in INPUT, where a packet is lost on the way as on a network: a DROP in OUTPUT
// fails the sender's sendmsg() with EPERM, and Chromium then sends it again.

const { execFileSync } = require('child_process');
const { assertPrivateNetns } = require('./browser');

function run(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return null;
  } catch (err) {
    return `${cmd} ${args.join(' ')}: ${String(err.stderr || err.message).trim()}`;
  }
}

/**
 * Starts dropping `percent` % of the packets on lo.
 * @param {number} percent 0 < percent < 100
 * @returns {{how: string, remove: () => void}} how: the command used; remove() undoes it (idempotent)
 */
function lossOnLoopback(percent) {
  if (!(percent > 0 && percent < 100)) throw new Error(`lossOnLoopback: percent must be in (0, 100), got ${percent}`);
  assertPrivateNetns(); // never on the machine's own lo
  const netem = ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'loss', `${percent}%`];
  const netemError = run('tc', netem);
  if (!netemError) {
    let removed = false;
    return {
      how: `tc ${netem.join(' ')}`,
      remove: () => { if (!removed) { removed = true; run('tc', ['qdisc', 'del', 'dev', 'lo', 'root']); } },
    };
  }
  const rule = ['INPUT', '-i', 'lo', '-p', 'udp', '-m', 'statistic', '--mode', 'random', '--probability', String(percent / 100), '-j', 'DROP'];
  const iptablesError = run('iptables', ['-I', ...rule]);
  if (iptablesError) throw new Error(`cannot inject packet loss: ${netemError}; ${iptablesError}`);
  let removed = false;
  return {
    how: `iptables -I ${rule.join(' ')} (netem unavailable: ${netemError.split(': ').pop()})`,
    remove: () => { if (!removed) { removed = true; run('iptables', ['-D', ...rule]); } },
  };
}

module.exports = { lossOnLoopback };
