'use strict';
// Launches Debian's Chromium through playwright-core, one browser process per party
// (Chromium's fake microphone file is per process). Refuses to start unless the test
// process runs in the private network namespace made by scripts/test.js: in the
// machine's own namespace Chromium would send mDNS out of, or connect to, the real
// network interface. See /work/shared/notes/testing-webrtc.md.
//
// Each launch gets a fresh browser context (no profile on disk) in a Chromium process
// that may have served an earlier launch with the same flags; close() ends the
// context. closeAllBrowsers() closes whatever is still open: call it from an
// after/afterEach hook so a failing test leaves nothing behind.

const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.LCC_CHROMIUM || '/usr/bin/chromium';

// Flags from the testing notes. --headless=new with Playwright's headless:false keeps
// the real (new) headless mode; --autoplay-policy lets the page's AudioContext run
// and <audio>/<video> play without a user gesture.
const BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Throws unless this process may start a browser: LCC_TEST_NETNS must be '1' (set by
 * scripts/test.js after `unshare --net`) and every network interface must be loopback.
 * Takes env and the interface list as arguments so tests can check it with fakes.
 * @param {{env?: object, interfaces?: object}} [opts] defaults: process.env, os.networkInterfaces()
 */
function assertPrivateNetns({ env = process.env, interfaces = os.networkInterfaces() } = {}) {
  const problems = [];
  if (env.LCC_TEST_NETNS !== '1') problems.push('LCC_TEST_NETNS is not 1');
  const foreign = Object.entries(interfaces || {})
    .filter(([name, addrs]) => name !== 'lo' || !(addrs || []).every((a) => a.internal))
    .map(([name, addrs]) => `${name} (${(addrs || []).map((a) => a.address).join(', ')})`);
  if (foreign.length) problems.push(`non-loopback interfaces are visible: ${foreign.join('; ')}`);
  if (problems.length) {
    const err = new Error('refusing to launch Chromium outside the private test network namespace: ' +
      `${problems.join('; ')}. Run the tests through scripts/test.js ` +
      '(e.g. `node scripts/test.js test/e2e/<file>.test.js`), which runs mocha under `unshare --net`.');
    err.code = 'ERR_NOT_IN_TEST_NETNS';
    throw err;
  }
}

// Chromium processes are kept and reused within one test process: starting one
// costs about 3 CPU-seconds here (a quarter of a typical e2e test), while a
// fresh browser context (its own cookies, storage, permissions and pages) is
// cheap. A process is reused only for the same flags and namespace, since the
// fake devices, the fake microphone's file and the namespace are process-wide.
const open = new Set(); // LaunchedBrowser
const idle = new Map(); // launch key -> [Process] not serving a LaunchedBrowser
const processes = new Set(); // Process
const counts = { launched: 0, reused: 0 };

class Process {
  constructor(key, browser, wrapperDir) {
    this.key = key;
    this.browser = browser;
    this.wrapperDir = wrapperDir;
  }

  kill() {
    processes.delete(this);
    removeDir(this.wrapperDir);
    return withTimeout(this.browser.close(), 10000, 'closing a browser process').catch((e) => {
      console.error(`[browser] ${e.message}`);
    });
  }
}

class LaunchedBrowser {
  constructor(name, proc, context, page) {
    this.name = name;
    this.process = proc;
    this.context = context;
    this.page = page;
    this.closed = null;
  }

  /** Closes the browser's context (its pages and calls); its process serves the next launch with the
   *  same flags. Idempotent; never rejects. */
  close() {
    if (!this.closed) {
      this.closed = (async () => {
        open.delete(this);
        try {
          await withTimeout(this.context.close(), 10000, `closing browser ${this.name}`);
          if (this.process.browser.isConnected()) {
            const list = idle.get(this.process.key) || [];
            list.push(this.process);
            idle.set(this.process.key, list);
            return;
          }
        } catch (e) {
          console.error(`[browser] ${this.name}: ${e.message}`);
        }
        await this.process.kill(); // crashed or hung: never handed out again
      })();
    }
    return this.closed;
  }
}

function removeDir(dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// Runs chromium inside a network namespace the test created (`ip netns add NAME`).
function netnsWrapper(netns) {
  if (!/^[A-Za-z0-9_.-]+$/.test(netns)) throw new Error(`launchBrowser: netns must be a plain name, got '${netns}'`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-chromium-wrap-'));
  const file = path.join(dir, 'chromium');
  fs.writeFileSync(file, `#!/bin/sh\nexec ip netns exec ${netns} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  return { dir, file };
}

/** An idle Chromium process started with these flags in this namespace, or a new one. */
async function chromiumProcess(fullArgs, netns) {
  const key = JSON.stringify({ fullArgs, netns: netns || null });
  const list = idle.get(key) || [];
  while (list.length) {
    const proc = list.pop();
    if (proc.browser.isConnected()) {
      counts.reused++;
      return proc;
    }
    await proc.kill();
  }
  // Loaded here so the guard tests run even where playwright-core is missing.
  const { chromium } = require('playwright-core');
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-deps.js lists it)`);
  }
  const wrapper = netns ? netnsWrapper(netns) : null;
  try {
    const browser = await chromium.launch({
      executablePath: wrapper ? wrapper.file : CHROMIUM,
      headless: false,
      args: fullArgs,
      timeout: 20000,
      env: browserEnv(),
    });
    counts.launched++;
    const proc = new Process(key, browser, wrapper && wrapper.dir);
    processes.add(proc);
    return proc;
  } catch (e) {
    if (wrapper) removeDir(wrapper.dir);
    throw e;
  }
}

/**
 * A Chromium with a fresh browser context (nothing kept from an earlier test) and its first page.
 * @param {object} [opts]
 * @param {string} [opts.name] label used in errors and logs
 * @param {string} [opts.fakeAudioFile] absolute path of a WAV file the fake microphone plays
 * @param {string} [opts.netns] run Chromium inside this named network namespace (created by the test)
 * @param {string[]} [opts.args] extra Chromium flags (a repeated flag: the last one counts)
 * @param {boolean} [opts.fakeMediaUi=true] false: leave out --use-fake-ui-for-media-stream, so camera and
 *   microphone are allowed only where the context allows them (context.grantPermissions) and refused elsewhere
 * @param {{env?: object, interfaces?: object}} [opts.guard] overrides for assertPrivateNetns (tests only)
 * @returns {Promise<LaunchedBrowser>}
 */
async function launchBrowser({ name = 'browser', fakeAudioFile, netns, args = [], fakeMediaUi = true, guard } = {}) {
  assertPrivateNetns(guard);
  const fullArgs = [...BASE_ARGS.filter((a) => fakeMediaUi || a !== '--use-fake-ui-for-media-stream'), ...args];
  if (fakeAudioFile) {
    if (!path.isAbsolute(fakeAudioFile) || !fs.existsSync(fakeAudioFile)) {
      throw new Error(`launchBrowser(${name}): fakeAudioFile must be an existing absolute path, got '${fakeAudioFile}'`);
    }
    fullArgs.push(`--use-file-for-fake-audio-capture=${fakeAudioFile}`);
  }
  try {
    const proc = await chromiumProcess(fullArgs, netns);
    let context;
    try {
      context = await proc.browser.newContext();
      const b = new LaunchedBrowser(name, proc, context, await context.newPage());
      open.add(b);
      return b;
    } catch (e) {
      if (context) await context.close().catch(() => {});
      await proc.kill();
      throw e;
    }
  } catch (e) {
    e.message = `launchBrowser(${name}): ${e.message}`;
    throw e;
  }
}

// The sanitizer run (scripts/sanitize.js) preloads ASan into this process for the
// add-on; the browser must not inherit it.
function browserEnv() {
  const env = { ...process.env };
  for (const k of ['LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS']) delete env[k];
  return env;
}

/** Closes every browser context this process opened that is still open (their processes stay for
 *  reuse). Never rejects. */
function closeAllBrowsers() {
  return Promise.all([...open].map((b) => b.close()));
}

/** How many Chromium processes this test process started, and how many launches reused one. */
function browserCounts() {
  return { ...counts };
}

// Playwright kills its browsers when Node exits; the wrapper scripts are ours to remove.
process.once('exit', () => {
  for (const proc of processes) removeDir(proc.wrapperDir);
  if (process.env.LCC_BROWSER_COUNTS === '1' && counts.launched) {
    console.error(`[browser] ${counts.launched} Chromium processes started, ${counts.reused} launches reused one`);
  }
});

module.exports = { launchBrowser, closeAllBrowsers, browserCounts, assertPrivateNetns, browserEnv, withTimeout, CHROMIUM, BASE_ARGS };
