// The call page's second way in: /call#ticket=<join ticket>, the visitor's
// Open call link from the Rocket.Chat App's call message (see
// js/service/calls/join-tickets.js). The ticket is taken out of the address bar at
// once (so it is neither bookmarked nor shared by copying the URL) and traded,
// with a POST, for the party token the page joins with.

/**
 * The ticket in this page's fragment, removed from the address bar; null when there is none.
 * @returns {string|null}
 */
export function takeTicketFromUrl() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const ticket = fragment.get('ticket');
  if (ticket === null) return null;
  fragment.delete('ticket');
  const rest = fragment.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return ticket;
}

/** What went wrong, in words for the person holding the link. */
const TICKET_ERRORS = {
  ERR_TICKET_USED: ['This call link was already used', 'Each link works once. Press Join call in the chat to get a new one.'],
  ERR_TICKET_EXPIRED: ['This call link has expired', 'Links work for a minute. Press Join call in the chat to get a new one.'],
  ERR_CALL_ENDED: ['The call has ended', 'There is nothing to join any more.'],
  ERR_INVALID_REQUEST: ['This is not a call link', 'Press Join call in the chat to get one.'],
};

/**
 * Trades a ticket for the seat's credentials.
 * @param {string} ticket
 * @returns {Promise<{callId: string, party: 'visitor'|'agent', token: string, signallingUrl: string,
 *   video: boolean, names: {visitor?: string|null, agent?: string|null}}>}
 * @throws {Error} with .title and .detail for the page, and .code
 */
export async function redeemTicket(ticket) {
  let res;
  try {
    res = await fetch('/tickets/redeem', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket }),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw Object.assign(new Error('network'), { code: 'ERR_NETWORK', title: 'Could not reach the call service', detail: 'Check your connection and press Join call in the chat again.' });
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const code = body && body.error && body.error.code;
    const [title, detail] = TICKET_ERRORS[code] || ['Could not join', (body && body.error && body.error.message) || `HTTP ${res.status}`];
    throw Object.assign(new Error(title), { code: code || 'ERR_SERVICE', title, detail });
  }
  return body;
}
