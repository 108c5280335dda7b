'use strict';
// js/index.d.ts is hand-written: compiling a usage file against it (tsc
// --noEmit --strict) catches a declaration that drifts from the API, and its
// @ts-expect-error lines check that mistakes are still type errors.

const assert = require('assert');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..', '..');

describe('TypeScript declarations', () => {
  it('js/index.d.ts compiles against test/types/usage.ts with tsc --noEmit --strict', function () {
    this.timeout(60000);
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [
      tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--types', 'node', path.join('test', 'types', 'usage.ts'),
    ], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  });

  // The App is plain JavaScript (the engine does not compile TypeScript), so
  // checking it against both definitions is what keeps it working on the
  // in-process 1.42 engine and on current Rocket.Chat (Apps-Engine 1.66).
  for (const [label, config] of [['1.42.1', 'tsconfig.app-1.42.json'], ['1.66 (current)', 'tsconfig.app-current.json']]) {
    it(`the App (js/app, js/common) type-checks against the Apps-Engine ${label} definitions`, function () {
      this.timeout(60000);
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', path.join('test', 'types', config)], { cwd: root, encoding: 'utf8' });
      assert.strictEqual(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
    });
  }
});
