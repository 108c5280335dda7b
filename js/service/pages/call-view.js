// Shared UI of the demo pages: the in-call view (remote media, own preview,
// state and path in words, a duration timer, mic/camera/expand/hang-up
// buttons) bound to a LivechatCall, plus small helpers.

export const STATE_WORDS = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  waiting: 'Waiting for the other party…',
  negotiating: 'Connecting media…',
  connected: 'Connected',
  reconnecting: 'Connection lost, reconnecting…',
  ended: 'Call ended',
};

export const PATH_WORDS = {
  p2p: 'Direct (peer-to-peer)',
  relay: 'Through the server (relay)',
};

/** mm:ss or h:mm:ss */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${String(m).padStart(2, '0')}:${sec}`;
}

/** document.createElement with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** fetch() JSON; throws an Error with the service's message on a non-2xx answer. */
export async function api(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error((data.error && data.error.message) || `${method} ${url}: HTTP ${res.status}`);
    err.code = data.error && data.error.code;
    err.status = res.status;
    throw err;
  }
  return data;
}

/** The signalling URL of this page's own origin: ws(s)://<host>/ws */
export function ownSignallingUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/**
 * The in-call view. Build it with the other party's name, attach() a
 * LivechatCall, and it follows the call until it ends.
 */
export class CallView {
  /**
   * @param {HTMLElement} container where the view goes
   * @param {{peerName: string, video: boolean, onHangup?: () => void}} options
   */
  constructor(container, { peerName, video, onHangup }) {
    this.peerName = peerName;
    this.video = video;
    this.onHangup = onHangup;
    this.connectedAt = null;
    this.timer = null;
    this.call = null;

    this.remoteVideo = el('video', { class: 'remote hidden', autoplay: true, playsinline: true, 'data-testid': 'remote-video' });
    this.localVideo = el('video', { class: 'local hidden', autoplay: true, playsinline: true, 'data-testid': 'local-video' });
    this.localVideo.muted = true;
    this.placeholderText = el('div', { class: 'placeholder-text', text: video ? 'Waiting for video…' : 'Audio call' });
    this.avatarEl = el('div', { class: 'avatar', text: (peerName || '?').slice(0, 1).toUpperCase() });
    this.peerNameEl = el('div', { text: peerName });
    this.placeholder = el('div', { class: 'placeholder' }, this.avatarEl, this.peerNameEl, this.placeholderText);
    this.peerMicFlag = el('span', { class: 'badge bad hidden', text: `${peerName} muted` });
    this.peerCamFlag = el('span', { class: 'badge warn hidden', text: `${peerName}'s camera is off` });
    const stage = el('div', { class: 'stage' }, this.placeholder, this.remoteVideo, this.localVideo,
      el('div', { class: 'peer-flags' }, this.peerMicFlag, this.peerCamFlag));

    this.stateEl = el('span', { class: 'state', 'data-testid': 'call-state', text: STATE_WORDS.connecting });
    this.pathEl = el('span', { class: 'badge info hidden', 'data-testid': 'call-path' });
    this.timerEl = el('span', { class: 'timer', 'data-testid': 'call-timer', text: '00:00' });
    const info = el('div', { class: 'info' }, this.stateEl, this.pathEl, this.timerEl);

    this.micBtn = el('button', { type: 'button', 'data-testid': 'toggle-mic', onclick: () => this.toggleMic() }, 'Mute');
    this.camBtn = el('button', { type: 'button', 'data-testid': 'toggle-camera', onclick: () => this.toggleCamera() }, 'Camera off');
    this.expandBtn = el('button', { type: 'button', 'data-testid': 'expand', onclick: () => this.toggleExpand() }, 'Expand');
    this.hangupBtn = el('button', { type: 'button', class: 'btn-danger', 'data-testid': 'hangup', onclick: () => this.hangup() }, 'Hang up');
    const controls = el('div', { class: 'controls' }, this.micBtn, this.camBtn, this.expandBtn, this.hangupBtn);

    this.root = el('section', { class: 'call-view', 'aria-label': `Call with ${peerName}` }, stage, info, controls);
    this._onKey = (e) => { if (e.key === 'Escape' && this.root.classList.contains('expanded')) this.toggleExpand(); };
    document.addEventListener('keydown', this._onKey);
    container.replaceChildren(this.root);
  }

  /** Changes the other party's name (e.g. once `joined` says who we are). */
  setPeerName(name) {
    this.peerName = name;
    this.avatarEl.textContent = name.slice(0, 1).toUpperCase();
    this.peerNameEl.textContent = name;
    this.peerMicFlag.textContent = `${name} muted`;
    this.peerCamFlag.textContent = `${name}'s camera is off`;
    this.root.setAttribute('aria-label', `Call with ${name}`);
  }

  /** Follows a LivechatCall (before or after join()). */
  attach(call) {
    this.call = call;
    call.on('state', (s) => this.showState(s));
    call.on('path', (p) => this.showPath(p));
    call.on('remoteStream', (stream) => this.showRemote(stream));
    call.on('peerMedia', ({ audio, video }) => {
      this.peerMicFlag.classList.toggle('hidden', audio);
      this.peerCamFlag.classList.toggle('hidden', video || !this.video);
      this.updateRemoteVisibility();
    });
    call.on('peer', ({ present }) => {
      if (!present) this.placeholderText.textContent = `${this.peerName} left; waiting for them to come back…`;
    });
    call.on('joined', () => this.showLocal());
    this.showState(call.state);
  }

  showLocal() {
    const stream = this.call && this.call.localStream;
    if (!stream) return;
    const hasVideo = stream.getVideoTracks().length > 0;
    this.localVideo.srcObject = hasVideo ? stream : null;
    this.localVideo.classList.toggle('hidden', !hasVideo);
    this.camBtn.classList.toggle('hidden', !hasVideo);
    this.updateButtons();
  }

  showRemote(stream) {
    this.remoteVideo.srcObject = stream;
    this.remoteVideo.play().catch(() => { /* autoplay refused: a click on the page resumes it */ });
    this.updateRemoteVisibility();
  }

  updateRemoteVisibility() {
    const stream = this.remoteVideo.srcObject;
    const hasVideo = !!stream && stream.getVideoTracks().length > 0 && (!this.call || this.call.peerMedia.video);
    this.remoteVideo.classList.toggle('hidden', !hasVideo || !this.video);
    if (this.video && !hasVideo) this.placeholderText.textContent = stream ? 'Camera off' : 'Waiting for video…';
    if (!this.video) this.placeholderText.textContent = stream ? 'Audio call: you are connected' : 'Audio call';
  }

  showState(s) {
    this.stateEl.textContent = STATE_WORDS[s] || s;
    this.stateEl.dataset.state = s;
    if (s === 'connected' && !this.connectedAt) {
      this.connectedAt = Date.now();
      this.timer = setInterval(() => this.tick(), 500);
      this.tick();
    }
    if (s === 'ended') this.stop();
  }

  showPath(p) {
    this.pathEl.textContent = PATH_WORDS[p] || p;
    this.pathEl.dataset.path = p;
    this.pathEl.classList.remove('hidden');
  }

  tick() {
    if (this.connectedAt) this.timerEl.textContent = formatDuration((Date.now() - this.connectedAt) / 1000);
  }

  /** Seconds since media first connected (0 when it never did). */
  get talkSeconds() {
    return this.connectedAt ? Math.round(((this.endedAt || Date.now()) - this.connectedAt) / 1000) : 0;
  }

  toggleMic() {
    if (!this.call) return;
    this.call.setMicrophone(!this.call.microphoneOn);
    this.updateButtons();
  }

  toggleCamera() {
    if (!this.call) return;
    this.call.setCamera(!this.call.cameraOn);
    this.updateButtons();
  }

  updateButtons() {
    if (!this.call) return;
    const mic = this.call.microphoneOn;
    this.micBtn.textContent = mic ? 'Mute' : 'Unmute';
    this.micBtn.classList.toggle('btn-off', !mic);
    this.micBtn.setAttribute('aria-pressed', String(!mic));
    const cam = this.call.cameraOn;
    this.camBtn.textContent = cam ? 'Camera off' : 'Camera on';
    this.camBtn.classList.toggle('btn-off', !cam);
    this.camBtn.setAttribute('aria-pressed', String(!cam));
    this.localVideo.classList.toggle('hidden', !cam);
  }

  toggleExpand() {
    const on = this.root.classList.toggle('expanded');
    this.expandBtn.textContent = on ? 'Exit full window' : 'Expand';
  }

  async hangup() {
    this.hangupBtn.disabled = true;
    this.hangupBtn.textContent = 'Hanging up…';
    if (this.onHangup) this.onHangup();
    if (this.call) await this.call.hangup();
  }

  /** Stops the timer and disables the controls (the call is over). */
  stop() {
    if (!this.endedAt) this.endedAt = Date.now();
    clearInterval(this.timer);
    this.timer = null;
    for (const b of [this.micBtn, this.camBtn, this.hangupBtn]) b.disabled = true;
    this.root.classList.remove('expanded');
    document.removeEventListener('keydown', this._onKey);
  }
}

/**
 * A short ring tone with WebAudio (no audio file needed). Browsers may keep
 * it silent until the user has interacted with the page; that is fine.
 * @returns {{stop: () => void}}
 */
export function startRinging() {
  let ctx;
  try {
    ctx = new AudioContext();
  } catch {
    return { stop() {} };
  }
  const ring = () => {
    for (const [t, f] of [[0, 880], [0.25, 660]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + t);
      gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + t + 0.22);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + t);
      osc.stop(ctx.currentTime + t + 0.24);
    }
  };
  ring();
  const timer = setInterval(ring, 2000);
  return {
    stop() {
      clearInterval(timer);
      ctx.close().catch(() => {});
    },
  };
}
