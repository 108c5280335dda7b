'use strict';

const assert = require('assert');
const { createMetrics, sumCallStats } = require('../../../js/service/ops/metrics');
const { createIpLimiter, normalizeIp } = require('../../../js/service/signalling/ip-limits');

/** The sample lines of a text exposition as { 'name{labels}': number }. */
function samples(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+) (\S+)$/.exec(line);
    assert.ok(m, `malformed sample line: ${line}`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

function leg({ packetsIn = 0, bytesIn = 0, packetsOut = 0, bytesOut = 0, video = null, srtpErrors = 0 } = {}) {
  return {
    state: 'connected',
    audio: { mid: '0', payloadType: 111, packetsIn, bytesIn, packetsOut, bytesOut },
    video,
    srtpErrors,
  };
}

describe('metrics: createMetrics', function () {
  it('renders every lcc_ metric with HELP and TYPE, counters with their labels', async function () {
    const m = createMetrics({ processMetrics: false });
    m.callsStarted.inc();
    m.callsStarted.inc();
    m.callsEnded.inc({ reason: 'declined' });
    m.fallbacks.inc({ reason: 'ice-failed' });
    m.signallingConnections.inc(3);
    m.authFailures.inc({ kind: 'ws' });
    m.errors.inc({ kind: 'internal' });
    const text = await m.render();
    const s = samples(text);
    assert.strictEqual(s.lcc_calls_started_total, 2);
    assert.strictEqual(s['lcc_calls_ended_total{reason="declined"}'], 1);
    assert.strictEqual(s['lcc_calls_ended_total{reason="ended"}'], 0, 'known reasons start at 0');
    assert.strictEqual(s['lcc_calls_ended_total{reason="service-closed"}'], 0);
    assert.strictEqual(s['lcc_fallbacks_total{reason="ice-failed"}'], 1);
    assert.strictEqual(s.lcc_signalling_connections_total, 3);
    assert.strictEqual(s['lcc_auth_failures_total{kind="ws"}'], 1);
    assert.strictEqual(s['lcc_auth_failures_total{kind="api"}'], 0);
    assert.strictEqual(s['lcc_errors_total{kind="internal"}'], 1);
    for (const name of ['lcc_calls_started_total', 'lcc_calls_ended_total', 'lcc_fallbacks_total',
      'lcc_signalling_connections_total', 'lcc_auth_failures_total', 'lcc_errors_total']) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'), `HELP of ${name}`);
      assert.match(text, new RegExp(`^# TYPE ${name} counter$`, 'm'), `TYPE of ${name}`);
    }
    for (const name of Object.keys(s)) assert.match(name, /^lcc_/, `unprefixed metric ${name}`);
    assert.strictEqual(m.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  });

  it('sets the scrape-time gauges from collect(), called once per render()', async function () {
    let calls = 0;
    let active = 1;
    const m = createMetrics({
      processMetrics: false,
      collect: async () => {
        calls++;
        return {
          callsByState: { created: 2, active, ended: 7 },
          callsByPath: { p2p: 1, relay: active - 1 },
          legs: 4,
          sessions: 3,
          media: { packetsIn: 100, packetsOut: 90, bytesIn: 12000, bytesOut: 11000, srtpErrors: 1 },
          recordingsActive: 1,
          mediaCommands: 40 + calls,
          iceTcpShut: 12,
        };
      },
    });
    let s = samples(await m.render());
    assert.strictEqual(calls, 1);
    assert.strictEqual(s['lcc_calls{state="created"}'], 2);
    assert.strictEqual(s['lcc_calls{state="active"}'], 1);
    assert.strictEqual(s['lcc_calls{state="ended"}'], 7);
    assert.strictEqual(s['lcc_calls_by_path{path="p2p"}'], 1);
    assert.strictEqual(s['lcc_calls_by_path{path="relay"}'], 0);
    assert.strictEqual(s['lcc_calls_by_path{path="none"}'], 0, 'known paths are always there');
    assert.strictEqual(s.lcc_media_legs, 4);
    assert.strictEqual(s.lcc_signalling_sessions, 3);
    assert.strictEqual(s['lcc_media_packets{direction="in"}'], 100);
    assert.strictEqual(s['lcc_media_packets{direction="out"}'], 90);
    assert.strictEqual(s['lcc_media_bytes{direction="in"}'], 12000);
    assert.strictEqual(s['lcc_media_bytes{direction="out"}'], 11000);
    assert.strictEqual(s.lcc_media_srtp_errors, 1);
    assert.strictEqual(s.lcc_recordings_active, 1);
    assert.strictEqual(s.lcc_media_commands_total, 41, "the MediaServer's count, copied");
    assert.strictEqual(s.lcc_ice_tcp_unchecked_shut_total, 12);
    assert.strictEqual(s.lcc_metrics_collect_success, 1);
    active = 3;
    const text = await m.render();
    s = samples(text);
    assert.strictEqual(calls, 2);
    assert.strictEqual(s.lcc_media_commands_total, 42, 'the next scrape copies the new count (not a sum)');
    assert.match(text, /^# TYPE lcc_media_commands_total counter$/m);
    assert.strictEqual(s['lcc_calls{state="active"}'], 3);
    assert.strictEqual(s['lcc_calls_by_path{path="relay"}'], 2);
  });

  it('fields missing from the snapshot read as 0', async function () {
    const s = samples(await createMetrics({ processMetrics: false, collect: () => ({}) }).render());
    assert.strictEqual(s['lcc_calls{state="active"}'], 0);
    assert.strictEqual(s.lcc_media_legs, 0);
    assert.strictEqual(s['lcc_media_bytes{direction="out"}'], 0);
  });

  it('a failing or malformed collect() leaves the gauges out, counts an error and still renders', async function () {
    let mode = 'throw';
    const m = createMetrics({
      processMetrics: false,
      collect: () => {
        if (mode === 'throw') throw new Error('store unavailable');
        if (mode === 'reject') return Promise.reject(new Error('nope'));
        if (mode === 'bad') return { legs: -1 };
        return { legs: 2 };
      },
    });
    m.callsStarted.inc();
    let s = samples(await m.render());
    assert.strictEqual(s.lcc_metrics_collect_success, 0);
    assert.strictEqual(s['lcc_errors_total{kind="metrics-collect"}'], 1);
    assert.strictEqual(s.lcc_calls_started_total, 1, 'counters are still there');
    assert.strictEqual(s.lcc_media_legs, undefined, 'no made-up zero');
    assert.match(m.lastCollectError.message, /store unavailable/);
    mode = 'reject';
    s = samples(await m.render());
    assert.strictEqual(s['lcc_errors_total{kind="metrics-collect"}'], 2);
    mode = 'bad';
    s = samples(await m.render());
    assert.strictEqual(s['lcc_errors_total{kind="metrics-collect"}'], 3);
    assert.match(m.lastCollectError.message, /legs must be a non-negative number/);
    mode = 'ok';
    s = samples(await m.render());
    assert.strictEqual(s.lcc_metrics_collect_success, 1);
    assert.strictEqual(s.lcc_media_legs, 2);
    assert.strictEqual(m.lastCollectError, null);
  });

  it('exports Node process metrics only with the lcc_ prefix, and not when disabled', async function () {
    const withProcess = await createMetrics().render();
    assert.match(withProcess, /^lcc_process_cpu_seconds_total /m);
    assert.match(withProcess, /^lcc_nodejs_eventloop_lag_seconds /m);
    for (const s of Object.keys(samples(withProcess))) assert.match(s, /^lcc_/);
    const without = await createMetrics({ processMetrics: false }).render();
    assert.doesNotMatch(without, /process_cpu|nodejs_/);
  });

  it('instances do not share values (a registry each, not the global one)', async function () {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.callsStarted.inc(5);
    assert.strictEqual(samples(await b.render()).lcc_calls_started_total, 0);
    assert.strictEqual(samples(await a.registry.metrics()).lcc_calls_started_total, 5);
  });

  it('observeRecording() and observeCallSummary() feed the lifetime counters', async function () {
    const m = createMetrics({ processMetrics: false });
    m.observeRecording({ complete: true, files: [{ name: 'visitor.opus', bytes: 1000 }, { name: 'agent.opus', bytes: 500 }] });
    m.observeRecording({ complete: false, error: 'disk full', files: [] });
    m.observeCallSummary({ id: 'c', parties: { visitor: leg({ packetsIn: 10, bytesIn: 1000, packetsOut: 9, bytesOut: 900 }), agent: null } });
    const s = samples(await m.render());
    assert.strictEqual(s['lcc_recordings_finished_total{result="complete"}'], 1);
    assert.strictEqual(s['lcc_recordings_finished_total{result="failed"}'], 1);
    assert.strictEqual(s.lcc_recording_written_bytes_total, 1500);
    assert.strictEqual(s['lcc_media_ended_calls_packets_total{direction="in"}'], 10);
    assert.strictEqual(s['lcc_media_ended_calls_bytes_total{direction="out"}'], 900);
  });

  it('refuses a collect that is not a function', function () {
    assert.throws(() => createMetrics({ collect: 42 }), /collect must be a function/);
  });
});

describe('metrics: sumCallStats', function () {
  it('sums packets, bytes, legs and SRTP errors over calls, parties, audio and video', function () {
    const video = { mid: '1', payloadType: 96, packetsIn: 1000, bytesIn: 900000, packetsOut: 990, bytesOut: 890000 };
    const sum = sumCallStats([
      { id: 'a', parties: { visitor: leg({ packetsIn: 50, bytesIn: 5000, packetsOut: 40, bytesOut: 4000, video }), agent: leg({ packetsIn: 1, bytesIn: 100, srtpErrors: 2 }) } },
      { id: 'b', parties: { visitor: null, agent: leg({ packetsOut: 7, bytesOut: 700 }) } },
      null, // ended while being read
    ]);
    assert.deepStrictEqual(sum, {
      legs: 3,
      packetsIn: 50 + 1000 + 1,
      packetsOut: 40 + 990 + 7,
      bytesIn: 5000 + 900000 + 100,
      bytesOut: 4000 + 890000 + 700,
      srtpErrors: 2,
    });
    assert.deepStrictEqual(sumCallStats([]), { legs: 0, packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, srtpErrors: 0 });
  });

  it('its result fits collect() directly', async function () {
    const stats = [{ parties: { visitor: leg({ packetsIn: 3, bytesIn: 300 }), agent: null } }];
    const m = createMetrics({ processMetrics: false, collect: () => { const media = sumCallStats(stats); return { legs: media.legs, media }; } });
    const s = samples(await m.render());
    assert.strictEqual(s.lcc_media_legs, 1);
    assert.strictEqual(s['lcc_media_bytes{direction="in"}'], 300);
  });
});

describe('ip-limits: createIpLimiter', function () {
  it('counts connections per IP and refuses past max', function () {
    const l = createIpLimiter({ max: 2 });
    assert.strictEqual(l.acquire('10.0.0.1'), true);
    assert.strictEqual(l.acquire('10.0.0.1'), true);
    assert.strictEqual(l.acquire('10.0.0.1'), false);
    assert.strictEqual(l.count('10.0.0.1'), 2, 'a refused acquire counts nothing');
    assert.strictEqual(l.acquire('10.0.0.2'), true, 'other addresses are not affected');
    assert.strictEqual(l.count('10.0.0.2'), 1);
    assert.strictEqual(l.count('10.0.0.3'), 0);
    assert.strictEqual(l.size, 2);
    assert.strictEqual(l.total, 3);
  });

  it('release frees a slot, forgets idle addresses and ignores extra releases', function () {
    const l = createIpLimiter({ max: 1 });
    assert.ok(l.acquire('192.0.2.7'));
    assert.ok(!l.acquire('192.0.2.7'));
    l.release('192.0.2.7');
    assert.strictEqual(l.count('192.0.2.7'), 0);
    assert.strictEqual(l.size, 0, 'no entry kept for an idle address');
    l.release('192.0.2.7');
    l.release('198.51.100.1');
    assert.strictEqual(l.count('192.0.2.7'), 0);
    assert.strictEqual(l.total, 0);
    assert.ok(l.acquire('192.0.2.7'));
  });

  it('counts IPv4-mapped IPv6 as the IPv4 address', function () {
    const l = createIpLimiter({ max: 2 });
    assert.ok(l.acquire('::ffff:1.2.3.4'));
    assert.ok(l.acquire('1.2.3.4'));
    assert.ok(!l.acquire('::FFFF:1.2.3.4'));
    assert.strictEqual(l.count('1.2.3.4'), 2);
    assert.strictEqual(l.count('::ffff:1.2.3.4'), 2);
    l.release('::ffff:1.2.3.4');
    assert.strictEqual(l.count('1.2.3.4'), 1);
  });

  it('normalises addresses', function () {
    assert.strictEqual(normalizeIp('::ffff:1.2.3.4'), '1.2.3.4');
    assert.strictEqual(normalizeIp('0:0:0:0:0:ffff:1.2.3.4'), '1.2.3.4');
    assert.strictEqual(normalizeIp('[::FFFF:10.0.0.1]'), '10.0.0.1');
    assert.strictEqual(normalizeIp('2001:DB8::1'), '2001:db8::1');
    assert.strictEqual(normalizeIp('::1'), '::1');
    assert.strictEqual(normalizeIp('::ffff:999.1.1.1'), '::ffff:999.1.1.1', 'not an IPv4 address: left alone');
    assert.strictEqual(normalizeIp('::ffff:0102:0304'), '1.2.3.4', 'mapped, in hex');
    assert.strictEqual(normalizeIp('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1', 'zeros compressed');
    assert.strictEqual(normalizeIp('2001:db8:0::1'), '2001:db8::1');
    assert.strictEqual(normalizeIp('1.2.3.4:5678'), '1.2.3.4', 'a port dropped');
    assert.strictEqual(normalizeIp('[2001:db8::1]:443'), '2001:db8::1');
    assert.strictEqual(normalizeIp(undefined), 'unknown');
    assert.strictEqual(normalizeIp(''), 'unknown');
  });

  it('validates max', function () {
    for (const max of [0, -1, 1.5, '3', undefined, null]) {
      assert.throws(() => createIpLimiter({ max }), (e) => e.code === 'ERR_INVALID_OPTION' && /max must be an integer >= 1/.test(e.message));
    }
    assert.throws(() => createIpLimiter(), /max must be/);
  });
});
