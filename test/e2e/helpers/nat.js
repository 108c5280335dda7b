'use strict';
// A small "internet" made of network namespaces, for tests where browsers sit
// behind NATs and only the server is reachable from both:
//
//   V  (visitor Chromium) 10.1.0.2 --veth-- 10.1.0.1 NV (symmetric NAT) 203.0.113.2 --+
//                                                                                     |  bridge lccnet0
//   A  (agent Chromium)   10.2.0.2 --veth-- 10.2.0.1 NA (symmetric NAT) 203.0.113.3 --+  203.0.113.1/24
//                                                                                        = the "core": the test's
//                                                                                          own namespace
//
// The core is the namespace the test process already runs in (scripts/test.js puts
// mocha under `unshare --net`): the MediaServer, page server and any STUN server
// run in the test process and listen on 203.0.113.1. The four named namespaces are
// made with `ip netns add` (lccnat<pid>v, ...nv, ...a, ...na: parallel runs cannot clash;
// ones left by a SIGKILLed run, whose pid is dead, are deleted on the next create) and
// joined to the core with veth pairs whose core ends hang on a bridge.
//
// - NV / NA masquerade what leaves their outside interface with `--random-fully`:
//   a symmetric NAT (a new mapped port per destination). Like a home router they
//   drop unsolicited packets arriving on the outside (INPUT), so a check sent to a
//   mapping made for another destination vanishes instead of drawing an ICMP error.
// - The core has a blackhole default route: packets to the other side's private
//   addresses vanish as on the internet (no ICMP unreachable), and the core does
//   not forward. So visitor and agent can reach 203.0.113.1 and nothing else.
//
// Chromium runs INSIDE V or A: launchBrowserIn() points Playwright's executablePath
// at a wrapper script doing `exec ip netns exec NS chromium "$@"` (Playwright talks
// to it over a pipe, which survives the exec). The client namespaces hold a real
// interface, so Chromium gathers host candidates on it without
// --allow-loopback-in-peer-connection (left out by default, or it would also offer
// 127.0.0.1 candidates that point into each browser's own namespace).
//
// Pages: a client namespace cannot reach 127.0.0.1, so the topology serves
// test/e2e/pages (startPageServer) on 203.0.113.1 (topology.baseUrl) and tells
// Chromium to treat that origin as secure
// (getUserMedia needs a secure context; http://127.0.0.1 is one, http://203.0.113.1 is not).
//
// close() closes the browsers, the STUN server and the page server, deletes the
// namespaces (which deletes their veths), the bridge and the blackhole route. It is
// idempotent and never rejects; a process 'exit' hook deletes the namespaces too.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, execFile, spawn } = require('child_process');
const { BASE_ARGS, CHROMIUM, assertPrivateNetns, browserEnv, withTimeout } = require('./browser');
const { startPageServer } = require('./pages');

const CORE_ADDRESS = '203.0.113.1';
const PREFIX = 24;
const BRIDGE = 'lccnet0';
const SIDES = {
  visitor: { nat: '203.0.113.2', inner: '10.1.0.1', address: '10.1.0.2', tag: 'v' },
  agent: { nat: '203.0.113.3', inner: '10.2.0.1', address: '10.2.0.2', tag: 'a' },
};
const LOOPBACK_FLAG = '--allow-loopback-in-peer-connection';
// Namespace names: NS_PREFIX + pid + v|nv|a|na (or 'probe').
const NS_PREFIX = 'lccnat';
const NS_NAME = new RegExp(`^${NS_PREFIX}(\\d+)(v|nv|a|na|probe)$`);

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function run(cmd, args, { input } = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input, timeout: 15000 });
  } catch (e) {
    const err = new Error(`${cmd} ${args.join(' ')} failed: ${String(e.stderr || '').trim() || e.message}`);
    err.stderr = e.stderr;
    throw err;
  }
}

const ip = (...args) => run('ip', args);
const inNs = (ns, cmd, ...args) => run('ip', ['netns', 'exec', ns, cmd, ...args]);

let probed = null;
/**
 * True when this process can create the namespaces: root, and `ip netns add`,
 * `ip netns exec` and `iptables -t nat` work. (createNatTopology() also insists on
 * running inside the private test namespace of scripts/test.js, and throws
 * otherwise: that is a mistake to report, not a reason to skip.) Logs nothing;
 * see cannotCreateNamespacesReason() for why not.
 */
function canCreateNamespaces() {
  return !cannotCreateNamespacesReason();
}

/** Why the topology cannot be built here, or null if it can. Cached. */
function cannotCreateNamespacesReason() {
  if (probed !== null) return probed || null;
  probed = (() => {
    if (!isRoot()) return 'not root: `ip netns add` needs root (scripts/test.js runs unprivileged users in a user namespace)';
    const name = `${NS_PREFIX}${process.pid}probe`;
    try {
      ip('netns', 'add', name);
      inNs(name, 'iptables', '-t', 'nat', '-L', '-n');
      return '';
    } catch (e) {
      return `cannot create a network namespace with NAT: ${e.message}`;
    } finally {
      try { ip('netns', 'del', name); } catch { /* never created */ }
    }
  })();
  return probed || null;
}

// Deletes namespaces left by a run that was killed before close() or its exit hook
// ran (SIGKILL): those whose pid is no longer alive. Others' namespaces are left alone.
function removeStaleNamespaces() {
  let list = '';
  try { list = ip('netns', 'list'); } catch { return; }
  for (const line of list.split('\n')) {
    const name = line.split(/\s+/)[0];
    const m = NS_NAME.exec(name || '');
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    try { ip('netns', 'del', name); } catch { /* raced with another run */ }
  }
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

// Namespaces of every live topology, deleted on exit if close() never ran.
const liveNamespaces = new Set();
process.once('exit', () => {
  for (const ns of liveNamespaces) { try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ } }
});

/**
 * Builds the topology (see the top of this file).
 * @returns {Promise<NatTopology>}
 * @typedef {object} NatTopology
 * @property {string} coreAddress '203.0.113.1': where the server side must listen
 * @property {string} baseUrl page server for test/e2e/pages on the core address (for openPeer)
 * @property {{address: string, port: number, url: string}[]} pageClients who fetched what from the page server
 * @property {{ns: string, natNs: string, address: string, natAddress: string}} visitor
 * @property {{ns: string, natNs: string, address: string, natAddress: string}} agent
 * @property {(side: 'visitor'|'agent', opts?: object) => Promise<object>} launchBrowserIn
 * @property {(side: 'visitor'|'agent', argv: string[], opts?: {timeoutMs?: number}) => Promise<{stdout: string, stderr: string}>} exec
 * @property {() => Promise<{url: string, close: () => Promise<void>}>} startStunServer
 * @property {() => Promise<void>} close
 */
async function createNatTopology() {
  const why = cannotCreateNamespacesReason();
  if (why) throw new Error(`createNatTopology: ${why}`);
  // The core is this process's namespace: it must be the private one, never the machine's own.
  assertPrivateNetns();

  removeStaleNamespaces();
  const id = `${NS_PREFIX}${process.pid}`;
  const created = []; // namespaces
  const browsers = new Set();
  const stuns = new Set();
  let bridgeMade = false;
  let blackholeMade = false;
  let savedDefaults = [];
  let pages = null;
  let closing = null;

  const topo = {
    coreAddress: CORE_ADDRESS,
    baseUrl: null,
    pageClients: null,
    visitor: null,
    agent: null,
    launchBrowserIn,
    exec,
    startStunServer,
    close,
  };

  function addNs(name) {
    ip('netns', 'add', name);
    created.push(name);
    liveNamespaces.add(name);
    inNs(name, 'ip', 'link', 'set', 'lo', 'up');
  }

  try {
    ip('link', 'add', BRIDGE, 'type', 'bridge');
    bridgeMade = true;
    ip('addr', 'add', `${CORE_ADDRESS}/${PREFIX}`, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');
    // Another test may have left a default route (Firefox's over lo): set it
    // aside for the blackhole, and put it back in close().
    savedDefaults = ip('route', 'show', 'default').split('\n').map((l) => l.trim()).filter(Boolean);
    for (const route of savedDefaults) ip('route', 'del', ...route.split(/\s+/));
    ip('route', 'add', 'blackhole', 'default');
    blackholeMade = true;

    for (const [side, s] of Object.entries(SIDES)) {
      const client = `${id}${s.tag}`;
      const nat = `${id}n${s.tag}`;
      addNs(nat);
      addNs(client);
      // core <-> NAT: the core end joins the bridge; the NAT end is its outside interface 'wan'.
      const coreEnd = `lccwan${s.tag}`;
      ip('link', 'add', coreEnd, 'type', 'veth', 'peer', 'name', 'wan', 'netns', nat);
      ip('link', 'set', coreEnd, 'master', BRIDGE);
      ip('link', 'set', coreEnd, 'up');
      ip('-n', nat, 'addr', 'add', `${s.nat}/${PREFIX}`, 'dev', 'wan');
      ip('-n', nat, 'link', 'set', 'wan', 'up');
      // NAT <-> client: 'lan' in the NAT, 'eth0' in the client.
      ip('-n', nat, 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client);
      ip('-n', nat, 'addr', 'add', `${s.inner}/${PREFIX}`, 'dev', 'lan');
      ip('-n', nat, 'link', 'set', 'lan', 'up');
      ip('-n', client, 'addr', 'add', `${s.address}/${PREFIX}`, 'dev', 'eth0');
      ip('-n', client, 'link', 'set', 'eth0', 'up');
      ip('-n', client, 'route', 'add', 'default', 'via', s.inner);
      ip('-n', nat, 'route', 'add', 'default', 'via', CORE_ADDRESS);
      inNs(nat, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
      inNs(nat, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', '--random-fully');
      // A home router's firewall: nothing unsolicited gets in from outside.
      inNs(nat, 'iptables', '-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '!', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'DROP');
      inNs(nat, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-m', 'conntrack', '!', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'DROP');
      topo[side] = { ns: client, natNs: nat, address: s.address, natAddress: s.nat };
    }

    pages = await startPageServer({ host: CORE_ADDRESS });
    topo.baseUrl = pages.baseUrl;
    topo.pageClients = pages.clients;
  } catch (e) {
    await close();
    throw e;
  }
  return topo;

  function sideOf(side) {
    const s = topo[side];
    if (!s || !SIDES[side]) throw new Error(`NatTopology: side must be 'visitor' or 'agent', got '${side}'`);
    return s;
  }

  /**
   * Runs argv inside the client namespace of `side` (`ip netns exec`).
   * Rejects on a non-zero exit with its stderr.
   */
  function exec(side, argv, { timeoutMs = 10000 } = {}) {
    const { ns } = sideOf(side);
    return new Promise((resolve, reject) => {
      execFile('ip', ['netns', 'exec', ns, ...argv], { timeout: timeoutMs, encoding: 'utf8', env: browserEnv() },
        (err, stdout, stderr) => {
          if (err) {
            err.message = `in ${side} (${ns}): ${argv.join(' ')}: ${String(stderr).trim() || err.message}`;
            reject(err);
          } else resolve({ stdout, stderr });
        });
    });
  }

  /**
   * Starts Chromium inside the client namespace of `side`; resolves to an object
   * shaped like launchBrowser()'s ({name, context, page, close()}) for openPeer().
   * @param {'visitor'|'agent'} side
   * @param {object} [opts]
   * @param {string} [opts.name] default: side
   * @param {string} [opts.fakeAudioFile] absolute path of a WAV the fake microphone plays
   * @param {string[]} [opts.args] extra Chromium flags
   * @param {boolean} [opts.allowLoopback] keep --allow-loopback-in-peer-connection (default false)
   */
  async function launchBrowserIn(side, { name = side, fakeAudioFile, args = [], allowLoopback = false } = {}) {
    const { ns } = sideOf(side);
    if (closing) throw new Error('launchBrowserIn: the topology is closed');
    const { chromium } = require('playwright-core');
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
    const fullArgs = [
      ...BASE_ARGS.filter((a) => allowLoopback || a !== LOOPBACK_FLAG),
      `--unsafely-treat-insecure-origin-as-secure=${topo.baseUrl}`,
      ...args,
    ];
    if (fakeAudioFile) {
      if (!path.isAbsolute(fakeAudioFile) || !fs.existsSync(fakeAudioFile)) {
        throw new Error(`launchBrowserIn(${name}): fakeAudioFile must be an existing absolute path, got '${fakeAudioFile}'`);
      }
      fullArgs.push(`--use-file-for-fake-audio-capture=${fakeAudioFile}`);
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `lcc-nat-${name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
    const profileDir = path.join(tmp, 'profile');
    const wrapper = path.join(tmp, 'chromium');
    fs.mkdirSync(profileDir);
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
    const b = { name, side, context: null, page: null, closed: null, close: null };
    b.close = () => {
      if (!b.closed) {
        b.closed = (async () => {
          browsers.delete(b);
          if (b.context) {
            try {
              await withTimeout(b.context.close(), 10000, `closing browser ${name}`);
            } catch (e) {
              console.error(`[nat] ${name}: ${e.message}`);
              killBrowser(b);
            }
          }
          fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
        })();
      }
      return b.closed;
    };
    browsers.add(b);
    try {
      b.context = await chromium.launchPersistentContext(profileDir, {
        executablePath: wrapper,
        headless: false,
        args: fullArgs,
        timeout: 20000,
        env: browserEnv(),
      });
      b.page = b.context.pages()[0] || await b.context.newPage();
    } catch (e) {
      await b.close();
      e.message = `launchBrowserIn(${side}): ${e.message}`;
      throw e;
    }
    return b;
  }

  // Last resort for a hung browser: kill every process still inside its namespace
  // (only our own chromium runs there). Selected by namespace, not by name.
  function killBrowser(b) {
    try {
      const pids = run('ip', ['netns', 'pids', topo[b.side].ns]).split(/\s+/).filter(Boolean);
      for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
    } catch { /* namespace gone */ }
  }

  /**
   * Starts coturn as a plain STUN server (no TURN, no auth) on the core address.
   * @returns {Promise<{url: string, close: () => Promise<void>}>}
   */
  async function startStunServer({ port = 3478 } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-nat-stun-'));
    const conf = path.join(dir, 'turnserver.conf');
    fs.writeFileSync(conf, [
      `listening-ip=${CORE_ADDRESS}`,
      `listening-port=${port}`,
      'stun-only',
      'no-tls',
      'no-dtls',
      'no-cli',
      'log-file=stdout',
      'simple-log',
      `pidfile=${path.join(dir, 'turnserver.pid')}`,
      `userdb=${path.join(dir, 'turndb')}`,
      '',
    ].join('\n'));
    const child = spawn('turnserver', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
    child.once('error', (e) => { log += `\nspawn error: ${e.message}`; });
    const stun = {
      url: `stun:${CORE_ADDRESS}:${port}`,
      log: () => log,
      close: async () => {
        stuns.delete(stun);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(t);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    stuns.add(stun);
    // Ready once it listens on the UDP port (it logs its listeners).
    const t0 = Date.now();
    while (!/listener opened on|UDP listener|Total General servers/i.test(log)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        await stun.close();
        throw new Error(`turnserver exited early: ${log.trim().slice(-1500)}`);
      }
      if (Date.now() - t0 > 5000) {
        await stun.close();
        throw new Error(`turnserver did not start within 5 s: ${log.trim().slice(-1500)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return stun;
  }

  /** Tears everything down. Idempotent; never rejects. */
  function close() {
    if (!closing) {
      closing = (async () => {
        await Promise.all([...browsers].map((b) => b.close()));
        await Promise.all([...stuns].map((s) => s.close().catch((e) => console.error(`[nat] stun: ${e.message}`))));
        if (pages) await pages.close();
        for (const ns of created.reverse()) {
          try { ip('netns', 'del', ns); } catch (e) { console.error(`[nat] ${e.message}`); }
          liveNamespaces.delete(ns);
        }
        if (blackholeMade) { try { ip('route', 'del', 'blackhole', 'default'); } catch (e) { console.error(`[nat] ${e.message}`); } }
        for (const route of savedDefaults) {
          try { ip('route', 'add', ...route.split(/\s+/)); } catch (e) { console.error(`[nat] restoring '${route}': ${e.message}`); }
        }
        if (bridgeMade) { try { ip('link', 'del', BRIDGE); } catch (e) { console.error(`[nat] ${e.message}`); } }
      })();
    }
    return closing;
  }
}

module.exports = { createNatTopology, canCreateNamespaces, cannotCreateNamespacesReason, CORE_ADDRESS, SIDES };
