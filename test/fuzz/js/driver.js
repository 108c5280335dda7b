#!/usr/bin/env node
'use strict';
// The plain-Node driver of the JS fuzz targets (test/fuzz/js/<name>.fuzz.js,
// each exporting fuzz(data: Buffer) that throws on a broken promise and returns
// a short outcome label).
//
//   node test/fuzz/js/driver.js replay <name> [dir...]
//       runs fuzz() once on every file of corpus/<name>/ (or the dirs given);
//       exits 1 on the first throw. `npm test` runs this (fuzz-corpora.test.js).
//   node test/fuzz/js/driver.js fuzz <name> [--seconds N] [--seed S] [--out DIR]
//       mutation fuzzing from corpus/<name>/: byte flips, interesting bytes,
//       inserts, deletes, repeats, splices and the target's dictionary tokens.
//       No code coverage (see README.md): an input is kept when it gives an
//       outcome label not seen before. A throw, or a run over 1 s (a hang),
//       writes crash-<sha1> to --out and exits 1. New inputs go to --out
//       (default out/corpus-<name>); prints libFuzzer-like final stats.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const here = __dirname;
const SLOW_MS = 1000;
const MAX_LEN = 4096;

// Tokens that matter to the targets' grammars, for insert mutations.
const DICT = [
  'stun:', 'turn:', 'turns:', 'stuns:', '@', ':', ',', '%', '%40', '%3A', '%zz', '?transport=udp', '?transport=tcp',
  '[::1]', '[', ']', '127.0.0.1', 'example.com', ':3478', ':0', ':65536', ' ', '\t', '{', '}', '"', '[]', 'null',
  '{"type":"', '"type"', '"sdp"', '"candidate"', '"generation":', '"report":', '"token"', 'join', 'offer', 'answer',
  'candidate', 'state', 'media', 'hangup', 'quality', 'true', 'false', '1e308', '-1', '2147483648', '\\u0000', '__proto__',
  'OggS', 'OpusHead', 'OpusTags', '\u0000\u0000\u0000\u0000', '\u00ff\u00ff\u00ff\u00ff',
].map((t) => Buffer.from(t, 'latin1'));

function load(name) {
  return require(path.join(here, `${name}.fuzz.js`));
}

function files(dirs) {
  const out = [];
  for (const d of dirs) {
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (fs.statSync(p).isFile()) out.push(p);
    }
  }
  return out;
}

function replay(name, dirs) {
  const target = load(name);
  const list = files(dirs.length ? dirs : [path.join(here, 'corpus', name)]);
  for (const f of list) {
    try {
      target.fuzz(fs.readFileSync(f));
    } catch (err) {
      console.error(`${name}: ${f} broke a promise:\n${err.stack}`);
      process.exit(1);
    }
  }
  console.log(`${name}: replayed ${list.length} inputs`);
}

// xorshift32: the run is reproducible from --seed.
function rng(seed) {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return n ? s % n : s;
  };
}

function mutate(buf, corpus, r) {
  let b = Buffer.from(buf);
  const steps = 1 + r(4);
  for (let i = 0; i < steps; i++) {
    const at = b.length ? r(b.length + 1) : 0;
    switch (r(8)) {
      case 0: if (b.length) b[r(b.length)] ^= 1 << r(8); break;
      case 1: if (b.length) b[r(b.length)] = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x2c, 0x40][r(8)]; break;
      case 2: b = Buffer.concat([b.subarray(0, at), DICT[r(DICT.length)], b.subarray(at)]); break;
      case 3: { const n = 1 + r(16); b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]); break; }
      case 4: { const n = 1 + r(8); b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: n }, () => r(256))), b.subarray(at)]); break; }
      case 5: { const n = 1 + r(32); const piece = b.subarray(at, at + n); b = Buffer.concat([b.subarray(0, at), piece, piece, b.subarray(at)]); break; }
      case 6: { const other = corpus[r(corpus.length)]; const from = r(other.length + 1); b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + r(64))]); break; }
      default: b = b.subarray(0, at); break;
    }
  }
  return b.length > MAX_LEN ? b.subarray(0, MAX_LEN) : b;
}

function fuzzLoop(name, { seconds, seed, out }) {
  const target = load(name);
  fs.mkdirSync(out, { recursive: true });
  const seeds = files([path.join(here, 'corpus', name), out]).map((f) => fs.readFileSync(f));
  const corpus = seeds.length ? seeds : [Buffer.alloc(0)];
  const outcomes = new Set();
  for (const c of corpus) outcomes.add(run(target, c, out).label);
  const r = rng(seed);
  const end = Date.now() + seconds * 1000;
  let execs = 0;
  let added = 0;
  while (Date.now() < end) {
    for (let i = 0; i < 100; i++) {
      const input = mutate(corpus[r(corpus.length)], corpus, r);
      const { label } = run(target, input, out);
      execs++;
      if (!outcomes.has(label)) {
        outcomes.add(label);
        corpus.push(input);
        added++;
        fs.writeFileSync(path.join(out, sha1(input)), input);
      }
    }
  }
  console.log(`#${execs}\tDONE   outcomes: ${outcomes.size} corp: ${corpus.length} exec/s: ${Math.round(execs / seconds)}`);
  console.log(`stat::number_of_executed_units: ${execs}`);
  console.log(`stat::new_units_added: ${added}`);
  console.log(`stat::distinct_outcomes: ${outcomes.size}`);
  console.log('stat::crashes: 0');
}

function sha1(b) {
  return crypto.createHash('sha1').update(b).digest('hex');
}

function run(target, input, out) {
  const t0 = process.hrtime.bigint();
  let label;
  try {
    label = String(target.fuzz(input));
  } catch (err) {
    crash(input, out, err.stack);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (ms > SLOW_MS) crash(input, out, `slow input: ${ms.toFixed(0)} ms (a hang)`);
  return { label };
}

function crash(input, out, why) {
  const file = path.join(out, `crash-${sha1(input)}`);
  fs.writeFileSync(file, input);
  console.error(`==CRASH== ${why}\nTest unit written to ${file}`);
  console.log('stat::crashes: 1');
  process.exit(1);
}

function main(argv) {
  const [cmd, name, ...rest] = argv;
  if (!name || !fs.existsSync(path.join(here, `${name}.fuzz.js`))) {
    console.error('usage: driver.js replay|fuzz <name> ...  (names: test/fuzz/js/*.fuzz.js)');
    process.exit(2);
  }
  if (cmd === 'replay') return replay(name, rest);
  if (cmd !== 'fuzz') process.exit(2);
  const opt = (k, d) => (rest.includes(k) ? rest[rest.indexOf(k) + 1] : d);
  return fuzzLoop(name, {
    seconds: Number(opt('--seconds', 60)),
    seed: Number(opt('--seed', Date.now() & 0x7fffffff)),
    out: path.resolve(opt('--out', path.join(here, '..', 'out', `corpus-js-${name}`))),
  });
}

main(process.argv.slice(2));
