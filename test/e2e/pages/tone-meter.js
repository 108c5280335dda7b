// The strongest frequency in a MediaStream's audio, for e2e tests: the power
// spectrum of a WebAudio analyser, averaged over a while. Loaded by peer.html
// and injected into the demo pages (page.addScriptTag) by the service tests.
// Chromium only pulls remote WebRTC audio into WebAudio while something plays
// the stream: the page must attach it to a (muted) media element.
(function () {
  'use strict';
  let audio = null;

  function ensureAnalyser(stream) {
    const track = stream && stream.getAudioTracks()[0];
    if (!track) throw new Error('no remote audio track yet');
    if (audio && audio.trackId === track.id) return audio;
    if (audio) audio.ctx.close();
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0; // we average ourselves
    source.connect(analyser);
    audio = { ctx, analyser, trackId: track.id };
    return audio;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  /**
   * Strongest frequency of the received audio, from the power spectrum averaged over
   * durationMs. Returns { frequency (Hz, null if silent), levelDb (dBFS of that bin),
   * binHz, frames, sampleRate }.
   */
  async function dominantFrequency(stream, opts) {
    const o = Object.assign({ durationMs: 1000, intervalMs: 50, minHz: 50, maxHz: 8000 }, opts || {});
    const { ctx, analyser } = ensureAnalyser(stream);
    if (ctx.state !== 'running') await ctx.resume();
    const n = analyser.frequencyBinCount;
    const bins = new Float32Array(n);
    const power = new Float64Array(n);
    let frames = 0;
    const end = performance.now() + o.durationMs;
    do {
      analyser.getFloatFrequencyData(bins);
      for (let i = 0; i < n; i++) power[i] += Math.pow(10, bins[i] / 10);
      frames++;
      await sleep(o.intervalMs);
    } while (performance.now() < end);
    const binHz = ctx.sampleRate / analyser.fftSize;
    const lo = Math.max(1, Math.floor(o.minHz / binHz));
    const hi = Math.min(n - 2, Math.ceil(o.maxHz / binHz));
    let peak = lo;
    for (let i = lo; i <= hi; i++) if (power[i] > power[peak]) peak = i;
    const db = (i) => 10 * Math.log10(power[i] / frames);
    if (!(power[peak] > 0)) return { frequency: null, levelDb: null, binHz, frames, sampleRate: ctx.sampleRate };
    // Parabolic interpolation over the peak and its neighbours (in dB).
    const a = db(peak - 1), b = db(peak), c = db(peak + 1);
    const denom = a - 2 * b + c;
    const shift = Number.isFinite(denom) && denom !== 0 ? Math.max(-0.5, Math.min(0.5, 0.5 * (a - c) / denom)) : 0;
    return { frequency: (peak + shift) * binHz, levelDb: b, binHz, frames, sampleRate: ctx.sampleRate };
  }

  window.lccToneMeter = { dominantFrequency };
}());
