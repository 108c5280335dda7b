'use strict';
// Builds the C unit tests (test/unit/c/*_test.c against csrc/core, no Node)
// and runs each one natively and under valgrind's memcheck.

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const dir = path.join(__dirname, 'c');
const tests = fs.readdirSync(dir).filter((f) => f.endsWith('_test.c')).map((f) => f.slice(0, -2));
const suppressions = path.join(dir, 'valgrind.supp');

function run(cmd, args, timeout) {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout });
  return { status: r.status, out: `${r.stdout || ''}${r.stderr || ''}`, error: r.error };
}

describe('C unit tests (csrc/core without Node)', function () {
  this.timeout(600000);

  before(function () {
    const r = run('make', ['-j2', '-s'], 600000);
    assert.strictEqual(r.status, 0, `make failed:\n${r.out}`);
  });

  for (const name of tests) {
    it(`${name} passes`, function () {
      const r = run(path.join(dir, 'out', name), [], 300000);
      assert.strictEqual(r.status, 0, r.out);
      assert.match(r.out, /\d+ passed, 0 failed/);
    });

    it(`${name} is clean under valgrind memcheck`, function () {
      const r = run('valgrind', [
        '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite',
        '--show-leak-kinds=definite', `--suppressions=${suppressions}`, '-q',
        path.join(dir, 'out', name),
      ], 500000);
      assert.notStrictEqual(r.status, 99, `memcheck errors:\n${r.out}`);
      assert.strictEqual(r.status, 0, r.out);
    });
  }
});
