'use strict';
// A media server process that is killed mid-call by test/e2e/recording.test.js:
// it records a two-browser call into argv[2] and prints READY <folder> once
// audio has been recorded for a few seconds, then waits to be killed.

const { MediaServer } = require('../../..');
const { launchBrowser } = require('./browser');
const { toneFile } = require('./tones');
const { startPageServer, openPeer } = require('./pages');
const { waitFor, sleep } = require('./signal');
const { pageOffers, serverOffers } = require('./calls');

async function main() {
  const pages = await startPageServer();
  const media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir: process.argv[2] });
  const [vb, ab] = await Promise.all([
    launchBrowser({ name: 'visitor', fakeAudioFile: await toneFile(440) }),
    launchBrowser({ name: 'agent', fakeAudioFile: await toneFile(880) }),
  ]);
  const [visitor, agent] = await Promise.all([openPeer(vb, { baseUrl: pages.baseUrl }), openPeer(ab, { baseUrl: pages.baseUrl })]);
  const call = media.createCall({ id: 'crash-call', record: true });
  await Promise.all([pageOffers(call, 'visitor', visitor), serverOffers(call, 'agent', agent)]);
  await waitFor(async () => (await agent.audioPacketsReceived()) > 50, { what: 'relayed audio' });
  await sleep(4000);
  process.stdout.write('READY\n');
  await sleep(600000);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
