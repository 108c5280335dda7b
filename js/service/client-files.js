'use strict';
// GET /client/<file>: the browser client (js/client/*.js), for the LiveChat
// widget and the agent UI to import. Served with CORS open to any origin: the
// widget runs on the customer's website, and the code holds nothing secret
// (every call is protected by its party tokens).

const path = require('path');
const { sendFromFolder, sendText } = require('./static-files');

const CLIENT_DIR = path.join(__dirname, '..', 'client');

/** @param {import('./call-service').CallService} service */
function mountClientFiles(service) {
  service.addRoute('/client', (req, res) => {
    req.resume();
    const rest = req.url.split('?')[0].slice('/client/'.length);
    if (!rest.endsWith('.js')) {
      sendText(res, 404, 'not found');
      return;
    }
    sendFromFolder(req, res, CLIENT_DIR, rest, { 'access-control-allow-origin': '*' });
  });
}

module.exports = { mountClientFiles };
