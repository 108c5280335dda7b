// Call quality as this browser sees it: reads RTCPeerConnection.getStats()
// every ~2 s while the connection is 'connected', and gives
//  - a live figure (`quality` event of LivechatCall): loss over the last few
//    samples, the current jitter and RTT, a MOS estimate and its level;
//  - running totals for the call (report()), which LivechatCall sends to the
//    service (docs/signalling.md, `quality`) so that a peer-to-peer call's
//    record gets a summary. Totals carry over when a new connection replaces
//    the old one (a reconnection, the fallback to the server).
//
// The model (MOS, levels) is js/common/quality.js, which the call service
// serves as /client/quality.js.

import { estimateMos, qualityLevel, lossPercent, distribution } from './quality.js';

/** Samples the live loss is measured over (about 6 s). */
const WINDOW_SAMPLES = 3;
/** Jitter and RTT samples kept for the totals (two hours at one every 2 s). */
const MAX_SAMPLES = 3600;

/**
 * The audio figures of one getStats() report.
 * @param {RTCStatsReport} report
 * @returns {{received: number, lost: number, sent: number, jitterMs: number|null, rttMs: number|null}}
 */
export function audioFigures(report) {
  const f = { received: 0, lost: 0, sent: 0, jitterMs: null, rttMs: null };
  let pairRtt = null;
  let remoteRtt = null;
  let selectedPairId = null;
  report.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) selectedPairId = s.selectedCandidatePairId;
  });
  report.forEach((s) => {
    const audio = s.kind === 'audio' || s.mediaType === 'audio';
    if (s.type === 'inbound-rtp' && audio) {
      f.received += s.packetsReceived || 0;
      f.lost += Math.max(0, s.packetsLost || 0); // negative with duplicates (RFC 3550)
      if (typeof s.jitter === 'number') f.jitterMs = s.jitter * 1000;
    } else if (s.type === 'outbound-rtp' && audio) {
      f.sent += s.packetsSent || 0;
    } else if (s.type === 'remote-inbound-rtp' && audio && typeof s.roundTripTime === 'number') {
      remoteRtt = s.roundTripTime * 1000;
    } else if (s.type === 'candidate-pair' && typeof s.currentRoundTripTime === 'number'
      && (s.id === selectedPairId || (!selectedPairId && s.nominated && s.state === 'succeeded'))) {
      pairRtt = s.currentRoundTripTime * 1000;
    }
  });
  // The ICE pair's RTT comes at once and covers exactly this connection; RTCP's when it has none.
  f.rttMs = pairRtt !== null ? pairRtt : remoteRtt;
  return f;
}

export class QualityMonitor {
  /**
   * @param {{onQuality: (q: {level: string, mos: number, lossPct: number, jitterMs: number|null, rttMs: number|null}) => void,
   *   onTick?: () => void, intervalMs?: number}} o onTick: after each sample (LivechatCall sends reports from it)
   */
  constructor({ onQuality, onTick = () => {}, intervalMs = 2000 }) {
    this._onQuality = onQuality;
    this._onTick = onTick;
    this._intervalMs = intervalMs;
    this._pc = null;
    this._timer = null;
    this._busy = false;
    /** Counters of connections already replaced. */
    this._done = { received: 0, lost: 0, sent: 0 };
    /** The current connection's latest counters. */
    this._current = { received: 0, lost: 0, sent: 0 };
    this._window = []; // [{received, lost}] cumulative, for the live loss
    this._jitter = [];
    this._rtt = [];
  }

  /**
   * Follows a new connection (its counters start at zero; the old one's are kept in the totals).
   * @param {RTCPeerConnection} pc
   */
  watch(pc) {
    for (const k of Object.keys(this._done)) this._done[k] += this._current[k];
    this._current = { received: 0, lost: 0, sent: 0 };
    this._window = [];
    this._pc = pc;
    if (!this._timer) this._timer = setInterval(() => this._sample(), this._intervalMs);
  }

  /** Stops sampling (the totals stay readable). Idempotent. */
  stop() {
    clearInterval(this._timer);
    this._timer = null;
    this._pc = null;
  }

  /**
   * The call's totals so far, as the `quality` signalling message carries them;
   * null before any audio was counted.
   * @returns {{packetsSent: number, packetsReceived: number, packetsLost: number,
   *   jitterMs: {mean: number, p95: number}|null, rttMs: {mean: number, p95: number}|null}|null}
   */
  report() {
    const t = {};
    for (const k of Object.keys(this._done)) t[k] = Math.round(this._done[k] + this._current[k]);
    if (t.received + t.lost + t.sent === 0) return null;
    return {
      packetsSent: t.sent, packetsReceived: t.received, packetsLost: t.lost,
      jitterMs: distribution(this._jitter), rttMs: distribution(this._rtt),
    };
  }

  async _sample() {
    const pc = this._pc;
    if (!pc || this._busy || pc.connectionState !== 'connected') return;
    this._busy = true;
    let f;
    try {
      f = audioFigures(await pc.getStats());
    } catch {
      return; // closed meanwhile
    } finally {
      this._busy = false;
    }
    if (pc !== this._pc) return;
    this._current = { received: f.received, lost: f.lost, sent: f.sent };
    if (f.jitterMs !== null) keep(this._jitter, f.jitterMs);
    if (f.rttMs !== null) keep(this._rtt, f.rttMs);
    this._window.push({ received: f.received, lost: f.lost });
    if (this._window.length > WINDOW_SAMPLES + 1) this._window.shift();
    this._emitLive(f);
    this._onTick();
  }

  _emitLive(f) {
    const first = this._window.length > 1 ? this._window[0] : { received: 0, lost: 0 };
    const last = this._window[this._window.length - 1];
    const received = last.received - first.received;
    const lost = Math.max(0, last.lost - first.lost);
    if (received + lost <= 0) return; // nothing arrived: no figure to give
    const lossPct = lossPercent(lost, received);
    const jitterMs = f.jitterMs === null ? null : Math.round(f.jitterMs * 10) / 10;
    const rttMs = f.rttMs === null ? null : Math.round(f.rttMs * 10) / 10;
    const mos = estimateMos({ lossPct, rttMs, jitterMs });
    this._onQuality({ level: qualityLevel(mos), mos, lossPct, jitterMs, rttMs });
  }
}

/** Keeps a sample, capped at the 60 s a report may carry (docs/signalling.md). */
function keep(list, v) {
  list.push(Math.min(Math.max(0, v), 60000));
  if (list.length > MAX_SAMPLES) list.shift();
}
