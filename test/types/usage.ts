// Compiled (never run) by test/unit/js/types.test.js with `tsc --noEmit --strict`:
// the public API as a TypeScript user writes it, against the hand-written js/index.d.ts.
import {
  MediaServer, Call, parseIceServers, LccError, errorCodes,
  type CallSummary, type CallStats, type LegState, type Party, type RTCIceServer, type LocalCandidate,
} from '../../js';

declare const offerSdp: string;
declare const answerSdp2: string;
declare function sendToBrowser(party: Party, msg: unknown): void;

async function main(): Promise<void> {
  const servers: RTCIceServer[] = parseIceServers('user:pass@turn:turn.example.org:3478, stun:stun.example.org');
  parseIceServers([{ urls: ['stun:127.0.0.1'] }]);
  parseIceServers(undefined);

  const media = new MediaServer({
    listenAddresses: ['127.0.0.1'],
    announcedAddress: undefined,
    ports: { min: 40000, max: 49999 },
    iceServers: servers,
    recordingsDir: './recordings',
  });
  new MediaServer();
  new MediaServer({ iceServers: 'stun:stun.example.org', disconnectedAfterMs: 3000, dtlsTimeoutMs: 10000 });
  const fp: string = media.fingerprint;
  const list: RTCIceServer[] = media.iceServers;
  media.on('warning', (err: LccError) => console.warn(err.code, err.message));

  const call: Call = media.createCall({ id: 'room42-call7', record: false });
  const same: Call | undefined = media.getCall('room42-call7');
  call.on('candidate', (party: Party, candidate: LocalCandidate | null) => sendToBrowser(party, candidate));
  call.on('state', (party: Party, state: LegState, error?: LccError) => console.log(party, state, error?.code));
  call.once('end', (summary: CallSummary) => console.log(summary.durationMs, summary.parties.visitor?.state));

  const created: void = await call.ready;
  const answerSdp: string = await call.answer('visitor', offerSdp);
  const offerSdp2: string = await call.offer('agent');
  await call.acceptAnswer('agent', answerSdp2);
  await call.addCandidate('visitor', { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
  await call.addCandidate('visitor', null);
  await call.addCandidate('agent');
  const stats: CallStats = await call.getStats();
  const sent: number | undefined = stats.parties.visitor?.audio?.packetsOut;
  const every: CallStats[] = await media.getStats();
  const legsNow: number = every.filter((s) => s.parties.agent !== null).length;
  const visits: number = media.commandsRun;
  const restart: string = await call.restartIce('visitor');
  await call.resetLeg('agent');
  const summary: CallSummary = await call.end();
  const when: string = summary.startedAt;
  const ended: boolean = call.ended;

  try {
    await call.offer('agent');
  } catch (err) {
    if (err instanceof LccError && err.code === errorCodes.ERR_CALL_ENDED) console.log('ended');
  }
  await media.setIceServers('stun:127.0.0.1:3478');
  await media.close();
  console.log(fp, list, same, answerSdp, offerSdp2, sent, legsNow, visits, restart, when, ended);

  // @ts-expect-error parties are 'visitor' and 'agent'
  await call.answer('caller', offerSdp);
  // @ts-expect-error createCall needs an id
  media.createCall({ record: true });
  // @ts-expect-error unknown option
  new MediaServer({ listenAddress: ['127.0.0.1'] });
  // @ts-expect-error a Call comes from createCall()
  new Call();
  // @ts-expect-error media.getStats() resolves with an array, one entry per call
  const notOne: CallStats = await media.getStats();
  // @ts-expect-error commandsRun is read-only
  media.commandsRun = 0;
  console.log(notOne);
  // @ts-expect-error codes are a closed set
  const bad: LccError = new LccError('ERR_NOPE');
  console.log(bad);
}

void main;

async function recordingUsage(call: import('../../js').Call): Promise<void> {
  await call.startRecording();
  await call.pauseRecording();
  await call.resumeRecording();
  const info = await call.stopRecording();
  const names: string[] = info.files.map((f) => f.name);
  const complete: boolean = info.complete;
  call.on('recording', (r) => r && r.folder);
  call.on('error', (e) => e.code);
  void names;
  void complete;
}
void recordingUsage;
