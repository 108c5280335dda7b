'use strict';
// Another real client with its own ICE, DTLS and RTP stack: Firefox ESR calls
// through the server with a Chromium agent, each side offering once.

const assert = require('assert');
const { MediaServer } = require('../..');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { toneFile } = require('./helpers/tones');
const { startPageServer, openPeer } = require('./helpers/pages');
const { startRemoteServer, launchFirefoxPeer } = require('./helpers/firefox');
const { waitFor } = require('./helpers/signal');
const { pageOffers, serverOffers, fmtTone } = require('./helpers/calls');

const AGENT_HZ = 880;
const VISITOR_HZ = 440; // Firefox's fake microphone, set by helpers/firefox.js

describe('a Firefox ESR visitor and a Chromium agent talk through the server', function () {
  this.timeout(120000);
  let pages;
  let remote;
  let media;
  let firefox;
  let agent;
  let call;

  before(async function () {
    pages = await startPageServer();
    remote = await startRemoteServer();
    media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
    firefox = await launchFirefoxPeer(remote, { name: 'firefox-visitor', video: true });
    const ab = await launchBrowser({ name: 'agent', fakeAudioFile: await toneFile(AGENT_HZ) });
    agent = await openPeer(ab, { baseUrl: pages.baseUrl, video: true });
    call = media.createCall({ id: 'firefox-call' });
  });

  after(async function () {
    if (firefox) await firefox.close();
    await closeAllBrowsers();
    if (media) await media.close();
    if (remote) await remote.close();
    if (pages) await pages.close();
  });

  it('Firefox offers, the server answers: ICE and DTLS-SRTP connect', async function () {
    const r = await pageOffers(call, 'visitor', firefox.peer);
    console.log(`      [firefox] Firefox offer -> connected in ${r.ms} ms`);
    const s = (await call.getStats()).parties.visitor;
    assert.strictEqual(s.state, 'connected');
    assert.ok(s.srtpProfile, 'an SRTP profile was negotiated');
  });

  it('the Chromium agent joins on the server\'s offer; each side hears the other', async function () {
    await serverOffers(call, 'agent', agent);
    await waitFor(async () => (await firefox.peer.audioPacketsReceived()) > 50 && (await agent.audioPacketsReceived()) > 50,
      { timeoutMs: 15000, what: 'relayed audio on both pages' });
    const atAgent = await agent.dominantFrequency();
    console.log(`      [firefox] Chromium hears ${fmtTone(atAgent)}`);
    assert.ok(atAgent.frequency !== null && Math.abs(atAgent.frequency - VISITOR_HZ) <= 15, `Chromium hears ${fmtTone(atAgent)}`);
    // Headless Firefox has no audio output for WebAudio to run on, so its side checks
    // the decoder instead: the relayed Chromium tone arrives as sound, not silence.
    const s = await waitFor(async () => {
      const st = await firefox.peer.inboundStats('audio');
      return st && st.totalAudioEnergy > 0.01 && st;
    }, { timeoutMs: 10000, what: 'audio energy decoded by Firefox' });
    console.log(`      [firefox] Firefox decodes audio at level ${s.audioLevel}, energy ${s.totalAudioEnergy.toFixed(3)}`);
    assert.ok(s.audioLevel > 0.05, `Firefox decodes near-silence: ${JSON.stringify(s)}`);
  });

  it('video frames arrive both ways', async function () {
    const counts = await waitFor(async () => {
      const f = await firefox.peer.videoFramesReceived();
      const a = await agent.videoFramesReceived();
      return f >= 10 && a >= 10 && { firefox: f, agent: a };
    }, { timeoutMs: 15000, what: 'at least 10 decoded frames on each page' });
    console.log(`      [firefox] frames decoded: Firefox ${counts.firefox}, Chromium ${counts.agent}`);
  });
});
