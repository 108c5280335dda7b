'use strict';
// What the call message in the room says and shows at each step of a call.
// One message per call, updated in place: buttons while the call can still be
// joined or ended, then a line with the outcome and the talk time.

const ACTIONS = {
  join: 'livechat-calls.join',
  end: 'livechat-calls.end',
};

const ACTIVE = new Set(['ringing', 'inProgress']);

/** 125 -> '2:05'; 3725 -> '1:02:05'. */
function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The message text for a session (also what notifications and plain clients show). */
function callText(session) {
  const by = session.startedBy && session.startedBy.name ? ` by ${session.startedBy.name}` : '';
  switch (session.callStatus) {
    case 'ringing':
      return session.provider === 'Jitsi'
        ? `Call started${by}: join it at ${session.jitsiUrl}`
        : `Call started${by}: waiting for the visitor to join.`;
    case 'inProgress':
      return `Call in progress.`;
    case 'ended':
      return session.answeredAt
        ? `Call ended. Talk time ${formatDuration(session.duration)}.`
        : `Call cancelled before the visitor joined.`;
    case 'declined':
      return `Call declined by the visitor.`;
    case 'missed':
      return session.endedBy === 'room-closed'
        ? 'Missed call: the conversation was closed while it rang.'
        : `Missed call: nobody joined within ${session.ringTimeoutSeconds} s.`;
    default:
      return `Call: ${session.callStatus}.`;
  }
}

function button(text, actionId, value, style, url) {
  const b = { type: 'button', text: { type: 'plain_text', text, emoji: false }, actionId, value };
  if (style) b.style = style;
  if (url) b.url = url;
  return b;
}

/** UIKit layout blocks: the text, then Join call / End call while the call is live. */
function callBlocks(session) {
  // any[]: the block types differ between Apps-Engine 1.42 (ui-kit Block) and 1.66 (LayoutBlock).
  /** @type {any[]} */
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: callText(session) } }];
  if (ACTIVE.has(session.callStatus)) {
    blocks.push({
      type: 'actions',
      elements: [
        button('Join call', ACTIONS.join, session.callId, 'primary', session.provider === 'Jitsi' ? session.jitsiUrl : undefined),
        button('End call', ACTIONS.end, session.callId, 'danger'),
      ],
    });
  }
  if (session.recording) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Recorded: ${session.recording.id}` }] });
  }
  return blocks;
}

module.exports = { ACTIONS, ACTIVE, callText, callBlocks, formatDuration };
