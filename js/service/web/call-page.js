'use strict';
// The call page and the UI files it shares with the demo, served in
// production too (unlike the demo): /call#token=... is where the joinUrl of
// each party token leads (docs/service-api.md), e.g. the agent's private
// "Join the call" link from the Rocket.Chat App. The token stays in the URL
// fragment, which browsers never send to a server.
//
//   GET /call          js/service/web/pages/call.html
//   GET /assets/<f>    js/service/web/pages/* (page script, shared call view, CSS, icon)
//
// Framing: /call?embed=1 is the overlay the site call script puts in an
// iframe on the customer's site (docs/call-page.md), so it may be framed by
// the embedOrigins (LCC_EMBED_ORIGINS), by default by any site: the service
// cannot know the customers' sites, and in that mode the page acts only on
// the party token its parent hands it, so a framing site can show no call
// it does not already hold. Every other page may not be framed at all.

const path = require('path');
const { sendFromFolder, sendHtmlPage, sendText } = require('../http/static-files');

const PAGES_DIR = path.join(__dirname, 'pages');

function decodeURIComponentSafe(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * @param {import('../call-service').CallService} service
 * @param {{embedOrigins?: string[]}} [opts] origins that may frame /call?embed=1; [] means any
 */
function mountCallPage(service, { embedOrigins = [] } = {}) {
  const embedAncestors = embedOrigins.length > 0 ? embedOrigins.join(' ') : '*';
  service.addRoute('/call', (req, res) => {
    req.resume();
    const [pathname, query = ''] = req.url.split('?');
    const embed = new URLSearchParams(query).get('embed') === '1';
    if (pathname === '/call') sendHtmlPage(req, res, PAGES_DIR, 'call.html', { frameAncestors: embed ? embedAncestors : null });
    else sendText(res, 404, 'not found');
  });
  service.addRoute('/assets', (req, res) => {
    req.resume();
    const rest = req.url.split('?')[0].slice('/assets/'.length);
    // Pages go out only through their own routes, with their CSP.
    if (/\.html?$/i.test(decodeURIComponentSafe(rest))) sendText(res, 404, 'not found');
    else sendFromFolder(req, res, PAGES_DIR, rest);
  });
}

module.exports = { mountCallPage, PAGES_DIR };
