'use strict';
// Checks recorded audio with independent tools: opusdec (Debian's opus-tools)
// decodes an Ogg Opus file to WAV, opusinfo validates it; the tone analysis
// (Goertzel power per channel and window) is done here on the decoded PCM.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

/** Decodes with opusdec; returns { rate, channels, frames, pcm: Int16Array (interleaved) }. */
function decodeOpus(file) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-dec-')), 'out.wav');
  try {
    execFileSync('opusdec', ['--quiet', '--rate', '48000', '--force-wav', file, out], { stdio: 'pipe' });
    const buf = fs.readFileSync(out);
    return parseWav(buf);
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

function parseWav(buf) {
  let off = 12;
  let fmt = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12) };
    if (id === 'data') {
      const bytes = Math.min(size, buf.length - off - 8);
      const pcm = new Int16Array(buf.buffer.slice(buf.byteOffset + off + 8, buf.byteOffset + off + 8 + bytes - (bytes % 2)));
      return { ...fmt, frames: pcm.length / fmt.channels, pcm };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('no data chunk in WAV');
}

/** opusinfo's verdict: { ok, durationMs, text }. */
function opusInfo(file) {
  let text;
  let ok = true;
  try {
    text = execFileSync('opusinfo', [file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    ok = false;
    text = `${e.stdout || ''}${e.stderr || ''}`;
  }
  const m = /Playback length:\s*(?:(\d+)h:)?(\d+)m:([\d.]+)s/.exec(text);
  const durationMs = m ? ((Number(m[1] || 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 : null;
  return { ok: ok && !/(WARNING|ERROR)/.test(text), durationMs, text };
}

/** Goertzel power (relative, 0..1) of freq in one channel over [fromS, toS). */
function tonePower(audio, channel, freq, fromS, toS) {
  const start = Math.max(0, Math.floor(fromS * audio.rate));
  const end = Math.min(audio.frames, Math.floor(toS * audio.rate));
  const w = 2 * Math.cos((2 * Math.PI * freq) / audio.rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = start; i < end; i++) {
    const x = audio.pcm[i * audio.channels + channel] / 32768;
    const s0 = x + w * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const n = Math.max(1, end - start);
  const power = (s1 * s1 + s2 * s2 - w * s1 * s2) / (n * n / 4); // ~ amplitude^2 of the tone
  return { power, rms: Math.sqrt(energy / n) };
}

module.exports = { decodeOpus, opusInfo, tonePower };
