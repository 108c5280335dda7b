#!/usr/bin/env node
'use strict';
// Seeds of the JS fuzz targets, written to test/fuzz/js/corpus/<name>/seed-*:
// WebRTC_Servers strings from Rocket.Chat's documentation and our tests,
// signalling messages built from the browser SDP and candidate captures in
// test/fixtures, and Ogg Opus files made by opus-tools' opusenc (a real
// encoder) plus damaged copies. Run from anywhere: node test/fuzz/js/make_seeds.js

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const fixtures = path.join(__dirname, '..', '..', 'fixtures');
const corpus = path.join(__dirname, 'corpus');

function write(name, file, data) {
  fs.mkdirSync(path.join(corpus, name), { recursive: true });
  fs.writeFileSync(path.join(corpus, name, `seed-${file}`), data);
}

const servers = [
  'stun:stun.l.google.com:19302, stun:23.21.150.121, team%40rocket.chat:demo@turn:numb.viagenie.ca:3478',
  'stun:s.example.org, u:p@turn:t.example.org, u:p@turn:t.example.org:80?transport=tcp, u:p@turns:t.example.org, stun:[::1]',
  '  stun:a.example.org ,\n\tuser:pa ss@turn:b.example.org:3478?transport=tcp  ',
  'team@rocket.chat:demo@turn:numb.viagenie.ca',
  'alice:s3cretPassw0rd@turn:turn.example.org:3478',
  'alice:s3cret:Passw0rd@turn:turn.example.org',
  'alice:s3cret%zzPassw0rd@turn:turn.example.org',
  'stun:a.example.org,',
  'stun:a.example.org:70000',
  'u:p@turn:a.example.org?transport=sctp',
  'turns:turn.example.org:443?transport=udp',
  '',
  '[{"urls":["stun:a.example.org","turn:b.example.org"],"username":"u","credential":"p"}]',
  '[{"urls":"turn:b.example.org","username":"u"}]',
  '[{"urls":[],"extra":1}]',
];
servers.forEach((s, i) => write('webrtc_servers', String(i).padStart(2, '0'), s));

const offer = fs.readFileSync(path.join(fixtures, 'sdp', 'chromium-offer-av.sdp'), 'utf8');
const answer = fs.readFileSync(path.join(fixtures, 'sdp', 'firefox-answer-av.sdp'), 'utf8');
const candidates = fs.readFileSync(path.join(fixtures, 'candidates.txt'), 'utf8').split('\n').filter((l) => l.startsWith('candidate:'));
const messages = {
  join: { type: 'join', token: 'eyJjYWxsIjoiYyJ9.c2lnbmF0dXJl' },
  offer: { type: 'offer', sdp: offer, generation: 1 },
  answer: { type: 'answer', sdp: answer, generation: 1 },
  candidate: { type: 'candidate', candidate: { candidate: candidates[0], sdpMid: '0', sdpMLineIndex: 0 }, generation: 0 },
  'candidate-end': { type: 'candidate', candidate: null, generation: 2 },
  state: { type: 'state', connectionState: 'connected', generation: 1 },
  media: { type: 'media', audio: true, video: false },
  hangup: { type: 'hangup' },
  quality: { type: 'quality', report: { packetsSent: 500, packetsReceived: 490, packetsLost: 10, jitterMs: { mean: 2.5, p95: 6 }, rttMs: { mean: 40, p95: 55 } } },
  unknown: { type: 'ring' },
};
for (const [k, m] of Object.entries(messages)) write('signalling_messages', k, JSON.stringify(m));
write('signalling_messages', 'not-json', '{"type":');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-seeds-'));
try {
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', path.join(tmp, 'tone.wav'), 'synth', '0.3', 'sine', '440'], { stdio: 'ignore' });
  execFileSync('opusenc', ['--quiet', '--framesize', '20', '--bitrate', '16', path.join(tmp, 'tone.wav'), path.join(tmp, 'tone.opus')], { stdio: 'ignore' });
  const opus = fs.readFileSync(path.join(tmp, 'tone.opus'));
  write('ogg_reader', 'opusenc', opus);
  write('ogg_reader', 'truncated', opus.subarray(0, Math.floor(opus.length * 0.7)));
  const badCrc = Buffer.from(opus);
  badCrc[opus.length - 5] ^= 0xff;
  write('ogg_reader', 'bad-crc', badCrc);
  write('ogg_reader', 'trailing-junk', Buffer.concat([opus, Buffer.from('junk')]));
  write('ogg_reader', 'empty', Buffer.alloc(0));
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
