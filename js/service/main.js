#!/usr/bin/env node
'use strict';
// `npm start`: the call service on embedded defaults (http://localhost:3000,
// call sessions under ./data, recordings under ./recordings), with the demo
// pages when only this machine reaches the service (no public URL off
// loopback, no trusted proxy) or LCC_DEMO=1, never with LCC_DEMO=0. Every setting is an environment variable
// (js/service/config.js, docs/deployment.md). SIGINT/SIGTERM close it
// cleanly: calls end, recordings are finished.

const { createCallService } = require('./call-service');
const { configFromEnv, ENV } = require('./config');
const { mountDemo } = require('./web/demo');
const { turnOptionsFromEnv } = require('./calls/turn-credentials');
const { servesThisMachineOnly } = require('./http/exposure');

function printHelp() {
  console.log('livechat-calls call service (npm start). Environment variables:');
  for (const [name, what] of Object.entries(ENV)) console.log(`  ${name.padEnd(28)} ${what}`);
}

function printWhereToClick(url, config, demo) {
  console.log(`livechat-calls call service on ${url}`);
  if (demo) {
    console.log(`  agent console:   ${url}/agent`);
    console.log(`  visitor widget:  ${url}/visitor   (open both, start a call from the agent console)`);
    console.log(`  recordings:      ${url}/recordings`);
    if (!servesThisMachineOnly(config.service)) {
      console.log('  WARNING: LCC_DEMO=1 on a set-up other machines reach: the demo pages have no login (docs/security.md)');
    }
  }
  console.log(`  health, metrics: ${url}/healthz, ${url}/metrics`);
  console.log(`  call sessions in ${config.service.dataDir}, recordings in ${config.recordingsDir}`);
  console.log(config.secretCreated
    ? `  shared secret for the Rocket.Chat App: created in ${config.secretSource} (copy it into the App's settings)`
    : `  shared secret for the Rocket.Chat App: from ${config.secretSource}`);
}

async function main() {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    printHelp();
    return;
  }
  const config = configFromEnv(process.env, process.cwd());
  const turn = turnOptionsFromEnv(process.env);
  const service = createCallService({ ...config.service, ...(turn ? { turn } : {}) });
  service.on('warning', (err) => console.warn(`[warning] ${err && err.message ? err.message : err}`));
  if (config.demo) mountDemo(service, { recordingsDir: config.recordingsDir });

  // Signals are handled before the service listens: a SIGTERM at any moment
  // after start closes it cleanly (close() waits for a listen under way).
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: ending calls and closing...`);
    service.close().then(() => process.exit(0), (err) => {
      console.error(`close failed: ${err.message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const { url } = await service.listen();
  printWhereToClick(service.publicUrl || url, config, config.demo);
}

main().catch((err) => {
  console.error(`livechat-calls: ${err.code || 'error'}: ${err.message}`);
  process.exit(1);
});
