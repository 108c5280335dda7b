'use strict';
// Firefox ESR as a WebRTC party. Playwright cannot drive Debian's Firefox, so
// the page (pages/remote.html) is driven over HTTP instead: RemotePeer has the
// same methods and events as Peer (helpers/pages.js), and its calls travel to
// window.peer.* through a long-poll channel served on 127.0.0.1.
// Like Chromium, Firefox runs only inside the private test namespace.

const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { Peer, PAGES_DIR } = require('./pages');
const { assertPrivateNetns, browserEnv } = require('./browser');

const FIREFOX = process.env.LCC_FIREFOX || '/usr/bin/firefox-esr';

// Fake media without prompts, real loopback addresses in candidates (no mDNS),
// and nothing that phones home.
const PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // The fake microphone's sine (default 1 kHz), so the other side can check the tone it hears.
  'media.navigator.audio.fake_frequency': 440,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
  'media.autoplay.blocking_policy': 0,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'app.update.auto': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'extensions.update.enabled': false,
  'app.normandy.enabled': false,
};

class RemotePeer extends Peer {
  constructor(name, channel) {
    super(name, null);
    this.channel = channel;
  }

  _call(method, ...args) {
    return this.channel.call(method, args).catch((e) => {
      e.message = `${this.name}.${method}(): ${e.message}`;
      throw e;
    });
  }
}

/** One page's RPC channel: queued calls, the waiting long poll, pending results. */
/** Answers a long poll once: a poll may also end by timeout, close or a new poll. */
function reply(res, status, body) {
  if (res.headersSent || res.writableEnded) return;
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

class Channel {
  constructor(onPush) {
    this.onPush = onPush;
    this.queue = [];
    this.waiting = null;
    this.pending = new Map();
    this.seq = 0;
    this.closed = false;
  }

  call(method, args) {
    if (this.closed) return Promise.reject(new Error('the page is closed'));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Error('no answer from the page within 20 s'));
      }, 20000);
      this.pending.set(seq, { resolve, reject, timer });
      this.queue.push({ seq, method, args });
      this.flush();
    });
  }

  flush() {
    if (!this.waiting || !this.queue.length) return;
    const res = this.waiting;
    this.waiting = null;
    reply(res, 200, JSON.stringify(this.queue.shift()));
  }

  result({ seq, ok, value, error }) {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    if (ok) p.resolve(value);
    else p.reject(new Error(error));
  }

  close() {
    this.closed = true;
    if (this.waiting) reply(this.waiting, 410);
    this.waiting = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('the page is closed'));
    }
    this.pending.clear();
  }
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c) => { body += c; if (body.length > 4e6) req.destroy(); });
    req.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(e); } });
  });
}

/** Serves pages/ and the RPC channels on 127.0.0.1. */
function startRemoteServer() {
  const channels = new Map();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const rpc = /^\/rpc\/([\w-]+)\/(next|push|result)$/.exec(url.pathname);
    if (rpc) {
      const ch = channels.get(rpc[1]);
      if (!ch || ch.closed) { reply(res, 410); return; }
      if (rpc[2] === 'next') {
        if (ch.waiting) reply(ch.waiting, 204);
        ch.waiting = res;
        setTimeout(() => { if (ch.waiting === res) { ch.waiting = null; reply(res, 204); } }, 15000).unref();
        ch.flush();
        return;
      }
      try {
        const body = await readJson(req);
        if (rpc[2] === 'push') ch.onPush(body.kind, body.data);
        else ch.result(body);
        res.writeHead(204).end();
      } catch (e) {
        res.writeHead(400).end();
      }
      return;
    }
    const name = url.pathname.replace(/^\/+/, '');
    if (!/^[\w-]+\.(html|js)$/.test(name)) { res.writeHead(404).end(); return; }
    fs.readFile(path.join(PAGES_DIR, name), (err, body) => {
      if (err) { res.writeHead(404).end(); return; }
      const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const baseUrl = `http://127.0.0.1:${server.address().port}`;
      resolve({
        baseUrl,
        channels,
        close: () => new Promise((r) => {
          for (const ch of channels.values()) ch.close();
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}

/** Firefox gathers no candidates when its default-route lookup fails; a default
 * route over lo satisfies it (the namespace has no other interface: nothing leaves). */
function ensureDefaultRoute() {
  const routes = spawnSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' }).stdout;
  if (routes.trim()) return;
  const r = spawnSync('ip', ['route', 'add', 'default', 'dev', 'lo', 'src', '127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot add a default route over lo: ${r.stderr}`);
}

/**
 * Starts Firefox ESR on remote.html and returns its RemotePeer once the page is ready.
 * @returns {Promise<{peer: RemotePeer, close: () => Promise<void>}>}
 */
async function launchFirefoxPeer(remote, { name = 'firefox', video = false } = {}) {
  assertPrivateNetns();
  if (!fs.existsSync(FIREFOX)) throw new Error(`Firefox ESR not found at ${FIREFOX}: apt-get install firefox-esr`);
  ensureDefaultRoute();
  const id = `${name}-${Date.now()}`;
  let peer = null;
  const ready = new Promise((resolve) => {
    const ch = new Channel((kind, data) => {
      if (kind === 'ready') resolve();
      else peer._onPush(kind, data);
    });
    remote.channels.set(id, ch);
    peer = new RemotePeer(name, ch);
  });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-firefox-'));
  fs.writeFileSync(path.join(profile, 'user.js'),
    Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const proc = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, `${remote.baseUrl}/remote.html?session=${id}`],
    { stdio: 'ignore', env: { ...browserEnv(), MOZ_HEADLESS: '1' } });
  const exited = new Promise((r) => proc.once('exit', r));
  const close = async () => {
    remote.channels.get(id).close();
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    fs.rmSync(profile, { recursive: true, force: true });
  };
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('Firefox page not ready within 30 s')), 30000));
  try {
    await Promise.race([ready, timeout, exited.then(() => { throw new Error('Firefox exited before its page was ready'); })]);
    await peer._call('init', { video });
  } catch (e) {
    await close();
    throw e;
  }
  return { peer, close };
}

module.exports = { startRemoteServer, launchFirefoxPeer, RemotePeer };
