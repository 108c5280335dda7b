// The in-call view shared by the call page (/call, also in the widget's
// overlay) and the demo pages: the other party's video, or their avatar
// (initials, name) while their camera is off; your own preview; the call's
// state, path, quality and talk time; microphone, camera, expand and end
// controls. Bound to a LivechatCall with attach(). Plus small page helpers.

import { icon, setIcon } from './icons.js';

/** What each LivechatCall state is called on screen (waiting has its own words: statusText()). */
export const STATE_WORDS = {
  idle: 'Connecting…',
  connecting: 'Connecting…',
  waiting: 'Waiting…',
  negotiating: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Call ended',
};

export const PATH_WORDS = {
  p2p: 'Direct',
  relay: 'Through the server',
};

const PATH_TITLES = {
  p2p: 'Media goes directly between you and the other party (peer-to-peer)',
  relay: 'Media goes through the call server (relayed)',
};

export const QUALITY_WORDS = {
  good: 'Good connection',
  fair: 'Fair connection',
  poor: 'Poor connection',
};

/** Names used when the service does not send any. */
export const PARTY_NAMES = { visitor: 'Visitor', agent: 'Agent' };
const OTHER_PARTY = { visitor: 'agent', agent: 'visitor' };

/** Why a device could not be used, in words a user can act on (err.deviceError from the client). */
const CAMERA_PROBLEMS = {
  NotAllowedError: 'Camera blocked: the browser was not allowed to use it. You are in the call with audio only; allow the camera in the address bar and rejoin to be seen.',
  SecurityError: 'Camera blocked by the browser. You are in the call with audio only.',
  NotFoundError: 'No camera found: you are in the call with audio only.',
  OverconstrainedError: 'No suitable camera found: you are in the call with audio only.',
  NotReadableError: 'The camera is in use by another application: you are in the call with audio only.',
};
const CAMERA_PROBLEM_DEFAULT = 'The camera could not be started: you are in the call with audio only.';

/** mm:ss or h:mm:ss */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${String(m).padStart(2, '0')}:${sec}`;
}

/** "Vera Visitor" → "VV", "agent" → "A" (first letters of the first and last word). */
export function initialsOf(name) {
  const words = String(name || '').trim().split(/\s+/).filter(Boolean);
  if (!words.length) return '?';
  const first = [...words[0]][0];
  const last = words.length > 1 ? [...words[words.length - 1]][0] : '';
  return `${first}${last}`.toUpperCase();
}

/** One of the avatar colour classes (c0..c7), the same for the same name on both sides. */
export function avatarColorOf(name) {
  let h = 5381; // djb2 (xor variant)
  for (const ch of String(name || '')) h = Math.imul(h ^ ch.codePointAt(0), 33) >>> 0;
  return `c${h % 8}`;
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

/** An avatar: initials in a coloured circle. */
function avatar(name, extraClass) {
  return el('div', { class: `avatar ${avatarColorOf(name)} ${extraClass || ''}`.trim(), 'aria-hidden': 'true', text: initialsOf(name) });
}

function renameAvatar(node, name) {
  node.textContent = initialsOf(name);
  node.className = node.className.replace(/\bc\d\b/, avatarColorOf(name));
}

/** A round control with an icon and a caption under it. */
function controlButton({ testid, label, caption, iconName, onclick, extraClass }) {
  return el('button', { type: 'button', class: `ctl ${extraClass || ''}`.trim(), 'data-testid': testid, 'aria-label': label, title: label, onclick },
    el('span', { class: 'ctl-face' }, icon(iconName)),
    el('span', { class: 'ctl-caption', 'aria-hidden': 'true', text: caption }));
}

/**
 * The in-call view. Build it, attach() a LivechatCall, and it follows the
 * call until it ends. Names come from the options and, when the service sends
 * them, from the `joined` message (names.visitor / names.agent).
 */
export class CallView {
  /**
   * @param {HTMLElement} container where the view goes (its content is replaced)
   * @param {object} options
   * @param {string} [options.peerName] the other party's name (default: from `joined`, else Agent/Visitor)
   * @param {string} [options.selfName] your own name (default: from `joined`, else "You")
   * @param {boolean} options.video whether this side asked for the camera
   * @param {() => void} [options.onHangup] called when End is pressed (before the call hangs up)
   * @param {(expanded: boolean) => void} [options.onExpand] called when the view is expanded or collapsed
   * @param {boolean} [options.fullscreenOnPhones=true] expanding on a phone also enters full screen
   */
  constructor(container, { peerName, selfName, video, onHangup, onExpand, fullscreenOnPhones = true }) {
    this.peerName = peerName || 'Other party';
    this.selfName = selfName || 'You';
    this._namesGiven = { peer: !!peerName, self: !!selfName };
    this.video = !!video;
    this.onHangup = onHangup;
    this.onExpand = onExpand;
    this.fullscreenOnPhones = fullscreenOnPhones;
    this.connectedAt = null;
    this.endedAt = null;
    this.timer = null;
    this.call = null;
    this.callState = 'connecting';
    this.peerSeen = false; // the other party has been in the call at some point
    this.peerPresent = false;
    this.remoteHasFrames = false;

    this._buildStage();
    this._buildBar();
    this._buildControls();
    this.notice = el('div', { class: 'notice hidden', role: 'alert', 'data-testid': 'device-notice' });

    this.root = el('section', { class: `call-view ${this.video ? 'kind-video' : 'kind-audio'}`, 'data-testid': 'call-view', 'aria-label': `Call with ${this.peerName}` },
      this.stage, this.notice, this.controls);
    this._onKey = (e) => { if (e.key === 'Escape' && this.expanded) this.toggleExpand(); };
    this._onFullscreen = () => { if (!document.fullscreenElement && this.expanded && this._wentFullscreen) this.toggleExpand(); };
    document.addEventListener('keydown', this._onKey);
    document.addEventListener('fullscreenchange', this._onFullscreen);
    container.replaceChildren(this.root);
    this._render();
  }

  _buildStage() {
    // The other party while there is no video of them: avatar, name, what is going on.
    this.peerAvatar = avatar(this.peerName, 'avatar-lg');
    this.peerMutedDot = el('span', { class: 'muted-dot hidden', 'aria-hidden': 'true' }, icon('micOff'));
    this.peerNameEl = el('div', { class: 'peer-name', 'data-testid': 'peer-name', text: this.peerName });
    this.peerStatusEl = el('div', { class: 'peer-status', 'data-testid': 'peer-status' });
    this.peerTile = el('div', { class: 'peer-tile', 'data-testid': 'peer-avatar' },
      el('div', { class: 'avatar-wrap' }, this.peerAvatar, this.peerMutedDot), this.peerNameEl, this.peerStatusEl);

    this.remoteVideo = el('video', { class: 'remote hidden', autoplay: true, playsinline: true, 'data-testid': 'remote-video', 'aria-label': `${this.peerName}'s video` });
    for (const ev of ['playing', 'resize', 'loadeddata']) {
      this.remoteVideo.addEventListener(ev, () => {
        if (this.remoteVideo.videoWidth > 0 && !this.remoteHasFrames) {
          this.remoteHasFrames = true;
          this._render();
        }
      });
    }
    // Bottom left of the stage: the other party's name over their video, and whether they are muted.
    this.peerLabel = el('span', { class: 'chip hidden', 'data-testid': 'peer-label' });
    this.peerMutedBadge = el('span', { class: 'chip chip-bad hidden', 'data-testid': 'peer-muted' }, icon('micOff'), el('span'));
    this.peerChips = el('div', { class: 'peer-chips' }, this.peerLabel, this.peerMutedBadge);

    this.localVideo = el('video', { class: 'local hidden', autoplay: true, playsinline: true, 'data-testid': 'local-video', 'aria-label': 'Your camera' });
    this.localVideo.muted = true;
    this.selfAvatar = avatar(this.selfName, 'avatar-sm');
    this.selfMuted = el('span', { class: 'self-muted hidden', 'aria-hidden': 'true' }, icon('micOff'));
    this.selfTile = el('div', { class: 'self-tile', 'data-testid': 'self-view' },
      this.selfAvatar, this.localVideo, this.selfMuted, el('span', { class: 'self-label', text: 'You' }));

    this.banner = el('div', { class: 'banner hidden', 'data-testid': 'banner', role: 'status' });
    this.stage = el('div', { class: 'stage' }, this.peerTile, this.remoteVideo, this.peerChips, this.banner, this.selfTile);
  }

  _buildBar() {
    this.stateEl = el('span', { class: 'state', 'data-testid': 'call-state', role: 'status', 'aria-live': 'polite' });
    this.pathEl = el('span', { class: 'pill path hidden', 'data-testid': 'call-path' });
    this.qualityText = el('span');
    this.qualityEl = el('span', { class: 'pill quality hidden', 'data-testid': 'quality' }, icon('signal'), this.qualityText);
    this.timerEl = el('span', { class: 'timer hidden', 'data-testid': 'call-timer', 'aria-label': 'Talk time', text: '00:00' });
    this.bar = el('div', { class: 'bar' }, this.stateEl, this.timerEl, el('span', { class: 'bar-pills' }, this.pathEl, this.qualityEl));
    // The bar sits over the top of the stage.
    this.stage.prepend(this.bar);
  }

  _buildControls() {
    // Captions stay the same words as the labels (what speech input users say); the state is
    // aria-pressed, the colour, the crossed icon and the tooltip.
    this.micBtn = controlButton({ testid: 'toggle-mic', label: 'Mute microphone', caption: 'Mic', iconName: 'mic', onclick: () => this.toggleMic() });
    this.camBtn = controlButton({ testid: 'toggle-camera', label: 'Turn camera off', caption: 'Camera', iconName: 'cam', onclick: () => this.toggleCamera() });
    this.expandBtn = controlButton({ testid: 'expand', label: 'Expand', caption: 'Expand', iconName: 'expand', onclick: () => this.toggleExpand() });
    this.hangupBtn = controlButton({ testid: 'hangup', label: 'End call', caption: 'End', iconName: 'hangup', extraClass: 'ctl-end', onclick: () => this.hangup() });
    for (const b of [this.micBtn, this.camBtn, this.expandBtn]) b.setAttribute('aria-pressed', 'false');
    this.controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Call controls' },
      this.micBtn, this.camBtn, this.expandBtn, this.hangupBtn);
  }

  /** Sets the names shown (either may be omitted). */
  setNames({ peer, self } = {}) {
    if (peer) {
      this.peerName = peer;
      renameAvatar(this.peerAvatar, peer);
      this.peerNameEl.textContent = peer;
      this.root.setAttribute('aria-label', `Call with ${peer}`);
      this.remoteVideo.setAttribute('aria-label', `${peer}'s video`);
    }
    if (self) {
      this.selfName = self;
      renameAvatar(this.selfAvatar, self);
    }
    this._render();
  }

  /** Changes the other party's name. */
  setPeerName(name) {
    this.setNames({ peer: name });
  }

  /** Follows a LivechatCall (before or after join()). */
  attach(call) {
    this.call = call;
    call.on('state', (s) => this.showState(s));
    call.on('path', (p) => this.showPath(p));
    call.on('remoteStream', (stream) => this.showRemote(stream));
    call.on('peerMedia', () => this._render());
    call.on('peer', ({ present }) => {
      this.peerPresent = present;
      if (present) this.peerSeen = true;
      this._render();
    });
    call.on('joined', (msg) => this._onJoined(msg));
    call.on('quality', (q) => this.showQuality(q));
    call.on('error', (err) => { if (err && err.code === 'ERR_CAMERA') this.showCameraProblem(err); });
    if (call.cameraError) this.showCameraProblem(call.cameraError);
    if (call.party) this._onJoined({ party: call.party, peerPresent: call.peerPresent });
    this.showState(call.state);
  }

  _onJoined(msg) {
    const party = msg.party || (this.call && this.call.party);
    const names = msg.names || {};
    const peerParty = OTHER_PARTY[party];
    const peer = (peerParty && names[peerParty]) || (!this._namesGiven.peer && PARTY_NAMES[peerParty]) || null;
    const self = (party && names[party]) || null;
    this.setNames({ peer, self: this._namesGiven.self ? null : self });
    this.peerPresent = !!msg.peerPresent;
    if (this.peerPresent) this.peerSeen = true;
    this.showLocal();
  }

  /** Shows your own camera (or initials) from the call's local stream. */
  showLocal() {
    const stream = this.call && this.call.localStream;
    if (!stream) return;
    const hasVideo = stream.getVideoTracks().length > 0;
    if (this.localVideo.srcObject !== (hasVideo ? stream : null)) this.localVideo.srcObject = hasVideo ? stream : null;
    this._render();
  }

  showRemote(stream) {
    if (this.remoteVideo.srcObject !== stream) {
      this.remoteVideo.srcObject = stream;
      this.remoteHasFrames = false;
    }
    this.remoteVideo.play().catch(() => { /* autoplay refused: a click on the page resumes it */ });
    this._render();
  }

  showState(s) {
    this.callState = s;
    if (s === 'connected' && !this.connectedAt) {
      this.connectedAt = Date.now();
      this.timer = setInterval(() => this.tick(), 500);
      this.tick();
    }
    if (s === 'ended') this.stop();
    this._render();
  }

  showPath(p) {
    this.pathEl.textContent = PATH_WORDS[p] || p;
    this.pathEl.title = PATH_TITLES[p] || '';
    this.pathEl.dataset.path = p;
    this.pathEl.classList.remove('hidden');
  }

  /** The quality indicator (LivechatCall's `quality` event). */
  showQuality(q) {
    if (!q || !QUALITY_WORDS[q.level]) return;
    this.qualityEl.dataset.level = q.level;
    this.qualityText.textContent = QUALITY_WORDS[q.level];
    const parts = [];
    if (typeof q.mos === 'number') parts.push(`MOS ${q.mos.toFixed(1)}`);
    if (typeof q.lossPct === 'number') parts.push(`loss ${q.lossPct.toFixed(1)} %`);
    if (typeof q.jitterMs === 'number') parts.push(`jitter ${Math.round(q.jitterMs)} ms`);
    if (typeof q.rttMs === 'number') parts.push(`round trip ${Math.round(q.rttMs)} ms`);
    this.qualityEl.title = parts.join(' · ');
    this._render();
  }

  /** A video call went on without the camera: say why, once. */
  showCameraProblem(err) {
    this.showNotice(CAMERA_PROBLEMS[err.deviceError] || CAMERA_PROBLEM_DEFAULT, err.deviceError || 'camera');
  }

  /** A message above the controls (role=alert); kind goes to data-kind. */
  showNotice(text, kind) {
    this.notice.textContent = text;
    this.notice.dataset.kind = kind || '';
    this.notice.classList.remove('hidden');
  }

  tick() {
    if (this.connectedAt) this.timerEl.textContent = formatDuration(((this.endedAt || Date.now()) - this.connectedAt) / 1000);
  }

  /** Seconds since media first connected (0 when it never did). */
  get talkSeconds() {
    return this.connectedAt ? Math.round(((this.endedAt || Date.now()) - this.connectedAt) / 1000) : 0;
  }

  get expanded() {
    return this.root.classList.contains('expanded');
  }

  /** The status line: what the user should know now. */
  statusText() {
    const s = this.callState;
    const party = this.call && this.call.party;
    if (s === 'waiting') {
      if (this.peerSeen) return `${this.peerName} left · waiting for them to come back…`;
      return party === 'agent' ? `Ringing ${this.peerName}…` : `Waiting for ${this.peerName}…`;
    }
    return STATE_WORDS[s] || s;
  }

  /** Brings every part of the view in line with the call (cheap; called on each change). */
  _render() {
    const call = this.call;
    const s = this.callState;
    this.root.dataset.state = s;
    this.stateEl.textContent = this.statusText();
    this.stateEl.dataset.state = s;
    this.timerEl.classList.toggle('hidden', !this.connectedAt);
    // A measurement is about flowing media: none while (re)connecting.
    this.qualityEl.classList.toggle('hidden', !this.qualityEl.dataset.level || s !== 'connected');

    // The other party: video when their camera is on and frames arrive, else the avatar.
    const stream = this.remoteVideo.srcObject;
    const peerMedia = call ? call.peerMedia : { audio: true, video: true };
    const remoteVideoTrack = !!stream && stream.getVideoTracks().some((t) => t.readyState === 'live');
    const showVideo = remoteVideoTrack && peerMedia.video && this.remoteHasFrames && s !== 'waiting';
    this.remoteVideo.classList.toggle('hidden', !showVideo);
    this.peerTile.classList.toggle('hidden', showVideo);
    this.root.classList.toggle('peer-video', showVideo);
    this.peerStatusEl.textContent = this._peerStatus(s, remoteVideoTrack, peerMedia);
    this.peerAvatar.classList.toggle('ringing', s === 'waiting' && !this.peerSeen);

    const peerMuted = !peerMedia.audio && this.peerPresent && s !== 'waiting';
    this.peerMutedDot.classList.toggle('hidden', !peerMuted);
    this.peerMutedBadge.classList.toggle('hidden', !peerMuted);
    this.peerMutedBadge.lastChild.textContent = `${this.peerName} is muted`;
    this.peerLabel.classList.toggle('hidden', !showVideo);
    this.peerLabel.textContent = this.peerName;

    this.banner.classList.toggle('hidden', s !== 'reconnecting');
    this.banner.textContent = s === 'reconnecting' ? 'Connection lost · reconnecting…' : '';

    this._renderSelf();
  }

  _peerStatus(s, remoteVideoTrack, peerMedia) {
    if (s === 'waiting') return this.peerSeen ? 'Left the call' : (this.call && this.call.party === 'agent' ? 'Ringing…' : 'Not here yet');
    if (s === 'reconnecting') return 'Reconnecting…';
    if (s !== 'connected') return 'Connecting…';
    if (!remoteVideoTrack) return this.video ? 'Audio only' : 'Audio call';
    if (!peerMedia.video) return 'Camera off';
    return 'Video starting…';
  }

  _renderSelf() {
    const call = this.call;
    const stream = call && call.localStream;
    const hasCamera = !!stream && stream.getVideoTracks().length > 0;
    const cam = !!call && call.cameraOn;
    const mic = !call || call.microphoneOn;
    this.localVideo.classList.toggle('hidden', !cam);
    this.selfAvatar.classList.toggle('hidden', cam);
    this.selfMuted.classList.toggle('hidden', mic);

    this.micBtn.setAttribute('aria-pressed', String(!mic));
    this.micBtn.classList.toggle('ctl-off', !mic);
    setIcon(this.micBtn.firstChild, mic ? 'mic' : 'micOff');
    this.micBtn.title = mic ? 'Mute microphone (you can be heard)' : 'Microphone is muted: press to unmute';

    // Audio calls have no camera control; a video call without a camera keeps it, unusable, to say why.
    this.camBtn.classList.toggle('hidden', !this.video);
    this.camBtn.setAttribute('aria-pressed', String(!cam));
    this.camBtn.classList.toggle('ctl-off', !cam);
    setIcon(this.camBtn.firstChild, cam ? 'cam' : 'camOff');
    const noCamera = !!call && !!stream && !hasCamera;
    if (noCamera) this.camBtn.setAttribute('aria-disabled', 'true');
    else this.camBtn.removeAttribute('aria-disabled');
    this.camBtn.title = noCamera ? 'No camera in this call' : cam ? 'Turn camera off (you can be seen)' : 'Camera is off: press to turn it on';
    this.camBtn.setAttribute('aria-label', noCamera ? 'No camera' : 'Turn camera off');
    this.camBtn.lastChild.textContent = noCamera ? 'No camera' : 'Camera';

    const ex = this.expanded;
    this.expandBtn.setAttribute('aria-pressed', String(ex));
    setIcon(this.expandBtn.firstChild, ex ? 'collapse' : 'expand');
    this.expandBtn.title = ex ? 'Expanded: press to collapse (Esc)' : 'Expand';
  }

  /** Kept for the demo pages: refresh the buttons after a change made elsewhere. */
  updateButtons() {
    this._render();
  }

  toggleMic() {
    if (!this.call || this.endedAt) return;
    this.call.setMicrophone(!this.call.microphoneOn);
    this._render();
  }

  toggleCamera() {
    if (!this.call || this.endedAt || this.camBtn.getAttribute('aria-disabled') === 'true') return;
    this.call.setCamera(!this.call.cameraOn);
    this._render();
  }

  /** Fills the window (and, on a phone, the screen); the embedding page is told through onExpand. */
  toggleExpand() {
    const on = !this.expanded;
    this.root.classList.toggle('expanded', on);
    if (on && this.fullscreenOnPhones && isPhone() && this.root.requestFullscreen && !document.fullscreenElement) {
      this._wentFullscreen = true;
      this.root.requestFullscreen().catch(() => { this._wentFullscreen = false; });
    } else if (!on && document.fullscreenElement === this.root) {
      document.exitFullscreen().catch(() => {});
      this._wentFullscreen = false;
    }
    this._render();
    if (this.onExpand) this.onExpand(on);
  }

  async hangup() {
    if (this.hangupBtn.disabled) return;
    this.hangupBtn.disabled = true;
    this.hangupBtn.lastChild.textContent = 'Ending…';
    if (this.onHangup) this.onHangup();
    if (this.call) await this.call.hangup();
  }

  /** Stops the timer and disables the controls (the call is over). */
  stop() {
    if (!this.endedAt) this.endedAt = Date.now();
    clearInterval(this.timer);
    this.timer = null;
    for (const b of [this.micBtn, this.camBtn, this.hangupBtn]) b.disabled = true;
    if (this.expanded) this.toggleExpand();
    document.removeEventListener('keydown', this._onKey);
    document.removeEventListener('fullscreenchange', this._onFullscreen);
  }
}

/** A phone-sized device with a touch screen (its screen, not this frame: the call may be in an overlay). */
export function isPhone() {
  const small = Math.min(screen.width, screen.height) < 600;
  return small && matchMedia('(pointer: coarse)').matches;
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
