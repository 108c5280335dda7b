#!/usr/bin/env node
'use strict';
// Call set-up time and relay CPU with real Chromium peers over loopback.
//
//   npm run bench            (runs this inside a private network namespace)
//
// Set-up: a visitor page offers and the server answers; the server offers to an
// agent page and takes its answer; timed from the first SDP call to the
// server's leg reporting 'connected' (ICE + DTLS-SRTP done), over several calls.
// Relay CPU: the media thread's CPU time (from /proc/self/task/<tid>/schedstat)
// while one call relays audio (then audio + video) both ways, divided by the
// packets the server sent on. Browsers run in their own processes and are not
// counted. Figures are printed, never asserted.

const fs = require('fs');
const { MediaServer } = require('../..');
const { launchBrowser, closeAllBrowsers } = require('../e2e/helpers/browser');
const { toneFile } = require('../e2e/helpers/tones');
const { startPageServer, openPeer } = require('../e2e/helpers/pages');
const { pageOffers, serverOffers } = require('../e2e/helpers/calls');
const { sleep } = require('../e2e/helpers/signal');

const SETUP_CALLS = Number(process.env.BENCH_SETUP_CALLS || 8);
const RELAY_SECONDS = Number(process.env.BENCH_RELAY_SECONDS || 20);

/** CPU nanoseconds of every thread of this process with that name (lcc-media, lcc-rec). */
function threadCpuNs(name = 'lcc-media') {
  let total = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    if (comm !== name) continue;
    total += Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  }
  return total;
}

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function freshPage(browser, baseUrl, video) {
  const page = await browser.context.newPage();
  return openPeer({ page, name: browser.name }, { baseUrl, video });
}

async function measureSetup(media, browsers, baseUrl) {
  const visitorMs = [];
  const agentMs = [];
  for (let i = 0; i < SETUP_CALLS; i++) {
    const [v, a] = await Promise.all([freshPage(browsers.visitor, baseUrl, false), freshPage(browsers.agent, baseUrl, false)]);
    const call = media.createCall({ id: `setup-${i}` });
    const [rv, ra] = await Promise.all([pageOffers(call, 'visitor', v), serverOffers(call, 'agent', a)]);
    visitorMs.push(rv.ms);
    agentMs.push(ra.ms);
    await call.end();
    await Promise.all([v.page.close(), a.page.close()]);
  }
  return { visitorMs, agentMs };
}

function packetsOut(stats, kinds) {
  let n = 0;
  for (const party of ['visitor', 'agent']) {
    for (const k of kinds) n += (stats.parties[party][k] || { packetsOut: 0 }).packetsOut;
  }
  return n;
}

async function measureRelay(media, browsers, baseUrl, video, record = false) {
  const [v, a] = await Promise.all([freshPage(browsers.visitor, baseUrl, video), freshPage(browsers.agent, baseUrl, video)]);
  const call = media.createCall({ id: `relay-${video ? 'av' : 'audio'}${record ? '-rec' : ''}`, record });
  await Promise.all([pageOffers(call, 'visitor', v), serverOffers(call, 'agent', a)]);
  await sleep(3000); // past the start-up (keyframes, bandwidth ramp)
  const kinds = video ? ['audio', 'video'] : ['audio'];
  const cpu0 = threadCpuNs();
  const rec0 = threadCpuNs('lcc-rec');
  const p0 = packetsOut(await call.getStats(), kinds);
  await sleep(RELAY_SECONDS * 1000);
  const cpu1 = threadCpuNs();
  const rec1 = threadCpuNs('lcc-rec');
  const p1 = packetsOut(await call.getStats(), kinds);
  await call.end();
  await Promise.all([v.page.close(), a.page.close()]);
  const packets = p1 - p0;
  const cpuUs = (cpu1 - cpu0) / 1000;
  const recorderCorePercent = ((rec1 - rec0) / 1000 / (RELAY_SECONDS * 1e6)) * 100;
  return { packets, packetsPerSecond: packets / RELAY_SECONDS, cpuUs, usPerPacket: cpuUs / packets,
    corePercent: (cpuUs / (RELAY_SECONDS * 1e6)) * 100, recorderCorePercent };
}

async function main() {
  const pages = await startPageServer();
  const recordingsDir = fs.mkdtempSync(require('path').join(require('os').tmpdir(), 'lcc-bench-rec-'));
  const media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir });
  const browsers = {
    visitor: await launchBrowser({ name: 'visitor', fakeAudioFile: await toneFile(440) }),
    agent: await launchBrowser({ name: 'agent', fakeAudioFile: await toneFile(880) }),
  };
  try {
    const setup = await measureSetup(media, browsers, pages.baseUrl);
    const audio = await measureRelay(media, browsers, pages.baseUrl, false);
    const av = await measureRelay(media, browsers, pages.baseUrl, true);
    const recorded = await measureRelay(media, browsers, pages.baseUrl, false, true);
    const fmt = (x) => x.toFixed(1);
    console.log(`call set-up on loopback, offer -> server leg 'connected' (${SETUP_CALLS} calls):`);
    console.log(`  visitor (page offers):  median ${percentile(setup.visitorMs, 50)} ms, p90 ${percentile(setup.visitorMs, 90)} ms`);
    console.log(`  agent (server offers):  median ${percentile(setup.agentMs, 50)} ms, p90 ${percentile(setup.agentMs, 90)} ms`);
    for (const [name, r] of [['audio only', audio], ['audio + video', av]]) {
      console.log(`relay, one call, ${name}, ${RELAY_SECONDS} s: ${fmt(r.packetsPerSecond)} packets/s relayed, ` +
        `${fmt(r.usPerPacket)} µs media-thread CPU per relayed packet, ${r.corePercent.toFixed(2)} % of one core per call`);
    }
    console.log(`recording, one audio call, ${RELAY_SECONDS} s: recorder thread ${recorded.recorderCorePercent.toFixed(2)} % of one core ` +
      `(per-party files + mixing + encoding mixed.opus); media thread ${recorded.corePercent.toFixed(2)} % (vs ${audio.corePercent.toFixed(2)} % unrecorded)`);
    console.log(JSON.stringify({ setup, audio, av, recorded }));
  } finally {
    await closeAllBrowsers();
    await media.close();
    await pages.close();
    fs.rmSync(recordingsDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
