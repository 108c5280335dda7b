'use strict';
// `npm start`'s main job (js/service/main.js) as an operator runs it: it says
// where to click, serves the demo and health on embedded defaults (with the
// folders taken from the environment here), keeps the shared secret it made,
// and stops cleanly on SIGTERM.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const http = require('http');
const WebSocket = require('ws');

const MAIN = path.join(__dirname, '..', '..', '..', 'js', 'service', 'main.js');

/** `npm start`; with `hostsFile`, in a mount namespace where that file is /etc/hosts. */
function start(env, { hostsFile } = {}) {
  const argv = hostsFile
    ? ['unshare', ['--mount', '--', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, process.execPath, MAIN]]
    : [process.execPath, [MAIN]];
  const child = spawn(...argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 15000);
    child.stdout.on('data', () => {
      const m = /call service on (https?:\/\/\S+)/.exec(out);
      if (m && out.includes('shared secret for the Rocket.Chat App')) { // the last line printed
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, url, exited, output: () => out };
}

/** GET 127.0.0.1:port/path with this Host header; resolves with {status, body}. */
function get(port, urlPath, host) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

/** A port free on 127.0.0.1 now (for a start whose printed URL is its public one, not its port). */
function freePort() {
  return new Promise((resolve) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

describe('npm start (js/service/main.js)', function () {
  this.timeout(30000);
  let dir;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-main-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints where to click, serves the demo and /healthz, keeps its secret, and exits 0 on SIGTERM', async () => {
    const env = { LCC_PORT: '0', LCC_HOST: '127.0.0.1', LCC_DATA_DIR: path.join(dir, 'data'), LCC_RECORDINGS_DIR: path.join(dir, 'rec') };
    const run = start(env);
    const url = await run.url;
    for (const line of ['agent console:', 'visitor widget:', 'recordings:', 'health, metrics:']) assert.ok(run.output().includes(line), run.output());
    assert.match(run.output(), /shared secret for the Rocket\.Chat App: created in .*data\/secret/);
    assert.strictEqual((await fetch(`${url}/healthz`)).status, 200);
    for (const page of ['/agent', '/visitor', '/recordings', '/call']) assert.strictEqual((await fetch(url + page)).status, 200, page);
    const secret = fs.readFileSync(path.join(dir, 'data', 'secret'), 'utf8');
    run.child.kill('SIGTERM');
    assert.deepStrictEqual(await run.exited, { code: 0, signal: null });
    // A second start reuses the secret the App was given.
    const again = start(env);
    await again.url;
    assert.match(again.output(), /shared secret for the Rocket\.Chat App: from .*data\/secret/);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'data', 'secret'), 'utf8'), secret);
    again.child.kill('SIGTERM');
    const endedAgain = await again.exited;
    assert.strictEqual(endedAgain.code, 0, `${JSON.stringify(endedAgain)}\n${again.output()}`);
  });

  it('refuses a request or WebSocket naming another host (DNS rebinding) with 421, demo included', async () => {
    const env = { LCC_PORT: '0', LCC_HOST: '127.0.0.1', LCC_DATA_DIR: path.join(dir, 'data'), LCC_RECORDINGS_DIR: path.join(dir, 'rec') };
    const run = start(env);
    const { port } = new URL(await run.url);
    for (const p of ['/agent', '/demo/recordings', '/healthz']) {
      const res = await get(port, p, 'evil.example');
      assert.strictEqual(res.status, 421, p);
      assert.strictEqual(JSON.parse(res.body).error.code, 'ERR_HOST_NOT_ALLOWED');
    }
    assert.strictEqual((await get(port, '/agent', `localhost:${port}`)).status, 200);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: 'evil.example' } });
    const status = await new Promise((resolve) => {
      ws.once('unexpected-response', (req, res) => resolve(res.statusCode));
      ws.once('open', () => resolve('open'));
      ws.once('error', () => {});
    });
    assert.strictEqual(status, 421);
    run.child.kill('SIGTERM');
    assert.strictEqual((await run.exited).code, 0);
  });

  it('behind the reverse-proxy set-up of docs/deployment.md the demo is off; the call page and health stay', async () => {
    const port = await freePort();
    const env = {
      LCC_PORT: String(port), LCC_HOST: '127.0.0.1', LCC_PUBLIC_URL: 'https://calls.example.org', LCC_TRUST_PROXY: '1',
      LCC_DATA_DIR: path.join(dir, 'data'), LCC_RECORDINGS_DIR: path.join(dir, 'rec'),
    };
    const run = start(env);
    await run.url;
    assert.ok(!run.output().includes('agent console:'), run.output());
    for (const p of ['/agent', '/visitor', '/recordings', '/demo/', '/demo/events']) {
      assert.strictEqual((await get(port, p, 'calls.example.org')).status, 404, p);
    }
    for (const p of ['/call', '/healthz']) assert.strictEqual((await get(port, p, 'calls.example.org')).status, 200, p);
    run.child.kill('SIGTERM');
    assert.strictEqual((await run.exited).code, 0);
  });

  it("LCC_HOST=localhost with a stock Debian /etc/hosts (::1 first) serves on 127.0.0.1 and on [::1]", async () => {
    const hostsFile = path.join(dir, 'hosts');
    fs.writeFileSync(hostsFile, '::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\tlocalhost\n');
    const env = { LCC_PORT: '0', LCC_HOST: 'localhost', LCC_DATA_DIR: path.join(dir, 'data'), LCC_RECORDINGS_DIR: path.join(dir, 'rec') };
    const run = start(env, { hostsFile });
    const url = await run.url;
    const { port } = new URL(url);
    assert.strictEqual(url, `http://127.0.0.1:${port}`, 'the printed URL is one that works from IPv4-only clients');
    for (const base of [`http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
      assert.strictEqual((await fetch(`${base}/healthz`)).status, 200, base);
      assert.strictEqual((await fetch(`${base}/visitor`)).status, 200, base);
      const api = await fetch(`${base}/api/calls`, { method: 'POST', body: '{}' });
      assert.strictEqual(api.status, 401, `${base}: the API answers (unsigned request refused)`);
      for (const socketPath of ['/ws', '/ring']) {
        const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${socketPath}`);
        await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
        ws.close();
      }
    }
    run.child.kill('SIGTERM');
    assert.strictEqual((await run.exited).code, 0);
  });

  it('a malformed variable stops the start with a message naming it (exit 1)', async () => {
    const run = start({ LCC_PORT: 'eighty', LCC_DATA_DIR: path.join(dir, 'data') });
    const { code } = await run.exited;
    assert.strictEqual(code, 1);
    assert.match(run.output(), /LCC_PORT must be a whole number/);
  });
});
