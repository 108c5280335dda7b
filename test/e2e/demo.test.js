'use strict';
// The demo of `npm start` (js/service/web/demo.js) with the browser client
// (js/client/) against a real call service, in two Chromium instances:
//  - the pages, the client files and recordings are served safely (no path tricks);
//  - an agent calls the visitor, who accepts: video both ways, peer-to-peer; the visitor
//    reloads and is back in the call; the agent hangs up;
//  - a declined call and a missed call (ring timeout) show as such on both pages;
//  - a recorded call goes through the server and its mixed.opus plays (Range requests);
//  - the joinUrl call page joins with a token, and the client rejoins after its socket drops.

const assert = require('assert');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { createCallService } = require('../../js/service/call-service');
const { mountDemo } = require('../../js/service/web/demo');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { toneFile } = require('./helpers/tones');
const { fmtTone } = require('./helpers/calls');
const { saveScreenshot } = require('./helpers/screenshots');

const { heardInCallView } = require('./helpers/call-view-tones');
// Screenshots of each page in each state, for a person to look at after the run.

const RING_TIMEOUT_SECONDS = 5;

/** A request with the path sent exactly as given (no URL normalisation). */
function request(port, urlPath, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers: body ? { 'content-type': 'application/json', ...headers } : headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function json(port, urlPath, opts) {
  const r = await request(port, urlPath, opts);
  return { status: r.status, body: JSON.parse(r.body.toString()) };
}

describe('the demo pages call each other through the call service', function () {
  this.timeout(90000);
  let service;
  let url;
  let port;
  let recDir;
  let agent;
  let visitor;

  before(async function () {
    recDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-demo-rec-'));
    service = createCallService({ secret: 'demo-test-secret-0123456789abcdef', port: 0, media: { listenAddresses: ['127.0.0.1'], recordingsDir: recDir } });
    service.on('warning', (err) => console.log(`      [service warning] ${err.message}`));
    mountDemo(service, { ringTimeoutSeconds: RING_TIMEOUT_SECONDS });
    ({ url } = await service.listen());
    port = Number(new URL(url).port);
  });

  after(async function () {
    await closeAllBrowsers();
    if (service) await service.close();
    if (recDir) fs.rmSync(recDir, { recursive: true, force: true });
  });

  /** The two browsers, launched once and shared by the tests (each test loads the pages it needs). */
  async function openPages() {
    if (agent) return;
    agent = await launchBrowser({ name: 'demo-agent', fakeAudioFile: await toneFile(880) });
    visitor = await launchBrowser({ name: 'demo-visitor', fakeAudioFile: await toneFile(440) });
    for (const b of [agent, visitor]) {
      b.page.on('pageerror', (e) => console.log(`      [${b.name} pageerror] ${e.message}`));
      await b.page.setViewportSize({ width: 1280, height: 800 });
    }
  }

  /** Saves a full-page screenshot as test/e2e/screenshots/<name>.png (LCC_SCREENSHOTS=1). */
  const shot = (page, name) => saveScreenshot(page, name, { fullPage: true });

  /** The strongest frequency the page hears from the remote party. */
  const heard = heardInCallView;

  async function openDemoPages() {
    await openPages();
    await visitor.page.goto(`${url}/visitor`);
    await visitor.page.waitForFunction(() => document.getElementById('conn-note').textContent.startsWith('Connected'));
    await agent.page.goto(`${url}/agent`);
  }

  it('serves the pages and the client with their content types, and nothing outside their folders', async function () {
    for (const [p, type] of [['/visitor', 'text/html'], ['/agent', 'text/html'], ['/call', 'text/html'], ['/recordings', 'text/html'],
      ['/demo/', 'text/html'], ['/assets/ui.css', 'text/css'], ['/demo/assets/visitor.js', 'text/javascript'], ['/client/livechat-call.js', 'text/javascript'], ['/client/peer.js', 'text/javascript']]) {
      const r = await request(port, p);
      assert.strictEqual(r.status, 200, p);
      assert.ok(r.headers['content-type'].startsWith(type), `${p}: ${r.headers['content-type']}`);
    }
    for (const p of ['/client/../package.json', '/client/%2e%2e/package.json', '/client/..%2f..%2fpackage.json', '/client/%2fetc%2fpasswd',
      '/demo/assets/%2e%2e%2fdemo.js', '/recordings/files/..%2f..%2fetc/passwd', '/recordings/files/x/mixed.opus']) {
      const r = await request(port, p);
      assert.strictEqual(r.status, 404, p);
    }
    assert.deepStrictEqual((await json(port, '/demo/incoming')).body, { call: null });
    assert.strictEqual((await json(port, '/demo/calls', { method: 'POST', body: '{"video":"yes"}' })).status, 400);
    // A form post from another site (no JSON content type) is refused before anything happens.
    const form = await request(port, '/demo/calls', { method: 'POST', body: 'video=true', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.strictEqual(form.status, 415);
    assert.deepStrictEqual((await json(port, '/demo/incoming')).body, { call: null });
  });

  it('a recording file is served only when its sidecar lists it, never through a symlink out of the folder', async function () {
    const folder = path.join(recDir, 'evil');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'recording.json'), JSON.stringify({ startedAt: '2000-01-01T00:00:00.000Z', files: [{ name: 'mixed.opus' }, { name: '../../etc/passwd' }] }));
    fs.symlinkSync('/etc/passwd', path.join(folder, 'mixed.opus'));
    try {
      const list = (await json(port, '/demo/recordings')).body.recordings.find((r) => r.folder === 'evil');
      assert.deepStrictEqual(list.files, []);
      assert.strictEqual((await request(port, '/recordings/files/evil/mixed.opus')).status, 404);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('the agent calls, the visitor accepts: video both ways peer-to-peer, a reload rejoins, then the agent hangs up', async function () {
    await openDemoPages();
    const A = agent.page;
    const V = visitor.page;
    await shot(V, 'visitor-idle');
    await shot(A, 'agent-idle');
    await A.click('[data-testid=start-video]');
    await V.waitForSelector('[data-testid=incoming]', { state: 'visible', timeout: 5000 });
    assert.match(await V.textContent('#incoming-title'), /Incoming video call from Agent/);
    // Accept at once: the demo rings for RING_TIMEOUT_SECONDS only (screenshots of a
    // ringing call are taken in the missed-call test, where the ring may run out).
    await V.click('[data-testid=accept]');
    for (const p of [A, V]) await p.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 15000 });
    for (const p of [A, V]) {
      await p.waitForSelector('[data-testid=call-path][data-path=p2p]', { timeout: 10000 });
      await p.waitForFunction(() => document.querySelector('[data-testid=remote-video]').videoWidth > 0, null, { timeout: 10000 });
    }
    // Audio both ways: the visitor's microphone plays 440 Hz, the agent's 880 Hz.
    const [atVisitor, atAgent] = await Promise.all([heard(V), heard(A)]);
    console.log(`      [demo] visitor hears ${fmtTone(atVisitor)}, agent hears ${fmtTone(atAgent)}`);
    assert.ok(Math.abs(atVisitor.frequency - 880) <= 15, `visitor hears ${fmtTone(atVisitor)}`);
    assert.ok(Math.abs(atAgent.frequency - 440) <= 15, `agent hears ${fmtTone(atAgent)}`);
    await shot(V, 'visitor-in-call');
    await shot(A, 'agent-in-call');
    // The visitor reloads the page: it rejoins the same call (the service resumes the party).
    await V.reload();
    await V.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 15000 });
    await V.waitForFunction(() => document.querySelector('[data-testid=remote-video]').videoWidth > 0, null, { timeout: 10000 });
    await A.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 15000 });
    // The visitor turns the camera off: the agent is told.
    await V.click('[data-testid=toggle-camera]');
    await A.waitForSelector('[data-testid=peer-avatar]', { state: 'visible', timeout: 5000 });
    assert.strictEqual(await A.textContent('[data-testid=peer-status]'), 'Camera off');
    await A.click('[data-testid=hangup]');
    await A.waitForSelector('[data-testid=outcome]', { state: 'visible', timeout: 5000 });
    assert.match(await A.textContent('#outcome-title'), /Call ended by you/);
    assert.match(await A.textContent('#outcome-detail'), /Talk time \d\d:\d\d · media went peer-to-peer/);
    await V.waitForFunction(() => [...document.querySelectorAll('[data-testid=system-message]')].some((m) => /Call ended by the agent/.test(m.textContent)));
    await shot(A, 'agent-call-ended');
    await shot(V, 'visitor-call-ended');
  });

  it('a declined call and a missed call (ring timeout) show as such on both pages', async function () {
    await openDemoPages();
    const A = agent.page;
    const V = visitor.page;
    await A.click('[data-testid=start-audio]');
    await V.waitForSelector('[data-testid=incoming]', { state: 'visible', timeout: 5000 });
    await V.click('[data-testid=decline]');
    await A.waitForFunction(() => document.getElementById('outcome-title').textContent === 'Declined', null, { timeout: 5000 });
    await A.click('[data-testid=start-audio]');
    await V.waitForSelector('[data-testid=incoming]', { state: 'visible', timeout: 5000 });
    assert.strictEqual(await A.isVisible('[data-testid=ringing]'), true);
    await shot(V, 'visitor-incoming-call');
    await shot(A, 'agent-ringing');
    await A.waitForFunction(() => document.getElementById('outcome-title').textContent === 'Missed', null, { timeout: (RING_TIMEOUT_SECONDS + 5) * 1000 });
    await V.waitForSelector('[data-testid=incoming]', { state: 'hidden', timeout: 5000 });
    const notes = await V.$$eval('[data-testid=system-message]', (els) => els.map((e) => e.textContent));
    assert.deepStrictEqual(notes.slice(-2), ['You declined the call', 'Missed call from Agent']);
    await shot(A, 'agent-missed');
    await shot(V, 'visitor-missed');
  });

  it('a recorded call goes through the server; its mixed.opus is listed and served with Range', async function () {
    await openDemoPages();
    const A = agent.page;
    const V = visitor.page;
    await A.check('[data-testid=record]');
    await A.click('[data-testid=start-audio]');
    await V.waitForSelector('[data-testid=incoming]', { state: 'visible', timeout: 5000 });
    await V.click('[data-testid=accept]');
    for (const p of [A, V]) await p.waitForSelector('[data-testid=call-path][data-path=relay]', { timeout: 15000 });
    await new Promise((r) => setTimeout(r, 2000));
    await V.click('[data-testid=hangup]');
    await A.waitForFunction(() => /Call ended by the visitor/.test(document.getElementById('outcome-title').textContent), null, { timeout: 5000 });
    let rec;
    for (let i = 0; i < 50 && !rec; i++) {
      const { body } = await json(port, '/demo/recordings');
      rec = body.recordings.find((r) => r.complete && r.files.some((f) => f.name === 'mixed.opus'));
      if (!rec) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(rec, 'a complete recording with mixed.opus');
    const mixed = rec.files.find((f) => f.name === 'mixed.opus');
    const whole = await request(port, mixed.url);
    assert.strictEqual(whole.status, 200);
    assert.strictEqual(whole.headers['content-type'], 'audio/ogg');
    assert.strictEqual(whole.body.subarray(0, 4).toString('latin1'), 'OggS');
    const part = await request(port, mixed.url, { headers: { range: 'bytes=10-19' } });
    assert.strictEqual(part.status, 206);
    assert.strictEqual(part.headers['content-range'], `bytes 10-19/${whole.body.length}`);
    assert.deepStrictEqual(part.body, whole.body.subarray(10, 20));
    assert.strictEqual((await request(port, mixed.url, { headers: { range: `bytes=${whole.body.length}-` } })).status, 416);
    await A.goto(`${url}/recordings`);
    await A.waitForSelector('[data-testid=recording]');
    const seconds = await A.evaluate(() => new Promise((resolve) => {
      const a = document.querySelector('.mixed-player');
      if (a.readyState >= 1) resolve(a.duration);
      a.onloadedmetadata = () => resolve(a.duration);
      a.onerror = () => resolve(-1);
    }));
    assert.ok(seconds > 1, `mixed.opus plays in the page (${seconds} s)`);
    await shot(A, 'recordings');
  });

  it('the joinUrl page joins with a token, and the client rejoins after its socket drops', async function () {
    await openPages();
    const { body: agentInfo } = await json(port, '/demo/calls', { method: 'POST', body: '{"video":false}' });
    const { body: visitorInfo } = await json(port, `/demo/calls/${agentInfo.callId}/accept`, { method: 'POST', body: '{}' });
    await agent.page.goto(`${url}/call#token=${encodeURIComponent(agentInfo.token)}`);
    await visitor.page.goto(`${url}/call#token=${encodeURIComponent(visitorInfo.token)}`);
    await agent.page.click('[data-testid=join-audio]');
    await visitor.page.click('[data-testid=join-audio]');
    for (const p of [agent.page, visitor.page]) await p.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 15000 });
    await shot(agent.page, 'call-page-in-call');
    await visitor.page.evaluate(() => {
      window.seenStates = [];
      window.lccCall.on('state', (s) => window.seenStates.push(s));
      window.lccCall._socket._ws.close(4000, 'test: drop the socket');
    });
    await visitor.page.waitForFunction(() => window.seenStates.includes('reconnecting') && window.lccCall.state === 'connected'
      && window.seenStates.lastIndexOf('negotiating') > window.seenStates.indexOf('reconnecting'), null, { timeout: 15000 });
    // p2p: the rejoin restarts both sides (a new generation), so the agent reconnects too.
    await agent.page.waitForSelector('[data-testid=call-state][data-state=connected]', { timeout: 15000 });
    await visitor.page.click('[data-testid=hangup]');
    await agent.page.waitForFunction(() => /Call ended by the visitor/.test(document.getElementById('join-title').textContent), null, { timeout: 5000 });
    const call = (await json(port, `/demo/calls/${agentInfo.callId}`)).body;
    assert.strictEqual(call.state, 'ended');
    assert.strictEqual(call.endedBy, 'visitor');
  });
});
