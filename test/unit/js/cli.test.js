'use strict';
// The `livechat-calls` command (js/cli/main.js) as a user types it: help is
// asked for after any subcommand and is not an error; a wrong command is.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const CLI = path.join(__dirname, '..', '..', '..', 'js', 'cli', 'main.js');

function run(args, cwd) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, LCC_RECORDINGS_DIR: '' } });
}

describe('livechat-calls CLI', function () {
  this.timeout(20000);
  let dir;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-cli-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const args of [['--help'], ['-h'], ['recordings', '--help'], ['recordings', '-h'], ['recordings', 'check', '--help'],
    ['recordings', '--dir', 'x', '--help'], ['app-package', '--help']]) {
    it(`\`livechat-calls ${args.join(' ')}\` prints the usage on stdout and exits 0`, () => {
      const r = run(args, dir);
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /^usage: livechat-calls recordings/);
      assert.strictEqual(r.stderr, '');
      assert.deepStrictEqual(fs.readdirSync(dir), [], 'help does nothing else (app-package wrote no zip)');
    });
  }

  it('`livechat-calls serve --help` lists the LCC_* variables and exits 0 without starting', () => {
    const r = run(['serve', '--help'], dir);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /LCC_HOST\s+address the HTTP server binds/);
    assert.deepStrictEqual(fs.readdirSync(dir), []);
  });

  for (const args of [[], ['nonsense'], ['recordings', 'check'], ['recordings', '--dir']]) {
    it(`\`livechat-calls ${args.join(' ') || '(no arguments)'}\` is a usage error: usage on stderr, exit 2`, () => {
      const r = run(args, dir);
      assert.strictEqual(r.status, 2);
      assert.match(r.stderr, /^usage: livechat-calls/);
    });
  }
});
