'use strict';
// Prometheus metrics for GET /metrics (text exposition format 0.0.4), built on
// prom-client with a registry of its own (never prom-client's global one).
//
// Two kinds of metric:
// - counters the service increments as things happen:
//     metrics.callsStarted.inc()
//     metrics.callsEnded.inc({ reason: 'ended' })
//     metrics.fallbacks.inc({ reason: 'ice-failed' })
//     metrics.signallingConnections.inc()
//     metrics.authFailures.inc({ kind: 'api' })          // 'api' | 'ws'
//     metrics.errors.inc({ kind: 'internal' })
//     metrics.recordingsFinished.inc({ result: 'complete' })  // or metrics.observeRecording(info)
// - gauges computed at scrape time from the `collect()` callback the service
//   passes: render() calls it once per scrape and sets every gauge from its answer.
//
// collect() returns (or resolves with) a snapshot; every field is optional:
//   {
//     callsByState: { created, active, ended },      // calls in the store by state
//     callsByPath:  { p2p, relay, none },            // open calls by media path ('none': not known yet)
//     legs: n,                                       // MediaServer legs (browser connections) open
//     sessions: n,                                   // signalling WebSocket sessions open
//     media: { packetsIn, packetsOut, bytesIn, bytesOut, srtpErrors },
//                                                    // summed over the live MediaServer calls: use
//                                                    // sumCallStats(await media.getStats()) (one media-thread visit)
//     recordingsActive: n,                           // recordings running now
//     mediaCommands: n,                              // media.commandsRun: commands the media thread has run
//     iceTcpShut: n,                                 // media.iceTcpConnectionsShut: ICE-TCP connections shut unchecked
//   }
// The media figures are gauges, not counters: they are the sums over the calls
// alive at scrape time (a call's bytes leave the sum when it ends). For totals
// over the service's life, the service can add each ended call's summary to
// metrics.mediaBytesTotal / mediaPacketsTotal (see observeCallSummary()).
//
// If collect() throws or rejects (or returns a malformed snapshot), render()
// still answers: the scrape-time gauges are left out of that scrape,
// lcc_metrics_collect_success is 0 and lcc_errors_total{kind="metrics-collect"}
// goes up; the error is in metrics.lastCollectError. Without collect(), the
// scrape-time gauges are never exported.

const client = require('prom-client');

const PREFIX = 'lcc_';
const CALL_STATES = ['created', 'active', 'ended'];
const CALL_PATHS = ['p2p', 'relay', 'none'];
const END_REASONS = ['ended', 'declined', 'missed', 'cancelled', 'service-closed'];
const AUTH_KINDS = ['api', 'ws'];
/** @type {Array<'in'|'out'>} */
const DIRECTIONS = ['in', 'out'];

function count(value, where) {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`metrics collect(): ${where} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

function plainObject(value, where) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`metrics collect(): ${where} must be an object`);
  return value;
}

/**
 * Sums MediaServer call statistics (media.getStats()'s array, call.getStats()
 * results, or call summaries) into the `media` and `legs` fields of a
 * collect() snapshot. null entries are skipped.
 * @param {Array<any>} statsList
 * @returns {{legs: number, packetsIn: number, packetsOut: number, bytesIn: number, bytesOut: number, srtpErrors: number}}
 */
function sumCallStats(statsList) {
  const sum = { legs: 0, packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, srtpErrors: 0 };
  for (const stats of statsList || []) {
    if (!stats || !stats.parties) continue;
    for (const leg of Object.values(stats.parties)) {
      if (!leg) continue;
      sum.legs++;
      sum.srtpErrors += Number(leg.srtpErrors) || 0;
      for (const kind of ['audio', 'video']) {
        const m = leg[kind];
        if (!m) continue;
        sum.packetsIn += Number(m.packetsIn) || 0;
        sum.packetsOut += Number(m.packetsOut) || 0;
        sum.bytesIn += Number(m.bytesIn) || 0;
        sum.bytesOut += Number(m.bytesOut) || 0;
      }
    }
  }
  return sum;
}

/**
 * Creates the service's metrics.
 * @param {object} [opts]
 * @param {() => object | Promise<object>} [opts.collect] the scrape-time snapshot (see the top of this file)
 * @param {boolean} [opts.processMetrics] also export prom-client's default Node process metrics,
 *   prefixed lcc_ (lcc_process_cpu_seconds_total, lcc_nodejs_eventloop_lag_seconds, ...); default true
 * @returns {{registry: import('prom-client').Registry, contentType: string, render: () => Promise<string>,
 *   callsStarted: import('prom-client').Counter, callsEnded: import('prom-client').Counter<'reason'>,
 *   fallbacks: import('prom-client').Counter<'reason'>, signallingConnections: import('prom-client').Counter,
 *   authFailures: import('prom-client').Counter<'kind'>, errors: import('prom-client').Counter<'kind'>,
 *   recordingsFinished: import('prom-client').Counter<'result'>, mediaPacketsTotal: import('prom-client').Counter<'direction'>,
 *   mediaBytesTotal: import('prom-client').Counter<'direction'>, recordingBytesTotal: import('prom-client').Counter,
 *   lastCollectError: Error|null,
 *   observeRecording: (info: any) => void, observeCallSummary: (summary: any) => void}}
 */
function createMetrics({ collect, processMetrics = true } = {}) {
  if (collect !== undefined && typeof collect !== 'function') throw new TypeError('createMetrics: collect must be a function');
  // Counters and process metrics live in `base`; the gauges set from collect() in
  // `scraped`, so a scrape whose collect() failed can leave them out entirely
  // rather than show zeros or stale values. `registry` holds both.
  const base = new client.Registry();
  const scraped = new client.Registry();
  let registers = [base];

  // Counters, fed by the service.
  const callsStarted = new client.Counter({
    name: `${PREFIX}calls_started_total`, help: 'Calls created through the control API.', registers,
  });
  const callsEnded = new client.Counter({
    name: `${PREFIX}calls_ended_total`, help: 'Calls ended, by end reason.', labelNames: ['reason'], registers,
  });
  const fallbacks = new client.Counter({
    name: `${PREFIX}fallbacks_total`, help: 'Calls moved from peer-to-peer to the server relay, by reason.',
    labelNames: ['reason'], registers,
  });
  const signallingConnections = new client.Counter({
    name: `${PREFIX}signalling_connections_total`, help: 'Parties joined on the signalling WebSocket (joins and rejoins).', registers,
  });
  const authFailures = new client.Counter({
    name: `${PREFIX}auth_failures_total`,
    help: 'Refused authentications: kind="api" control API signatures, kind="ws" signalling party tokens.',
    labelNames: ['kind'], registers,
  });
  const errors = new client.Counter({
    name: `${PREFIX}errors_total`, help: 'Internal errors, by kind.', labelNames: ['kind'], registers,
  });
  const recordingsFinished = new client.Counter({
    name: `${PREFIX}recordings_finished_total`, help: 'Recordings finished, by result (complete or failed).',
    labelNames: ['result'], registers,
  });
  const recordingBytesTotal = new client.Counter({
    name: `${PREFIX}recording_written_bytes_total`, help: 'Bytes of recording files finished by this process.', registers,
  });
  const mediaPacketsTotal = new client.Counter({
    name: `${PREFIX}media_ended_calls_packets_total`,
    help: 'RTP packets of calls that have ended, through the media server: direction="in" from browsers, "out" to browsers.',
    labelNames: ['direction'], registers,
  });
  const mediaBytesTotal = new client.Counter({
    name: `${PREFIX}media_ended_calls_bytes_total`,
    help: 'RTP bytes of calls that have ended, through the media server: direction="in" from browsers, "out" to browsers.',
    labelNames: ['direction'], registers,
  });
  // Known label values start at 0 so rate() and absent-series alerts work from the first scrape.
  for (const reason of END_REASONS) callsEnded.inc({ reason }, 0);
  for (const kind of AUTH_KINDS) authFailures.inc({ kind }, 0);
  for (const result of ['complete', 'failed']) recordingsFinished.inc({ result }, 0);
  for (const direction of DIRECTIONS) {
    mediaPacketsTotal.inc({ direction }, 0);
    mediaBytesTotal.inc({ direction }, 0);
  }

  // Gauges, set from collect() at each render().
  registers = [scraped];
  const calls = new client.Gauge({
    name: `${PREFIX}calls`, help: 'Calls in the call store, by state (created, active, ended).', labelNames: ['state'], registers,
  });
  const callsByPath = new client.Gauge({
    name: `${PREFIX}calls_by_path`, help: 'Open calls by media path: p2p, relay (through the media server), none (not known yet).',
    labelNames: ['path'], registers,
  });
  const legs = new client.Gauge({ name: `${PREFIX}media_legs`, help: 'Browser legs open in the media server.', registers });
  const sessions = new client.Gauge({
    name: `${PREFIX}signalling_sessions`, help: 'Calls with a live signalling session.', registers,
  });
  const mediaPackets = new client.Gauge({
    name: `${PREFIX}media_packets`,
    help: 'RTP packets through the media server for the calls live now: direction="in" from browsers, "out" to browsers.',
    labelNames: ['direction'], registers,
  });
  const mediaBytes = new client.Gauge({
    name: `${PREFIX}media_bytes`,
    help: 'RTP bytes through the media server for the calls live now: direction="in" from browsers, "out" to browsers.',
    labelNames: ['direction'], registers,
  });
  const srtpErrors = new client.Gauge({
    name: `${PREFIX}media_srtp_errors`, help: 'SRTP/SRTCP unprotect errors of the calls live now.', registers,
  });
  const recordingsActive = new client.Gauge({
    name: `${PREFIX}recordings_active`, help: 'Recordings running now.', registers,
  });
  // A counter the MediaServer keeps: each scrape copies its value.
  const mediaCommands = new client.Counter({
    name: `${PREFIX}media_commands_total`,
    help: 'Commands the media thread has run (each a visit from the JS thread: a call method, or one media.getStats() for every call).',
    registers,
  });
  const iceTcpShut = new client.Counter({
    name: `${PREFIX}ice_tcp_unchecked_shut_total`,
    help: 'ICE-TCP connections (LCC_ICE_TCP=1) shut for passing no ICE check in time, or beyond 8 per candidate.',
    registers,
  });
  const collectSuccess = new client.Gauge({
    name: `${PREFIX}metrics_collect_success`, help: '1 if this scrape could read the service state, else 0.', registers: [base],
  });

  if (processMetrics) client.collectDefaultMetrics({ register: base, prefix: PREFIX });
  const registry = client.Registry.merge([base, scraped]);

  function apply(snapshot) {
    const s = plainObject(snapshot, 'the snapshot');
    const byState = plainObject(s.callsByState, 'callsByState');
    const byPath = plainObject(s.callsByPath, 'callsByPath');
    const media = plainObject(s.media, 'media');
    // Read (and check) everything before setting anything: a bad snapshot sets nothing.
    const values = {
      states: [...new Set([...CALL_STATES, ...Object.keys(byState)])].map((state) => /** @type {[string, number]} */ ([state, count(byState[state], `callsByState.${state}`)])),
      paths: [...new Set([...CALL_PATHS, ...Object.keys(byPath)])].map((p) => /** @type {[string, number]} */ ([p, count(byPath[p], `callsByPath.${p}`)])),
      legs: count(s.legs, 'legs'),
      sessions: count(s.sessions, 'sessions'),
      packets: { in: count(media.packetsIn, 'media.packetsIn'), out: count(media.packetsOut, 'media.packetsOut') },
      bytes: { in: count(media.bytesIn, 'media.bytesIn'), out: count(media.bytesOut, 'media.bytesOut') },
      srtpErrors: count(media.srtpErrors, 'media.srtpErrors'),
      recordingsActive: count(s.recordingsActive, 'recordingsActive'),
      mediaCommands: count(s.mediaCommands, 'mediaCommands'),
      iceTcpShut: count(s.iceTcpShut, 'iceTcpShut'),
    };
    for (const [state, v] of values.states) calls.set({ state }, v);
    for (const [p, v] of values.paths) callsByPath.set({ path: p }, v);
    legs.set(values.legs);
    sessions.set(values.sessions);
    for (const d of DIRECTIONS) {
      mediaPackets.set({ direction: d }, values.packets[d]);
      mediaBytes.set({ direction: d }, values.bytes[d]);
    }
    srtpErrors.set(values.srtpErrors);
    recordingsActive.set(values.recordingsActive);
    mediaCommands.reset();
    mediaCommands.inc(values.mediaCommands);
    iceTcpShut.reset();
    iceTcpShut.inc(values.iceTcpShut);
  }

  let lastCollectError = null;

  return {
    registry,
    contentType: registry.contentType,
    callsStarted,
    callsEnded,
    fallbacks,
    signallingConnections,
    authFailures,
    errors,
    recordingsFinished,
    recordingBytesTotal,
    mediaPacketsTotal,
    mediaBytesTotal,

    /** The error of the last failed collect(), or null (for the service's 'warning'). */
    get lastCollectError() {
      return lastCollectError;
    },

    /**
     * Counts a finished recording from its sidecar ('recording' event info):
     * result complete|failed, and the bytes of its files.
     */
    observeRecording(info) {
      if (!info) return;
      recordingsFinished.inc({ result: info.complete === false ? 'failed' : 'complete' });
      const files = Array.isArray(info.files) ? info.files : [];
      const bytes = files.reduce((n, f) => n + (Number.isFinite(f && f.bytes) && f.bytes > 0 ? f.bytes : 0), 0);
      if (bytes > 0) recordingBytesTotal.inc(bytes);
    },

    /** Adds an ended call's summary (call.summary / the 'end' event) to the lcc_media_ended_calls_* counters. */
    observeCallSummary(summary) {
      const sum = sumCallStats([summary]);
      if (sum.packetsIn) mediaPacketsTotal.inc({ direction: 'in' }, sum.packetsIn);
      if (sum.packetsOut) mediaPacketsTotal.inc({ direction: 'out' }, sum.packetsOut);
      if (sum.bytesIn) mediaBytesTotal.inc({ direction: 'in' }, sum.bytesIn);
      if (sum.bytesOut) mediaBytesTotal.inc({ direction: 'out' }, sum.bytesOut);
    },

    /**
     * Calls collect(), sets the gauges, and returns the text exposition. Never
     * rejects because of collect(): see the top of this file.
     * @returns {Promise<string>}
     */
    async render() {
      if (collect) {
        try {
          apply(await collect());
          collectSuccess.set(1);
          lastCollectError = null;
        } catch (err) {
          lastCollectError = err;
          collectSuccess.set(0);
          errors.inc({ kind: 'metrics-collect' });
          return base.metrics();
        }
        return registry.metrics();
      }
      collectSuccess.set(1);
      return base.metrics(); // nothing to collect: the scrape-time gauges are left out
    },
  };
}

module.exports = { createMetrics, sumCallStats, CALL_STATES, CALL_PATHS, END_REASONS };
