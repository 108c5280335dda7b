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

/** The message text for a call (also what notifications and plain clients show). */
function callText(call) {
  const by = call.startedBy && call.startedBy.name ? ` by ${call.startedBy.name}` : '';
  switch (call.callStatus) {
    case 'ringing':
      return call.provider === 'Jitsi'
        ? `Call started${by}: join it at ${call.jitsiUrl}`
        : `${call.video ? 'Video call' : 'Call'} started${by}: waiting for the visitor to join.`;
    case 'inProgress':
      return `Call in progress.`;
    case 'ended':
      return call.answeredAt
        ? [`Call ended. Talk time ${formatDuration(call.duration)}.`, qualityText(call.quality)].filter(Boolean).join(' ')
        : `Call cancelled before the visitor joined.`;
    case 'declined':
      return `Call declined by the visitor.`;
    case 'missed':
      return call.endedBy === 'room-closed'
        ? 'Missed call: the conversation was closed while it rang.'
        : `Missed call: nobody joined within ${call.ringTimeoutSeconds} s.`;
    default:
      return `Call: ${call.callStatus}.`;
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
 * @param {import('./call-lifecycle').AppCall} call
 * @param {{linkUrl?: string}} [link]
 */
function callBlocks(call, { linkUrl } = {}) {
  // any[]: the block types differ between Apps-Engine 1.42 (ui-kit Block) and 1.66 (LayoutBlock).
  /** @type {any[]} */
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: callText(call) } }];
  if (ACTIVE.has(call.callStatus) && linkUrl) {
    blocks.push({
      type: 'actions',
      elements: [
        button('Open call', ACTIONS.open, call.callId, 'primary', linkUrl),
        button('End call', ACTIONS.end, call.callId, 'danger'),
      ],
    });
    const until = call.visitorLink ? clockTime(call.visitorLink.expiresAt) : '';
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Open call takes the visitor's seat, once${until ? `, until ${until}` : ''}. Then Join call comes back.` }],
    });
  } else if (ACTIVE.has(call.callStatus)) {
    blocks.push({
      type: 'actions',
      elements: [
        button('Join call', ACTIONS.join, call.callId, 'primary', call.provider === 'Jitsi' ? call.jitsiUrl : undefined),
        button('End call', ACTIONS.end, call.callId, 'danger'),
      ],
    });
  }
  if (call.recording) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Recorded: ${call.recording.id}` }] });
  }
  return blocks;
}

module.exports = { ACTIONS, ACTIVE, callText, callBlocks, formatDuration };
