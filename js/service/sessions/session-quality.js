'use strict';
// A live call's quality, for its record (docs/service-api.md, "quality").
// Relayed calls: the server's own counters. While the relay exists its
// statistics are read every 2 s (jitter and RTT vary over a call: the record
// keeps their mean and 95th percentile); at the end the MediaServer's summary
// gives the final packet counts. Peer-to-peer calls: each browser's last
// quality report (checked by signalling/messages.js). A party the server has no
// figures for falls back to its own report.

const { partySummary, summaryFromReport, distribution } = require('../../common/quality');
const { PARTIES, OTHER } = require('../../common/parties');

const SAMPLE_INTERVAL_MS = 2000;
/** Samples kept per party and figure: two hours at one every 2 s; older ones are dropped. */
const MAX_SAMPLES = 3600;

function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * One party's audio figures in the server's stats, or null.
 * @param {object|null} leg LegStats (docs/api.md)
 */
function audioOf(leg) {
  return leg && leg.audio && typeof leg.audio === 'object' ? leg.audio : null;
}

class SessionQuality {
  /**
   * @param {{warn: (err: unknown) => void, intervalMs?: number}} deps
   */
  constructor({ warn, intervalMs = SAMPLE_INTERVAL_MS }) {
    this._warn = warn;
    this._intervalMs = intervalMs;
    this._timer = null;
    this._readStats = null;
    /** Per party: jitter seen by its browser, and its connection's RTT to the server. */
    this._samples = {
      visitor: { jitter: [], rtt: [], rrKey: null, lossShare: 0 },
      agent: { jitter: [], rtt: [], rrKey: null, lossShare: 0 },
    };
    /** Per party: its browser's last checked report. */
    this._reports = { visitor: null, agent: null };
  }

  /**
   * Starts reading a relayed call's statistics (once; later calls do nothing).
   * @param {() => Promise<object|null>|object|null} readStats returns (or resolves with) CallStats, or null when there is no call
   */
  watchRelay(readStats) {
    if (this._timer) return;
    this._readStats = readStats;
    this._timer = setInterval(() => this.sample(), this._intervalMs);
    this._timer.unref();
  }

  /** Reads the relay's statistics once and keeps the connected legs' jitter and RTT. Never rejects. */
  async sample() {
    let stats;
    try {
      stats = this._readStats && await this._readStats();
    } catch (err) {
      if (err && err.code === 'ERR_CALL_ENDED') return;
      this._warn(err);
      return;
    }
    if (!stats || !stats.parties) return;
    for (const party of PARTIES) this._keep(party, stats.parties);
  }

  /** One sample of party X's connected leg: jitter, RTT, and its browser's latest receiver report. */
  _keep(party, parties, { final = false } = {}) {
    const leg = parties[party];
    const audio = audioOf(leg);
    if (!audio || (!final && leg.state !== 'connected')) return;
    const s = this._samples[party];
    // The browser's receiver reports say what it measures on what the server sends it.
    if (isNum(audio.remoteJitterMs) && audio.packetsOut > 0) push(s.jitter, audio.remoteJitterMs);
    const rtt = isNum(audio.rttMs) ? audio.rttMs : leg.rttMs;
    if (isNum(rtt)) push(s.rtt, rtt);
    // A new receiver report (its figures changed): the share of X's stream lost so far, end to
    // end, against the packets X should have had by then (sent to it, plus those that never
    // reached the server). Reports come every few seconds; this share covers the time after
    // the last one.
    const key = `${audio.remotePacketsLost}/${audio.remoteFractionLost}/${audio.remoteJitterMs}`;
    if (key !== s.rrKey) {
      s.rrKey = key;
      const expected = audio.packetsOut + lostBefore(parties[OTHER[party]]);
      if (expected > 0) s.lossShare = Math.min(1, Math.max(0, audio.remotePacketsLost || 0) / expected);
    }
  }

  /**
   * A browser's checked quality report (the last one counts).
   * @param {'visitor'|'agent'} party
   * @param {object} report
   */
  report(party, report) {
    this._reports[party] = report;
  }

  /** Stops reading statistics. Idempotent. */
  stop() {
    if (this._timer) clearInterval(this._timer);
    this._timer = null;
  }

  /**
   * The call's quality for its record: per party, the server's figures when
   * the call was relayed, else the party's last report; null when neither.
   * @param {object|null} mediaSummary the MediaServer call's end summary (null: never relayed)
   * @returns {{visitor: object|null, agent: object|null}|null}
   */
  summary(mediaSummary) {
    this.stop();
    const parties = mediaSummary && mediaSummary.parties ? mediaSummary.parties : null;
    // The final receiver reports count too.
    if (parties) for (const party of PARTIES) this._keep(party, parties, { final: true });
    const out = {};
    for (const party of PARTIES) {
      const server = parties ? this._serverSummary(party, parties) : null;
      out[party] = server || (this._reports[party] ? summaryFromReport(this._reports[party]) : null);
    }
    return out.visitor || out.agent ? out : null;
  }

  /**
   * Party X's figures from the server's legs. The server forwards the other
   * party's packets under their own sequence numbers (shifted by a constant),
   * so X's receiver reports count every packet lost between the other browser
   * and X: on both legs. Lost towards X: at least what its last report says,
   * at least what never reached the server, and the report's share applied to
   * the whole call (the last seconds after it included).
   */
  _serverSummary(party, parties) {
    const mine = audioOf(parties[party]);
    if (!mine || !(mine.packetsIn > 0 || mine.packetsOut > 0)) return null;
    const upstream = lostBefore(parties[OTHER[party]]);
    const expected = mine.packetsOut + upstream;
    const share = this._samples[party].lossShare || 0;
    const lostToMe = Math.min(expected, Math.max(Math.max(0, mine.remotePacketsLost || 0), upstream, Math.round(share * expected)));
    const packetsReceived = expected - lostToMe;
    const rtt = distribution(this._samples[party].rtt);
    const otherRtt = distribution(this._samples[OTHER[party]].rtt);
    return partySummary({
      packetsSent: (mine.packetsIn || 0) + Math.max(0, mine.packetsLost || 0),
      packetsReceived,
      packetsLost: lostToMe,
      jitterMs: distribution(this._samples[party].jitter),
      rttMs: rtt,
      // The browsers' round trip goes through the server: both legs.
      mosRttMs: (rtt ? rtt.mean : 0) + (otherRtt ? otherRtt.mean : 0),
      source: 'server',
    });
  }
}

/** Packets of a party's stream lost before they reached the server. */
function lostBefore(leg) {
  const audio = audioOf(leg);
  return audio ? Math.max(0, audio.packetsLost || 0) : 0;
}

function push(list, value) {
  list.push(value);
  if (list.length > MAX_SAMPLES) list.shift();
}

module.exports = { SessionQuality, SAMPLE_INTERVAL_MS };
