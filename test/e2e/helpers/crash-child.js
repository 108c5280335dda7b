'use strict';
// A media server process that is killed mid-call by test/e2e/recording.test.js:
// it records a two-browser call into argv[2] and prints READY <folder> once
// audio has been recorded for a few seconds, then waits to be killed.

const { MediaServer } = require('../../..');
const { startPageServer } = require('./pages');
const { sleep } = require('./signal');
const { openTwoParties, connectParties } = require('./calls');

async function main() {
  const pages = await startPageServer();
  const media = new MediaServer({ listenAddresses: ['127.0.0.1'], recordingsDir: process.argv[2] });
  const parties = await openTwoParties(pages.baseUrl);
  const call = media.createCall({ id: 'crash-call', record: true });
  await connectParties(call, parties);
  await sleep(4000);
  process.stdout.write('READY\n');
  await sleep(600000);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
