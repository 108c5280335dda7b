'use strict';
// The set-up most e2e describe blocks share: a page server, a MediaServer on
// 127.0.0.1 (optionally with a fresh recordings folder), and teardown of all
// of it and of every browser, even when a test failed.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { MediaServer } = require('../../..');
const { closeAllBrowsers } = require('./browser');
const { startPageServer } = require('./pages');

/**
 * Registers mocha before/after hooks in the calling describe block and returns
 * the object they fill in: { pages, media, dir }.
 * @param {{media?: boolean, recordings?: boolean}} [opts] media: start a MediaServer
 *   (default true); recordings: give it a temporary recordingsDir (env.dir)
 */
function callFixture({ media = true, recordings = false } = {}) {
  const env = { pages: null, media: null, dir: null };
  before(async function () {
    if (recordings) env.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-rec-'));
    env.pages = await startPageServer();
    if (media) env.media = new MediaServer({ listenAddresses: ['127.0.0.1'], ...(env.dir ? { recordingsDir: env.dir } : {}) });
  });
  after(async function () {
    await closeAllBrowsers();
    if (env.media) await env.media.close();
    if (env.pages) await env.pages.close();
    if (env.dir) fs.rmSync(env.dir, { recursive: true, force: true });
  });
  return env;
}

module.exports = { callFixture };
