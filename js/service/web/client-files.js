'use strict';
// GET /client/<file>: the browser client (js/client/*.js), for the LiveChat
// widget and the agent UI to import. Served with CORS open to any origin: the
// widget runs on the customer's website, and the code holds nothing secret
// (every call is protected by its party tokens).
//
// /client/quality.js is js/common/quality.js (CommonJS, shared with the
// service and the App) wrapped as an ES module, so the browser's quality
// monitor computes its MOS with the very same code as the call's record.

const fs = require('fs');
const path = require('path');
const { sendFromFolder, sendText } = require('../http/static-files');

const CLIENT_DIR = path.join(__dirname, '..', '..', 'client');
const QUALITY_FILE = path.join(__dirname, '..', '..', 'common', 'quality.js');

let qualityModule = null;

/** js/common/quality.js as an ES module: the CommonJS text run with a local `module`, its exports re-exported. */
function qualityModuleText() {
  if (!qualityModule) {
    const names = Object.keys(require(QUALITY_FILE));
    const source = fs.readFileSync(QUALITY_FILE, 'utf8');
    // In a function of its own, so its top-level names do not clash with the exports.
    qualityModule = Buffer.from(`const module = { exports: {} };\n(function (module, exports) {\n${source}\n})(module, module.exports);\n`
      + `export const { ${names.join(', ')} } = module.exports;\n`);
  }
  return qualityModule;
}

function sendQualityModule(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    return;
  }
  const body = qualityModuleText();
  res.writeHead(200, {
    'content-type': 'text/javascript; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff', 'access-control-allow-origin': '*',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** @param {import('../call-service').CallService} service */
function mountClientFiles(service) {
  service.addRoute('/client', (req, res) => {
    req.resume();
    const rest = req.url.split('?')[0].slice('/client/'.length);
    if (!rest.endsWith('.js')) {
      sendText(res, 404, 'not found');
      return;
    }
    if (rest === 'quality.js') {
      sendQualityModule(req, res);
      return;
    }
    sendFromFolder(req, res, CLIENT_DIR, rest, { 'access-control-allow-origin': '*' });
  });
}

module.exports = { mountClientFiles };
