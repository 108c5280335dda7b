// The call page: /call#token=<party token>, where a party token's joinUrl
// leads; the same page runs in the widget script's overlay (an iframe, with
// ?embed=1: no top bar or footer). The token is in the fragment, never sent to
// a server; the signalling URL is this page's own origin (ws(s)://<host>/ws).
//
// Two steps, kept apart so that other ways in only change the first:
//   credentials()          who joins: {token, party, names, video, join}
//   startCall(creds, video)  the call itself, until it ends
//
// When framed, the page tells its parent (window.postMessage):
//   {type: 'lcc-call-layout', expanded}          the Expand control was pressed
//   {type: 'lcc-call-ended', reason, talkSeconds} the call is over for this party

import { LivechatCall } from '/client/livechat-call.js';
import { CallView, PARTY_NAMES, formatDuration, ownSignallingUrl } from './call-view.js';
import { takeTicketFromUrl, redeemTicket } from './join-ticket.js';

const $ = (id) => document.getElementById(id);

const EMBED = new URLSearchParams(location.search).get('embed') === '1';
const FRAMED = window.parent !== window;
if (EMBED) document.body.classList.add('embed');

/** What is wrong with a device, said so that the user can fix it (err.deviceError from the client). */
const MICROPHONE_PROBLEMS = {
  NotAllowedError: ['Microphone blocked', 'Your browser did not let this page use the microphone. Allow it (the camera or lock icon in the address bar, or the site settings) and try again.'],
  SecurityError: ['Microphone blocked', 'Your browser does not allow the microphone here. Allow it in the site settings and try again.'],
  NotFoundError: ['No microphone found', 'Connect a microphone or a headset, then try again.'],
  NotReadableError: ['Microphone in use', 'Another application is using the microphone. Close it, then try again.'],
  OverconstrainedError: ['No suitable microphone', 'Connect another microphone, then try again.'],
};

const END_WORDS = {
  declined: 'The call was declined.',
  missed: 'The call was not answered.',
  cancelled: 'The call was cancelled.',
  'service-closed': 'The call service shut down.',
  disconnected: 'The connection to the call service was lost.',
};

/** The party a token is for, read from its payload (for display only: the service checks the token). */
function partyOfToken(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload.p === 'visitor' || payload.p === 'agent' ? payload.p : null;
  } catch {
    return null;
  }
}

/**
 * Who joins this call, from the URL fragment: #token=<party token>[&join=audio|video]
 * (join= skips the Join screen: a UI that already asked). null when there is nothing to join with.
 * @returns {Promise<{token: string, party: 'visitor'|'agent'|null, names: {visitor?: string|null, agent?: string|null},
 *   video: boolean|null, join: 'audio'|'video'|null} | null>}
 */
async function credentials() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const join = ['audio', 'video'].includes(fragment.get('join')) ? fragment.get('join') : null;
  const token = fragment.get('token');
  if (token) return { token, party: partyOfToken(token), names: {}, video: null, join };
  // #ticket=: the visitor's Open call link (join-ticket.js), out of the address bar before anything else.
  const ticket = takeTicketFromUrl();
  if (ticket !== null) {
    const seat = await redeemTicket(ticket);
    return { token: seat.token, party: seat.party, names: seat.names || {}, video: seat.video, join };
  }
  // In the site call script's overlay: the parent page hands over the seat by postMessage.
  if (EMBED && FRAMED) return credentialsFromParent();
  return null;
}

/** How long the overlay's page waits for its parent's credentials. */
const PARENT_WAIT_MS = 15000;

/**
 * The seat the embedding page (js/client/livechat-calls-widget.js) hands
 * over: it answers our `lcc-call-ready` with `lcc-call-credentials`. Only the
 * parent window is listened to. null when nothing comes.
 */
function credentialsFromParent() {
  return new Promise((resolve) => {
    const done = (value) => {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      resolve(value);
    };
    const timer = setTimeout(() => done(null), PARENT_WAIT_MS);
    function onMessage(e) {
      const d = e.data;
      if (e.source !== window.parent || !d || d.type !== 'lcc-call-credentials' || typeof d.token !== 'string') return;
      done({
        token: d.token,
        party: partyOfToken(d.token),
        names: d.names && typeof d.names === 'object' ? d.names : {},
        video: typeof d.video === 'boolean' ? d.video : null,
        join: ['audio', 'video'].includes(d.join) ? d.join : null,
      });
    }
    window.addEventListener('message', onMessage);
    tellParent({ type: 'lcc-call-ready' });
  });
}

/** Tells the embedding page (the widget script's overlay) something; nothing secret goes this way. */
function tellParent(msg) {
  if (!FRAMED) return;
  // The parent's origin when the browser says it (Chromium, Safari); nothing in these messages is secret.
  const origin = location.ancestorOrigins && location.ancestorOrigins.length ? location.ancestorOrigins[0] : '*';
  window.parent.postMessage(msg, origin);
}

function nameOf(creds, party) {
  return (creds.names && creds.names[party]) || null;
}

/** The join card with a title, a detail and which buttons (join, retry, none). */
function showCard({ title, detail, buttons = 'none', talk = null }) {
  $('call-slot').classList.add('hidden');
  document.body.classList.remove('in-call');
  $('join-card').classList.remove('hidden');
  $('join-title').textContent = title;
  $('join-detail').textContent = detail || '';
  $('join-detail').classList.toggle('hidden', !detail);
  $('talk-time').textContent = talk === null ? '' : `Talk time ${formatDuration(talk)}`;
  $('talk-time').classList.toggle('hidden', talk === null);
  $('join-actions').classList.toggle('hidden', buttons !== 'join');
  $('retry-actions').classList.toggle('hidden', buttons !== 'retry');
}

/** Nothing to join, or something went wrong before the call. */
function fail(title, detail) {
  showCard({ title, detail });
  $('joining-as').classList.add('hidden');
}

/** The Join screen: whose seat, what kind of call, and the buttons that fit it. */
function showJoinScreen(creds) {
  const self = nameOf(creds, creds.party);
  const peer = nameOf(creds, creds.party === 'visitor' ? 'agent' : 'visitor');
  const joiningAs = creds.party ? `Joining as ${self ? `${self} (${creds.party})` : `the ${creds.party}`}` : '';
  $('joining-as').textContent = joiningAs;
  $('joining-as').classList.toggle('hidden', !joiningAs);
  const kind = creds.video === true ? 'Video call' : creds.video === false ? 'Audio call' : 'Call';
  showCard({
    title: peer ? `${kind} with ${peer}` : creds.video === null ? 'Join the call' : kind,
    detail: creds.video === false ? 'Your browser will ask for the microphone.' : 'Your browser will ask for the microphone (and the camera for video).',
    buttons: 'join',
  });
  // An audio call is joined with audio; a video call offers video first.
  $('join-video').classList.toggle('hidden', creds.video === false);
  $('join-audio').textContent = creds.video === false ? 'Join' : creds.video ? 'Join with audio only' : 'Join with audio';
  $('join-actions').classList.toggle('video-first', creds.video === true);
  $('join-audio').onclick = () => startCall(creds, false);
  $('join-video').onclick = () => startCall(creds, true);
  ($('join-video').classList.contains('hidden') || !creds.video ? $('join-audio') : $('join-video')).focus();
}

/** The call could not start: say why, and offer to try again when the user can fix it. */
function showJoinProblem(creds, video, err) {
  const device = err.code === 'ERR_MICROPHONE' && (MICROPHONE_PROBLEMS[err.deviceError] ||
    ['Microphone unavailable', `The microphone could not be started (${err.message}). Check it, then try again.`]);
  if (device) {
    const inFrame = FRAMED && err.deviceError === 'NotAllowedError' ? ' If this call is shown inside another page, that page must allow the microphone.' : '';
    showCard({ title: device[0], detail: device[1] + inFrame, buttons: 'retry' });
    $('join-card').dataset.problem = err.deviceError || 'microphone';
    $('retry').onclick = () => startCall(creds, video);
    $('retry').focus();
    return;
  }
  if (err.code === 'ERR_UNAUTHORIZED') fail('Could not join', 'This call has ended or the link has expired.');
  else if (err.code === 'ERR_SIGNALLING') {
    showCard({ title: 'Could not reach the call service', detail: 'Check your connection, then try again.', buttons: 'retry' });
    $('retry').onclick = () => startCall(creds, video);
  } else fail('Could not join', err.message);
}

/** The call is over for this party: who ended it, and the talk time. */
function showEnded(creds, { reason, by }, talkSeconds) {
  tellParent({ type: 'lcc-call-ended', reason, talkSeconds });
  if (reason === 'replaced') return fail('Call continues elsewhere', 'You joined this call from another tab or window.');
  if (reason === 'unauthorized') return fail('Call ended', 'This call has ended or the link has expired.');
  const who = !by || by === 'service' ? '' : by === creds.party ? ' by you' : ` by ${nameOf(creds, by) || `the ${by}`}`;
  $('joining-as').classList.add('hidden');
  showCard({
    title: `Call ended${who}`,
    detail: END_WORDS[reason] || '',
    talk: talkSeconds > 0 ? talkSeconds : null,
  });
  $('join-card').dataset.ended = reason;
}

/**
 * Joins the call with `creds` (from credentials()) and follows it until it
 * ends. `video`: send the camera too.
 */
async function startCall(creds, video) {
  $('join-audio').disabled = true;
  $('join-video').disabled = true;
  $('retry').disabled = true;
  delete $('join-card').dataset.problem;
  $('join-card').classList.add('hidden');
  const slot = $('call-slot');
  slot.classList.remove('hidden');
  document.body.classList.add('in-call');
  const peerParty = creds.party === 'visitor' ? 'agent' : creds.party === 'agent' ? 'visitor' : null;
  const view = new CallView(slot, {
    video,
    peerName: nameOf(creds, peerParty) || (peerParty ? PARTY_NAMES[peerParty] : undefined),
    selfName: nameOf(creds, creds.party) || undefined,
    onExpand: (expanded) => tellParent({ type: 'lcc-call-layout', expanded }),
  });
  const call = new LivechatCall({ signallingUrl: ownSignallingUrl(), token: creds.token, audio: true, video });
  view.attach(call);
  window.lccCall = call; // for the browser console and the e2e tests
  call.on('joined', (msg) => {
    // The service's word on names and the party wins over what the page guessed.
    creds.party = msg.party || creds.party;
    if (msg.names) creds.names = { ...creds.names, ...msg.names };
  });
  call.on('error', (err) => console.warn('call:', err.code, err.message));
  call.on('ended', (info) => {
    view.stop();
    showEnded(creds, info, view.talkSeconds);
  });
  const leave = () => call.close();
  window.addEventListener('pagehide', leave);
  try {
    await call.join();
  } catch (err) {
    window.removeEventListener('pagehide', leave);
    view.stop();
    for (const id of ['join-audio', 'join-video', 'retry']) $(id).disabled = false;
    showJoinProblem(creds, video, err);
  }
}

async function main() {
  let creds;
  try {
    creds = await credentials();
  } catch (err) {
    fail(err.title || 'Could not open the call', err.detail || err.message);
    return;
  }
  if (!creds) {
    fail('No call here', 'This page needs a call link (…/call#token=…). Ask for a new link.');
    return;
  }
  showJoinScreen(creds);
  if (creds.join) startCall(creds, creds.join === 'video');
}

main();
