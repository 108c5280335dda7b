#!/usr/bin/env node
'use strict';
// The fuzzing campaign (issue 11; not part of `npm test`, which only replays
// the corpora): `npm run fuzz`.
//  1. installs clang when run as root (scripts/system-deps.js; otherwise prints
//     the apt-get command), builds every libFuzzer target (make -C test/fuzz);
//  2. runs each target, one at a time, for FUZZ_SECONDS (default 1800) under
//     ASan + UBSan from its corpus: C targets with libFuzzer, JS targets with
//     test/fuzz/js/driver.js (plain Node, see test/fuzz/README.md);
//  3. merges what added coverage into the corpus (libFuzzer -merge=1; the JS
//     driver's new outcomes are copied), unless FUZZ_MERGE=0;
//  4. prints a table per target (executions, edges `cov:` and features `ft:`
//     from libFuzzer's final stats, corpus size, crashes) and writes it to
//     test/fuzz/out/fuzz-report.md, ready for docs/security.md.
// FUZZ_TARGETS=rtp,sdp,... picks targets (default: all). A crash stops that
// target; its input is in test/fuzz/out/ (crash-<sha1>) and the run goes on.

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { FUZZ_PACKAGES, ensurePackages } = require('./system-deps');

const root = path.resolve(__dirname, '..');
const fuzzDir = path.join(root, 'test', 'fuzz');
const outDir = path.join(fuzzDir, 'out');
const jsDir = path.join(fuzzDir, 'js');
const seconds = Number(process.env.FUZZ_SECONDS || 1800);
const merge = process.env.FUZZ_MERGE !== '0';
const only = process.env.FUZZ_TARGETS ? new Set(process.env.FUZZ_TARGETS.split(',')) : null;

const cTargets = fs.readdirSync(fuzzDir).filter((f) => f.endsWith('_fuzz.c')).map((f) => f.slice(0, -7)).sort();
const jsTargets = fs.readdirSync(jsDir).filter((f) => f.endsWith('.fuzz.js')).map((f) => f.slice(0, -8)).sort();
const wanted = (t) => !only || only.has(t);

function count(dir) {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.startsWith('.')).length : 0;
}

function lastMatch(text, re) {
  let m;
  let last = null;
  const g = new RegExp(re.source, 'g');
  while ((m = g.exec(text)) !== null) last = m;
  return last;
}

function runC(t) {
  const corpus = path.join(fuzzDir, 'corpus', t);
  const fresh = path.join(outDir, `corpus-${t}`);
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.mkdirSync(fresh, { recursive: true });
  const bin = path.join(outDir, `${t}_fuzz`);
  const r = spawnSync(bin, [`-max_total_time=${seconds}`, '-print_final_stats=1', '-timeout=10',
    `-artifact_prefix=${outDir}/`, fresh, corpus], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const log = `${r.stdout}${r.stderr}`;
  fs.writeFileSync(path.join(outDir, `fuzz-${t}.log`), log);
  const stats = lastMatch(log, /cov: (\d+) ft: (\d+) corp: (\d+)/);
  const execs = lastMatch(log, /stat::number_of_executed_units: (\d+)/);
  const crashes = (log.match(/Test unit written to/g) || []).length;
  if (merge && crashes === 0) {
    spawnSync(bin, ['-merge=1', corpus, fresh], { encoding: 'utf8', maxBuffer: 1 << 30 });
  }
  return { t, engine: 'libFuzzer', execs: execs ? Number(execs[1]) : 0, cov: stats ? stats[1] : '?', ft: stats ? stats[2] : '?',
    corpus: count(corpus), crashes, artifact: lastMatch(log, /Test unit written to (\S+)/)?.[1] };
}

function runJs(t) {
  const corpus = path.join(jsDir, 'corpus', t);
  const fresh = path.join(outDir, `corpus-js-${t}`);
  fs.rmSync(fresh, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [path.join(jsDir, 'driver.js'), 'fuzz', t, '--seconds', String(seconds), '--out', fresh],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  const log = `${r.stdout}${r.stderr}`;
  fs.writeFileSync(path.join(outDir, `fuzz-js-${t}.log`), log);
  const execs = lastMatch(log, /stat::number_of_executed_units: (\d+)/);
  const outcomes = lastMatch(log, /stat::distinct_outcomes: (\d+)/);
  const crashes = r.status === 0 ? 0 : 1;
  if (merge && crashes === 0) {
    for (const f of fs.readdirSync(fresh)) fs.copyFileSync(path.join(fresh, f), path.join(corpus, f));
  }
  return { t: `${t} (JS)`, engine: 'driver.js', execs: execs ? Number(execs[1]) : 0, cov: '—', ft: outcomes ? `${outcomes[1]} outcomes` : '?',
    corpus: count(corpus), crashes, artifact: lastMatch(log, /Test unit written to (\S+)/)?.[1] };
}

function table(rows) {
  const head = '| target | engine | seconds | executions | exec/s | edges (cov) | features (ft) | corpus | crashes |\n|---|---|---|---|---|---|---|---|---|\n';
  return head + rows.map((r) => `| ${r.t} | ${r.engine} | ${seconds} | ${r.execs} | ${Math.round(r.execs / seconds)} | ${r.cov} | ${r.ft} | ${r.corpus} | ${r.crashes}${r.artifact ? ` (${path.relative(root, r.artifact)})` : ''} |`).join('\n') + '\n';
}

function main() {
  try {
    ensurePackages(FUZZ_PACKAGES);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  const built = spawnSync('make', ['-s', '-C', fuzzDir, 'all'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status || 1);
  const rows = [];
  for (const t of cTargets.filter(wanted)) {
    console.log(`[fuzz] ${t}: ${seconds} s`);
    rows.push(runC(t));
  }
  for (const t of jsTargets.filter(wanted)) {
    console.log(`[fuzz] ${t} (JS): ${seconds} s`);
    rows.push(runJs(t));
  }
  const report = `Fuzzing run of ${new Date().toISOString()}, ${seconds} s per target, one target at a time ` +
    `(\`FUZZ_SECONDS=${seconds} npm run fuzz\`), ASan + UBSan:\n\n${table(rows)}`;
  fs.writeFileSync(path.join(outDir, 'fuzz-report.md'), report);
  console.log(`\n${report}\nwritten to ${path.relative(root, path.join(outDir, 'fuzz-report.md'))}`);
  process.exit(rows.some((r) => r.crashes) ? 1 : 0);
}

main();
