#!/usr/bin/env python3
"""Seeds for the recording writers' targets (ogg_opus, webm, mixer) from the
real Opus capture test/fixtures/rtp/opus_stream.rtpcap (GStreamer, 22 losses)
and the captured VP8 packets, written in party_rtp.h's record format:
flags, seq step (int8), ts step (int16, x60 audio / x90 video), arrival
step ms, payload length (16-bit), payload.
Usage: tools/party_seeds.py  (from test/fuzz; rewrites corpus/{ogg_opus,webm,mixer}/seed-*)"""
import os
import struct

FIX = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'rtp')
CORPUS = os.path.join(os.path.dirname(__file__), '..', 'corpus')
MARKER, NEW_SSRC, OTHER, PAUSE, FLUSH = 1, 2, 4, 8, 16
VIDEO_CLOCK = False  # set for webm: the other stream is 90 kHz video


def capture(limit):
    d = open(os.path.join(FIX, 'opus_stream.rtpcap'), 'rb').read()
    off, out = 0, []
    while off < len(d) and len(out) < limit:
        t, n = struct.unpack('!QH', d[off:off + 10])
        pkt = d[off + 10:off + 10 + n]
        off += 10 + n
        b0, b1, seq, ts, ssrc = struct.unpack('!BBHII', pkt[:12])
        out.append((t, seq, ts, pkt[12 + 4 * (b0 & 15):]))
    return out


def records(pkts):
    """pkts: (arrival_us, seq, ts, payload, flags); seq and ts steps from the
    same stream's previous packet (ts in 60 ticks for audio, 90 for video),
    arrival from the previous packet."""
    out, prev, last_t = b'', {}, None
    for (t, seq, ts, payload, flags) in pkts:
        k = 1 if flags & OTHER else 0
        dseq = dts = 0
        if k in prev:
            dseq = (seq - prev[k][0] + 32768) % 65536 - 32768
            dts = round(((ts - prev[k][1] + 2**31) % 2**32 - 2**31) / (90 if k and VIDEO_CLOCK else 60))
        dt = 0 if last_t is None else max(0, min(255, round((t - last_t) / 1000)))
        dseq = max(-128, min(127, dseq))
        dts = max(-32768, min(32767, dts))
        out += struct.pack('!BbhBH', flags, dseq, dts, dt, len(payload)) + payload
        prev[k] = (seq, ts)
        last_t = t
    return out


def audio(limit, flag_fn=lambda i: 0):
    return [(t, s, ts, p, flag_fn(i)) for i, (t, s, ts, p) in enumerate(capture(limit))]


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, 'seed-' + name), 'wb') as f:
        f.write(data)


def vp8_keyframe(width, height):
    """RTP payload: RFC 7741 descriptor (S=1) + a VP8 keyframe header (RFC 6386 §9.1)."""
    first_part = 20
    tag = (first_part << 5) | 0x10  # keyframe (bit 0 = 0), version 0, show_frame
    return bytes([0x10]) + struct.pack('<I', tag)[:3] + b'\x9d\x01\x2a' + struct.pack('<HH', width, height) + bytes(range(40))


def vp8_delta(n):
    first_part = 8
    tag = (first_part << 5) | 0x10 | 1
    return bytes([0x10]) + struct.pack('<I', tag)[:3] + bytes([n]) * 16


def main():
    for target in ('ogg_opus', 'mixer'):
        n = 60 if target == 'ogg_opus' else 25
        write(target, 'capture', records(audio(n)))
        write(target, 'capture-ssrc-change', records(audio(n, lambda i: NEW_SSRC if i == n // 2 else 0)))
        write(target, 'capture-pause-flush', records(audio(n, lambda i: PAUSE if i in (10, 15) else FLUSH if i % 7 == 0 else 0)))
        a = audio(n)
        a[3], a[4] = a[4], a[3]  # reordered
        a.insert(6, a[5])        # duplicated
        write(target, 'capture-reorder-dup', records(a))
    # the mixer: both channels, the agent's an SSRC-changed copy of the capture
    mixed = []
    for (t, s, ts, p, f) in audio(20):
        mixed.append((t, s, ts, p, 0))
        mixed.append((t + 3000, s, ts, p, OTHER))
    write('mixer', 'two-channels', records(mixed))
    # webm: captured VP8 packets (first and last of a 4-packet keyframe: a gap), a hand-built
    # keyframe and deltas, interleaved with captured Opus
    global VIDEO_CLOCK
    VIDEO_CLOCK = True
    first = open(os.path.join(FIX, 'vp8_rtp.bin'), 'rb').read()[12:]
    last = open(os.path.join(FIX, 'vp8_rtp_marker.bin'), 'rb').read()[12:]
    a = audio(30)
    video = [(a[0][0], 8283, 0, first, OTHER), (a[0][0] + 1000, 8286, 0, last, OTHER | MARKER)]
    write('webm', 'capture-vp8-gap', records(video + [(t, s, ts, p, 0) for (t, s, ts, p, f) in a]))
    ev, vseq, vts = [], 100, 0
    for i, (t, s, ts, p, f) in enumerate(a):
        ev.append((t, s, ts, p, 0))
        if i % 3 == 0:
            frame = vp8_keyframe(320, 240) if i % 15 == 0 else vp8_delta(i)
            ev.append((t + 500, vseq, vts, frame, OTHER | MARKER | (FLUSH if i == 15 else 0)))
            vseq += 1
            vts += 6000
    write('webm', 'keyframes-deltas-audio', records(ev))


if __name__ == '__main__':
    main()
