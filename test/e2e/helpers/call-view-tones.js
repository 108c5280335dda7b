'use strict';
// The call UI's parties in Chromium, as the e2e tests of the call page use
// them: the visitor's browser plays a 440 Hz tone as its microphone, the
// agent's 880 Hz; heardInCallView() says which tone a page (or the overlay's
// frame) hears from the other party, through the call view's remote media.

const fs = require('fs');
const path = require('path');
const { launchBrowser } = require('./browser');
const { toneFile } = require('./tones');

const TONE_METER = fs.readFileSync(path.join(__dirname, '..', 'pages', 'tone-meter.js'), 'utf8');

/**
 * The strongest frequency a call view hears from the other party (tone-meter.js
 * over the stream of [data-testid=remote-video]).
 * @param {import('playwright-core').Page|import('playwright-core').Frame} page
 * @returns {Promise<{frequency: number|null, levelDb: number}>}
 */
async function heardInCallView(page) {
  await page.evaluate(TONE_METER);
  return page.evaluate(() => window.lccToneMeter.dominantFrequency(document.querySelector('[data-testid=remote-video]').srcObject, { durationMs: 1000 }));
}

/**
 * Listens (1 s at a time, up to `timeoutMs`) until the call view hears `hz`
 * (±15 Hz): media may take a moment to flow after 'connected' on a busy
 * machine. Resolves with the last measurement either way; the caller asserts.
 * @param {import('playwright-core').Page|import('playwright-core').Frame} page
 * @param {number} hz
 */
async function listenFor(page, hz, { timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await heardInCallView(page);
    if ((r.frequency !== null && Math.abs(r.frequency - hz) <= 15) || Date.now() > deadline) return r;
  }
}

/**
 * The visitor's (440 Hz) and the agent's (880 Hz) browsers, page errors logged.
 * @param {string} prefix names the browsers (and their profile folders)
 */
async function launchCallParties(prefix) {
  const visitor = await launchBrowser({ name: `${prefix}-visitor`, fakeAudioFile: await toneFile(440) });
  const agent = await launchBrowser({ name: `${prefix}-agent`, fakeAudioFile: await toneFile(880) });
  for (const b of [visitor, agent]) b.page.on('pageerror', (e) => console.log(`      [${b.name} pageerror] ${e.message}`));
  return { visitor, agent };
}

module.exports = { heardInCallView, listenFor, launchCallParties };
