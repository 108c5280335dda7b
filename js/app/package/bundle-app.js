'use strict';
// Bundles the App's code (js/app and the js/common files it uses) into ONE
// CommonJS file with esbuild, so that no engine's way of resolving relative
// requires matters: Apps-Engine 1.42 (vm2, in-process), 1.46-1.62 (Deno
// subprocess) and Rocket.Chat's Node runtime (`node --permission`) all load a
// single file that requires only Node built-ins and
// `@rocket.chat/apps-engine/*`, which every engine provides.
// Runs on Node only (it is not part of the App).

const path = require('path');
const esbuild = require('esbuild');

const JS_DIR = path.resolve(__dirname, '..', '..');
const APP_DIR = path.join(JS_DIR, 'app');
const REPO_DIR = path.resolve(JS_DIR, '..');

// Left as require() calls in the bundle: the engine hands out its own
// definitions (an App must share the engine's App and exception classes).
const EXTERNAL = ['@rocket.chat/apps-engine/*'];

/**
 * @param {string} classFile the App class file, relative to js/app (app.json's classFile)
 * @returns {{code: string, inputs: string[]}} the bundle, and the repository files in it
 */
function bundleApp(classFile) {
  const result = esbuild.buildSync({
    entryPoints: [path.join(APP_DIR, classFile)],
    absWorkingDir: REPO_DIR,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node', // Node built-ins stay require() calls
    format: 'cjs', // module.exports = { LivechatCallsApp }: the App class is the first export
    target: 'es2020', // what vm2 on Node 14+, Deno 1.4x/2.x and Node 20+ all run
    external: EXTERNAL,
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: '// LiveChat Calls: Rocket.Chat App, bundled from js/app and js/common by js/app/package/bundle-app.js' },
  });
  if (result.errors.length) throw new Error(`bundling the App failed: ${result.errors.map((e) => e.text).join('; ')}`);
  const [{ text }] = result.outputFiles;
  return { code: text, inputs: Object.keys(result.metafile.inputs).sort() };
}

module.exports = { bundleApp, EXTERNAL };
