'use strict';
// User story: a visitor and an agent talk on the call page (/call, the joinUrl
// of their party tokens, and the widget script's overlay), in real Chromium with
// fake devices, against a real call service:
//  - the join screen says whose seat it is; the agent's side rings the visitor by name;
//  - video both ways, each side hears the other (tones); names and initials from the service;
//  - mic off on one side gives the other silence and shows it muted there; camera off
//    shows the avatar with initials there, camera on shows the video again;
//  - the controls are reached with Tab, labelled, toggles carry aria-pressed, focus is visible;
//  - reconnecting, relayed (through the server), ended with talk time, the quality indicator;
//  - microphone and camera blocked, no camera (the call goes on with audio only);
//  - in an iframe overlay (?embed=1): compact, and it tells its parent about expand and the end.
// With LCC_SCREENSHOTS=1 (`npm run screenshots`), screenshots of each state at 1280x800 and 360x740:
// test/e2e/screenshots/call-<state>-<width>.png.

const assert = require('assert');
const http = require('http');
const { createCallService } = require('../../js/service/call-service');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { toneFile } = require('./helpers/tones');
const { fmtTone } = require('./helpers/calls');
const { signedFetch } = require('../helpers/signed-fetch');
const { screenshotsWanted, saveScreenshot } = require('./helpers/screenshots');

const SECRET = 'call-ui-test-secret-0123456789abcdef';
const { heardInCallView } = require('./helpers/call-view-tones');
const SIZES = [[1280, 800], [360, 740]];
const VISITOR_HZ = 440;
const AGENT_HZ = 880;
const NAMES = { visitor: 'Vera Visitor', agent: 'Adam Agent' };

const sel = (id) => `[data-testid=${id}]`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('the call UI: call page, overlay and agent side', function () {
  this.timeout(120000);
  let service;
  let url;
  let visitor;
  let agent;

  before(async function () {
    service = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] } });
    service.on('warning', (err) => console.log(`      [service warning] ${err.message}`));
    ({ url } = await service.listen());
    visitor = await openBrowser('ui-visitor', VISITOR_HZ);
    agent = await openBrowser('ui-agent', AGENT_HZ);
  });

  after(async function () {
    await closeAllBrowsers();
    if (service) await service.close();
  });

  async function openBrowser(name, hz, opts = {}) {
    const b = await launchBrowser({ name, fakeAudioFile: await toneFile(hz), ...opts });
    b.page.on('pageerror', (e) => console.log(`      [${name} pageerror] ${e.message}`));
    await b.page.setViewportSize({ width: 1280, height: 800 });
    b.page.setDefaultTimeout(10000);
    return b;
  }

  /** Loads a call page afresh (another token in the fragment alone would not reload it). */
  async function open(page, joinUrl) {
    await page.goto('about:blank');
    await page.goto(joinUrl);
  }

  /** Creates a call and both parties' tokens through the control API, as the App does. */
  async function newCall({ video, relayPolicy = 'fallback' }) {
    const api = (method, p, body) => signedFetch(url, { secret: SECRET, method, path: p, body });
    const created = await api('POST', '/api/calls', {
      roomId: 'ui-room', video, relayPolicy, visitor: { name: NAMES.visitor }, agent: { name: NAMES.agent },
    });
    assert.strictEqual(created.status, 201, JSON.stringify(created.body));
    const tokens = {};
    for (const party of ['visitor', 'agent']) tokens[party] = (await api('POST', `/api/calls/${created.body.id}/tokens`, { party })).body;
    return { id: created.body.id, tokens, end: () => api('POST', `/api/calls/${created.body.id}/end`, { reason: 'ended' }) };
  }

  /** Saves the page at each size as call-<state>-<width>.png, then goes back to 1280x800 (LCC_SCREENSHOTS=1). */
  async function shots(page, state) {
    if (!screenshotsWanted()) return;
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await sleep(200); // layout and the video elements' resize
      await saveScreenshot(page, `call-${state}-${width}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  const heard = heardInCallView;

  async function assertHears(page, hz, who) {
    const r = await heard(page);
    console.log(`      [call-ui] ${who} hears ${fmtTone(r)}`);
    assert.ok(r.frequency !== null && Math.abs(r.frequency - hz) <= 15, `${who} hears ${fmtTone(r)}, expected ${hz} Hz`);
    return r;
  }

  const text = (page, id) => page.textContent(sel(id));
  const visible = (page, id) => page.isVisible(sel(id));
  const connected = (page) => page.waitForSelector(`${sel('call-state')}[data-state=connected]`, { timeout: 15000 });
  const remoteVideoPlays = (page) => page.waitForFunction(() => {
    const v = document.querySelector('[data-testid=remote-video]');
    return v.videoWidth > 0 && !v.classList.contains('hidden');
  }, null, { timeout: 10000 });

  describe('a video call between the two call pages', function () {
    let call;
    let A;
    let V;

    before(async function () {
      A = agent.page;
      V = visitor.page;
      call = await newCall({ video: true });
    });

    after(async function () {
      if (call) await call.end().catch(() => {});
    });

    it('the join screen says whose seat it is; the agent rings the visitor by name; no quality shown before media flows', async function () {
      await open(A, call.tokens.agent.joinUrl);
      assert.strictEqual(await text(A, 'joining-as'), 'Joining as the agent');
      await shots(A, 'join');
      await A.click(sel('join-video'));
      await A.waitForSelector(`${sel('call-state')}[data-state=waiting]`, { timeout: 10000 });
      assert.strictEqual(await text(A, 'call-state'), `Ringing ${NAMES.visitor}…`);
      assert.strictEqual(await text(A, 'peer-name'), NAMES.visitor);
      assert.strictEqual(await A.textContent(`${sel('peer-avatar')} .avatar`), 'VV');
      assert.strictEqual(await visible(A, 'quality'), false, 'no quality shown before any measurement');
      await shots(A, 'ringing');
    });

    it('the visitor joins: video and sound both ways, the names from the service, the path, the quality indicator', async function () {
      await open(V, call.tokens.visitor.joinUrl);
      assert.strictEqual(await text(V, 'joining-as'), 'Joining as the visitor');
      await V.click(sel('join-video'));
      await Promise.all([connected(A), connected(V)]);
      await Promise.all([remoteVideoPlays(A), remoteVideoPlays(V)]);
      assert.strictEqual(await text(V, 'peer-name'), NAMES.agent);
      assert.strictEqual(await visible(V, 'peer-avatar'), false, 'the agent\'s video, not the avatar');
      assert.strictEqual(await visible(V, 'local-video'), true, 'own preview');
      await A.waitForSelector(`${sel('call-path')}[data-path=p2p]`, { timeout: 10000 });
      assert.strictEqual(await text(A, 'call-path'), 'Direct');
      await assertHears(V, AGENT_HZ, 'visitor');
      await assertHears(A, VISITOR_HZ, 'agent');
      await shots(V, 'video');
      await shots(A, 'video-agent');
      // The indicator shows what the client's `quality` event says (the measurement is the
      // quality monitor's, tested with it): emitted and read back in one go, before the next real one.
      const shown = await A.evaluate(() => {
        window.lccCall.emit('quality', { level: 'poor', mos: 2.1, lossPct: 6.5, jitterMs: 38, rttMs: 210 });
        const q = document.querySelector('[data-testid=quality]');
        return { level: q.dataset.level, text: q.textContent, hidden: q.classList.contains('hidden'), title: q.title };
      });
      assert.deepStrictEqual(shown, { level: 'poor', text: 'Poor connection', hidden: false, title: 'MOS 2.1 · loss 6.5 % · jitter 38 ms · round trip 210 ms' });
    });

    it('mic off on the visitor\'s side: the agent hears silence and sees the visitor muted; mic on again: heard again', async function () {
      await V.click(sel('toggle-mic'));
      assert.strictEqual(await V.getAttribute(sel('toggle-mic'), 'aria-pressed'), 'true');
      await A.waitForSelector(sel('peer-muted'), { state: 'visible', timeout: 5000 });
      assert.strictEqual(await text(A, 'peer-muted'), `${NAMES.visitor} is muted`);
      await sleep(300); // the last sound frames in flight
      const quiet = await heard(A);
      console.log(`      [call-ui] agent hears ${fmtTone(quiet)} while the visitor is muted`);
      assert.ok(quiet.frequency === null || quiet.levelDb < -90, `agent hears ${fmtTone(quiet)} while the visitor is muted`);
      await shots(A, 'peer-muted');
      await shots(V, 'muted');
      await V.click(sel('toggle-mic'));
      assert.strictEqual(await V.getAttribute(sel('toggle-mic'), 'aria-pressed'), 'false');
      await A.waitForSelector(sel('peer-muted'), { state: 'hidden', timeout: 5000 });
      await assertHears(A, VISITOR_HZ, 'agent (visitor unmuted)');
    });

    it('camera off on the visitor\'s side: the agent sees the avatar with initials; camera on: the video again', async function () {
      await V.click(sel('toggle-camera'));
      assert.strictEqual(await V.getAttribute(sel('toggle-camera'), 'aria-pressed'), 'true');
      await A.waitForSelector(sel('peer-avatar'), { state: 'visible', timeout: 5000 });
      assert.strictEqual(await visible(A, 'remote-video'), false);
      assert.strictEqual(await A.textContent(`${sel('peer-avatar')} .avatar`), 'VV');
      assert.strictEqual(await text(A, 'peer-status'), 'Camera off');
      assert.strictEqual(await V.isVisible(`${sel('self-view')} .avatar`), true, 'the visitor sees their own initials');
      await shots(A, 'peer-camera-off');
      await V.click(sel('toggle-camera'));
      await A.waitForSelector(sel('peer-avatar'), { state: 'hidden', timeout: 5000 });
      await remoteVideoPlays(A);
    });

    it('Tab reaches every control; each has a label holding its caption, toggles have aria-pressed, focus is visible; Space toggles', async function () {
      await A.evaluate(() => document.activeElement && document.activeElement.blur());
      const reached = new Map();
      for (let i = 0; i < 12; i++) {
        await A.keyboard.press('Tab');
        const f = await A.evaluate(() => {
          const e = document.activeElement;
          const face = e && e.querySelector('.ctl-face');
          return e && e.dataset.testid ? {
            id: e.dataset.testid, label: e.getAttribute('aria-label'), pressed: e.getAttribute('aria-pressed'),
            caption: e.querySelector('.ctl-caption') ? e.querySelector('.ctl-caption').textContent : null,
            ring: face ? getComputedStyle(face).outlineStyle : getComputedStyle(e).outlineStyle,
          } : null;
        });
        if (f) reached.set(f.id, f);
      }
      for (const id of ['toggle-mic', 'toggle-camera', 'expand', 'hangup']) {
        const f = reached.get(id);
        assert.ok(f, `Tab reaches ${id} (reached: ${[...reached.keys()].join(', ')})`);
        assert.ok(f.label && f.label.length > 2, `${id} has an aria-label`);
        assert.ok(f.label.toLowerCase().includes(f.caption.toLowerCase()), `${id}: its caption '${f.caption}' is in its label '${f.label}'`);
        assert.notStrictEqual(f.ring, 'none', `${id} shows where the focus is`);
        if (id !== 'hangup') assert.ok(['true', 'false'].includes(f.pressed), `${id} has aria-pressed`);
      }
      for (let i = 0; i < 6 && await A.evaluate(() => document.activeElement.dataset.testid) !== 'toggle-mic'; i++) await A.keyboard.press('Tab');
      assert.strictEqual(await A.evaluate(() => document.activeElement.dataset.testid), 'toggle-mic');
      await A.keyboard.press('Space');
      assert.strictEqual(await A.getAttribute(sel('toggle-mic'), 'aria-pressed'), 'true');
      await shots(A, 'keyboard-focus');
      await A.keyboard.press('Space');
      assert.strictEqual(await A.getAttribute(sel('toggle-mic'), 'aria-pressed'), 'false');
    });

    it('Expand fills the window; Escape collapses', async function () {
      await A.click(sel('expand'));
      assert.strictEqual(await A.getAttribute(sel('expand'), 'aria-pressed'), 'true');
      assert.ok(await A.$eval(sel('call-view'), (v) => v.classList.contains('expanded')));
      await shots(A, 'expanded');
      await A.keyboard.press('Escape');
      assert.strictEqual(await A.getAttribute(sel('expand'), 'aria-pressed'), 'false');
    });

    it('on a phone, Expand also takes the whole screen (full screen); Collapse leaves it', async function () {
      // A 360x740 touch screen, as Chrome's device mode makes it (the screen's size and a coarse pointer).
      const cdp = await visitor.context.newCDPSession(V);
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 360, height: 740, deviceScaleFactor: 2, mobile: true, screenWidth: 360, screenHeight: 740 });
      await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
      try {
        assert.strictEqual(await V.evaluate(() => matchMedia('(pointer: coarse)').matches && screen.width), 360);
        await V.click(sel('expand'));
        await V.waitForFunction(() => document.fullscreenElement && document.fullscreenElement.dataset.testid === 'call-view', null, { timeout: 5000 });
        await V.click(sel('expand'));
        await V.waitForFunction(() => !document.fullscreenElement, null, { timeout: 5000 });
        assert.strictEqual(await V.getAttribute(sel('expand'), 'aria-pressed'), 'false');
      } finally {
        await cdp.send('Emulation.clearDeviceMetricsOverride');
        await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false });
        await cdp.detach();
        await V.setViewportSize({ width: 1280, height: 800 });
      }
    });

    it('the visitor loses the service for a while: reconnecting, then back in the call', async function () {
      // Offline: the reopened signalling socket cannot connect until the network is back.
      await visitor.context.setOffline(true);
      await V.evaluate(() => window.lccCall._socket._ws.close(4000, 'test: the network went away'));
      await V.waitForSelector(`${sel('call-state')}[data-state=reconnecting]`, { timeout: 5000 });
      assert.strictEqual(await visible(V, 'banner'), true);
      assert.match(await text(V, 'banner'), /reconnecting/i);
      await sleep(1500);
      assert.strictEqual(await V.getAttribute(sel('call-state'), 'data-state'), 'reconnecting', 'still reconnecting while offline');
      await shots(V, 'reconnecting');
      await visitor.context.setOffline(false);
      await Promise.all([connected(V), connected(A)]);
      assert.strictEqual(await visible(V, 'banner'), false);
    });

    it('the agent hangs up: both see who ended it and the talk time', async function () {
      await A.click(sel('hangup'));
      await A.waitForFunction(() => document.getElementById('join-title').textContent === 'Call ended by you', null, { timeout: 5000 });
      await V.waitForFunction((n) => document.getElementById('join-title').textContent === `Call ended by ${n}`, NAMES.agent, { timeout: 5000 });
      for (const p of [A, V]) assert.match(await text(p, 'talk-time'), /^Talk time \d\d:\d\d$/);
      await shots(V, 'ended');
      call = null;
    });
  });

  it('an audio call through the server: the visitor waits, muted, for the agent, who sees the mute on arrival; "Through the server", sound both ways, no camera control', async function () {
    const c = await newCall({ video: false, relayPolicy: 'always' });
    try {
      await open(visitor.page, c.tokens.visitor.joinUrl);
      await visitor.page.click(sel('join-audio'));
      await visitor.page.waitForSelector(`${sel('call-state')}[data-state=waiting]`, { timeout: 10000 });
      assert.strictEqual(await text(visitor.page, 'call-state'), `Waiting for ${NAMES.agent}…`);
      await shots(visitor.page, 'waiting');
      await visitor.page.click(sel('toggle-mic'));
      await open(agent.page, c.tokens.agent.joinUrl);
      await agent.page.click(sel('join-audio'));
      // The service keeps no media state: the visitor's client says it again when the agent arrives.
      await agent.page.waitForSelector(sel('peer-muted'), { state: 'visible', timeout: 10000 });
      await visitor.page.click(sel('toggle-mic'));
      await agent.page.waitForSelector(sel('peer-muted'), { state: 'hidden', timeout: 5000 });
      for (const p of [agent.page, visitor.page]) {
        await connected(p);
        await p.waitForSelector(`${sel('call-path')}[data-path=relay]`, { timeout: 10000 });
        assert.strictEqual(await text(p, 'call-path'), 'Through the server');
        assert.strictEqual(await visible(p, 'peer-avatar'), true);
        assert.strictEqual(await text(p, 'peer-status'), 'Audio call');
        assert.strictEqual(await visible(p, 'toggle-camera'), false);
      }
      assert.strictEqual(await visitor.page.textContent(`${sel('peer-avatar')} .avatar`), 'AA');
      await assertHears(visitor.page, AGENT_HZ, 'visitor (relayed)');
      await assertHears(agent.page, VISITOR_HZ, 'agent (relayed)');
      await shots(visitor.page, 'audio-relayed');
      await visitor.page.click(sel('hangup'));
      await agent.page.waitForFunction((n) => document.getElementById('join-title').textContent === `Call ended by ${n}`, NAMES.visitor, { timeout: 5000 });
    } finally {
      await c.end().catch(() => {});
    }
  });

  // Permission denied: Chromium's own permission prompt answers "Block"
  // (--use-fake-ui-for-media-stream=deny), so getUserMedia fails exactly as after a
  // user's refusal (NotAllowedError), with nothing in the page faked.
  it('microphone and camera blocked: the page says so and offers to try again', async function () {
    const c = await newCall({ video: true });
    const blocked = await openBrowser('ui-blocked', VISITOR_HZ, { args: ['--use-fake-ui-for-media-stream=deny'] });
    try {
      const B = blocked.page;
      await open(B, c.tokens.visitor.joinUrl);
      await B.click(sel('join-video'));
      await B.waitForSelector(`${sel('join-card')}[data-problem=NotAllowedError]`, { timeout: 10000 });
      assert.strictEqual(await text(B, 'join-title'), 'Microphone blocked');
      assert.match(await text(B, 'join-detail'), /Allow it .* and try again/);
      assert.strictEqual(await visible(B, 'retry'), true);
      assert.strictEqual(await B.evaluate(() => document.activeElement.dataset.testid), 'retry');
      await shots(B, 'permission-denied');
    } finally {
      await blocked.close();
      await c.end().catch(() => {});
    }
  });

  // Camera blocked, microphone allowed: no fake prompt at all, the profile allows the
  // microphone for the service's origin (Playwright's grantPermissions) and Chromium
  // refuses the camera, as for a user who allowed only the microphone.
  // No camera: Chromium's fake device factory with no video device (device-count=0), so
  // getUserMedia finds no camera (NotFoundError) as on a computer without one.
  for (const [label, state, opts, noticeRe] of [
    ['the camera blocked', 'camera-blocked', { fakeMediaUi: false }, /^Camera blocked/],
    ['no camera', 'no-camera', { args: ['--use-fake-device-for-media-stream=device-count=0'] }, /^No camera found: you are in the call with audio only/],
  ]) {
    it(`${label}: the visitor is told and the call goes on with audio only; the agent sees the avatar`, async function () {
      const c = await newCall({ video: true });
      const b = await openBrowser(`ui-${state}`, VISITOR_HZ, opts);
      try {
        if (opts.fakeMediaUi === false) await b.context.grantPermissions(['microphone'], { origin: url });
        const P = b.page;
        await open(agent.page, c.tokens.agent.joinUrl);
        await agent.page.click(sel('join-video'));
        await open(P, c.tokens.visitor.joinUrl);
        await P.click(sel('join-video'));
        await Promise.all([connected(P), connected(agent.page)]);
        await P.waitForSelector(sel('device-notice'), { state: 'visible', timeout: 5000 });
        assert.match(await text(P, 'device-notice'), noticeRe);
        assert.strictEqual(await P.getAttribute(sel('toggle-camera'), 'aria-disabled'), 'true');
        assert.strictEqual(await P.textContent(`${sel('toggle-camera')} .ctl-caption`), 'No camera');
        assert.strictEqual(await visible(agent.page, 'peer-avatar'), true, 'the agent sees the visitor\'s avatar');
        await remoteVideoPlays(P); // the visitor still sees the agent
        await assertHears(P, AGENT_HZ, `visitor (${label})`);
        await assertHears(agent.page, VISITOR_HZ, `agent (visitor with ${label})`);
        await shots(P, state);
      } finally {
        await b.close();
        await c.end().catch(() => {});
      }
    });
  }

  it('in an overlay iframe (?embed=1): compact, and it tells the page about expand and the end of the call', async function () {
    const c = await newCall({ video: true });
    const site = await startOverlayPage();
    try {
      await open(agent.page, c.tokens.agent.joinUrl);
      await agent.page.click(sel('join-video'));
      const src = c.tokens.visitor.joinUrl.replace('/call#', '/call?embed=1#') + '&join=video';
      const V = visitor.page;
      await V.goto('about:blank');
      await V.goto(`${site.url}/#${encodeURIComponent(src)}`);
      const frame = V.frameLocator('#lcc-overlay');
      await frame.locator(`${sel('call-state')}[data-state=connected]`).waitFor({ timeout: 15000 });
      assert.strictEqual(await frame.locator('.topbar').isVisible(), false, 'no top bar in the overlay');
      await frame.locator(sel('remote-video')).waitFor({ state: 'visible', timeout: 10000 });
      await shots(V, 'overlay');
      await frame.locator(sel('expand')).click();
      await V.waitForFunction(() => window.received.some((m) => m.data.type === 'lcc-call-layout'));
      await shots(V, 'overlay-expanded');
      await frame.locator(sel('expand')).click();
      await sleep(1200);
      await frame.locator(sel('hangup')).click();
      await V.waitForFunction(() => window.received.some((m) => m.data.type === 'lcc-call-ended'), null, { timeout: 5000 });
      const received = await V.evaluate(() => window.received);
      const serviceOrigin = new URL(url).origin;
      assert.deepStrictEqual(received.filter((m) => m.data.type === 'lcc-call-layout').map((m) => [m.origin, m.data.expanded]),
        [[serviceOrigin, true], [serviceOrigin, false]]);
      const ended = received.find((m) => m.data.type === 'lcc-call-ended');
      assert.strictEqual(ended.origin, serviceOrigin);
      assert.strictEqual(ended.data.reason, 'ended');
      assert.ok(Number.isInteger(ended.data.talkSeconds) && ended.data.talkSeconds >= 1, `talkSeconds ${ended.data.talkSeconds}`);
    } finally {
      site.close();
      await c.end().catch(() => {});
    }
  });
});

/**
 * A customer's page on another origin (another port) with the call page in an
 * overlay iframe, as the widget script shows it: 360x640 at the bottom right,
 * the whole screen on a phone; it grows when the call asks (lcc-call-layout)
 * and records every message it gets. The iframe's src comes in the fragment.
 */
async function startOverlayPage() {
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example Store</title><style>
body { margin: 0; font: 16px system-ui, sans-serif; background: #f6f1ea; color: #2b2b2b; }
header { padding: 1rem 2rem; background: #7a3e12; color: #fff; font-weight: 700; }
main { padding: 2rem; max-width: 40rem; }
#lcc-overlay { position: fixed; right: 16px; bottom: 16px; width: 360px; height: 640px; border: 0; border-radius: 12px; box-shadow: 0 8px 32px rgba(0,0,0,.3); background: #202124; }
#lcc-overlay.expanded { right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; }
@media (max-width: 600px) { #lcc-overlay { right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; } }
</style></head><body><header>Example Store</header><main><h1>Garden chairs</h1><p>Our best sellers, in oak and teak.</p></main>
<iframe id="lcc-overlay" title="Call" allow="camera; microphone; fullscreen; autoplay"></iframe>
<script>
window.received = [];
const frame = document.getElementById('lcc-overlay');
window.addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow) return;
  window.received.push({ origin: e.origin, data: e.data });
  if (e.data && e.data.type === 'lcc-call-layout') frame.classList.toggle('expanded', !!e.data.expanded);
});
frame.src = decodeURIComponent(location.hash.slice(1));
</script></body></html>`;
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://localhost:${server.address().port}`, close: () => server.close() };
}
