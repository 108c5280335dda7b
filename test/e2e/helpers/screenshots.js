'use strict';
// Screenshots of the pages' states, for people (docs/images/ is picked from
// them), not for assertions: taken only when LCC_SCREENSHOTS=1 (`npm run
// screenshots`). In `npm test` they cost a quarter of call-ui.test.js's time
// (34 PNGs rendered in software) and check nothing.

const fs = require('fs');
const path = require('path');

const SHOTS_DIR = path.join(__dirname, '..', 'screenshots');
const wanted = process.env.LCC_SCREENSHOTS === '1';

/** Whether this run takes screenshots. */
function screenshotsWanted() {
  return wanted;
}

/** Saves the page as test/e2e/screenshots/<name>.png when screenshots are wanted. */
async function saveScreenshot(page, name, opts = {}) {
  if (!wanted) return;
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ ...opts, path: path.join(SHOTS_DIR, `${name}.png`) });
}

module.exports = { screenshotsWanted, saveScreenshot, SHOTS_DIR };
