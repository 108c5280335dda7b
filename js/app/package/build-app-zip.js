'use strict';
// Builds the Rocket.Chat App package: the zip an admin uploads in
// Administration > Apps > Upload App (or installs with the Apps-Engine CLI).
//
// Zip layout: js/app's files at the root (the engine runs the class file with
// requires resolved from the zip root), js/common under common/. A require
// of '../../common/x' from lib/ climbs past the root, which the engine (like
// path.join on '/') clamps to the root: the same files resolve in the zip as
// in this repository.
//   app.json  icon.png  i18n/*.json      (app.json gets package.json's version)
//   LivechatCallsApp.js  lib/  endpoints/  commands/   js/app's code, this packaging folder left out
//   common/*.js                          the parts shared with the service (js/common)
// Runs on Node only (it is not part of the App).

const fs = require('fs');
const path = require('path');
const AdmZip = require('adm-zip');

const JS_DIR = path.resolve(__dirname, '..', '..');
const APP_DIR = path.join(JS_DIR, 'app');
const COMMON_DIR = path.join(JS_DIR, 'common');
const PACKAGE_JSON = path.join(JS_DIR, '..', 'package.json');

/** Every .js file under dir, relative paths, sorted (so the zip is the same each time). */
function jsFiles(dir, skip = new Set()) {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip.has(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.js')) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/**
 * Builds the App zip.
 * @param {{out?: string}} [opts] out: where to write it; when absent, only the buffer is returned
 * @returns {{buffer: Buffer, files: string[], info: object, path?: string}}
 */
function buildAppZip({ out } = {}) {
  const info = JSON.parse(fs.readFileSync(path.join(APP_DIR, 'app.json'), 'utf8'));
  info.version = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')).version;
  const zip = new AdmZip();
  const add = (name, data) => zip.addFile(name, Buffer.isBuffer(data) ? data : Buffer.from(data));
  add('app.json', `${JSON.stringify(info, null, 2)}\n`);
  add(info.iconFile, fs.readFileSync(path.join(APP_DIR, info.iconFile)));
  for (const name of fs.readdirSync(path.join(APP_DIR, 'i18n')).filter((n) => n.endsWith('.json')).sort()) {
    add(`i18n/${name}`, fs.readFileSync(path.join(APP_DIR, 'i18n', name)));
  }
  for (const rel of jsFiles(APP_DIR, new Set(['package']))) add(rel, fs.readFileSync(path.join(APP_DIR, rel)));
  for (const rel of jsFiles(COMMON_DIR)) add(`common/${rel}`, fs.readFileSync(path.join(COMMON_DIR, rel)));
  const buffer = zip.toBuffer();
  const result = { buffer, files: zip.getEntries().map((e) => e.entryName), info };
  if (out) {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, buffer);
    result.path = path.resolve(out);
  }
  return result;
}

module.exports = { buildAppZip };
