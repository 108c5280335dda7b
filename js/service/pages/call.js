// The generic call page of joinUrl links: /call#token=<party token>. The token
// is in the fragment (never sent to a server); the signalling URL is this
// page's own origin (ws(s)://<host>/ws).

import { LivechatCall } from '/client/livechat-call.js';
import { CallView, formatDuration, ownSignallingUrl } from './call-view.js';

const $ = (id) => document.getElementById(id);

// #token=<token>[&join=audio|video]: join= skips the "Join" screen (links from a UI that already asked).
const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));

function fail(title, detail) {
  $('join-card').classList.remove('hidden');
  $('join-actions').classList.add('hidden');
  $('join-title').textContent = title;
  $('join-detail').textContent = detail;
}

const token = fragment.get('token');
if (!token) fail('No call here', 'This page needs a call link (…/call#token=…). Ask for a new link.');

async function join(video) {
  $('join-audio').disabled = true;
  $('join-video').disabled = true;
  $('join-card').classList.add('hidden');
  const slot = $('call-slot');
  slot.classList.remove('hidden');
  const view = new CallView(slot, { peerName: 'Other party', video });
  const call = new LivechatCall({ signallingUrl: ownSignallingUrl(), token, audio: true, video });
  view.attach(call);
  window.lccCall = call; // for the browser console and the e2e tests
  call.on('joined', (msg) => {
    view.setPeerName(msg.party === 'visitor' ? 'Agent' : 'Visitor');
  });
  call.on('error', (err) => console.warn('call:', err.code, err.message));
  call.on('ended', ({ reason, by }) => {
    view.stop();
    slot.classList.add('hidden');
    const talk = view.talkSeconds;
    const who = by === call.party ? ' by you' : by && by !== 'service' ? ` by the ${by}` : '';
    if (reason === 'replaced') fail('Call continues elsewhere', 'You joined this call from another tab or window.');
    else if (reason === 'unauthorized') fail('Call ended', 'This call has ended or the link has expired.');
    else fail(`Call ended${who}`, talk > 0 ? `Talk time ${formatDuration(talk)}.` : `Reason: ${reason}.`);
  });
  window.addEventListener('pagehide', () => call.close());
  try {
    await call.join();
  } catch (err) {
    view.stop();
    slot.classList.add('hidden');
    fail('Could not join', err.code === 'ERR_UNAUTHORIZED' ? 'This call has ended or the link has expired.' : `${err.message}`);
  }
}

$('join-audio').addEventListener('click', () => join(false));
$('join-video').addEventListener('click', () => join(true));
if (token && ['audio', 'video'].includes(fragment.get('join'))) join(fragment.get('join') === 'video');
