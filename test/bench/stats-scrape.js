'use strict';
// What one /metrics scrape costs in the media server, at N live calls: one
// media.getStats() (one media-thread command whatever N) against N
// call.getStats() (one command per call, what /metrics did before
// media.getStats()). Each call has two legs (the server offered to both
// parties; no browser answers, so the counters are zero but every field is
// read). Prints the process CPU (both threads) and the wall time per scrape,
// and the media-thread commands per scrape. Figures, never pass/fail.
//
//   node test/bench/stats-scrape.js            # N = 10, 100, 300
//   BENCH_STATS_CALLS=50,500 node test/bench/stats-scrape.js

const { MediaServer } = require('../../js');

const SCRAPES = 200;
const COUNTS = (process.env.BENCH_STATS_CALLS || '10,100,300').split(',').map(Number);

async function measure(media, scrape) {
  for (let i = 0; i < 5; i++) await scrape(); // warm up
  const wall = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = process.hrtime.bigint();
    await scrape();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  wall.sort((a, b) => a - b);
  const before = media.commandsRun;
  await scrape();
  return {
    cpuMs: (cpu.user + cpu.system) / 1000 / SCRAPES,
    medianMs: wall[Math.floor(SCRAPES / 2)],
    p90Ms: wall[Math.floor(SCRAPES * 0.9)],
    commands: media.commandsRun - before,
  };
}

async function run(n) {
  const media = new MediaServer({ listenAddresses: ['127.0.0.1'], ports: { min: 40000, max: 49999 } });
  try {
    const calls = [];
    for (let i = 0; i < n; i++) {
      const call = media.createCall({ id: `bench-${i}` });
      await call.offer('visitor');
      await call.offer('agent');
      calls.push(call);
    }
    const one = await measure(media, () => media.getStats());
    const each = await measure(media, () => Promise.all(calls.map((c) => c.getStats())));
    const line = (what, r) => `  ${what}: CPU ${r.cpuMs.toFixed(2)} ms, wall median ${r.medianMs.toFixed(2)} ms (p90 ${r.p90Ms.toFixed(2)}), ${r.commands} media-thread command(s)`;
    console.log(`${n} calls, ${2 * n} legs, per scrape:`);
    console.log(line('one media.getStats()  ', one));
    console.log(line(`${n} x call.getStats()`.padEnd(22), each));
  } finally {
    await media.close();
  }
}

(async () => {
  for (const n of COUNTS) await run(n);
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
