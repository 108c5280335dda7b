'use strict';
// The Deno engines `node scripts/setup.js --test` prepares for the App's tests
// (scripts/apps-engines.js): each runtime's import map fetches nothing from
// jsr.io or deno.land, its local stand-ins exist, and those stand-ins do what
// the standard-library functions they replace do, run by that engine's Deno.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { DENO_ENGINES, engineLayout, isPrepared } = require('../../../scripts/apps-engines');

const SHIMS = path.resolve(__dirname, '..', '..', 'e2e', 'helpers', 'apps-host', 'deno-shims');

// Partial writes of 3 bytes at most, and a stream in uneven chunks.
const PROBE = `
import { writeAll } from '${path.join(SHIMS, 'write-all.ts')}';
import { toArrayBuffer } from '${path.join(SHIMS, 'to-array-buffer.ts')}';
const written: number[] = [];
const writer = { write(p: Uint8Array) { const n = Math.min(3, p.length); written.push(...p.subarray(0, n)); return Promise.resolve(n); } };
await writeAll(writer, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
const stream = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1, 2])); c.enqueue(new Uint8Array([])); c.enqueue(new Uint8Array([3, 4, 5])); c.close(); } });
const read = new Uint8Array(await toArrayBuffer(stream));
console.log(JSON.stringify({ written, read: [...read] }));
`;

describe('Deno Apps-Engines prepared for the tests', () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-deno-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const version of Object.keys(DENO_ENGINES)) {
    it(`Apps-Engine ${version}: its import map has no jsr: import and maps the rest to files that exist`, () => {
      assert.ok(isPrepared(version), 'prepared (node scripts/setup.js --test)');
      const layout = engineLayout(version);
      const config = JSON.parse(fs.readFileSync(path.join(layout.runtimeDir, 'deno.jsonc'), 'utf8'));
      for (const [name, target] of Object.entries(config.imports)) {
        assert.ok(!/^(jsr:|https?:)/.test(target), `${name} -> ${target}`);
        if (!target.startsWith('npm:') && !target.endsWith('/')) {
          assert.ok(fs.existsSync(path.resolve(layout.runtimeDir, target)), `${name} -> ${target} exists`);
        }
      }
      for (const [name, target] of Object.entries(DENO_ENGINES[version].imports)) assert.strictEqual(config.imports[name], target);
    });

    it(`Apps-Engine ${version}: the stand-ins write every byte through partial writes and read a whole stream, on its Deno`, function () {
      this.timeout(30000);
      const layout = engineLayout(version);
      const probe = path.join(dir, `probe-${version}.ts`);
      fs.writeFileSync(probe, PROBE);
      const r = spawnSync(layout.deno, ['run', '--no-config', '--cached-only', probe], {
        cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, DENO_DIR: path.join(dir, `deno-${version}`), NO_COLOR: '1' },
      });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.deepStrictEqual(JSON.parse(r.stdout), { written: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], read: [1, 2, 3, 4, 5] });
    });
  }
});
