'use strict';
// Fuzz target for the Ogg reader of `livechat-calls recordings check`
// (js/api/recordings.js checkOggOpus), which reads recordings from disk: a
// file cut by a crash or a full disk, or one someone replaced. The input is
// the file's bytes, written to a temporary file for each run. Promises
// checked: it never throws; it returns {ok, problems[], pages,
// durationMs, complete} with ok exactly when there are no problems, a
// non-negative whole page count and a finite, non-negative duration; progress
// reports never go back and end at the file's size.
// Jazzer.js-compatible: module.exports.fuzz(data: Buffer); returns an outcome label.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { checkOggOpus } = require('../../../js/api/recordings');

const dir = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const file = path.join(dir, `lcc-fuzz-${process.pid}-check.opus`);

function fuzz(data) {
  fs.writeFileSync(file, data);
  let last = -1;
  let lastTotal = null;
  let r;
  try {
    r = checkOggOpus(file, (done, total) => {
      assert(done >= last && done <= total, 'progress went back or past the end');
      last = done;
      lastTotal = total;
    });
  } finally {
    fs.unlinkSync(file);
  }
  assert.strictEqual(lastTotal, data.length);
  assert.strictEqual(last, data.length);
  assert(Array.isArray(r.problems) && r.problems.every((p) => typeof p === 'string' && p.length > 0));
  assert.strictEqual(r.ok, r.problems.length === 0);
  assert(Number.isInteger(r.pages) && r.pages >= 0);
  assert(Number.isFinite(r.durationMs) && r.durationMs >= 0, `duration ${r.durationMs}`);
  assert.strictEqual(typeof r.complete, 'boolean');
  return `${r.ok ? 'ok' : 'bad'}:${r.complete}:${r.problems.map((p) => p.replace(/\d+/g, '_')).join('|').slice(0, 80)}`;
}

module.exports = { fuzz };
