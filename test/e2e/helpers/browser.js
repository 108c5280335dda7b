'use strict';
// Launches Debian's Chromium through playwright-core, one browser process per party
// (Chromium's fake microphone file is per process). Refuses to start unless the test
// process runs in the private network namespace made by scripts/test.js: in the
// machine's own namespace Chromium would send mDNS out of, or connect to, the real
// network interface. See /work/shared/notes/testing-webrtc.md.
//
// Each launch gets a fresh profile folder, removed on close(). closeAllBrowsers()
// closes whatever is still open: call it from an after/afterEach hook so a failing
// test leaves nothing behind.

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

const open = new Set(); // LaunchedBrowser

class LaunchedBrowser {
  constructor(name, context, page, profileDir, wrapperDir) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.profileDir = profileDir;
    this.wrapperDir = wrapperDir;
    this.closed = null;
  }

  /** Closes the browser and removes its profile. Idempotent; never rejects. */
  close() {
    if (!this.closed) {
      this.closed = (async () => {
        open.delete(this);
        try {
          await withTimeout(this.context.close(), 10000, `closing browser ${this.name}`);
        } catch (e) {
          // A crashed or hung browser: Playwright kills its process on exit anyway.
          console.error(`[browser] ${this.name}: ${e.message}`);
        }
        removeDir(this.profileDir);
        removeDir(this.wrapperDir);
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

/**
 * Starts one Chromium with a fresh profile and returns it with its first page.
 * @param {object} [opts]
 * @param {string} [opts.name] label used in errors and logs
 * @param {string} [opts.fakeAudioFile] absolute path of a WAV file the fake microphone plays
 * @param {string} [opts.netns] run Chromium inside this named network namespace (created by the test)
 * @param {string[]} [opts.args] extra Chromium flags (a repeated flag: the last one counts)
 * @param {boolean} [opts.fakeMediaUi=true] false: leave out --use-fake-ui-for-media-stream, so camera and
 *   microphone are allowed only where the profile allows them (context.grantPermissions) and refused elsewhere
 * @param {{env?: object, interfaces?: object}} [opts.guard] overrides for assertPrivateNetns (tests only)
 * @returns {Promise<LaunchedBrowser>}
 */
async function launchBrowser({ name = 'browser', fakeAudioFile, netns, args = [], fakeMediaUi = true, guard } = {}) {
  assertPrivateNetns(guard);
  // Loaded here so the guard tests run even where playwright-core is missing.
  const { chromium } = require('playwright-core');
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-deps.js lists it)`);
  }
  const fullArgs = [...BASE_ARGS.filter((a) => fakeMediaUi || a !== '--use-fake-ui-for-media-stream'), ...args];
  if (fakeAudioFile) {
    if (!path.isAbsolute(fakeAudioFile) || !fs.existsSync(fakeAudioFile)) {
      throw new Error(`launchBrowser(${name}): fakeAudioFile must be an existing absolute path, got '${fakeAudioFile}'`);
    }
    fullArgs.push(`--use-file-for-fake-audio-capture=${fakeAudioFile}`);
  }
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), `lcc-chromium-${name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  let wrapper = null;
  try {
    wrapper = netns ? netnsWrapper(netns) : null;
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: wrapper ? wrapper.file : CHROMIUM,
      headless: false,
      args: fullArgs,
      timeout: 20000,
      env: browserEnv(),
    });
    const b = new LaunchedBrowser(name, context, null, profileDir, wrapper && wrapper.dir);
    open.add(b);
    try {
      b.page = context.pages()[0] || await context.newPage();
    } catch (e) {
      await b.close();
      throw e;
    }
    return b;
  } catch (e) {
    // A browser that failed to start may still be writing its profile: the
    // launch error is what the test must see, not a failed clean-up.
    try {
      removeDir(profileDir);
      if (wrapper) removeDir(wrapper.dir);
    } catch (cleanup) {
      console.error(`[browser] ${name}: ${cleanup.message}`);
    }
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

/** Closes every browser launched by this process that is still open. Never rejects. */
function closeAllBrowsers() {
  return Promise.all([...open].map((b) => b.close()));
}

// Playwright kills its browsers when Node exits; the profiles are ours to remove.
process.once('exit', () => { for (const b of open) { removeDir(b.profileDir); removeDir(b.wrapperDir); } });

module.exports = { launchBrowser, closeAllBrowsers, assertPrivateNetns, browserEnv, withTimeout, CHROMIUM, BASE_ARGS };
