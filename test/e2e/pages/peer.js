'use strict';
// One WebRTC party for the e2e tests, dependency-free. The test does the signalling:
// it calls window.peer.* through page.evaluate and receives local ICE candidates
// (null at the end of gathering) and state changes through window.__lccPush, which
// test/e2e/helpers/pages.js exposes before the page loads.
//
// Candidates that arrive before a remote description are queued and added once
// one is set, so the test may relay them as soon as they appear.

(function () {
  let pc = null;
  let localStream = null;
  const remoteStream = new MediaStream();
  let pending = []; // candidate inits (or null) waiting for a remote description

  function push(kind, data) {
    if (typeof window.__lccPush !== 'function') return;
    Promise.resolve(window.__lccPush(kind, data)).catch(() => {}); // the page may be closing
  }

  function need() {
    if (!pc) throw new Error('peer.init() has not been called');
    return pc;
  }

  function attachRemote() {
    const a = document.getElementById('remoteAudio');
    const v = document.getElementById('remoteVideo');
    a.srcObject = new MediaStream(remoteStream.getAudioTracks());
    v.srcObject = new MediaStream(remoteStream.getVideoTracks());
    a.play().catch(() => {});
    v.play().catch(() => {});
  }

  async function init(opts) {
    const o = opts || {};
    if (pc) throw new Error('peer.init() called twice');
    localStream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      video: !!o.video,
    });
    pc = new RTCPeerConnection(o.rtcConfig || { iceServers: [] });
    for (const t of localStream.getTracks()) pc.addTrack(t, localStream);
    pc.onicecandidate = (e) => push('candidate', e.candidate ? e.candidate.toJSON() : null);
    pc.onconnectionstatechange = () => push('connectionState', pc.connectionState);
    pc.oniceconnectionstatechange = () => push('iceConnectionState', pc.iceConnectionState);
    pc.onicegatheringstatechange = () => push('iceGatheringState', pc.iceGatheringState);
    pc.onsignalingstatechange = () => push('signalingState', pc.signalingState);
    pc.ontrack = (e) => {
      remoteStream.addTrack(e.track);
      attachRemote();
      push('track', { kind: e.track.kind, id: e.track.id, mid: e.transceiver && e.transceiver.mid });
    };
    return {
      audioTracks: localStream.getAudioTracks().map((t) => t.label),
      videoTracks: localStream.getVideoTracks().map((t) => t.label),
    };
  }

  async function flushPending() {
    const queued = pending;
    pending = [];
    for (const c of queued) await addNow(c);
  }

  function addNow(c) {
    // null means end-of-candidates: addIceCandidate() without an argument (W3C).
    return c === null ? pc.addIceCandidate() : pc.addIceCandidate(c);
  }

  async function createOffer(options) {
    const offer = await need().createOffer(options || {});
    await pc.setLocalDescription(offer);
    return pc.localDescription.sdp;
  }

  async function acceptAnswer(sdp) {
    await need().setRemoteDescription({ type: 'answer', sdp });
    await flushPending();
  }

  async function acceptOffer(sdp) {
    await need().setRemoteDescription({ type: 'offer', sdp });
    await flushPending();
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    return pc.localDescription.sdp;
  }

  async function addIceCandidate(c) {
    if (!need().remoteDescription) { pending.push(c === undefined ? null : c); return 'queued'; }
    await addNow(c === undefined ? null : c);
    return 'added';
  }

  function restartIce() {
    need().restartIce(); // the next createOffer() carries new ICE credentials
  }

  function close() {
    if (!pc) return;
    if (localStream) for (const t of localStream.getTracks()) t.stop();
    pc.close(); // fires no statechange event: report it ourselves
    push('connectionState', 'closed');
    push('iceConnectionState', 'closed');
  }

  const dominantFrequency = (opts) => window.lccToneMeter.dominantFrequency(remoteStream, opts);

  async function inbound(kind, field) {
    const report = await need().getStats();
    let sum = 0;
    report.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === kind) sum += s[field] || 0; });
    return sum;
  }

  /** The first inbound-rtp stats object of a kind (plain object), or null. */
  async function inboundStats(kind) {
    const report = await need().getStats();
    let found = null;
    report.forEach((s) => { if (!found && s.type === 'inbound-rtp' && s.kind === kind) found = Object.assign({}, s); });
    return found;
  }

  const videoFramesReceived = () => inbound('video', 'framesDecoded');
  const audioPacketsReceived = () => inbound('audio', 'packetsReceived');

  async function stats() {
    const report = await need().getStats();
    return Array.from(report.values()).map((s) => Object.assign({}, s));
  }

  /** The nominated candidate pair's local and remote candidates, or null. */
  async function selectedPair() {
    const report = await need().getStats();
    let pair = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
    });
    if (!pair) return null;
    const pick = (c) => c && { address: c.address, port: c.port, protocol: c.protocol, candidateType: c.candidateType };
    return { local: pick(report.get(pair.localCandidateId)), remote: pick(report.get(pair.remoteCandidateId)), state: pair.state };
  }

  function descriptions() {
    return {
      local: pc && pc.localDescription ? pc.localDescription.sdp : null,
      remote: pc && pc.remoteDescription ? pc.remoteDescription.sdp : null,
    };
  }

  window.peer = {
    init, createOffer, acceptAnswer, acceptOffer, addIceCandidate, restartIce, close,
    dominantFrequency, videoFramesReceived, audioPacketsReceived, inboundStats, stats, selectedPair, descriptions,
  };
  push('ready', null);
}());
