#!/usr/bin/env node
'use strict';
// `npm start`. The call service (HTTP + WebSocket signalling, the demo pages) is
// not built yet; until it is, this checks that the installation works: it
// starts a MediaServer on the embedded defaults, shows its DTLS fingerprint and
// where it gathers candidates, and closes it again.

const { MediaServer } = require('..');

async function main() {
  const media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
  console.log('livechat-calls: the native media core loads and runs.');
  console.log(`  DTLS certificate fingerprint: sha-256 ${media.fingerprint}`);
  console.log('  host candidates on: 127.0.0.1');
  console.log('The call service and its demo pages are not part of this version yet; see README.md.');
  await media.close();
}

main().catch((err) => {
  console.error(`livechat-calls: ${err.code || 'error'}: ${err.message}`);
  process.exit(1);
});
