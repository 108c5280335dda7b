'use strict';

// The Apps-Engines the host can run an App in, each loaded from its own
// package: 1.42.1 (the devDependency @rocket.chat/apps-engine; Apps run
// in-process on vm2) and the Deno engines 1.59.0 (Rocket.Chat 8.0's) and
// 1.62.0, prepared by scripts/apps-engines.js (`node scripts/setup.js --test`)
// outside node_modules. Every engine has its own classes (AppManager, bridges,
// storages) and the engine checks instanceof against them, so the host builds
// its bridges per engine from engine.require().

const path = require('node:path');
const { engineLayout, isPrepared, DENO_ENGINES } = require('../../../../scripts/apps-engines');

const ENGINES = ['1.42.1', ...Object.keys(DENO_ENGINES)];
const loaded = new Map();

function loadEngine(version) {
  if (loaded.has(version)) return loaded.get(version);
  let dir;
  const deno = Object.prototype.hasOwnProperty.call(DENO_ENGINES, version);
  if (version === '1.42.1') {
    dir = path.dirname(require.resolve('@rocket.chat/apps-engine/package.json'));
  } else if (deno) {
    if (!isPrepared(version)) throw new Error(`apps-host: Apps-Engine ${version} is not prepared: run node scripts/setup.js --test`);
    const layout = engineLayout(version);
    dir = layout.engineDir;
    // The engine spawns `deno` from PATH; the prepared wrapper runs this engine's Deno.
    if (!String(process.env.PATH).split(':').includes(layout.binDir)) process.env.PATH = `${layout.binDir}:${process.env.PATH}`;
    // Each engine finds its own Deno cache (<engine>/.deno-cache) only when DENO_DIR is unset.
    delete process.env.DENO_DIR;
  } else {
    throw new Error(`apps-host: unknown Apps-Engine ${JSON.stringify(version)} (known: ${ENGINES.join(', ')})`);
  }
  const actual = require(path.join(dir, 'package.json')).version;
  if (actual !== version) throw new Error(`apps-host: ${dir} holds Apps-Engine ${actual}, not ${version}`);
  const engine = {
    version,
    deno,
    dir,
    tempDir: deno ? engineLayout(version).tmpDir : undefined,
    /** A module of this engine's package, e.g. require('server/AppManager'). */
    require: (sub) => require(path.join(dir, sub)),
    /** Like require(), but undefined when this engine has no such module (newer bridges). */
    optional: (sub) => {
      try {
        return require(path.join(dir, sub));
      } catch (e) {
        if (e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(path.join(dir, sub))) return undefined;
        throw e;
      }
    },
  };
  loaded.set(version, engine);
  return engine;
}

module.exports = { ENGINES, loadEngine };
