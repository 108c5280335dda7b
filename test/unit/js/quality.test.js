'use strict';
// Call quality: the E-model MOS estimate (js/common/quality.js) against values
// worked out by hand from its formulas, the levels, the check of the reports
// browsers send, and the per-party summary the service builds from the
// server's counters (js/service/sessions/session-quality.js).

const assert = require('assert');
const q = require('../../../js/common/quality');
const { decodeMessage } = require('../../../js/service/signalling/messages');
const { SessionQuality } = require('../../../js/service/sessions/session-quality');

const near = (actual, expected, tolerance, what) => assert.ok(Math.abs(actual - expected) <= tolerance,
  `${what}: ${actual} is not within ${tolerance} of ${expected}`);

const GOOD_REPORT = {
  packetsSent: 500, packetsReceived: 490, packetsLost: 10, jitterMs: { mean: 2.5, p95: 6 }, rttMs: { mean: 40, p95: 55 },
};

describe('call quality: the E-model (js/common/quality.js)', function () {
  it('mosFromR follows G.107 Annex B: 1 at R <= 0, 4.5 at R >= 100, 4.399 at R = 92.7, 4.02 at R = 80, 3.60 at R = 70', function () {
    assert.strictEqual(q.mosFromR(-5), 1);
    assert.strictEqual(q.mosFromR(0), 1);
    assert.strictEqual(q.mosFromR(100), 4.5);
    assert.strictEqual(q.mosFromR(120), 4.5);
    // 1 + 0.035*92.7 + 92.7*32.7*7.3*7e-6 = 1 + 3.2445 + 0.1549
    near(q.mosFromR(92.7), 4.3994, 1e-4, 'R 92.7');
    near(q.mosFromR(80), 4.024, 1e-9, 'R 80');
    near(q.mosFromR(70), 3.597, 1e-9, 'R 70');
  });

  it('Id is 0.024 d below 177.3 ms and gains 0.11 per ms above (Cole & Rosenbluth)', function () {
    near(q.delayImpairment(100), 2.4, 1e-9, 'Id(100)');
    near(q.delayImpairment(177.3), 4.2552, 1e-9, 'Id(177.3)');
    near(q.delayImpairment(277.3), 0.024 * 277.3 + 11, 1e-9, 'Id(277.3)');
  });

  it('Ie,eff for Opus (Ie 0, Bpl 25.1): 0 at no loss, 95*5/30.1 at 5 %, 95*10/35.1 at 10 %', function () {
    assert.strictEqual(q.lossImpairment(0), 0);
    near(q.lossImpairment(5), (95 * 5) / 30.1, 1e-9, 'Ie,eff(5 %)');
    near(q.lossImpairment(10), (95 * 10) / 35.1, 1e-9, 'Ie,eff(10 %)');
  });

  it('0 % loss and 20 ms of delay give MOS 4.40 (R = 93.2 - 0.48)', function () {
    near(q.mosFromR(q.rFactor({ delayMs: 20, lossPct: 0 })), 4.40, 0.005, 'MOS');
  });

  it('a clean call on a LAN (RTT 1 ms, jitter 1 ms) is about 4.4 and good; 5 % loss is clearly lower and fair; 10 % is poor', function () {
    const clean = q.estimateMos({ lossPct: 0, rttMs: 1, jitterMs: 1 });
    const lossy = q.estimateMos({ lossPct: 5, rttMs: 1, jitterMs: 1 });
    const bad = q.estimateMos({ lossPct: 10, rttMs: 1, jitterMs: 1 });
    near(clean, 4.40, 0.01, 'clean');
    near(lossy, 3.89, 0.01, '5 %');
    assert.ok(clean - lossy > 0.4, `${clean} vs ${lossy}`);
    assert.deepStrictEqual([q.qualityLevel(clean), q.qualityLevel(lossy), q.qualityLevel(bad)], ['good', 'fair', 'poor']);
  });

  it('the MOS never rises with more loss, more RTT or more jitter', function () {
    let previous = Infinity;
    for (let loss = 0; loss <= 50; loss += 0.5) {
      const mos = q.estimateMos({ lossPct: loss, rttMs: 50, jitterMs: 5 });
      assert.ok(mos <= previous, `loss ${loss}: ${mos} > ${previous}`);
      previous = mos;
    }
    previous = Infinity;
    for (let rtt = 0; rtt <= 1500; rtt += 25) {
      const mos = q.estimateMos({ lossPct: 1, rttMs: rtt, jitterMs: 5 });
      assert.ok(mos <= previous, `rtt ${rtt}: ${mos} > ${previous}`);
      previous = mos;
    }
    previous = Infinity;
    for (let jitter = 0; jitter <= 300; jitter += 10) {
      const mos = q.estimateMos({ lossPct: 1, rttMs: 50, jitterMs: jitter });
      assert.ok(mos <= previous, `jitter ${jitter}: ${mos} > ${previous}`);
      previous = mos;
    }
    assert.ok(q.estimateMos({ lossPct: 100, rttMs: 5000, jitterMs: 1000 }) >= 1);
  });

  it('levels: good from MOS 4.02 (R 80), fair from 3.60 (R 70), poor below', function () {
    assert.strictEqual(q.qualityLevel(4.5), 'good');
    assert.strictEqual(q.qualityLevel(4.02), 'good');
    assert.strictEqual(q.qualityLevel(4.01), 'fair');
    assert.strictEqual(q.qualityLevel(3.6), 'fair');
    assert.strictEqual(q.qualityLevel(3.59), 'poor');
    assert.strictEqual(q.qualityLevel(1), 'poor');
  });

  it('distribution gives the mean and the nearest-rank 95th percentile; null without samples', function () {
    assert.strictEqual(q.distribution([]), null);
    assert.deepStrictEqual(q.distribution([5]), { mean: 5, p95: 5 });
    const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    assert.deepStrictEqual(q.distribution(xs), { mean: 50.5, p95: 95 });
  });

  it('partySummary has the documented shape and its MOS follows the loss', function () {
    const s = q.partySummary({ packetsSent: 1000, packetsReceived: 950, packetsLost: 50, jitterMs: { mean: 2, p95: 4 }, rttMs: { mean: 10, p95: 12 }, source: 'server' });
    assert.deepStrictEqual(Object.keys(s), ['packetsSent', 'packetsReceived', 'packetsLost', 'lossPct', 'jitterMs', 'rttMs', 'mos', 'source']);
    assert.strictEqual(s.lossPct, 5);
    assert.strictEqual(s.mos, q.estimateMos({ lossPct: 5, rttMs: 10, jitterMs: 2 }));
  });

  it('qualityText says a short per-party line, and nothing without figures', function () {
    const visitor = q.partySummary({ packetsSent: 1000, packetsReceived: 998, packetsLost: 2, jitterMs: null, rttMs: null, source: 'server' });
    const agent = q.partySummary({ packetsSent: 1000, packetsReceived: 1000, packetsLost: 0, jitterMs: null, rttMs: null, source: 'server' });
    assert.strictEqual(q.qualityText({ visitor, agent }), `Quality: visitor MOS ${visitor.mos.toFixed(1)} (0.2 % loss), agent MOS 4.4 (0 % loss).`);
    assert.strictEqual(q.qualityText(null), '');
    assert.strictEqual(q.qualityText({ visitor: null, agent: null }), '');
  });

  it('cleanQuality keeps the known fields of a summary and drops anything else or malformed', function () {
    const agent = q.partySummary({ packetsSent: 10, packetsReceived: 10, packetsLost: 0, jitterMs: { mean: 1, p95: 2 }, rttMs: null, source: 'client' });
    const dirty = { visitor: { ...agent, extra: 'x'.repeat(1000) }, agent: { ...agent, mos: 'great' }, more: 1 };
    const clean = q.cleanQuality(dirty);
    assert.deepStrictEqual(clean, { visitor: agent, agent: null });
    assert.strictEqual(q.cleanQuality({ visitor: { mos: 4 } }), null);
    assert.strictEqual(q.cleanQuality('quality'), null);
  });
});

describe('call quality: the browsers\' reports (signalling `quality`)', function () {
  const decode = (m) => decodeMessage(Buffer.from(JSON.stringify(m)), false);

  it('a report with the documented fields is accepted; rttMs and jitterMs may be null', function () {
    assert.deepStrictEqual(decode({ type: 'quality', report: GOOD_REPORT }).message.report, GOOD_REPORT);
    assert.ok(decode({ type: 'quality', report: { ...GOOD_REPORT, jitterMs: null, rttMs: null } }).message);
  });

  const refusals = [
    ['no report', {}, /report must be an object/],
    ['an array', { report: [] }, /report must be an object/],
    ['an unknown field', { report: { ...GOOD_REPORT, note: 'hi' } }, /unknown report field 'note'/],
    ['a string count', { report: { ...GOOD_REPORT, packetsSent: '5' } }, /packetsSent must be an integer/],
    ['a negative count', { report: { ...GOOD_REPORT, packetsLost: -1 } }, /packetsLost must be an integer/],
    ['a fractional count', { report: { ...GOOD_REPORT, packetsReceived: 1.5 } }, /packetsReceived must be an integer/],
    ['a huge count', { report: { ...GOOD_REPORT, packetsReceived: 1e12 } }, /packetsReceived must be an integer 0–1000000000/],
    ['a missing count', { report: { ...GOOD_REPORT, packetsSent: undefined } }, /packetsSent must be an integer/],
    ['jitter as a number', { report: { ...GOOD_REPORT, jitterMs: 3 } }, /jitterMs must be \{mean, p95\} or null/],
    ['jitter with an extra key', { report: { ...GOOD_REPORT, jitterMs: { mean: 1, p95: 2, max: 3 } } }, /jitterMs must have exactly mean and p95/],
    ['a negative RTT', { report: { ...GOOD_REPORT, rttMs: { mean: -1, p95: 2 } } }, /rttMs.mean must be a number of ms 0–60000/],
    ['an RTT past a minute', { report: { ...GOOD_REPORT, rttMs: { mean: 1, p95: 60001 } } }, /rttMs.p95 must be a number of ms/],
  ];
  for (const [what, fields, message] of refusals) {
    it(`a report with ${what} is refused (ERR_INVALID_MESSAGE)`, function () {
      const decoded = decode({ type: 'quality', ...fields });
      assert.strictEqual(decoded.error && decoded.error.code, 'ERR_INVALID_MESSAGE', JSON.stringify(decoded));
      assert.match(decoded.error.message, message);
    });
  }

  it('NaN and Infinity cannot arrive (JSON has neither): they decode to null and are refused', function () {
    const decoded = decodeMessage(Buffer.from(JSON.stringify({ type: 'quality', report: { ...GOOD_REPORT, rttMs: { mean: NaN, p95: Infinity } } })), false);
    assert.strictEqual(decoded.error.code, 'ERR_INVALID_MESSAGE');
  });
});

describe('call quality: the record\'s summary (js/service/sessions/session-quality.js)', function () {
  const warnings = [];
  const leg = (audio, rttMs = 4) => ({ state: 'connected', rttMs, audio: { rttMs, ...audio } });

  it('a relayed call: per party, what it sent, what reached it, the loss on both legs towards it, jitter and RTT samples, source server', async function () {
    const quality = new SessionQuality({ warn: (e) => warnings.push(e) });
    let n = 0;
    quality.watchRelay(() => {
      n++;
      return {
        parties: {
          visitor: leg({ packetsIn: 100 * n, packetsLost: 0, packetsOut: 90 * n, remotePacketsLost: 10 * n, remoteJitterMs: n }, 2),
          agent: leg({ packetsIn: 100 * n, packetsLost: 5 * n, packetsOut: 95 * n, remotePacketsLost: 0, remoteJitterMs: 1 }, 6),
        },
      };
    });
    await quality.sample();
    await quality.sample();
    await quality.sample();
    // The end summary: visitor sent 500 (+0 lost before the server), agent sent 500 (+25 lost before the server).
    const summary = quality.summary({
      parties: {
        visitor: { state: 'closed', rttMs: 2, audio: { packetsIn: 500, packetsLost: 0, packetsOut: 475, remotePacketsLost: 40, remoteJitterMs: 4, rttMs: 2 } },
        agent: { state: 'closed', rttMs: 6, audio: { packetsIn: 475, packetsLost: 25, packetsOut: 500, remotePacketsLost: 0, remoteJitterMs: 1, rttMs: 6 } },
      },
    });
    // Visitor: 40 lost towards it, 25 of them before the server: 475 - 15 reached it.
    assert.deepStrictEqual(summary.visitor, {
      packetsSent: 500, packetsReceived: 460, packetsLost: 40, lossPct: 8, jitterMs: { mean: 2.5, p95: 4 }, rttMs: { mean: 2, p95: 2 },
      mos: q.estimateMos({ lossPct: 8, rttMs: 8, jitterMs: 2.5 }), source: 'server',
    });
    assert.deepStrictEqual(summary.agent, {
      packetsSent: 500, packetsReceived: 500, packetsLost: 0, lossPct: 0, jitterMs: { mean: 1, p95: 1 }, rttMs: { mean: 6, p95: 6 },
      mos: q.estimateMos({ lossPct: 0, rttMs: 8, jitterMs: 1 }), source: 'server',
    });
    assert.deepStrictEqual(warnings, []);
  });

  it('loss after the last receiver report is counted at that report\'s share (reports come every few seconds)', async function () {
    const quality = new SessionQuality({ warn: (e) => warnings.push(e) });
    const rr = { remotePacketsLost: 20, remoteFractionLost: 0.1, remoteJitterMs: 3 };
    quality.watchRelay(() => ({
      parties: {
        visitor: leg({ packetsIn: 200, packetsLost: 0, packetsOut: 180, ...rr }),
        agent: leg({ packetsIn: 180, packetsLost: 0, packetsOut: 200, remotePacketsLost: 0, remoteFractionLost: 0, remoteJitterMs: 1 }),
      },
    }));
    await quality.sample(); // 20 of 180 lost towards the visitor
    const summary = quality.summary({
      parties: {
        visitor: { state: 'closed', rttMs: 4, audio: { packetsIn: 500, packetsLost: 0, packetsOut: 450, rttMs: 4, ...rr } },
        agent: { state: 'closed', rttMs: 4, audio: { packetsIn: 450, packetsLost: 0, packetsOut: 500, rttMs: 4, remotePacketsLost: 0, remoteFractionLost: 0, remoteJitterMs: 1 } },
      },
    });
    assert.strictEqual(summary.visitor.packetsLost, 50); // 450 * 20/180
    assert.strictEqual(summary.visitor.packetsReceived, 400);
    assert.strictEqual(summary.agent.packetsLost, 0);
  });

  it('a peer-to-peer call: each party\'s last report, source client; a party that sent none is null', function () {
    const quality = new SessionQuality({ warn: (e) => warnings.push(e) });
    quality.report('visitor', { ...GOOD_REPORT, packetsReceived: 1 });
    quality.report('visitor', GOOD_REPORT);
    const summary = quality.summary(null);
    assert.deepStrictEqual(summary.visitor, {
      packetsSent: 500, packetsReceived: 490, packetsLost: 10, lossPct: 2, jitterMs: { mean: 2.5, p95: 6 }, rttMs: { mean: 40, p95: 55 },
      mos: q.estimateMos({ lossPct: 2, rttMs: 40, jitterMs: 2.5 }), source: 'client',
    });
    assert.strictEqual(summary.agent, null);
    assert.strictEqual(new SessionQuality({ warn() {} }).summary(null), null, 'no figures at all: no quality');
  });

  it('a relay that never carried audio for a party falls back to that party\'s report', function () {
    const quality = new SessionQuality({ warn() {} });
    quality.report('agent', GOOD_REPORT);
    const summary = quality.summary({ parties: { visitor: null, agent: { state: 'failed', rttMs: null, audio: null } } });
    assert.strictEqual(summary.visitor, null);
    assert.strictEqual(summary.agent.source, 'client');
  });
});

describe('call quality: /client/quality.js, the model as an ES module for browsers', function () {
  const { createCallService } = require('../../../js/service/call-service');
  let service;
  let url;
  before(async () => {
    service = createCallService({ secret: 'quality-module-secret-0123456789', port: 0, media: { listenAddresses: ['127.0.0.1'] } });
    ({ url } = await service.listen());
  });
  after(() => service.close());

  it('GET /client/quality.js is an ES module (CORS open) exporting the very functions of js/common/quality.js', async () => {
    const res = await fetch(`${url}/client/quality.js`);
    assert.strictEqual(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/javascript/);
    assert.strictEqual(res.headers.get('access-control-allow-origin'), '*');
    const esm = await import(`data:text/javascript,${encodeURIComponent(await res.text())}`);
    assert.deepStrictEqual(Object.keys(esm).sort(), Object.keys(q).sort());
    for (const figures of [{ lossPct: 0, rttMs: 1, jitterMs: 1 }, { lossPct: 7.5, rttMs: 120, jitterMs: 9 }]) {
      assert.strictEqual(esm.estimateMos(figures), q.estimateMos(figures));
    }
    assert.strictEqual(esm.qualityLevel(3.7), 'fair');
  });

  it('HEAD gets the headers only; other methods get 405', async () => {
    const head = await fetch(`${url}/client/quality.js`, { method: 'HEAD' });
    assert.strictEqual(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 1000);
    assert.strictEqual((await fetch(`${url}/client/quality.js`, { method: 'POST' })).status, 405);
  });
});
