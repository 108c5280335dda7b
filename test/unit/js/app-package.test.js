'use strict';
// The App package an admin uploads: `livechat-calls app-package` writes a zip
// whose app.json names a class file inside it, and in which every relative
// require of the App's code resolves to a file of the zip under the
// Apps-Engine's rules (path joined to the requiring file's folder, climbing
// past the root clamped to the root, ".js" appended).

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const AdmZip = require('adm-zip');

const root = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(root, 'js', 'cli', 'main.js');

/** The file the Apps-Engine's custom require loads for `mod` required from `from` (a zip entry name). */
function engineResolve(from, mod) {
  const dir = path.posix.dirname(from);
  const joined = dir === '.' ? mod : path.posix.join(`${dir}/`, mod);
  return `${path.posix.normalize(joined).replace(/\.\.?\//g, '').replace(/^\//, '')}.js`;
}

describe('App package', () => {
  let dir;
  let zip;
  before(function () {
    this.timeout(20000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-pkg-'));
    const out = path.join(dir, 'app.zip');
    const r = spawnSync(process.execPath, [CLI, 'app-package', out], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /LiveChat Calls .*app\.zip \(\d+ files\)/);
    zip = new AdmZip(out);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("`livechat-calls app-package` writes app.json with package.json's version, a class file, the icon and i18n/en.json", () => {
    const info = JSON.parse(zip.readAsText('app.json'));
    assert.strictEqual(info.version, require('../../../package.json').version);
    assert.match(info.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.strictEqual(info.requiredApiVersion, '^1.42.0');
    for (const name of [info.classFile, info.iconFile, 'i18n/en.json']) assert.ok(zip.getEntry(name), `${name} is in the zip`);
    assert.ok(zip.getEntries().every((e) => !e.entryName.startsWith('package/')), 'the packaging code stays out');
  });

  it('every relative require in the App resolves to a file inside the zip', () => {
    const names = new Set(zip.getEntries().map((e) => e.entryName));
    let checked = 0;
    for (const name of names) {
      if (!name.endsWith('.js')) continue;
      const text = zip.readAsText(name);
      for (const m of text.matchAll(/require\('(\.[^']+)'\)/g)) {
        assert.ok(!m[1].endsWith('.js'), `${name}: require('${m[1]}') with an extension returns undefined on Apps-Engine 1.42`);
        const target = engineResolve(name, m[1]);
        assert.ok(names.has(target), `${name}: require('${m[1]}') -> ${target}, not in the zip`);
        checked++;
      }
    }
    assert.ok(checked > 20, `only ${checked} requires found`);
  });

  it('requires of Node modules stay within what the Apps-Engine sandbox allows', () => {
    const allowed = new Set(['path', 'url', 'crypto', 'buffer', 'stream', 'net', 'http', 'https', 'zlib', 'util', 'punycode', 'os', 'querystring']);
    for (const e of zip.getEntries().filter((x) => x.entryName.endsWith('.js'))) {
      for (const m of zip.readAsText(e.entryName).matchAll(/require\('([^.'][^']*)'\)/g)) {
        assert.ok(allowed.has(m[1]) || m[1].startsWith('@rocket.chat/apps-engine/definition/'), `${e.entryName}: require('${m[1]}') is not available to Apps`);
      }
    }
  });
});
