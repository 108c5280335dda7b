'use strict';
// Loads the add-on (build/Release/livechat_calls.node) on first use, so that
// option validation and parseIceServers work without a native build.
// LCC_ADDON=/path/to/livechat_calls.node loads another build (a debug or
// sanitizer build, or a test double of the core).

const path = require('path');
const { LccError } = require('./errors');

const DEFAULT_PATH = path.join(__dirname, '..', '..', 'build', 'Release', 'livechat_calls.node');
let addon = null;

/** The native module: { Server, errors() }. @throws {LccError} ERR_ADDON_NOT_BUILT */
function loadNative() {
  if (addon) return addon;
  const file = process.env.LCC_ADDON || DEFAULT_PATH;
  try {
    addon = require(file);
  } catch (err) {
    throw new LccError('ERR_ADDON_NOT_BUILT', `cannot load the native add-on ${file}: ${String(err.message).split('\n')[0]} (run \`npm run build\`)`);
  }
  return addon;
}

module.exports = { loadNative };
