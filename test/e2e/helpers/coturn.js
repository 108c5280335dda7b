'use strict';
// Runs Debian's coturn (`turnserver`, package coturn) for a test, in the foreground,
// from a config file in a fresh temp folder. Loopback only by default: listens and
// relays on 127.0.0.1 with `allow-loopback-peers` (without it CREATE_PERMISSION to a
// loopback peer gets 403 Forbidden IP) and `no-cli` (coturn exits when loopback peers
// are allowed with the CLI on and no CLI password). See /work/shared/notes/testing-webrtc.md.
//
// Authentication: the TURN REST API shared secret (`use-auth-secret` +
// `static-auth-secret`), or, with staticUser, a long-term user (`lt-cred-mech` +
// `user=name:pass`).
//
//   const turn = await startCoturn({ secret: 'test-secret' });
//   turn.urls.udp  // 'turn:127.0.0.1:PORT?transport=udp'
//   ...
//   await turn.stop();
//
// Ready means: a STUN Binding request over UDP got its answer and a TCP connection
// to the port was accepted. The server's output (it logs to stdout) is kept:
// logs() returns it, for failure messages. stopCoturnAll() stops whatever is still
// running (call it from an after hook).

const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const dgram = require('dgram');
const crypto = require('crypto');
const { spawn } = require('child_process');

const TURNSERVER = process.env.LCC_TURNSERVER || '/usr/bin/turnserver';
const running = new Set();

/** A port free for both UDP and TCP on ip (bound with port 0 by TCP, then checked on UDP). */
async function freePort(ip) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, ip, () => { const p = /** @type {import('net').AddressInfo} */ (srv.address()).port; srv.close(() => resolve(p)); });
    });
    const udpFree = await new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, ip, () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error(`startCoturn: found no port free for both UDP and TCP on ${ip}`);
}

/**
 * A relay port range of `size` ports, all free for UDP and TCP on ip, starting at a
 * random even port in 40000–59999 (so parallel test files rarely collide).
 */
async function freeRange(ip, size, avoid) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 40000 + 2 * crypto.randomInt(0, 10000 - size);
    let ok = !(avoid >= base && avoid < base + size);
    for (let p = base; p < base + size && ok; p++) {
      ok = await new Promise((resolve) => {
        const s = dgram.createSocket('udp4');
        s.once('error', () => resolve(false));
        s.bind(p, ip, () => s.close(() => resolve(true)));
      });
    }
    if (ok) return { minPort: base, maxPort: base + size - 1 };
  }
  throw new Error(`startCoturn: found no free relay port range of ${size} on ${ip}`);
}

/** Sends a STUN Binding request over UDP; resolves true on a Binding success answer. */
function stunBinding(ip, port, timeoutMs = 300) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const txid = crypto.randomBytes(12);
    const req = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), txid]);
    const done = (v) => { clearTimeout(timer); s.close(); resolve(v); };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('message', (msg) => {
      if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(txid)) done(true);
    });
    s.send(req, port, ip);
  });
}

function tcpAccepts(ip, port, timeoutMs = 300) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: ip, port });
    const done = (v) => { clearTimeout(timer); sock.destroy(); resolve(v); };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function configText({ verbose, secret, listenIp, relayIp, port, minPort, maxPort, staticUser, realm, dir }) {
  const lines = [
    `listening-ip=${listenIp}`,
    `relay-ip=${relayIp}`,
    `listening-port=${port}`,
    `min-port=${minPort}`,
    `max-port=${maxPort}`,
    'allow-loopback-peers',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    'fingerprint',
    'log-file=stdout',
    'simple-log',
    `userdb=${path.join(dir, 'turndb')}`,
    `pidfile=${path.join(dir, 'turnserver.pid')}`,
    `realm=${realm}`,
  ];
  // Logs each session and its ALLOCATE/refresh results (user names included).
  if (verbose) lines.push('verbose');
  if (staticUser) {
    lines.push('lt-cred-mech', `user=${staticUser.username}:${staticUser.password}`);
  } else {
    lines.push('use-auth-secret', `static-auth-secret=${secret}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts coturn and waits until it answers on UDP and TCP.
 * @param {object} opts
 * @param {string} [opts.secret] static-auth-secret (required unless staticUser)
 * @param {{username: string, password: string}} [opts.staticUser] use lt-cred-mech with this user instead
 * @param {string} [opts.listenIp] default '127.0.0.1'
 * @param {string} [opts.relayIp] default listenIp
 * @param {number} [opts.port] default: a free port
 * @param {number} [opts.minPort] relay range; default: 16 free ports from a random base
 * @param {number} [opts.maxPort]
 * @param {string} [opts.realm] default 'lcc.test'
 * @param {boolean} [opts.verbose] coturn's `verbose`: log sessions and allocations, default true
 * @param {number} [opts.timeoutMs] how long to wait for it to listen, default 10000
 * @returns {Promise<{port: number, listenIp: string, relayIp: string, minPort: number, maxPort: number,
 *   realm: string, urls: {udp: string, tcp: string}, pid: number, configFile: string,
 *   logs: () => string, exited: () => ({code: number|null, signal: string|null}|null), stop: () => Promise<void>}>}
 */
async function startCoturn({
  secret, staticUser, listenIp = '127.0.0.1', relayIp = listenIp, port, minPort, maxPort,
  realm = 'lcc.test', timeoutMs = 10000, verbose = true,
} = {}) {
  if (!staticUser && (typeof secret !== 'string' || secret === '' || /\s/.test(secret))) {
    throw new Error('startCoturn: secret must be a non-empty string without whitespace (or give staticUser)');
  }
  if (staticUser && !(staticUser.username && staticUser.password && !/[:\s]/.test(staticUser.username + staticUser.password))) {
    throw new Error('startCoturn: staticUser must be {username, password}, non-empty, without ":" or whitespace');
  }
  if (!fs.existsSync(TURNSERVER)) throw new Error(`startCoturn: ${TURNSERVER} not found (apt-get install coturn)`);
  if (port === undefined) port = await freePort(listenIp);
  if (minPort === undefined || maxPort === undefined) ({ minPort, maxPort } = await freeRange(relayIp, 16, port));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-coturn-'));
  const configFile = path.join(dir, 'turnserver.conf');
  fs.writeFileSync(configFile, configText({ verbose, secret, listenIp, relayIp, port, minPort, maxPort, staticUser, realm, dir }), { mode: 0o600 });

  const out = [];
  const child = spawn(TURNSERVER, ['-c', configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let exitInfo = null;
  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => { exitInfo = { code, signal }; resolve(exitInfo); });
    child.once('error', (e) => { spawnError = e; exitInfo = { code: null, signal: null }; resolve(exitInfo); });
  });
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => out.push(d));
  const logs = () => Buffer.concat(out).toString('utf8');

  let stopping = null;
  const handle = {
    port,
    listenIp,
    relayIp,
    minPort,
    maxPort,
    realm,
    pid: child.pid,
    configFile,
    urls: {
      udp: `turn:${listenIp}:${port}?transport=udp`,
      tcp: `turn:${listenIp}:${port}?transport=tcp`,
    },
    logs,
    exited: () => exitInfo,
    /** SIGTERM (SIGKILL after 3 s), then removes the temp folder. Idempotent; never rejects. */
    stop() {
      if (!stopping) {
        stopping = (async () => {
          running.delete(handle);
          if (!exitInfo) {
            child.kill('SIGTERM');
            const killer = setTimeout(() => { if (!exitInfo) child.kill('SIGKILL'); }, 3000);
            await exited;
            clearTimeout(killer);
          }
          fs.rmSync(dir, { recursive: true, force: true });
        })();
      }
      return stopping;
    },
  };
  running.add(handle);

  const t0 = Date.now();
  for (;;) {
    if (exitInfo) {
      await handle.stop();
      throw new Error(`startCoturn: turnserver exited (${spawnError ? spawnError.message : JSON.stringify(exitInfo)}) ` +
        `before listening on ${listenIp}:${port}; its output:\n${logs()}`);
    }
    if (await stunBinding(listenIp, port) && await tcpAccepts(listenIp, port)) break;
    if (Date.now() - t0 > timeoutMs) {
      await handle.stop();
      throw new Error(`startCoturn: turnserver did not answer on ${listenIp}:${port} within ${timeoutMs} ms; its output:\n${logs()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return handle;
}

/** Stops every coturn this process started that is still running. Never rejects. */
function stopCoturnAll() {
  return Promise.all([...running].map((h) => h.stop()));
}

process.once('exit', () => {
  for (const h of running) {
    try { process.kill(h.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

module.exports = { startCoturn, stopCoturnAll, TURNSERVER };
