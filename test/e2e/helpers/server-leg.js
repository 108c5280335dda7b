'use strict';
// Makes one party of a server-side Call look like a browser Peer to the
// signalling helpers (wireCandidates, waitForState): the test relays trickle
// candidates between a page and the MediaServer exactly as it would between
// two pages.

const { EventEmitter } = require('events');

/**
 * @param {import('../../../js').Call} call
 * @param {'visitor'|'agent'} party
 */
function serverLeg(call, party) {
  const leg = new EventEmitter();
  leg.name = `server:${party}`;
  leg.candidates = [];
  leg.state = { connectionState: 'new' };
  leg.history = [];
  const t0 = Date.now();
  call.on('candidate', (p, c) => {
    if (p !== party) return;
    leg.candidates.push(c);
    leg.emit('candidate', c);
  });
  call.on('state', (p, s, err) => {
    if (p !== party) return;
    leg.state.connectionState = s;
    leg.history.push({ t: Date.now() - t0, kind: 'state', data: s, err: err && err.message });
    leg.emit('state', s, err);
  });
  leg.addIceCandidate = (init) => call.addCandidate(party, init && init.candidate ? init : null);
  leg.describe = () => `${leg.name}: ${leg.history.map((h) => `${h.t}ms ${h.data}${h.err ? ` (${h.err})` : ''}`).join(', ')}`;
  return leg;
}

module.exports = { serverLeg };
