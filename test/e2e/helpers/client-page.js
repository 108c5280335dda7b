'use strict';
// A party joining a call with the browser client (js/client) the way the
// widget and the agent UI do, but driven by the test: a page on the call
// service's origin imports /client/livechat-call.js, joins with a party
// token, and attaches the remote stream to a muted element so that
// tone-meter.js can measure what it hears.

const fs = require('fs');
const path = require('path');

const TONE_METER = fs.readFileSync(path.join(__dirname, '..', 'pages', 'tone-meter.js'), 'utf8');

/**
 * @param {{page: import('playwright-core').Page}} browser from launchBrowser() or launchBrowserIn()
 * @param {{serviceUrl: string, token: string, signallingUrl: string, iceTransportPolicy?: 'all'|'relay', video?: boolean}} opts
 */
async function joinWithClient(browser, { serviceUrl, token, signallingUrl, iceTransportPolicy = 'all', video = false }) {
  const { page } = browser;
  // /healthz: a same-origin document with no CSP, so the test may evaluate scripts in it.
  await page.goto(`${serviceUrl}/healthz`);
  await page.evaluate(TONE_METER);
  await page.evaluate(async (o) => {
    const { LivechatCall } = await import('/client/livechat-call.js');
    const call = new LivechatCall({
      signallingUrl: o.signallingUrl, token: o.token, video: o.video, iceTransportPolicy: o.iceTransportPolicy,
      audioConstraints: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const t = { call, states: [], paths: [], errors: [], remote: null, t0: performance.now(), connectedAt: null };
    window.__lccTest = t;
    call.on('state', (s) => {
      t.states.push(s);
      if (s === 'connected' && t.connectedAt === null) t.connectedAt = performance.now() - t.t0;
    });
    call.on('path', (p) => t.paths.push(p));
    call.on('error', (e) => t.errors.push(`${e.code}: ${e.message}`));
    call.on('remoteStream', (stream) => {
      t.remote = stream;
      let el = document.getElementById('remote');
      if (!el) {
        el = document.createElement('audio');
        el.id = 'remote';
        el.muted = true;
        el.autoplay = true;
        document.body.append(el);
      }
      el.srcObject = stream;
    });
    await call.join();
  }, { signallingUrl, token, iceTransportPolicy, video });
  const read = (fn, arg) => page.evaluate(fn, arg);
  return {
    page,
    state: () => read(() => window.__lccTest.call.state),
    path: () => read(() => window.__lccTest.call.path),
    history: () => read(() => ({ states: window.__lccTest.states, paths: window.__lccTest.paths, errors: window.__lccTest.errors })),
    dominantFrequency: () => read(() => window.lccToneMeter.dominantFrequency(window.__lccTest.remote, { durationMs: 1000 })),
    hangup: () => read(() => window.__lccTest.call.hangup()),
  };
}

module.exports = { joinWithClient };
