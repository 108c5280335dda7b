'use strict';
// Loads the App's bundled class file the way Rocket.Chat's Node runtime for
// Apps does (run under `node --permission` / `--experimental-permission` with
// read access to the bundle's folder and the engine only): the code gets a
// require that hands out Node built-ins and @rocket.chat/apps-engine/* and
// refuses anything else. Prints what it found as JSON on stdout.
//   node [--experimental-permission --allow-fs-read=...] load-app-bundle.js BUNDLE.js ENGINE_DIR

const fs = require('fs');
const path = require('path');
const { builtinModules } = require('module');

const [bundlePath, engineDir] = process.argv.slice(2);
const ENGINE_PREFIX = '@rocket.chat/apps-engine/';

const required = [];
function appRequire(name) {
  required.push(name);
  const bare = name.replace(/^node:/, '');
  if (builtinModules.includes(bare)) return require(bare);
  if (name.startsWith(ENGINE_PREFIX)) return require(path.join(engineDir, name.slice(ENGINE_PREFIX.length)));
  throw new Error(`Module ${name} is not allowed`);
}

const appModule = { exports: {} };
const code = fs.readFileSync(bundlePath, 'utf8');
new Function('exports', 'module', 'require', code)(appModule.exports, appModule, appRequire);

const { App } = require(path.join(engineDir, 'definition', 'App'));
const names = Object.keys(appModule.exports);
const first = appModule.exports[names[0]];
process.stdout.write(JSON.stringify({
  exports: names,
  firstIsApp: typeof first === 'function' && first.prototype instanceof App,
  required,
  // Proof that the run was sandboxed: a file outside the granted folders is off limits.
  readsElsewhere: process.permission ? process.permission.has('fs.read', path.resolve(__dirname, '..', '..', 'package.json')) : true,
}));
