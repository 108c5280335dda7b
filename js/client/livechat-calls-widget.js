// livechat-calls-widget.js: calls ring on the customer's own page (visitor path B).
//
// The site adds it beside Rocket.Chat's LiveChat embed code:
//
//   <script src="https://calls.example.com/client/livechat-calls-widget.js" async></script>
//
// What it does:
//   1. It gives Rocket.Chat's widget a LiveChat guest token it made itself
//      (RocketChat(function () { this.setGuestToken(token) })), kept in this
//      site's localStorage, so it knows the visitor without reading the
//      widget's storage (which browsers partition away from the site anyway).
//      data-guest-token="..." uses the site's own token instead (a signed-in
//      customer).
//   2. It holds one WebSocket to the call service (/ring) and proves the token
//      in its first message; the token goes nowhere else but Rocket.Chat.
//   3. When the agent starts a call, the page shows an incoming-call card
//      (caller, audio or video, Accept, Decline, a ring the visitor can mute).
//   4. Accept opens the call in an overlay on the page: the service's call page
//      in an iframe, handed the visitor's party token by postMessage (never in
//      a URL); the browser asks for the microphone and camera only then.
//      Decline ends the call as declined.
//
// Options (data- attributes on the script tag): data-guest-token, data-ring="off"
// (no ring sound), data-position="bottom-left" | "bottom-right" | "top-left" |
// "top-right" (where the card shows; the LiveChat widget sits bottom right).
// A plain script (not a module) with no dependencies, for any site.
(function livechatCallsWidget() {
  'use strict';

  const script = document.currentScript;
  if (!script || !script.src) return;
  const SERVICE = new URL(script.src).origin;
  const RING_URL = `${SERVICE.replace(/^http/, 'ws')}/ring`;
  const STORAGE_KEY = 'livechat-calls.guest-token';
  const options = {
    guestToken: script.dataset.guestToken || null,
    ring: script.dataset.ring !== 'off',
    position: /^(top|bottom)-(left|right)$/.test(script.dataset.position || '') ? script.dataset.position : 'bottom-left',
  };

  // ---- 1. The guest token, given to Rocket.Chat's widget -------------------

  function newToken() {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    return Array.from(bytes, (b) => alphabet[b % 62]).join(''); // ~190 bits
  }

  function guestToken() {
    if (options.guestToken) return options.guestToken;
    try {
      const kept = localStorage.getItem(STORAGE_KEY);
      if (kept && /^[A-Za-z0-9]{32}$/.test(kept)) return kept;
      const made = newToken();
      localStorage.setItem(STORAGE_KEY, made);
      return made;
    } catch {
      return newToken(); // storage blocked: this page view only
    }
  }

  const token = guestToken();
  // Rocket.Chat's embed code defines RocketChat(fn) and queues fn until the
  // widget loads; before the embed code, set up the same queue.
  if (typeof window.RocketChat !== 'function') {
    const queue = function RocketChat(c) { queue._.push(c); };
    queue._ = (window.RocketChat && window.RocketChat._) || [];
    window.RocketChat = queue;
  }
  window.RocketChat(function giveToken() { this.setGuestToken(token); });

  // ---- The card and the overlay (in a shadow root: the site's CSS stays out) ----

  const STYLE = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    .card { position: fixed; z-index: 2147483000; width: min(340px, calc(100vw - 24px)); padding: 16px;
      border-radius: 14px; background: #1f2329; color: #fff; box-shadow: 0 10px 30px rgba(0,0,0,.35); }
    .card[hidden], .overlay[hidden] { display: none; }
    .pos-bottom-left { left: 12px; bottom: 12px; } .pos-bottom-right { right: 12px; bottom: 12px; }
    .pos-top-left { left: 12px; top: 12px; } .pos-top-right { right: 12px; top: 12px; }
    .row { display: flex; align-items: center; gap: 12px; }
    .avatar { flex: none; width: 48px; height: 48px; border-radius: 50%; background: #2f6feb; display: grid;
      place-items: center; font-weight: 700; font-size: 18px; animation: pulse 1.6s ease-in-out infinite; }
    @keyframes pulse { 50% { box-shadow: 0 0 0 10px rgba(47,111,235,.25); } }
    @media (prefers-reduced-motion: reduce) { .avatar { animation: none; } }
    .who { font-weight: 700; font-size: 16px; } .what { color: #c9d1d9; font-size: 14px; margin-top: 2px; }
    .actions { display: flex; gap: 8px; margin-top: 14px; }
    button { font: inherit; font-size: 15px; border: 0; border-radius: 999px; padding: 10px 14px; cursor: pointer; color: #fff; }
    button:focus-visible { outline: 3px solid #ffd33d; outline-offset: 2px; }
    .accept { background: #1a7f37; flex: 1; } .decline { background: #cf222e; flex: 1; }
    .mute { background: #30363d; display: grid; place-items: center; } .mute[aria-pressed="true"] { background: #57606a; }
    .note { color: #c9d1d9; font-size: 14px; margin-top: 10px; }
    .overlay { position: fixed; z-index: 2147483001; right: 16px; bottom: 16px; width: 380px; height: 640px;
      max-width: calc(100vw - 32px); max-height: calc(100vh - 32px); border-radius: 14px; overflow: hidden;
      background: #111; box-shadow: 0 12px 40px rgba(0,0,0,.45); }
    .overlay.expanded { right: 5vw; bottom: 5vh; width: 90vw; height: 90vh; max-width: none; max-height: none; }
    @media (max-width: 600px) { .overlay, .overlay.expanded { inset: 0; width: 100vw; height: 100vh; max-width: none;
      max-height: none; border-radius: 0; } }
    iframe { width: 100%; height: 100%; border: 0; display: block; }
  `;

  const host = document.createElement('div');
  host.setAttribute('data-livechat-calls', '');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${STYLE}</style>
    <div class="card pos-${options.position}" role="alertdialog" aria-live="assertive" aria-labelledby="lcc-who" aria-describedby="lcc-what" hidden>
      <div class="row">
        <div class="avatar" aria-hidden="true"></div>
        <div><div class="who" id="lcc-who"></div><div class="what" id="lcc-what"></div></div>
      </div>
      <div class="actions">
        <button type="button" class="accept" data-testid="lcc-accept">Accept</button>
        <button type="button" class="decline" data-testid="lcc-decline">Decline</button>
        <button type="button" class="mute" data-testid="lcc-mute" aria-pressed="false" aria-label="Mute the ring"></button>
      </div>
      <div class="note" hidden></div>
    </div>
    <div class="overlay" role="dialog" aria-label="Call" hidden></div>`;
  const $ = (sel) => root.querySelector(sel);
  // Icons as inline SVG: emoji fonts are not on every machine.
  const BELL = '<path d="M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6V11a6 6 0 0 0-5-5.9V4a1 1 0 0 0-2 0v1.1A6 6 0 0 0 6 11v5l-2 2v1h16v-1l-2-2z"/>';
  const BELL_OFF = `${BELL}<path d="M3 3l18 18" stroke="currentColor" stroke-width="2"/>`;
  const icon = (paths) => `<svg width="18" height="18" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">${paths}</svg>`;
  const card = $('.card');
  $('.mute').innerHTML = icon(BELL);
  const overlay = $('.overlay');
  (document.body || document.documentElement).appendChild(host);

  function initials(name) {
    const parts = String(name || '').trim().split(/\s+/).filter(Boolean);
    return (parts.length ? parts.slice(0, 2).map((p) => p[0]) : ['?']).join('').toUpperCase();
  }

  // ---- The ring: a two-tone pattern made with WebAudio (no file to host) ----

  const ringer = {
    ctx: null,
    timer: null,
    muted: !options.ring,
    start() {
      if (this.muted || this.timer) return;
      try {
        this.ctx = this.ctx || new AudioContext();
        this.ctx.resume().catch(() => {}); // blocked until the visitor touched the page: the card still shows
      } catch {
        return;
      }
      const burst = () => {
        const t = this.ctx.currentTime;
        const gain = this.ctx.createGain();
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.15, t + 0.05);
        gain.gain.setValueAtTime(0.15, t + 1.2);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 1.3);
        gain.connect(this.ctx.destination);
        for (const f of [440, 480]) {
          const osc = this.ctx.createOscillator();
          osc.frequency.value = f;
          osc.connect(gain);
          osc.start(t);
          osc.stop(t + 1.3);
        }
      };
      burst();
      this.timer = setInterval(burst, 3000);
    },
    stop() {
      clearInterval(this.timer);
      this.timer = null;
    },
  };

  // ---- 2. The connection to the call service ----------------------------------

  let ws = null;
  let retryMs = 1000;
  let current = null; // the ringing call: {callId, callerName, video}

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function connect() {
    ws = new WebSocket(RING_URL);
    ws.onopen = () => {
      retryMs = 1000;
      ws.send(JSON.stringify({ type: 'hello', visitorToken: token }));
    };
    ws.onmessage = (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg.type === 'ring') showRing(msg);
      else if (msg.type === 'ring-ended' && current && msg.callId === current.callId) endRing(msg.reason);
      else if (msg.type === 'join') openCall(msg);
      else if (msg.type === 'error' && current && msg.callId === current.callId) showNote('The call could not be answered: it may have ended.');
    };
    ws.onclose = (e) => {
      ws = null;
      if (e.code === 4401) return; // refused: trying again will not help
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }

  // ---- 3. The incoming call --------------------------------------------------

  function showNote(text) {
    const note = $('.note');
    note.textContent = text;
    note.hidden = false;
  }

  function showRing(msg) {
    if (!overlay.hidden) return; // already in a call on this page
    current = { callId: msg.callId, callerName: msg.callerName, video: !!msg.video };
    $('.avatar').textContent = initials(msg.callerName);
    $('.who').textContent = msg.callerName || 'Support';
    $('.what').textContent = msg.video ? 'Incoming video call' : 'Incoming call';
    $('.note').hidden = true;
    for (const b of root.querySelectorAll('.accept, .decline')) b.disabled = false;
    card.hidden = false;
    card.dataset.callId = msg.callId;
    $('.accept').focus({ preventScroll: true });
    ringer.start();
  }

  const END_NOTES = { missed: 'Missed call.', cancelled: 'The call was cancelled.', ended: 'The call has ended.' };

  function endRing(reason) {
    ringer.stop();
    if (reason === 'accepted' || reason === 'joined' || reason === 'declined') {
      card.hidden = true;
      return;
    }
    for (const b of root.querySelectorAll('.accept, .decline')) b.disabled = true;
    showNote(END_NOTES[reason] || 'The call has ended.');
    setTimeout(() => { card.hidden = true; }, 4000);
    current = null;
  }

  $('.accept').addEventListener('click', () => {
    if (!current) return;
    ringer.stop();
    for (const b of root.querySelectorAll('.accept, .decline')) b.disabled = true;
    showNote('Connecting…');
    send({ type: 'answer', callId: current.callId, answer: 'accept' });
  });
  $('.decline').addEventListener('click', () => {
    if (!current) return;
    send({ type: 'answer', callId: current.callId, answer: 'decline' });
    ringer.stop();
    card.hidden = true;
    current = null;
  });
  $('.mute').addEventListener('click', (e) => {
    ringer.muted = !ringer.muted;
    e.currentTarget.setAttribute('aria-pressed', String(ringer.muted));
    e.currentTarget.setAttribute('aria-label', ringer.muted ? 'Unmute the ring' : 'Mute the ring');
    e.currentTarget.innerHTML = icon(ringer.muted ? BELL_OFF : BELL);
    if (ringer.muted) ringer.stop();
    else if (current && !card.hidden) ringer.start();
  });

  // ---- 4. The call, in an overlay -------------------------------------------

  let frame = null;
  let pendingCredentials = null; // for the call page, until it says it is ready

  function openCall(join) {
    card.hidden = true;
    current = null;
    frame = document.createElement('iframe');
    frame.title = 'Call';
    frame.allow = 'camera; microphone; fullscreen; autoplay; display-capture';
    frame.src = `${SERVICE}/call?embed=1`;
    // The party token goes by postMessage once the page asks for it: never in a URL.
    pendingCredentials = {
      type: 'lcc-call-credentials', token: join.token, party: join.party, names: join.names || {},
      video: !!join.video, join: join.video ? 'video' : 'audio',
    };
    overlay.replaceChildren(frame);
    overlay.hidden = false;
    overlay.classList.remove('expanded');
  }

  window.addEventListener('message', (e) => {
    if (!frame || e.source !== frame.contentWindow || e.origin !== SERVICE || !e.data || typeof e.data !== 'object') return;
    if (e.data.type === 'lcc-call-ready' && pendingCredentials) {
      frame.contentWindow.postMessage(pendingCredentials, SERVICE);
      pendingCredentials = null;
    } else if (e.data.type === 'lcc-call-layout') {
      overlay.classList.toggle('expanded', !!e.data.expanded);
    } else if (e.data.type === 'lcc-call-ended') {
      // The call page shows the outcome (talk time) for a moment, then the overlay goes.
      setTimeout(() => {
        overlay.hidden = true;
        overlay.replaceChildren();
        frame = null;
      }, 4000);
    }
  });

  connect();
})();
