'use strict';
// MediaServer and Call over the native add-on: lifecycle, ids, ended calls,
// close(), errors from the core, and that nothing keeps Node alive. Skipped
// when the add-on is not built (the JS-only suites still run). Everything
// listens on 127.0.0.1 only.

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { MediaServer, LccError } = require('../../../js');
const { loadNative } = require('../../../js/api/native');

const root = path.resolve(__dirname, '..', '..', '..');
const INDEX = path.join(root, 'js', 'index.js');
const FINGERPRINT_RE = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;
const SDP_DIR = path.join(root, 'test', 'fixtures', 'sdp');

function newServer(extra = {}) {
  return new MediaServer({ listenAddresses: ['127.0.0.1'], ports: { min: 45000, max: 45999 }, ...extra });
}

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof LccError, `expected an LccError, got ${err && err.stack}`);
    assert.strictEqual(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
}

/** Runs a script in a fresh node; it must exit 0 by itself (killed after 15 s). */
function runChild(script) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 15000, env: process.env });
  return { ...r, ms: Date.now() - t0 };
}

/** Captured browser offers (their candidates are all on loopback). */
function browserOffers(browser) {
  if (!fs.existsSync(SDP_DIR)) return [];
  return fs.readdirSync(SDP_DIR).filter((f) => f.startsWith(`${browser}-offer`) && f.endsWith('.sdp')).map((f) => path.join(SDP_DIR, f));
}

/** Answers each offer in a new call: the answer holds the server's fingerprint and comes before any event. */
async function answerEach(media, offers) {
  for (const [i, file] of offers.entries()) {
    const call = media.createCall({ id: `${path.basename(file, '.sdp')}-${i}` });
    const order = [];
    call.on('candidate', () => order.push('candidate'));
    call.on('state', () => order.push('state'));
    const answer = await call.answer('visitor', fs.readFileSync(file, 'utf8'));
    order.push('answered');
    assert.strictEqual(order[0], 'answered', 'events queued behind the reply wait until the awaiting code has run');
    assert.match(answer, /^v=0\r?\n/);
    assert.ok(answer.includes(`a=fingerprint:sha-256 ${media.fingerprint}`), `${path.basename(file)}: answer lacks the server's fingerprint:\n${answer}`);
    await call.end();
  }
}

describe('MediaServer and Call (native)', function () {
  let servers = [];

  before(function () {
    loadNative(); // npm test builds the add-on first: a missing build fails the block, never skips it
  });

  afterEach(async () => {
    await Promise.all(servers.map((m) => m.close()));
    servers = [];
  });

  function server(extra) {
    const m = newServer(extra);
    servers.push(m);
    return m;
  }

  it('media.fingerprint is the SHA-256 fingerprint of the DTLS certificate', () => {
    const media = server();
    assert.match(media.fingerprint, FINGERPRINT_RE);
  });

  it('media.createCall() then call.end() resolves with the summary {id, startedAt, endedAt, durationMs, parties, recording: null}', async () => {
    const media = server();
    const call = media.createCall({ id: 'room42-call7' });
    assert.strictEqual(call.id, 'room42-call7');
    assert.strictEqual(call.record, false);
    assert.strictEqual(media.getCall('room42-call7'), call);
    const ends = [];
    call.on('end', (s) => ends.push(s));
    const summary = await call.end();
    assert.deepStrictEqual(Object.keys(summary).sort(), ['durationMs', 'endedAt', 'id', 'parties', 'recording', 'startedAt']);
    assert.strictEqual(summary.id, 'room42-call7');
    assert.strictEqual(new Date(summary.startedAt).toISOString(), summary.startedAt);
    assert.strictEqual(new Date(summary.endedAt).toISOString(), summary.endedAt);
    assert.ok(Date.parse(summary.endedAt) >= Date.parse(summary.startedAt));
    assert.ok(Number.isFinite(summary.durationMs) && summary.durationMs >= 0);
    assert.deepStrictEqual(Object.keys(summary.parties).sort(), ['agent', 'visitor']);
    assert.strictEqual(summary.recording, null);
    assert.deepStrictEqual(ends, [summary], "'end' is emitted once, with the summary");
    assert.strictEqual(call.ended, true);
    assert.strictEqual(call.summary, summary);
    assert.strictEqual(media.getCall('room42-call7'), undefined);
  });

  it('call.end() twice resolves with the same summary and emits \'end\' once', async () => {
    const media = server();
    const call = media.createCall({ id: 'twice' });
    let ends = 0;
    call.on('end', () => ends++);
    const [a, b] = await Promise.all([call.end(), call.end()]);
    const c = await call.end();
    assert.strictEqual(a, b);
    assert.strictEqual(a, c);
    assert.strictEqual(ends, 1);
  });

  it('media.createCall() with the id of a live call throws ERR_CALL_EXISTS; once ended the id is free', async () => {
    const media = server();
    const call = media.createCall({ id: 'dup' });
    assert.throws(() => media.createCall({ id: 'dup' }), { code: 'ERR_CALL_EXISTS' });
    await call.end();
    const again = media.createCall({ id: 'dup' });
    assert.notStrictEqual(again, call);
    assert.strictEqual(again.ended, false);
    await again.end();
  });

  it('every method of an ended call rejects (or throws) with ERR_CALL_ENDED', async () => {
    const media = server();
    const call = media.createCall({ id: 'gone' });
    await call.end();
    await rejectsWith(call.answer('visitor', 'v=0\r\n'), 'ERR_CALL_ENDED');
    await rejectsWith(call.offer('agent'), 'ERR_CALL_ENDED');
    await rejectsWith(call.acceptAnswer('agent', 'v=0\r\n'), 'ERR_CALL_ENDED');
    await rejectsWith(call.addCandidate('visitor', null), 'ERR_CALL_ENDED');
    await rejectsWith(call.restartIce('visitor'), 'ERR_CALL_ENDED');
    await rejectsWith(call.getStats(), 'ERR_CALL_ENDED');
  });

  it('media.close() ends every call (each emits \'end\'), is idempotent, and createCall() then throws ERR_SERVER_CLOSED', async () => {
    const media = newServer();
    const calls = [media.createCall({ id: 'a' }), media.createCall({ id: 'b' }), media.createCall({ id: 'c' })];
    const ended = [];
    for (const call of calls) call.on('end', (s) => ended.push(s.id));
    const p1 = media.close();
    const p2 = media.close();
    assert.strictEqual(p1, p2);
    await p1;
    assert.deepStrictEqual(ended.sort(), ['a', 'b', 'c']);
    for (const call of calls) assert.strictEqual(call.ended, true);
    assert.strictEqual(media.closed, true);
    assert.throws(() => media.createCall({ id: 'd' }), { code: 'ERR_SERVER_CLOSED' });
    await rejectsWith(calls[0].offer('visitor'), 'ERR_CALL_ENDED');
    assert.match(media.fingerprint, FINGERPRINT_RE, 'the fingerprint stays readable after close');
    await media.close();
  });

  it('call.answer() with a malformed offer rejects with ERR_SDP_INVALID', async () => {
    const media = server();
    const call = media.createCall({ id: 'bad-offer' });
    await rejectsWith(call.answer('visitor', 'this is not SDP'), 'ERR_SDP_INVALID');
    await rejectsWith(call.answer('visitor', ''), 'ERR_SDP_INVALID');
    await rejectsWith(call.answer('visitor', 42), 'ERR_SDP_INVALID');
    assert.strictEqual(call.ended, false, 'a bad offer does not end the call');
  });

  it("call.answer() with a party other than 'visitor' or 'agent' rejects with ERR_INVALID_PARTY", async () => {
    const media = server();
    const call = media.createCall({ id: 'party' });
    await rejectsWith(call.answer('caller', 'v=0\r\n'), 'ERR_INVALID_PARTY');
    await rejectsWith(call.offer(), 'ERR_INVALID_PARTY');
  });

  it('call.addCandidate() with something that is not a candidate rejects with ERR_CANDIDATE_INVALID', async () => {
    const media = server();
    const call = media.createCall({ id: 'cand' });
    await rejectsWith(call.addCandidate('visitor', { candidate: 'hello' }), 'ERR_CANDIDATE_INVALID');
    await rejectsWith(call.addCandidate('visitor', 'candidate:1 1 udp 1 127.0.0.1 9 typ host'), 'ERR_CANDIDATE_INVALID');
    await rejectsWith(call.addCandidate('visitor', { candidate: 'candidate:1', sdpMLineIndex: -1 }), 'ERR_CANDIDATE_INVALID');
  });

  it('call.getStats() resolves with {id, startedAt, parties}; the JS thread runs on while the media thread answers', async () => {
    const media = server();
    const call = media.createCall({ id: 'stats' });
    await call.ready;
    const pending = call.getStats();
    assert.ok(pending instanceof Promise);
    assert.strictEqual(await Promise.race([pending, Promise.resolve('not yet')]), 'not yet', 'settled by the reply event, not in the call');
    const stats = await pending;
    assert.strictEqual(stats.id, 'stats');
    assert.strictEqual(new Date(stats.startedAt).toISOString(), stats.startedAt);
    assert.deepStrictEqual(Object.keys(stats.parties).sort(), ['agent', 'visitor']);
  });

  it('media.getStats() resolves with every live call in creation order, each equal to its call.getStats(), in one media-thread command', async () => {
    const media = server();
    const calls = ['first', 'second', 'third', 'fourth'].map((id) => media.createCall({ id }));
    await Promise.all(calls.map((c) => c.ready));
    await calls[0].offer('visitor');
    await calls[1].offer('agent');
    await calls[1].offer('visitor');
    const before = media.commandsRun;
    const pending = media.getStats();
    assert.strictEqual(await Promise.race([pending, Promise.resolve('not yet')]), 'not yet', 'settled by the reply event, not in the call');
    const all = await pending;
    assert.strictEqual(media.commandsRun - before, 1, 'one command for four calls');
    assert.deepStrictEqual(all.map((s) => s.id), ['first', 'second', 'third', 'fourth']);
    for (const [i, call] of calls.entries()) assert.deepStrictEqual(all[i], await call.getStats(), `${call.id}: same shape and values as call.getStats()`);
    assert.strictEqual(media.commandsRun - before, 5, 'then one command per call.getStats()');
    assert.deepStrictEqual([all[0].parties.visitor.state, all[0].parties.agent], ['new', null]);
    assert.strictEqual(all[1].parties.agent.iceRole, 'controlling');
    assert.strictEqual(all[1].parties.visitor.srtpProfile, null, 'not keyed yet');
    assert.deepStrictEqual(all[2].parties, { visitor: null, agent: null });
    assert.strictEqual(new Date(all[3].startedAt).toISOString(), all[3].startedAt);
  });

  it('media.getStats() keeps a call that ends after its visit and leaves it out once ended; an idle server resolves with []', async () => {
    const media = server();
    assert.deepStrictEqual(await media.getStats(), []);
    const calls = ['a', 'b', 'c'].map((id) => media.createCall({ id }));
    await Promise.all(calls.map((c) => c.ready));
    await calls[1].offer('visitor');
    const during = media.getStats(); // posted before the end: the core reads 'b' before ending it
    const ending = calls[1].end();
    const [stats, summary] = await Promise.all([during, ending]);
    assert.deepStrictEqual(stats.map((s) => s.id), ['a', 'b', 'c']);
    assert.strictEqual(stats[1].parties.visitor.state, 'new', 'read before the end');
    assert.strictEqual(summary.parties.visitor.state, 'closed');
    assert.deepStrictEqual((await media.getStats()).map((s) => s.id), ['a', 'c']);
    await calls[0].end();
    assert.deepStrictEqual((await media.getStats()).map((s) => s.id), ['c']);
  });

  it('media.getStats() reports a call the core has not created yet (ICE server names resolving) without legs', async () => {
    const media = server({ iceServers: 'stun:localhost:3478' });
    const call = media.createCall({ id: 'early' });
    const stats = await media.getStats(); // posted before the call's creation, which waits for the name
    assert.deepStrictEqual(stats.map((s) => s.parties), [{ visitor: null, agent: null }]);
    assert.strictEqual(stats[0].id, 'early');
    await call.ready;
    assert.deepStrictEqual((await media.getStats()).map((s) => s.id), ['early']);
  });

  it('media.getStats() on a closed MediaServer rejects with ERR_SERVER_CLOSED; commandsRun stays readable', async () => {
    const media = server();
    const call = media.createCall({ id: 'x' });
    await call.ready;
    await media.close();
    const runs = media.commandsRun;
    assert.ok(runs >= 2, `callCreate and callEnd ran: ${runs}`);
    await rejectsWith(media.getStats(), 'ERR_SERVER_CLOSED');
    await assert.rejects(media.getStats(), /media\.getStats\(\): the media server is closed/);
    assert.strictEqual(media.commandsRun, runs);
  });

  it('a host name in iceServers is resolved before the first command of a call (localhost, from /etc/hosts)', async () => {
    const warnings = [];
    const media = server({ iceServers: 'stun:localhost:3478, u:p@turn:localhost:3478?transport=tcp' });
    media.on('warning', (err) => warnings.push(err.message));
    assert.deepStrictEqual(media.iceServers, [
      { urls: 'stun:localhost:3478' },
      { urls: 'turn:localhost:3478?transport=tcp', username: 'u', credential: 'p' },
    ]);
    const call = media.createCall({ id: 'dns' });
    const summary = await call.end();
    assert.strictEqual(summary.id, 'dns');
    await media.setIceServers([{ urls: 'stun:127.0.0.1:3478' }]);
    assert.deepStrictEqual(media.iceServers, [{ urls: 'stun:127.0.0.1:3478' }]);
    assert.deepStrictEqual(warnings, []);
  });

  it("two MediaServers connect a leg over loopback: offer, answer, acceptAnswer, trickle; both report 'connected' and getStats() shows the pair", async function () {
    this.timeout(30000);
    const a = server({ ports: { min: 46000, max: 46499 } });
    const b = server({ ports: { min: 46500, max: 46999 } });
    const ca = a.createCall({ id: 'loop' });
    const cb = b.createCall({ id: 'loop' });
    // Each side's candidates go to the other, as a signalling channel would carry them.
    ca.on('candidate', (party, c) => cb.addCandidate('visitor', c).catch(() => {}));
    cb.on('candidate', (party, c) => ca.addCandidate('agent', c).catch(() => {}));
    const connected = (call, party) => new Promise((resolve, reject) => {
      call.on('state', (p, state, error) => {
        if (p === party && state === 'connected') resolve();
        if (p === party && state === 'failed') reject(error || new Error('failed'));
      });
    });
    const both = Promise.all([connected(ca, 'agent'), connected(cb, 'visitor')]);
    const offer = await ca.offer('agent');
    assert.ok(offer.includes(`a=fingerprint:sha-256 ${a.fingerprint}`));
    const answer = await cb.answer('visitor', offer);
    assert.ok(answer.includes(`a=fingerprint:sha-256 ${b.fingerprint}`));
    await ca.acceptAnswer('agent', answer);
    await both;
    assert.strictEqual(ca.states.agent, 'connected');
    const leg = (await ca.getStats()).parties.agent;
    assert.strictEqual(leg.state, 'connected');
    assert.strictEqual(new Date(leg.connectedAt).toISOString(), leg.connectedAt);
    assert.strictEqual(leg.selectedCandidatePair.local.address, '127.0.0.1');
    assert.strictEqual(leg.selectedCandidatePair.remote.address, '127.0.0.1');
    assert.match(String(leg.srtpProfile), /AES/);
    const [every] = await a.getStats();
    assert.deepStrictEqual(every.parties.agent.selectedCandidatePair, leg.selectedCandidatePair, 'media.getStats() shows the same pair');
    assert.deepStrictEqual([every.parties.agent.state, every.parties.agent.srtpProfile, every.parties.agent.dtlsRole], [leg.state, leg.srtpProfile, leg.dtlsRole]);
    assert.strictEqual((await ca.getStats()).parties.visitor, null, 'the other party has no leg yet');
    await ca.end();
    await cb.end();
  });

  it("call.answer() with Chromium's offers (test/fixtures/sdp) returns answers holding the server's fingerprint", async function () {
    const offers = browserOffers('chromium');
    assert.ok(offers.length >= 2, 'Chromium offer fixtures are missing');
    await answerEach(server(), offers);
  });

  it("call.answer() with Firefox's offers (test/fixtures/sdp) returns answers holding the server's fingerprint", async function () {
    const offers = browserOffers('firefox');
    assert.ok(offers.length >= 2, 'Firefox offer fixtures are missing');
    await answerEach(server(), offers);
  });

  describe('Node exits by itself', () => {
    it('a child process that creates a MediaServer and a call, ends it and closes exits by itself', () => {
      const r = runChild(`
        const { MediaServer } = require(${JSON.stringify(INDEX)});
        (async () => {
          const media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
          const call = media.createCall({ id: 'child' });
          await call.end();
          await media.close();
          console.log('done');
        })();
      `);
      assert.strictEqual(r.signal, null, `killed after ${r.ms} ms: something keeps Node alive\n${r.stderr}`);
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /done/);
    });

    it('a child process with an idle MediaServer that is never closed exits by itself', () => {
      const r = runChild(`
        const { MediaServer } = require(${JSON.stringify(INDEX)});
        const media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
        const call = media.createCall({ id: 'x' });
        call.end().then(() => console.log('idle'));
      `);
      assert.strictEqual(r.signal, null, `killed after ${r.ms} ms: an idle server keeps Node alive\n${r.stderr}`);
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /idle/);
    });

    it('a throwing listener does not stop the drain: it is rethrown as an uncaught exception and end() still resolves', () => {
      const r = runChild(`
        const { MediaServer } = require(${JSON.stringify(INDEX)});
        const seen = [];
        process.on('uncaughtException', (err) => seen.push(err.message));
        (async () => {
          const media = new MediaServer({ listenAddresses: ['127.0.0.1'] });
          const a = media.createCall({ id: 'a' });
          const b = media.createCall({ id: 'b' });
          a.on('end', () => { throw new Error('listener boom'); });
          let bEnded = false;
          b.on('end', () => { bEnded = true; });
          await media.close();
          await new Promise((r) => setImmediate(r));
          console.log(JSON.stringify({ seen, aEnded: a.ended, bEnded }));
        })();
      `);
      assert.strictEqual(r.status, 0, r.stderr);
      assert.deepStrictEqual(JSON.parse(r.stdout.trim().split('\n').pop()), { seen: ['listener boom'], aEnded: true, bEnded: true });
    });
  });
});
