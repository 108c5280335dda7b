'use strict';
// Prepares the Rocket.Chat Apps-Engines whose Apps run in a Deno subprocess
// (1.59.0, Rocket.Chat 8.0's, and 1.62.0, the newest with a runtime on npm) so
// the App's tests can run them offline: `node scripts/setup.js --test` calls
// prepareDenoEngines(). Everything comes from the npm registry: the engines and
// Deno are devDependencies (npm aliases), and `deno cache` fills each engine's
// Deno cache with the runtime's npm: imports. Its jsr: and deno.land imports
// are mapped to small local files (test/e2e/helpers/apps-host/deno-shims/).
// Idempotent: a stamp per engine says what it was prepared from.
//
// Layout, under .cache/apps-engines/ (outside node_modules: Deno >= 1.45 will
// not run TypeScript from a node_modules folder):
//   bin/deno                 what the engine spawns (it runs `deno` from PATH); runs
//                            the Deno of the engine that spawned it, from its runtime folder
//   <version>/apps-engine/   a copy of the engine package; deno-runtime/deno.jsonc's import
//                            map rewritten; .deno-cache/ is the engine's default DENO_DIR
//   <version>/shims/         copies of the local stand-ins
//   <version>/deno           link to the Deno binary for that engine
//   <version>/tmp/           the engine's temp folder (1.62 links its runtime there)
//   <version>/prepared.json  the stamp

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const CACHE_DIR = path.join(ROOT, '.cache', 'apps-engines');
const BIN_DIR = path.join(CACHE_DIR, 'bin');
const SHIMS_DIR = path.join(ROOT, 'test', 'e2e', 'helpers', 'apps-host', 'deno-shims');

// Which npm alias holds each engine and the Deno it runs on (the nearest on npm
// to the one Rocket.Chat ships with it), and how its import map is completed.
// Import-map targets are relative to deno-runtime/.
const DENO_ENGINES = {
  '1.59.0': {
    enginePackage: 'apps-engine-1.59',
    denoPackage: 'deno-1.46',
    imports: {
      'https://deno.land/std@0.216.0/io/write_all.ts': '../../shims/write-all.ts',
    },
  },
  '1.62.0': {
    enginePackage: 'apps-engine-1.62',
    denoPackage: 'deno-2.6',
    imports: {
      '@std/io': '../../shims/write-all.ts',
      '@std/streams': '../../shims/to-array-buffer.ts',
      // The published runtime imports this class from ../src/, which the package lacks.
      '@rocket.chat/apps-engine/definition/exceptions/AppsEngineException.ts': './../definition/exceptions/AppsEngineException.js',
    },
  },
};

// The engine spawns `deno` found on PATH with env {PATH, DENO_DIR}, DENO_DIR
// being <engine copy>/.deno-cache: that names the engine. 1.59 passes no
// --config, so Deno must start in deno-runtime/ to find its deno.jsonc.
const DENO_WRAPPER = `#!/bin/sh
# Written by scripts/apps-engines.js: runs the Deno of the Apps-Engine that spawned it.
engine="$(dirname "$DENO_DIR")"
cd "$engine/deno-runtime" || exit 1
exec "$engine/../deno" "$@"
`;

/** Where a prepared engine lives. */
function engineLayout(version) {
  if (!DENO_ENGINES[version]) throw new Error(`apps-engines: no Deno engine ${version} (known: ${Object.keys(DENO_ENGINES).join(', ')})`);
  const dir = path.join(CACHE_DIR, version);
  const engineDir = path.join(dir, 'apps-engine');
  return {
    dir,
    engineDir,
    runtimeDir: path.join(engineDir, 'deno-runtime'),
    denoDir: path.join(engineDir, '.deno-cache'),
    deno: path.join(dir, 'deno'),
    tmpDir: path.join(dir, 'tmp'),
    stamp: path.join(dir, 'prepared.json'),
    binDir: BIN_DIR,
  };
}

function packageDir(name) {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] }));
}

/**
 * The Deno executable of a Deno platform package (`@deno/linux-x64-glibc`).
 * Taken directly, not through the `deno` package: that one lists every
 * platform's package as optional, and a lock file must then name them all,
 * which a registry without the other platforms' packages cannot give.
 */
function denoExecutable(denoPackage) {
  const file = path.join(packageDir(denoPackage), 'deno');
  fs.chmodSync(file, 0o755);
  return file;
}

function hashOf(files) {
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(path.basename(f)).update(fs.readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

function wantedStamp(version) {
  const { enginePackage, denoPackage } = DENO_ENGINES[version];
  const shims = fs.readdirSync(SHIMS_DIR).sort().map((n) => path.join(SHIMS_DIR, n));
  return {
    engine: JSON.parse(fs.readFileSync(path.join(packageDir(enginePackage), 'package.json'), 'utf8')).version,
    deno: JSON.parse(fs.readFileSync(path.join(packageDir(denoPackage), 'package.json'), 'utf8')).version,
    recipe: hashOf([__filename, ...shims]),
  };
}

function isPrepared(version) {
  const layout = engineLayout(version);
  try {
    const stamp = JSON.parse(fs.readFileSync(layout.stamp, 'utf8'));
    return JSON.stringify(stamp) === JSON.stringify(wantedStamp(version)) && fs.existsSync(layout.deno) && fs.existsSync(path.join(BIN_DIR, 'deno'));
  } catch (e) {
    return false;
  }
}

/** Rewrites the runtime's import map: jsr: entries out, the local stand-ins in, no lock file. */
function rewriteDenoConfig(runtimeDir, imports) {
  const file = path.join(runtimeDir, 'deno.jsonc');
  let config;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`apps-engines: ${file} is not plain JSON (${e.message})`);
  }
  for (const [key, value] of Object.entries(config.imports)) if (String(value).startsWith('jsr:')) delete config.imports[key];
  Object.assign(config.imports, imports);
  config.lock = false; // the lock file pins the jsr: packages replaced above
  fs.writeFileSync(file, `${JSON.stringify(config, null, '\t')}\n`);
  return config;
}

/** Remote imports left in the runtime's code that the import map does not map (none may be fetched). */
function unmappedRemoteImports(runtimeDir, config) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'tests' && entry.name !== 'node_modules') walk(p);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/from\s+['"]((?:jsr:|https?:)[^'"]+)['"]/g)) {
          if (!config.imports[m[1]]) out.push(`${path.relative(runtimeDir, p)}: ${m[1]}`);
        }
      }
    }
  };
  walk(runtimeDir);
  return out;
}

function denoEnv(layout) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME || '/root', DENO_DIR: layout.denoDir, NO_COLOR: '1' };
  // Deno's own certificate store does not know a local CA; the system bundle does.
  if (fs.existsSync('/etc/ssl/certs/ca-certificates.crt')) env.DENO_CERT = '/etc/ssl/certs/ca-certificates.crt';
  for (const k of ['NPM_CONFIG_REGISTRY', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
    if (process.env[k]) env[k] = process.env[k];
  }
  return env;
}

function prepareEngine(version, log) {
  const spec = DENO_ENGINES[version];
  const layout = engineLayout(version);
  const started = Date.now();
  fs.rmSync(layout.dir, { recursive: true, force: true });
  fs.mkdirSync(layout.tmpDir, { recursive: true });
  fs.cpSync(packageDir(spec.enginePackage), layout.engineDir, { recursive: true, verbatimSymlinks: true });
  fs.cpSync(SHIMS_DIR, path.join(layout.dir, 'shims'), { recursive: true });
  fs.symlinkSync(denoExecutable(spec.denoPackage), layout.deno);
  const config = rewriteDenoConfig(layout.runtimeDir, spec.imports);
  const unmapped = unmappedRemoteImports(layout.runtimeDir, config);
  if (unmapped.length) throw new Error(`apps-engines: ${version}'s runtime imports what cannot be fetched here:\n  ${unmapped.join('\n  ')}`);

  const r = spawnSync(layout.deno, ['cache', `--config=${path.join(layout.runtimeDir, 'deno.jsonc')}`, path.join(layout.runtimeDir, 'main.ts')], {
    cwd: layout.runtimeDir, env: denoEnv(layout), encoding: 'utf8', timeout: 300000,
  });
  if (r.status !== 0) {
    throw new Error(`apps-engines: deno cache for Apps-Engine ${version} failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${r.stderr}`);
  }
  fs.writeFileSync(layout.stamp, `${JSON.stringify(wantedStamp(version))}\n`);
  log(`[setup] Apps-Engine ${version} (Deno ${wantedStamp(version).deno}) prepared in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Prepares every Deno engine not yet prepared (or prepared from other versions or files). */
function prepareDenoEngines({ log = console.log } = {}) {
  fs.mkdirSync(BIN_DIR, { recursive: true });
  const wrapper = path.join(BIN_DIR, 'deno');
  if (!fs.existsSync(wrapper) || fs.readFileSync(wrapper, 'utf8') !== DENO_WRAPPER) fs.writeFileSync(wrapper, DENO_WRAPPER, { mode: 0o755 });
  for (const version of Object.keys(DENO_ENGINES)) {
    if (!isPrepared(version)) prepareEngine(version, log);
  }
}

module.exports = { DENO_ENGINES, engineLayout, prepareDenoEngines, isPrepared };

if (require.main === module) {
  try {
    prepareDenoEngines();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
