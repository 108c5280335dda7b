'use strict';
// Signalling between pages and a server-side Call, done by the test itself:
// the page offers and the server answers, or the server offers and the page
// answers; trickle candidates are relayed both ways.

const { waitForState, wireCandidates } = require('./signal');
const { serverLeg } = require('./server-leg');

async function settle(call, party, page, leg, wiring, t0, timeoutMs) {
  await Promise.all([
    waitForState(page, 'connectionState', 'connected', { timeoutMs }),
    waitForState(leg, 'connectionState', 'connected', { timeoutMs }),
  ]);
  await wiring.settled();
  return { ms: Date.now() - t0, leg, wiring };
}

/** The page offers, the server answers. Resolves once both ends are connected. */
async function pageOffers(call, party, page, { timeoutMs = 15000 } = {}) {
  const leg = serverLeg(call, party);
  const wiring = wireCandidates(page, leg);
  const t0 = Date.now();
  const offer = await page.createOffer();
  await page.acceptAnswer(await call.answer(party, offer));
  return settle(call, party, page, leg, wiring, t0, timeoutMs);
}

/** The server offers, the page answers. */
async function serverOffers(call, party, page, { timeoutMs = 15000 } = {}) {
  const leg = serverLeg(call, party);
  const wiring = wireCandidates(page, leg);
  const t0 = Date.now();
  const answer = await page.acceptOffer(await call.offer(party));
  await call.acceptAnswer(party, answer);
  return settle(call, party, page, leg, wiring, t0, timeoutMs);
}

function fmtTone(r) {
  return r.frequency === null ? 'silence' : `${r.frequency.toFixed(1)} Hz at ${r.levelDb.toFixed(1)} dB`;
}

module.exports = { pageOffers, serverOffers, fmtTone };
