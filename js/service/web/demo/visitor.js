// The visitor page: a LiveChat-like widget that rings when the agent calls
// (Server-Sent Events from /demo/events), then joins with the visitor's party token.

import { LivechatCall } from '/client/livechat-call.js';
import { CallView, api, el, formatDuration, ownSignallingUrl, startRinging } from '/assets/call-view.js';

const $ = (id) => document.getElementById(id);
const messages = $('messages');
const SAVED = 'lcc-demo-visitor-call';
let ringing = null; // {call: demo call, tone}
let active = null; // {call: LivechatCall, view: CallView, callId}

function system(html) {
  const node = el('div', { class: 'msg system', 'data-testid': 'system-message' });
  node.innerHTML = html;
  messages.append(node);
  messages.scrollTop = messages.scrollHeight;
  return node;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function setWidgetStatus(text) {
  $('widget-status').textContent = text;
}

function showIncoming(call) {
  if (active || (ringing && ringing.call.id === call.id)) return;
  stopRinging();
  ringing = { call, tone: startRinging() };
  $('incoming-kind').textContent = call.video ? 'Video call' : 'Audio call';
  $('incoming-title').textContent = `Incoming ${call.video ? 'video' : 'audio'} call from Agent`;
  $('incoming').classList.remove('hidden');
  $('accept').disabled = false;
  $('decline').disabled = false;
  setWidgetStatus('Calling you…');
  document.title = '📞 Incoming call · livechat-calls demo';
}

function stopRinging() {
  if (ringing) ringing.tone.stop();
  ringing = null;
  $('incoming').classList.add('hidden');
  document.title = 'Visitor · livechat-calls demo';
}

function ringEnded(call) {
  if (!ringing || ringing.call.id !== call.id) return;
  stopRinging();
  setWidgetStatus('Online · Example Store support');
  if (call.answered) return; // accepted (maybe in another tab)
  const words = {
    missed: '<strong>Missed call</strong> from Agent',
    cancelled: '<strong>Missed call</strong>: the agent hung up before you answered',
    declined: 'You declined the call',
  };
  system(words[call.endReason] || `Call ended (${escapeHtml(call.endReason || 'ended')})`);
}

async function accept() {
  if (!ringing) return;
  const demoCall = ringing.call;
  $('accept').disabled = true;
  $('decline').disabled = true;
  let info;
  try {
    info = await api('POST', `/demo/calls/${encodeURIComponent(demoCall.id)}/accept`, {});
  } catch (err) {
    stopRinging();
    system(`Could not accept the call: ${escapeHtml(err.message)}`);
    return;
  }
  stopRinging();
  startCall(info);
}

async function decline() {
  if (!ringing) return;
  const demoCall = ringing.call;
  stopRinging(); // first, so the 'ringEnded' event of our own decline is not reported twice
  setWidgetStatus('Online · Example Store support');
  try {
    await api('POST', `/demo/calls/${encodeURIComponent(demoCall.id)}/decline`, {});
    system('You declined the call');
  } catch (err) {
    system(`Could not decline: ${escapeHtml(err.message)}`);
  }
}

function startCall(info) {
  // Kept for this tab only, so a reload rejoins the same call (the service resumes the party).
  sessionStorage.setItem(SAVED, JSON.stringify(info));
  const slot = $('call-slot');
  slot.classList.remove('hidden');
  $('widget').classList.add('in-call');
  const view = new CallView(slot, { peerName: 'Agent', video: info.video });
  const call = new LivechatCall({ signallingUrl: ownSignallingUrl(), token: info.token, audio: true, video: info.video });
  active = { call, view, callId: info.callId };
  view.attach(call);
  window.lccCall = call; // for the browser console and the e2e tests
  setWidgetStatus(info.video ? 'In a video call' : 'In an audio call');
  call.on('error', (err) => console.warn('call:', err.code, err.message));
  call.on('ended', ({ reason, by }) => finish(reason, by));
  call.join().catch((err) => {
    system(`Could not join the call: ${escapeHtml(err.message)} (${escapeHtml(err.code || 'error')})`);
    finish(null);
  });
}

function finish(reason, by) {
  if (!active) return;
  const { view } = active;
  active = null;
  sessionStorage.removeItem(SAVED);
  view.stop();
  const talk = view.talkSeconds;
  $('call-slot').classList.add('hidden');
  $('call-slot').replaceChildren();
  $('widget').classList.remove('in-call');
  setWidgetStatus('Online · Example Store support');
  if (reason === null) return;
  const who = by === 'visitor' ? 'you' : by === 'agent' ? 'the agent' : null;
  if (reason === 'replaced') system('The call continues in another tab or window.');
  else if (talk > 0) system(`<strong>Call ended</strong>${who ? ` by ${who}` : ''} · ${formatDuration(talk)}`);
  else system(`<strong>Call ended</strong>${who ? ` by ${who}` : ''}${reason && reason !== 'ended' ? ` (${escapeHtml(reason)})` : ''}`);
}

function listen() {
  const events = new EventSource('/demo/events');
  events.addEventListener('open', () => { $('conn-note').textContent = 'Connected to the demo: waiting for calls from the agent.'; });
  events.addEventListener('error', () => { $('conn-note').textContent = 'Lost the connection to the demo service; retrying…'; });
  events.addEventListener('incoming', (e) => showIncoming(JSON.parse(e.data)));
  events.addEventListener('ringEnded', (e) => ringEnded(JSON.parse(e.data)));
}

$('accept').addEventListener('click', accept);
$('decline').addEventListener('click', decline);
$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('composer-input');
  if (!input.value.trim()) return;
  messages.append(el('div', { class: 'msg visitor', text: input.value.trim() }));
  messages.scrollTop = messages.scrollHeight;
  input.value = '';
});
window.addEventListener('pagehide', () => { if (active) active.call.close(); });
/** After a reload: rejoin the call this tab was in, if it is still going. */
async function resume() {
  let info;
  try {
    info = JSON.parse(sessionStorage.getItem(SAVED) || 'null');
  } catch {
    info = null;
  }
  if (!info || !info.callId) return;
  const status = await api('GET', `/demo/calls/${encodeURIComponent(info.callId)}`).catch(() => null);
  if (!status || status.state !== 'inProgress') {
    sessionStorage.removeItem(SAVED);
    return;
  }
  system('Rejoining your call…');
  startCall(info);
}

resume().finally(listen);
