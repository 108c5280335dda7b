'use strict';
// Call quality: a MOS estimate from network figures (a simplified E-model),
// the good/fair/poor level the call UI shows, the per-party summary kept on
// a call's record, the strict check of the quality reports browsers send,
// and the short line the App writes under an ended call.
//
// Plain CommonJS with no dependencies and no Node built-ins: the call service
// requires it, the App bundles it, and the service serves it to browsers as
// an ES module (/client/quality.js, js/service/web/client-files.js).
//
// The model (docs/api.md, "Call quality", says the same):
//   R   = 93.2 - Id(d) - Ie,eff(Ppl)                      ITU-T G.107 (06/2015) §7, default
//         values (Ro - Is = 93.2, A = 0), with only delay and packet loss left to vary
//   d   = RTT/2 + 2 x jitter + 26.5 ms                    one-way mouth-to-ear delay: half the
//         network round trip, a jitter buffer of twice the jitter, and Opus's 20 ms frame plus
//         its 6.5 ms look-ahead
//   Id  = 0.024 d + 0.11 (d - 177.3) H(d - 177.3)         Cole & Rosenbluth, "Voice over IP
//         performance monitoring", ACM SIGCOMM CCR 31(2), 2001: G.107's delay terms fitted
//         for default echo settings (H = step function)
//   Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl)    G.107 eq. (7-29); random loss: BurstR = 1
//   Ie = 0, Bpl = 25.1                                    G.113 (11/2007) Appendix I, G.711 with
//         packet loss concealment. Opus has no entry in G.113; at WebRTC's bitrates it is at least
//         as clean as G.711 on this narrowband scale (Ie = 0), and its concealment at least as
//         robust, so these are a conservative stand-in, not an Opus calibration.
//   MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6          G.107 Annex B (B-4); 1 below R = 0,
//         4.5 above R = 100
// Levels from the user-satisfaction bands of G.107 Annex B / G.109: good R >= 80 (MOS >= 4.03,
// "satisfied"), fair 70 <= R < 80 (MOS >= 3.60, "some users dissatisfied"), poor below.

/** The E-model's constants, as used here. */
const E_MODEL = Object.freeze({
  R0: 93.2,
  IE_OPUS: 0,
  BPL_OPUS: 25.1,
  CODEC_DELAY_MS: 26.5,
  JITTER_BUFFER_FACTOR: 2,
  R_GOOD: 80,
  R_FAIR: 70,
});

/** Limits of a browser's quality report (docs/signalling.md). */
const REPORT_LIMITS = Object.freeze({ MAX_PACKETS: 1e9, MAX_MS: 60000 });

const LEVELS = ['good', 'fair', 'poor'];

function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

function round(v, digits) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * The delay impairment Id for a one-way mouth-to-ear delay (Cole & Rosenbluth 2001).
 * @param {number} delayMs
 * @returns {number}
 */
function delayImpairment(delayMs) {
  const d = Math.max(0, delayMs);
  return 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
}

/**
 * The effective equipment impairment Ie,eff for a packet loss (G.107 eq. 7-29).
 * @param {number} lossPct 0..100
 * @param {{ie?: number, bpl?: number, burstR?: number}} [codec] Opus stand-in values by default
 * @returns {number}
 */
function lossImpairment(lossPct, { ie = E_MODEL.IE_OPUS, bpl = E_MODEL.BPL_OPUS, burstR = 1 } = {}) {
  const ppl = Math.min(100, Math.max(0, lossPct));
  return ie + ((95 - ie) * ppl) / (ppl / burstR + bpl);
}

/**
 * The transmission rating R for a one-way delay and a packet loss.
 * @param {{delayMs: number, lossPct: number}} figures
 * @returns {number}
 */
function rFactor({ delayMs, lossPct }) {
  return E_MODEL.R0 - delayImpairment(delayMs) - lossImpairment(lossPct);
}

/**
 * MOS (conversational quality, 1..4.5) from R (G.107 Annex B, B-4).
 * @param {number} r
 * @returns {number}
 */
function mosFromR(r) {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/**
 * The one-way mouth-to-ear delay the model assumes for measured network figures.
 * @param {{rttMs?: number|null, jitterMs?: number|null}} figures unknown (null) counts as 0
 * @returns {number}
 */
function mouthToEarDelayMs({ rttMs, jitterMs }) {
  const rtt = isNum(rttMs) ? Math.max(0, rttMs) : 0;
  const jitter = isNum(jitterMs) ? Math.max(0, jitterMs) : 0;
  return rtt / 2 + E_MODEL.JITTER_BUFFER_FACTOR * jitter + E_MODEL.CODEC_DELAY_MS;
}

/**
 * MOS estimate (two decimals) for what a listener hears, from network figures.
 * @param {{lossPct: number, rttMs?: number|null, jitterMs?: number|null}} figures
 * @returns {number}
 */
function estimateMos({ lossPct, rttMs = null, jitterMs = null }) {
  const delayMs = mouthToEarDelayMs({ rttMs, jitterMs });
  return round(mosFromR(rFactor({ delayMs, lossPct: isNum(lossPct) ? lossPct : 0 })), 2);
}

const MOS_GOOD = mosFromR(E_MODEL.R_GOOD);
const MOS_FAIR = mosFromR(E_MODEL.R_FAIR);

/**
 * 'good' | 'fair' | 'poor' for a MOS.
 * @param {number} mos
 * @returns {'good'|'fair'|'poor'}
 */
function qualityLevel(mos) {
  // Compared at the MOS's own two decimals, so a rounded 4.03 is still good.
  if (mos >= round(MOS_GOOD, 2)) return 'good';
  if (mos >= round(MOS_FAIR, 2)) return 'fair';
  return 'poor';
}

/**
 * Packets lost as a percentage of those expected (received + lost), two decimals.
 * @param {number} lost
 * @param {number} received
 * @returns {number}
 */
function lossPercent(lost, received) {
  const l = Math.max(0, lost || 0);
  const expected = l + Math.max(0, received || 0);
  return expected > 0 ? round((100 * l) / expected, 2) : 0;
}

/**
 * Mean and 95th percentile (nearest rank) of samples, one decimal; null without samples.
 * @param {number[]} samples
 * @returns {{mean: number, p95: number}|null}
 */
function distribution(samples) {
  const xs = (samples || []).filter(isNum).slice().sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const p95 = xs[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)];
  return { mean: round(mean, 1), p95: round(p95, 1) };
}

/**
 * One party's summary: what it sent, what reached it, and the MOS of what it heard.
 * @param {{packetsSent: number, packetsReceived: number, packetsLost: number,
 *   jitterMs: {mean: number, p95: number}|null, rttMs: {mean: number, p95: number}|null,
 *   source: 'server'|'client', mosRttMs?: number|null}} f mosRttMs: the round trip the MOS uses
 *   (default rttMs.mean; the service passes the browser-to-browser round trip of a relayed call)
 * @returns {PartyQuality}
 */
function partySummary(f) {
  const lossPct = lossPercent(f.packetsLost, f.packetsReceived);
  const rttForMos = f.mosRttMs !== undefined ? f.mosRttMs : f.rttMs && f.rttMs.mean;
  return {
    packetsSent: Math.max(0, Math.round(f.packetsSent || 0)),
    packetsReceived: Math.max(0, Math.round(f.packetsReceived || 0)),
    packetsLost: Math.max(0, Math.round(f.packetsLost || 0)),
    lossPct,
    jitterMs: f.jitterMs || null,
    rttMs: f.rttMs || null,
    mos: estimateMos({ lossPct, rttMs: rttForMos, jitterMs: f.jitterMs && f.jitterMs.mean }),
    source: f.source,
  };
}

/**
 * @typedef {object} PartyQuality
 * @property {number} packetsSent audio packets the party's browser sent
 * @property {number} packetsReceived audio packets that reached it
 * @property {number} packetsLost audio packets lost on the way to it
 * @property {number} lossPct packetsLost / (packetsReceived + packetsLost), in %
 * @property {{mean: number, p95: number}|null} jitterMs jitter of what it received
 * @property {{mean: number, p95: number}|null} rttMs round trip of its connection
 * @property {number} mos estimate for what it heard
 * @property {'server'|'client'} source whose counters these are
 */

function checkCount(v, name) {
  if (!Number.isInteger(v) || v < 0 || v > REPORT_LIMITS.MAX_PACKETS) return `${name} must be an integer 0–${REPORT_LIMITS.MAX_PACKETS}`;
  return null;
}

function checkDistribution(v, name) {
  if (v === null) return null;
  if (v === undefined || typeof v !== 'object' || Array.isArray(v)) return `${name} must be {mean, p95} or null`;
  const keys = Object.keys(v);
  if (keys.length !== 2 || !keys.includes('mean') || !keys.includes('p95')) return `${name} must have exactly mean and p95`;
  for (const k of keys) {
    if (!isNum(v[k]) || v[k] < 0 || v[k] > REPORT_LIMITS.MAX_MS) return `${name}.${k} must be a number of ms 0–${REPORT_LIMITS.MAX_MS}`;
  }
  return null;
}

const REPORT_KEYS = ['packetsSent', 'packetsReceived', 'packetsLost', 'jitterMs', 'rttMs'];

/**
 * Checks a browser's quality report: exactly the known fields, counts as
 * integers within bounds, times as bounded numbers. A report is only ever
 * stored as a copy built from these fields, so nothing else reaches a record.
 * @param {unknown} input
 * @returns {string|null} what is wrong, or null when usable
 */
function checkQualityReport(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return 'report must be an object';
  const report = /** @type {Record<string, any>} */ (input);
  for (const key of Object.keys(report)) if (!REPORT_KEYS.includes(key)) return `unknown report field '${String(key).slice(0, 40)}'`;
  for (const key of ['packetsSent', 'packetsReceived', 'packetsLost']) {
    const problem = checkCount(report[key], key);
    if (problem) return problem;
  }
  return checkDistribution(report.jitterMs, 'jitterMs') || checkDistribution(report.rttMs, 'rttMs');
}

/**
 * A checked report (checkQualityReport) as the party's summary, source 'client'.
 * @param {{packetsSent: number, packetsReceived: number, packetsLost: number, jitterMs: object|null, rttMs: object|null}} r
 * @returns {PartyQuality}
 */
function summaryFromReport(r) {
  const dist = (d) => (d ? { mean: round(d.mean, 1), p95: round(d.p95, 1) } : null);
  return partySummary({
    packetsSent: r.packetsSent, packetsReceived: r.packetsReceived, packetsLost: r.packetsLost,
    jitterMs: dist(r.jitterMs), rttMs: dist(r.rttMs), source: 'client',
  });
}

/**
 * A party summary rebuilt from known fields only (what the App keeps of the
 * service's answer), or null when it is not one.
 * @param {unknown} input
 * @returns {PartyQuality|null}
 */
function cleanPartyQuality(input) {
  if (!input || typeof input !== 'object') return null;
  const q = /** @type {Record<string, any>} */ (input);
  const counts = ['packetsSent', 'packetsReceived', 'packetsLost'];
  if (counts.some((k) => checkCount(q[k], k))) return null;
  if (checkDistribution(q.jitterMs === undefined ? null : q.jitterMs, 'j') || checkDistribution(q.rttMs === undefined ? null : q.rttMs, 'r')) return null;
  if (!isNum(q.mos) || q.mos < 1 || q.mos > 4.5 || !isNum(q.lossPct) || q.lossPct < 0 || q.lossPct > 100) return null;
  if (q.source !== 'server' && q.source !== 'client') return null;
  const dist = (d) => (d ? { mean: d.mean, p95: d.p95 } : null);
  return {
    packetsSent: q.packetsSent, packetsReceived: q.packetsReceived, packetsLost: q.packetsLost, lossPct: q.lossPct,
    jitterMs: dist(q.jitterMs), rttMs: dist(q.rttMs), mos: q.mos, source: q.source,
  };
}

/**
 * A call's quality ({visitor, agent}) rebuilt from known fields, or null when neither party has one.
 * @param {unknown} quality
 * @returns {{visitor: PartyQuality|null, agent: PartyQuality|null}|null}
 */
function cleanQuality(quality) {
  if (!quality || typeof quality !== 'object') return null;
  const { visitor, agent } = /** @type {Record<string, unknown>} */ (quality);
  const out = { visitor: cleanPartyQuality(visitor), agent: cleanPartyQuality(agent) };
  return out.visitor || out.agent ? out : null;
}

/**
 * The short line under an ended call: "Quality: visitor MOS 4.3 (0.2 % loss), agent MOS 4.4 (0 % loss)."
 * @param {{visitor?: PartyQuality|null, agent?: PartyQuality|null}|null} quality
 * @returns {string} '' when there is nothing to say
 */
function qualityText(quality) {
  if (!quality) return '';
  const parts = [];
  // The parties spelled out (not js/common/parties.js): browsers load this file alone.
  for (const party of ['visitor', 'agent']) {
    const q = quality[party];
    if (q && isNum(q.mos)) parts.push(`${party} MOS ${q.mos.toFixed(1)} (${round(q.lossPct, 1)} % loss)`);
  }
  return parts.length ? `Quality: ${parts.join(', ')}.` : '';
}

module.exports = {
  E_MODEL,
  REPORT_LIMITS,
  LEVELS,
  MOS_GOOD,
  MOS_FAIR,
  delayImpairment,
  lossImpairment,
  rFactor,
  mosFromR,
  mouthToEarDelayMs,
  estimateMos,
  qualityLevel,
  lossPercent,
  distribution,
  partySummary,
  checkQualityReport,
  summaryFromReport,
  cleanPartyQuality,
  cleanQuality,
  qualityText,
};
