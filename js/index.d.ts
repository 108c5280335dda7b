// Type definitions for livechat-calls (hand-written; test/types/usage.ts is compiled against them).
/// <reference types="node" />

import { EventEmitter } from 'events';

/** A call's two parties. */
export type Party = 'visitor' | 'agent';

/** A leg's state, like RTCPeerConnection.connectionState. */
export type LegState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** A STUN or TURN server, as in the browser's RTCConfiguration.iceServers. */
export interface RTCIceServer {
  /** stun:host[:port], turn:host[:port][?transport=udp|tcp] or turns:host[:port]. */
  urls: string | string[];
  /** Required for turn: and turns: URLs. */
  username?: string;
  /** Required for turn: and turns: URLs. */
  credential?: string;
  /** Only 'password' is supported. */
  credentialType?: 'password';
}

/** An ICE candidate as the browser's RTCIceCandidate.toJSON() gives it. */
export interface RTCIceCandidateInit {
  /** 'candidate:...' (an 'a=' prefix is accepted); '' means end of candidates. */
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** A candidate the server gathered, for the party's browser (addIceCandidate()). */
export interface LocalCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

/** Options of new MediaServer(). */
export interface MediaServerOptions {
  /** Numeric IPs where host candidates are gathered. Default: [] = every non-loopback interface. At most 8. */
  listenAddresses?: string[];
  /** A public numeric IP that replaces host candidate addresses (1:1 NAT). Default: none. */
  announcedAddress?: string | null;
  /** UDP/TCP port range for candidates, each 1024–65535. Default: { min: 40000, max: 49999 }. */
  ports?: { min?: number; max?: number };
  /**
   * STUN/TURN servers: Rocket.Chat's WebRTC_Servers string
   * ('user:pass@turn:host:3478, stun:host', URI-encoded user and password) or RTCIceServer[].
   * At most 8 URLs in all. Default: none.
   */
  iceServers?: string | RTCIceServer[];
  /** Where recordings are written (created when a recorded call starts). Default: './recordings'. */
  recordingsDir?: string;
  /** Remove recordings older than this many days, at start and daily; 0 keeps them. Default: 0. */
  retentionDays?: number;
  /** A connected leg that receives nothing for this long becomes 'disconnected'. 500–600000, default 5000. */
  disconnectedAfterMs?: number;
  /** Deadline for the DTLS handshake once ICE connects; then the leg fails. 1000–600000, default 15000. */
  dtlsTimeoutMs?: number;
  /** ICE over TCP (RFC 6544): gather passive TCP candidates, check TCP ones. Default false. */
  iceTcp?: boolean;
  /** Check parties' candidates in private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Default true. */
  allowPrivateCandidates?: boolean;
}

/** Options of MediaServer#createCall(). */
export interface CallOptions {
  /** 1–127 characters from A–Z a–z 0–9 . _ - ; unique among live calls. */
  id: string;
  /** Record the call into recordingsDir. Default: false. */
  record?: boolean;
}

/** One ICE candidate of a selected pair. */
export interface CandidateInfo {
  address: string;
  port: number;
  type: string;
  protocol: string;
}

/** Per-kind media counters of one leg. */
export interface MediaStats {
  mid: string;
  payloadType: number;
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  packetsLost: number;
  lossRate: number;
  jitterMs: number;
  remotePacketsLost: number;
  remoteFractionLost: number;
  remoteJitterMs: number;
  rttMs: number | null;
  nacksIn: number;
  plisIn: number;
  firsIn: number;
}

/** The SRTP protection profile a leg negotiated (RFC 5764 / RFC 7714 names). */
export type SrtpProfile = 'AEAD_AES_128_GCM' | 'AES_CM_128_HMAC_SHA1_80';

/** One party's leg in getStats() (and, without the ICE/DTLS details, in the summary). */
export interface LegStats {
  state: LegState;
  /** ISO time the leg first connected, or null. */
  connectedAt: string | null;
  /** getStats() only. */
  selectedCandidatePair?: { local: CandidateInfo; remote: CandidateInfo } | null;
  /** getStats() only. */
  iceRole?: 'controlling' | 'controlled';
  /** getStats() only. */
  dtlsRole?: 'client' | 'server' | null;
  srtpProfile: SrtpProfile | null;
  rttMs: number | null;
  audio: MediaStats | null;
  video: MediaStats | null;
  srtpErrors: number;
}

/** Call#getStats(), and each entry of MediaServer#getStats(). A party is null until its leg exists (answer() or offer()). */
export interface CallStats {
  id: string;
  startedAt: string;
  parties: { visitor: LegStats | null; agent: LegStats | null };
}

/** What a call leaves behind ('end' event, end()). */
export interface CallSummary {
  id: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601. */
  endedAt: string;
  durationMs: number;
  parties: { visitor: LegStats | null; agent: LegStats | null };
  /** The sidecar of the call's last recording (docs/recording.md), else null. */
  recording: RecordingInfo | null;
}

/** A recording's sidecar (recording.json, docs/recording.md). */
export interface RecordingInfo {
  version: 1;
  callId: string;
  /** The folder under recordingsDir. */
  folder: string;
  host: string;
  pid: number;
  parties: Party[];
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  files: { name: string; kind: 'audio' | 'mixed-audio' | 'video'; party: Party | null; bytes: number; durationMs: number }[];
  /** Per party: `lost` is missing RTP sequence numbers; `silenceMs` (DTX, pauses, a new source) and
   * `beforeFirstPacketMs` are time the file fills that is not loss (docs/recording.md). */
  packets: Record<Party, {
    received: number; lost: number; silenceMs: number; beforeFirstPacketMs: number;
    concealed: number; fecRecovered: number; late: number;
  }>;
  pauses: { startedAt: string; endedAt: string | null }[];
  /** True only when the recording ended normally and every file was finished. */
  complete: boolean;
  /** Why the recording failed, else null. */
  error: string | null;
  /** Set when a restart finished the sidecar of a crashed recording. */
  recovered?: boolean;
}

/** Every error code an LccError can carry. */
export type ErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_NO_MEMORY'
  | 'ERR_INTERNAL'
  | 'ERR_SDP_INVALID'
  | 'ERR_SDP_UNSUPPORTED'
  | 'ERR_CANDIDATE_INVALID'
  | 'ERR_FINGERPRINT_MISMATCH'
  | 'ERR_DTLS_FAILED'
  | 'ERR_SRTP_FAILED'
  | 'ERR_ICE_FAILED'
  | 'ERR_CALL_ENDED'
  | 'ERR_CALL_EXISTS'
  | 'ERR_CALL_NOT_FOUND'
  | 'ERR_INVALID_PARTY'
  | 'ERR_INVALID_STATE'
  | 'ERR_SERVER_CLOSED'
  | 'ERR_PACKET_INVALID'
  | 'ERR_BUFFER_TOO_SMALL'
  | 'ERR_TIMEOUT'
  | 'ERR_RECORDING_FAILED'
  | 'ERR_NO_DESCRIPTORS'
  | 'ERR_ADDON_NOT_BUILT'
  | 'ERR_ICE_SERVER_UNRESOLVED';

/** The error every API of this package throws or rejects with. */
export class LccError extends Error {
  constructor(code: ErrorCode, message?: string);
  /** A stable code, e.g. 'ERR_SDP_INVALID'. */
  readonly code: ErrorCode;
}

/** The codes as constants: errorCodes.ERR_SDP_INVALID === 'ERR_SDP_INVALID'. */
export const errorCodes: Readonly<{ [K in ErrorCode]: K }>;

/**
 * Parses STUN/TURN servers given as Rocket.Chat's WebRTC_Servers setting or as
 * RTCIceServer[]; '' , null and undefined give [].
 * @throws LccError ERR_INVALID_OPTION naming the malformed entry.
 */
export function parseIceServers(input: string | RTCIceServer[] | null | undefined): RTCIceServer[];

/** A call between a LiveChat visitor and an agent. Created by MediaServer#createCall(). */
export class Call extends EventEmitter {
  private constructor();
  /** The id given to createCall(). */
  readonly id: string;
  /** Whether the call is recorded. */
  readonly record: boolean;
  /** True once 'end' was emitted. */
  readonly ended: boolean;
  /** The summary once ended, else null. */
  readonly summary: CallSummary | null;
  /** The last state reported for each party. */
  readonly states: { visitor: LegState; agent: LegState };
  /**
   * Resolves once the core created the call; rejects with the core's LccError
   * (e.g. ERR_CALL_EXISTS) if it refused. A refused call also emits 'error'
   * (when listened for) then 'end', and its methods reject with that error.
   */
  readonly ready: Promise<void>;

  /** Takes the browser's offer; resolves with the server's answer SDP. */
  answer(party: Party, offer: string): Promise<string>;
  /** Makes an offer for the party's browser; give its answer to acceptAnswer(). */
  offer(party: Party): Promise<string>;
  /** Takes the browser's answer to offer() or restartIce(). */
  acceptAnswer(party: Party, answer: string): Promise<void>;
  /** Adds a remote candidate; null, undefined or {candidate: ''} = end of candidates. Rejects with ERR_CANDIDATE_INVALID. */
  addCandidate(party: Party, candidate?: RTCIceCandidateInit | null): Promise<void>;
  /** Restarts ICE for the party; resolves with a new offer. */
  restartIce(party: Party): Promise<string>;
  /** Drops the party's leg (its browser went away or reloaded); the next answer()/offer() starts a new one. */
  resetLeg(party: Party): Promise<void>;
  /** The call's statistics, read asynchronously (the JS thread never waits for the media thread). Rejects with ERR_CALL_ENDED. */
  getStats(): Promise<CallStats>;
  /** Ends the call (idempotent); with a recording, resolves once its files are finished. */
  end(): Promise<CallSummary>;
  /** The recordings made during this call, oldest first. */
  readonly recordings: RecordingInfo[];
  /** Starts recording (no-op while recording). */
  startRecording(): Promise<void>;
  /** Pauses the recording: the pause is silence in the files. Rejects ERR_INVALID_STATE when not recording. */
  pauseRecording(): Promise<void>;
  resumeRecording(): Promise<void>;
  /** Stops the recording; resolves with its sidecar once the files are finished. */
  stopRecording(): Promise<RecordingInfo>;

  /** A local candidate for the party's browser, or null when gathering is done. */
  on(event: 'candidate', listener: (party: Party, candidate: LocalCandidate | null) => void): this;
  /** A leg changed state; error tells why it failed. */
  on(event: 'state', listener: (party: Party, state: LegState, error?: LccError) => void): this;
  /** The call ended; nothing follows. */
  on(event: 'end', listener: (summary: CallSummary) => void): this;
  /** A recording ended or failed (complete: false); info is its sidecar. */
  on(event: 'recording', listener: (info: RecordingInfo | null) => void): this;
  /** A recording could not be written (ERR_RECORDING_FAILED; the call goes on), or the core refused to create the call ('end' follows). Emitted only when listened for. */
  on(event: 'error', listener: (error: LccError) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'candidate', listener: (party: Party, candidate: LocalCandidate | null) => void): this;
  once(event: 'state', listener: (party: Party, state: LegState, error?: LccError) => void): this;
  once(event: 'end', listener: (summary: CallSummary) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'candidate', listener: (party: Party, candidate: LocalCandidate | null) => void): this;
  off(event: 'state', listener: (party: Party, state: LegState, error?: LccError) => void): this;
  off(event: 'end', listener: (summary: CallSummary) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** Terminates the WebRTC legs of LiveChat calls and relays media between them. */
export class MediaServer extends EventEmitter {
  /**
   * Validates every option (ERR_INVALID_OPTION), then starts the media thread.
   * @throws LccError ERR_INVALID_OPTION, ERR_ADDON_NOT_BUILT
   */
  constructor(options?: MediaServerOptions);
  /** SHA-256 fingerprint of the DTLS certificate ("AB:CD:..."), as in a=fingerprint:sha-256. */
  readonly fingerprint: string;
  /** The STUN/TURN servers in RTCIceServer form. */
  readonly iceServers: RTCIceServer[];
  /** True once close() was called. */
  readonly closed: boolean;
  /**
   * Commands the media thread has run since the server started (each call method that needs it costs one;
   * getStats() costs one whatever the number of calls). Readable after close().
   */
  readonly commandsRun: number;
  /** ICE-TCP connections shut for passing no ICE check (iceTcp on); kept after close(). */
  readonly iceTcpConnectionsShut: number;
  /**
   * Creates a call (synchronously; the core creates it just after: see Call#ready for its refusal).
   * @throws LccError ERR_INVALID_OPTION, ERR_CALL_EXISTS, ERR_SERVER_CLOSED
   */
  createCall(options: CallOptions): Call;
  /** The live call with this id. */
  getCall(id: string): Call | undefined;
  /** Replaces the STUN/TURN servers for legs created from now on. */
  setIceServers(iceServers: string | RTCIceServer[]): Promise<void>;
  /**
   * Every live call's statistics, in creation order, read in one visit to the media thread.
   * @throws LccError (rejects) ERR_SERVER_CLOSED
   */
  getStats(): Promise<CallStats[]>;
  /** Ends every call, then destroys the native server (idempotent). */
  close(): Promise<void>;

  /** A problem no method can report (e.g. ERR_ICE_SERVER_UNRESOLVED). */
  on(event: 'warning', listener: (error: LccError) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'warning', listener: (error: LccError) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'warning', listener: (error: LccError) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}
