'use strict';
// /healthz and /metrics for the call service: the service's events feed the
// counters, and each rendering reads the gauges from the call store, the live
// sessions and the MediaServer (js/service/ops/metrics.js renders them), with
// every relayed call's counters in one media.getStats(): one visit to the
// media thread, whatever the number of calls. /metrics serves the text
// rendered on a timer (metrics-snapshot.js), never one per request.
//
// /healthz is open (load balancers and orchestrators probe it). /metrics holds
// counts, never ids or secrets: it is open on a service that serves this
// machine alone; anywhere else it wants the metrics token, and without one
// configured it is refused (docs/security.md#metrics).

const crypto = require('crypto');
const { createMetrics, sumCallStats } = require('./metrics');
const { createMetricsSnapshot } = require('./metrics-snapshot');
const { sendJson } = require('../http/http-json');
const { version } = require('../../../package.json');

function bearerMatches(req, token) {
  const given = Buffer.from(String(req.headers.authorization || ''));
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && crypto.timingSafeEqual(given, wanted);
}

/** Media figures of the calls relayed right now (one that ended meanwhile is in the ended-call counters). */
async function liveMediaStats(service) {
  return sumCallStats(await service.media.getStats());
}

/** Recorded calls whose media runs through the server now. */
function activeRecordings(service) {
  return service.calls.openIds().filter((id) => service.media.getCall(id) && service.calls.get(id).record).length;
}

async function snapshot(service) {
  const { byState, byPath } = service.calls.tally();
  const media = await liveMediaStats(service);
  return {
    callsByState: byState, callsByPath: byPath, legs: media.legs, sessions: service.sessions.live, media,
    recordingsActive: activeRecordings(service), mediaCommands: service.media.commandsRun,
    iceTcpShut: service.media.iceTcpConnectionsShut,
  };
}

/** Counts what the service reports (its events) into the metrics' counters. */
function countEvents(service, metrics) {
  service.calls.on('created', () => metrics.callsStarted.inc());
  service.calls.on('ended', (call) => metrics.callsEnded.inc({ reason: call.endReason || 'unknown' }));
  service.on('fallback', ({ reason }) => metrics.fallbacks.inc({ reason }));
  service.on('party-joined', () => metrics.signallingConnections.inc());
  service.on('media-end', ({ summary, recording }) => {
    metrics.observeCallSummary(summary);
    if (recording) metrics.observeRecording(recording);
  });
  service.on('api-refused', () => metrics.authFailures.inc({ kind: 'api' }));
  service.on('ws-refused', ({ reason }) => {
    if (reason === 'too-many-connections') metrics.errors.inc({ kind: 'ws-connection-limit' });
    else if (reason !== 'not-found') metrics.authFailures.inc({ kind: 'ws' });
  });
}

/** Why a scrape is refused (a response), or null when it may read. */
function refusal(req, metricsToken, tokenRequired) {
  if (metricsToken) {
    if (bearerMatches(req, metricsToken)) return null;
    return { status: 401, code: 'ERR_UNAUTHORIZED', message: 'metrics need Authorization: Bearer <metricsToken>' };
  }
  if (!tokenRequired) return null;
  return {
    status: 403, code: 'ERR_METRICS_TOKEN_REQUIRED',
    message: 'other machines reach this service: /metrics is served only with a metrics token (LCC_METRICS_TOKEN)',
  };
}

/**
 * Mounts GET /healthz and GET /metrics on the service.
 * @param {import('../call-service').CallService} service
 * @param {{metricsToken?: string|null, tokenRequired?: boolean, refreshSeconds?: number}} [opts]
 *   tokenRequired: without a metricsToken, /metrics is refused (403); refreshSeconds: how often /metrics's text is rendered
 * @returns {{metrics: ReturnType<typeof createMetrics>, stop: () => void}} stop: ends the refresh timer
 */
function mountObservability(service, { metricsToken = null, tokenRequired = false, refreshSeconds = 10 } = {}) {
  const metrics = createMetrics({ collect: () => snapshot(service) });
  const served = createMetricsSnapshot({ render: () => metrics.render(), intervalMs: refreshSeconds * 1000, warn: (err) => service.warn(err) });
  countEvents(service, metrics);
  const started = Date.now();
  service.addRoute('/healthz', (req, res) => {
    req.resume();
    const closing = service.closing;
    sendJson(res, closing ? 503 : 200, {
      status: closing ? 'closing' : 'ok',
      version,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      calls: service.calls.openCount,
      sessions: service.sessions.live,
    });
  });
  service.addRoute('/metrics', async (req, res) => {
    req.resume();
    const refused = refusal(req, metricsToken, tokenRequired);
    if (refused) {
      sendJson(res, refused.status, { error: { code: refused.code, message: refused.message } });
      return;
    }
    const body = await served.text();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    res.end(body);
  });
  return { metrics, stop: () => served.stop() };
}

module.exports = { mountObservability };
