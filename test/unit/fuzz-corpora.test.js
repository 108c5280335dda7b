'use strict';
// Replays every fuzz target's corpus (test/fuzz/corpus/<target>/, seeds plus
// every crash ever found) through the parser built with gcc + ASan/UBSan, so a
// regression of a fixed crash fails the suite without needing clang; and the
// JS targets' corpora (test/fuzz/js/corpus/<target>/) through their fuzz()
// with the plain-Node driver.

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const dir = path.join(__dirname, '..', 'fuzz');
const targets = fs.readdirSync(dir).filter((f) => f.endsWith('_fuzz.c')).map((f) => f.slice(0, -7));
const jsDir = path.join(dir, 'js');
const jsTargets = fs.readdirSync(jsDir).filter((f) => f.endsWith('.fuzz.js')).map((f) => f.slice(0, -8));

describe('fuzz corpora replay under ASan/UBSan', function () {
  this.timeout(300000);
  for (const t of targets) {
    it(`${t} parser survives its corpus`, function () {
      const r = spawnSync('make', ['-s', `replay-${t}`], { cwd: dir, encoding: 'utf8', timeout: 280000 });
      assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
    });
  }
  for (const t of jsTargets) {
    it(`${t} (JS) survives its corpus`, function () {
      const r = spawnSync(process.execPath, [path.join(jsDir, 'driver.js'), 'replay', t], { encoding: 'utf8', timeout: 280000 });
      assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /replayed [1-9]\d* inputs/);
    });
  }
});
