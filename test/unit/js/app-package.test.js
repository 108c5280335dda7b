'use strict';
// The App package an admin uploads: `livechat-calls app-package` writes a zip
// holding app.json, the icon, the translations and the App's code as ONE
// bundled class file whose requires are only Node built-ins and
// @rocket.chat/apps-engine/*: what every engine provides, including
// Rocket.Chat's Node runtime for Apps, which runs Apps under `node
// --permission` and refuses any other module.

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { builtinModules } = require('module');
const { spawnSync } = require('child_process');
const AdmZip = require('adm-zip');

const root = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(root, 'js', 'cli', 'main.js');
const LOADER = path.join(root, 'test', 'helpers', 'load-app-bundle.cjs');
// The engine packages the Node runtime check hands the App: 1.42.1 and 1.62.0 (the newest with a runtime).
const ENGINE_DIRS = ['@rocket.chat/apps-engine', 'apps-engine-1.62'].map((name) => path.dirname(require.resolve(`${name}/package.json`)));

// What the Apps-Engine runtimes let an App require: 1.42's vm2 sandbox and the
// Deno runtime's list (1.46-1.62), minus 'fs', which vm2 does not give.
const ENGINE_BUILTINS = new Set(['path', 'url', 'crypto', 'buffer', 'stream', 'net', 'http', 'https', 'zlib', 'util', 'punycode', 'os', 'querystring']);
const ENGINE_PREFIX = '@rocket.chat/apps-engine/';

/** Every `require(...)` in code: the literal module names, and a count of all calls (literal or not). */
function requiresIn(code) {
  const literal = [...code.matchAll(/\brequire\(\s*(["'])([^"']+)\1\s*\)/g)].map((m) => m[2]);
  const calls = (code.match(/\brequire\s*\(/g) || []).length;
  return { literal, calls };
}

describe('App package', () => {
  let dir;
  let zip;
  let info;
  let classCode;
  before(function () {
    this.timeout(20000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-pkg-'));
    const out = path.join(dir, 'app.zip');
    const r = spawnSync(process.execPath, [CLI, 'app-package', out], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /LiveChat Calls .*app\.zip \(\d+ files\)/);
    zip = new AdmZip(out);
    info = JSON.parse(zip.readAsText('app.json'));
    classCode = zip.readAsText(info.classFile);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("`livechat-calls app-package` writes app.json with package.json's version, a class file, the icon and i18n/en.json", () => {
    assert.strictEqual(info.version, require('../../../package.json').version);
    assert.match(info.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.strictEqual(info.requiredApiVersion, '^1.42.0');
    for (const name of [info.classFile, info.iconFile, 'i18n/en.json']) assert.ok(zip.getEntry(name), `${name} is in the zip`);
  });

  it('the App code is one bundled file: the class file is the only script in the zip, and it holds js/app and js/common', () => {
    const scripts = zip.getEntries().map((e) => e.entryName).filter((n) => /\.(c|m)?js$/.test(n));
    assert.deepStrictEqual(scripts, [info.classFile]);
    // esbuild names every bundled module in a comment; the App's own files and the shared ones are there.
    for (const file of ['js/app/LivechatCallsApp.js', 'js/app/lib/call-lifecycle.js', 'js/app/endpoints/visitor-call.js', 'js/common/webrtc-servers.js', 'js/common/request-signing.js']) {
      assert.ok(classCode.includes(`// ${file}\n`), `${file} is bundled`);
    }
    assert.ok(!/\brequire\(\s*["']\./.test(classCode), 'no relative require is left');
  });

  it('every require in the class file is a Node built-in the engines provide or @rocket.chat/apps-engine/*', () => {
    const { literal, calls } = requiresIn(classCode);
    assert.strictEqual(literal.length, calls, 'every require names its module literally (none computed)');
    assert.ok(literal.some((m) => m.startsWith(ENGINE_PREFIX)) && literal.includes('crypto'), `requires found: ${literal}`);
    for (const name of literal) {
      const bare = name.replace(/^node:/, '');
      const ok = name.startsWith(ENGINE_PREFIX) || (builtinModules.includes(bare) && ENGINE_BUILTINS.has(bare));
      assert.ok(ok, `require('${name}') is not available to Apps`);
    }
  });

  for (const engineDir of ENGINE_DIRS) {
    const version = require(path.join(engineDir, 'package.json')).version;
    it(`the class file loads under \`node --permission\` with read access to its folder and the engine (${version}) only; its first export is the App class`, function () {
      this.timeout(20000);
      const unpacked = path.join(dir, 'unpacked');
      zip.extractAllTo(unpacked, true);
      const major = Number(process.versions.node.split('.')[0]);
      const permission = major >= 22 ? '--permission' : '--experimental-permission';
      const reads = [LOADER, unpacked, engineDir].map((p) => `--allow-fs-read=${p}`);
      const r = spawnSync(process.execPath, [permission, ...reads, LOADER, path.join(unpacked, info.classFile), engineDir], { encoding: 'utf8', cwd: unpacked });
      assert.strictEqual(r.status, 0, r.stderr);
      const found = JSON.parse(r.stdout);
      assert.strictEqual(found.readsElsewhere, false, 'the run was sandboxed');
      assert.deepStrictEqual(found.exports, ['LivechatCallsApp']);
      assert.strictEqual(found.firstIsApp, true, "the first export extends the engine's App class");
      assert.ok(found.required.includes('@rocket.chat/apps-engine/definition/App'));
    });
  }
});
