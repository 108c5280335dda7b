'use strict';
// What the call message in the room says and shows at each step of a call.
// One message per call, updated in place: buttons while the call can still be
// joined or ended, then a line with the outcome and the talk time.

const { qualityText } = require('../../common/quality');

const ACTIONS = {
  join: 'livechat-calls.join',
  end: 'livechat-calls.end',
  // The visitor's Open call link: the widget opens its URL and sends nothing;
  // the agent's client opens it and also sends this action, which does nothing.
  open: 'livechat-calls.open',
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
        : `${session.video ? 'Video call' : 'Call'} started${by}: waiting for the visitor to join.`;
    case 'inProgress':
      return `Call in progress.`;
    case 'ended':
      return session.answeredAt
        ? [`Call ended. Talk time ${formatDuration(session.duration)}.`, qualityText(session.quality)].filter(Boolean).join(' ')
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

/** 2026-12-07T14:31:05.000Z -> '14:31:05 UTC' */
function clockTime(iso) {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? '' : `${t.toISOString().slice(11, 19)} UTC`;
}

/**
 * UIKit layout blocks: the text, then Join call / End call while the call is
 * live; Open call instead of Join call while the visitor's link (linkUrl) is out.
 * @param {any} session a call session (call-lifecycle.js)
 * @param {{linkUrl?: string}} [link]
 */
function callBlocks(session, { linkUrl } = {}) {
  // any[]: the block types differ between Apps-Engine 1.42 (ui-kit Block) and 1.66 (LayoutBlock).
  /** @type {any[]} */
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: callText(session) } }];
  if (ACTIVE.has(session.callStatus) && linkUrl) {
    blocks.push({
      type: 'actions',
      elements: [
        button('Open call', ACTIONS.open, session.callId, 'primary', linkUrl),
        button('End call', ACTIONS.end, session.callId, 'danger'),
      ],
    });
    const until = session.visitorLink ? clockTime(session.visitorLink.expiresAt) : '';
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Open call takes the visitor's seat, once${until ? `, until ${until}` : ''}. Then Join call comes back.` }],
    });
  } else if (ACTIVE.has(session.callStatus)) {
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
