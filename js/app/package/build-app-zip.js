'use strict';
// Builds the Rocket.Chat App package: the zip an admin uploads in
// Administration > Apps > Upload App (or installs with the Apps-Engine CLI).
//
// Zip layout: the App's code as ONE bundled file (bundle-app.js), so that it
// loads the same in every engine whatever its rules for relative requires:
//   app.json  icon.png  i18n/*.json      (app.json gets package.json's version)
//   LivechatCallsApp.js                  js/app + the js/common files it uses, bundled;
//                                        requires only Node built-ins and @rocket.chat/apps-engine/*
// Runs on Node only (it is not part of the App).

const fs = require('fs');
const path = require('path');
const AdmZip = require('adm-zip');
const { bundleApp } = require('./bundle-app');

const JS_DIR = path.resolve(__dirname, '..', '..');
const APP_DIR = path.join(JS_DIR, 'app');
const PACKAGE_JSON = path.join(JS_DIR, '..', 'package.json');

/**
 * Builds the App zip.
 * @param {{out?: string}} [opts] out: where to write it; when absent, only the buffer is returned
 * @returns {{buffer: Buffer, files: string[], info: object, sources: string[], path?: string}}
 *   sources: the repository files bundled into the class file
 */
function buildAppZip({ out } = {}) {
  const info = JSON.parse(fs.readFileSync(path.join(APP_DIR, 'app.json'), 'utf8'));
  info.version = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')).version;
  const { code, inputs } = bundleApp(info.classFile);
  const zip = new AdmZip();
  const add = (name, data) => zip.addFile(name, Buffer.isBuffer(data) ? data : Buffer.from(data));
  add('app.json', `${JSON.stringify(info, null, 2)}\n`);
  add(info.iconFile, fs.readFileSync(path.join(APP_DIR, info.iconFile)));
  for (const name of fs.readdirSync(path.join(APP_DIR, 'i18n')).filter((n) => n.endsWith('.json')).sort()) {
    add(`i18n/${name}`, fs.readFileSync(path.join(APP_DIR, 'i18n', name)));
  }
  add(info.classFile, code);
  const buffer = zip.toBuffer();
  const result = { buffer, files: zip.getEntries().map((e) => e.entryName), info, sources: inputs };
  if (out) {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, buffer);
    result.path = path.resolve(out);
  }
  return result;
}

module.exports = { buildAppZip };
