// The agent console: starts a call in the demo room (POST /demo/calls), joins
// with the agent's token at once (the service says 'waiting' until the visitor
// is there), shows the ringing, the call, and the outcome.

import { LivechatCall } from '/client/livechat-call.js';
import { CallView, api, formatDuration, ownSignallingUrl } from '/assets/call-view.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
const SAVED = 'lcc-demo-agent-call';
let current = null; // {id, video, call: LivechatCall, view: CallView|null, poll, ringStart, ringTimeoutSeconds, done}
let firstLog = true;

function log(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} · ${text}`;
  if (firstLog) $('log').replaceChildren();
  firstLog = false;
  $('log').prepend(li);
}

function setButtons(busy) {
  $('start-audio').disabled = busy;
  $('start-video').disabled = busy;
  $('record').disabled = busy;
}

function showOutcome(tone, title, detail) {
  const box = $('outcome');
  box.className = `card outcome ${tone}`;
  $('outcome-title').textContent = title;
  $('outcome-detail').textContent = detail || '';
}

async function start(video) {
  if (current && !current.done) return;
  setButtons(true);
  $('outcome').classList.add('hidden');
  let info;
  try {
    info = await api('POST', '/demo/calls', { video, record: $('record').checked });
  } catch (err) {
    showOutcome('bad', 'Could not start the call', err.message);
    setButtons(false);
    return;
  }
  const kind = video ? 'video' : 'audio';
  log(`Started ${info.record ? 'a recorded' : kind === 'audio' ? 'an' : 'a'} ${kind} call`);
  await run(info, video, Date.now());
}

/** Joins (or, after a reload, rejoins) the call and follows it until it ends. */
async function run(info, video, ringStart) {
  const kind = video ? 'video' : 'audio';
  // Kept for this tab only, so a reload rejoins the same call (the service resumes the party).
  sessionStorage.setItem(SAVED, JSON.stringify({ info, video, ringStart }));
  setButtons(true);
  const call = new LivechatCall({ signallingUrl: ownSignallingUrl(), token: info.token, audio: true, video });
  current = { id: info.callId, video, call, view: null, poll: null, ringStart, ringTimeoutSeconds: info.ringTimeoutSeconds, done: false, state: 'ringing' };
  const me = current;
  window.lccCall = call; // for the browser console and the e2e tests
  $('ringing-title').textContent = `Calling the visitor (${kind})…`;
  $('ringing').classList.remove('hidden');
  call.on('error', (err) => console.warn('call:', err.code, err.message));
  call.on('ended', () => refresh(me));
  call.on('state', (s) => { if (s === 'negotiating' || s === 'connected') showCall(me); });
  me.poll = setInterval(() => refresh(me), POLL_MS);
  refresh(me);
  try {
    await call.join();
  } catch (err) {
    showOutcome('bad', 'Could not join the call', `${err.message} (${err.code || 'error'})`);
    await api('POST', `/demo/calls/${encodeURIComponent(me.id)}/cancel`, {}).catch(() => {});
    finish(me);
  }
}

/** After a reload: rejoin the call this tab had, if it is still going. */
async function resume() {
  let saved;
  try {
    saved = JSON.parse(sessionStorage.getItem(SAVED) || 'null');
  } catch {
    saved = null;
  }
  if (!saved || !saved.info) return;
  const status = await api('GET', `/demo/calls/${encodeURIComponent(saved.info.callId)}`).catch(() => null);
  if (!status || status.state === 'ended') {
    sessionStorage.removeItem(SAVED);
    return;
  }
  log('Rejoining the call after a reload');
  await run(saved.info, saved.video, saved.ringStart || Date.now());
}

/** The visitor accepted: switch from the ringing card to the call view. */
function showCall(me) {
  if (me.view || me.done) return;
  $('ringing').classList.add('hidden');
  const slot = $('call-slot');
  slot.classList.remove('hidden');
  me.view = new CallView(slot, { peerName: 'Visitor', video: me.video });
  me.view.attach(me.call);
  me.view.showLocal();
  if (me.call.remoteStream) me.view.showRemote(me.call.remoteStream);
  if (me.call.path) me.view.showPath(me.call.path);
}

async function refresh(me) {
  if (me.done) return;
  let info;
  try {
    info = await api('GET', `/demo/calls/${encodeURIComponent(me.id)}`);
  } catch (err) {
    if (err.status === 404) finish(me, { state: 'ended', endReason: 'replaced', talkTimeSeconds: null });
    return;
  }
  if (me.done) return;
  if (info.state === 'ringing') {
    const waited = Math.floor((Date.now() - me.ringStart) / 1000);
    $('ringing-detail').textContent = `Ringing for ${waited} s (missed after ${info.ringTimeoutSeconds} s)`;
  } else if (info.state === 'inProgress') {
    if (me.state !== 'inProgress') log('The visitor accepted');
    me.state = 'inProgress';
    showCall(me);
  } else if (info.state === 'ended') {
    finish(me, info);
  }
}

function finish(me, info) {
  if (me.done) return;
  me.done = true;
  clearInterval(me.poll);
  sessionStorage.removeItem(SAVED);
  const talk = me.view ? me.view.talkSeconds : 0;
  if (me.view) me.view.stop();
  me.call.close();
  $('ringing').classList.add('hidden');
  $('call-slot').classList.add('hidden');
  $('call-slot').replaceChildren();
  setButtons(false);
  if (!info) return;
  const reason = info.endReason;
  const by = info.endedBy === 'agent' ? ' by you' : info.endedBy === 'visitor' ? ' by the visitor' : '';
  const talkTime = info.talkTimeSeconds !== null && info.talkTimeSeconds !== undefined ? info.talkTimeSeconds : talk;
  let tone = 'ok';
  let title;
  let detail;
  if (reason === 'declined') {
    tone = 'bad'; title = 'Declined'; detail = 'The visitor declined the call.';
  } else if (reason === 'missed') {
    tone = 'warn'; title = 'Missed'; detail = `The visitor did not answer within ${info.ringTimeoutSeconds} s.`;
  } else if (reason === 'cancelled') {
    tone = 'warn'; title = 'Cancelled'; detail = 'You cancelled the call before the visitor answered.';
  } else if (reason === 'replaced') {
    tone = 'warn'; title = 'Replaced'; detail = 'Another call was started in the demo room.';
  } else {
    title = `Call ended${by}`;
    detail = `Talk time ${formatDuration(talkTime)}${info.path ? ` · media went ${info.path === 'p2p' ? 'peer-to-peer' : 'through the server'}` : ''}${info.fallback ? ` (fell back: ${info.fallback.reason})` : ''}${info.record ? ' · recorded (see Recordings)' : ''}.`;
  }
  showOutcome(tone, title, detail);
  log(`${title}: ${detail}`);
}

$('start-audio').addEventListener('click', () => start(false));
$('start-video').addEventListener('click', () => start(true));
$('cancel').addEventListener('click', async () => {
  if (!current || current.done) return;
  $('cancel').disabled = true;
  try {
    await api('POST', `/demo/calls/${encodeURIComponent(current.id)}/cancel`, {});
  } catch { /* it may have been answered meanwhile: refresh shows what happened */ }
  $('cancel').disabled = false;
  refresh(current);
});
resume();
window.addEventListener('pagehide', () => { if (current && !current.done) current.call.close(); });
