'use strict';
// Signalling between pages and a server-side Call, done by the test itself:
// the page offers and the server answers, or the server offers and the page
// answers; trickle candidates are relayed both ways.

const { waitFor, waitForState, wireCandidates } = require('./signal');
const { serverLeg } = require('./server-leg');
const { launchBrowser } = require('./browser');
const { toneFile } = require('./tones');
const { openPeer } = require('./pages');

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
  // The page's candidates wait until the server has its offer, as the call
  // service holds them: a browser may trickle its first one (Firefox does)
  // before answer() has made the leg's session.
  let answered;
  const hasSession = new Promise((resolve) => { answered = resolve; });
  const addToLeg = leg.addIceCandidate;
  leg.addIceCandidate = async (c) => { await hasSession; return addToLeg(c); };
  const wiring = wireCandidates(page, leg);
  const t0 = Date.now();
  const offer = await page.createOffer();
  const answer = await call.answer(party, offer);
  answered();
  await page.acceptAnswer(answer);
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

/** Two Chromium processes with their pages: the visitor plays 440 Hz, the agent 880 Hz. */
async function openTwoParties(baseUrl, { video = false } = {}) {
  const [vb, ab] = await Promise.all([
    launchBrowser({ name: 'visitor', fakeAudioFile: await toneFile(440) }),
    launchBrowser({ name: 'agent', fakeAudioFile: await toneFile(880) }),
  ]);
  const [visitor, agent] = await Promise.all([openPeer(vb, { baseUrl, video }), openPeer(ab, { baseUrl, video })]);
  return { visitor, agent, browsers: { visitor: vb, agent: ab } };
}

/** The visitor page offers, the server offers to the agent page; resolves once audio is relayed. */
async function connectParties(call, { visitor, agent }) {
  const [v, a] = await Promise.all([pageOffers(call, 'visitor', visitor), serverOffers(call, 'agent', agent)]);
  await waitFor(async () => (await agent.audioPacketsReceived()) > 50, { what: 'audio relayed to the agent' });
  return { visitorMs: v.ms, agentMs: a.ms };
}

function fmtTone(r) {
  return r.frequency === null ? 'silence' : `${r.frequency.toFixed(1)} Hz at ${r.levelDb.toFixed(1)} dB`;
}

module.exports = { pageOffers, serverOffers, openTwoParties, connectParties, fmtTone };
