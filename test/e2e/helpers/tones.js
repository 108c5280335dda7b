'use strict';
// WAV tone files for Chromium's fake microphone (--use-file-for-fake-audio-capture).
// Made with sox into one temp folder per test run, cached by (frequency, seconds),
// and removed when the process exits. Mono, 48 kHz, 16-bit: what Chromium's
// fake capture reads without resampling surprises.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFile } = require('child_process');

let dir = null;
const cache = new Map(); // key -> Promise<path>

function runDir() {
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-tones-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}

function sox(args) {
  return new Promise((resolve, reject) => {
    execFile('sox', args, (err, _stdout, stderr) => {
      if (!err) return resolve();
      if (err.code === 'ENOENT') {
        return reject(new Error('sox is not installed (it makes the e2e tone files): apt-get install sox ' +
          '(scripts/system-deps.js lists it in TEST_PACKAGES)'));
      }
      reject(new Error(`sox ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
    });
  });
}

/**
 * Path of a WAV file holding a sine tone, made once per run.
 * @param {number} frequency Hz, 20..20000
 * @param {{seconds?: number, volume?: number}} [opts] length (default 30 s: longer than any test) and amplitude 0..1
 * @returns {Promise<string>} absolute path
 */
function toneFile(frequency, { seconds = 30, volume = 0.5 } = {}) {
  if (!Number.isFinite(frequency) || frequency < 20 || frequency > 20000) {
    return Promise.reject(new Error(`toneFile(frequency) must be 20..20000 Hz, got ${frequency}`));
  }
  const key = `${frequency}-${seconds}-${volume}`;
  if (!cache.has(key)) {
    const file = path.join(runDir(), `tone${frequency}-${seconds}s-v${volume}.wav`);
    const made = sox(['-n', '-r', '48000', '-c', '1', '-b', '16', file, 'synth', String(seconds),
      'sine', String(frequency), 'vol', String(volume)]).then(() => file);
    made.catch(() => cache.delete(key)); // let a later call retry
    cache.set(key, made);
  }
  return cache.get(key);
}

module.exports = { toneFile };
