'use strict';
// Signalling done by the test itself: relay trickle candidates between two endpoints,
// run an offer/answer, and wait for conditions with bounded timeouts.
//
// An endpoint is anything shaped like pages.js's Peer: an EventEmitter emitting
// 'candidate' (RTCIceCandidateInit, or null at the end of gathering) and
// 'connectionState', with async addIceCandidate(init|null), a `name`, a `state`
// object and optionally `candidates` (already gathered, replayed on wiring) and
// describe() (used in timeout messages). For offer/answer also createOffer(),
// acceptOffer(sdp) -> answer and acceptAnswer(sdp). A server-side leg can be
// wrapped in the same shape.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls fn until it returns a truthy value, which is returned. An error thrown by fn
 * rejects at once. Times out with an error naming `what` and fn's last value.
 * @template T
 * @param {() => T | Promise<T>} fn
 * @param {{timeoutMs?: number, intervalMs?: number, what?: string, describe?: () => string}} [opts]
 * @returns {Promise<T>}
 */
async function waitFor(fn, { timeoutMs = 10000, intervalMs = 50, what = 'a condition', describe } = {}) {
  const start = Date.now();
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    const elapsed = Date.now() - start;
    if (elapsed >= timeoutMs) {
      const extra = describe ? `\n${describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value: ${fmt(last)})${extra}`);
    }
    await sleep(Math.min(intervalMs, timeoutMs - elapsed));
  }
}

function fmt(v) {
  try { return JSON.stringify(v); } catch { return String(v); }
}

/**
 * Waits until endpoint.state[prop] equals want (or is one of want, if an array).
 * Rejects at once if it reaches one of failOn (default 'failed' and 'closed').
 * @returns {Promise<string>} the state reached
 */
function waitForState(endpoint, prop, want, { timeoutMs = 10000, failOn = ['failed', 'closed'] } = {}) {
  const wants = Array.isArray(want) ? want : [want];
  return waitFor(() => {
    const s = endpoint.state[prop];
    if (wants.includes(s)) return s;
    if (failOn.includes(s)) {
      const e = new Error(`${endpoint.name} ${prop} became '${s}' while waiting for ${wants.join('|')}` +
        (endpoint.describe ? `\n${endpoint.describe()}` : ''));
      e.code = 'ERR_STATE';
      throw e;
    }
    return null;
  }, {
    timeoutMs,
    intervalMs: 20,
    what: `${endpoint.name} ${prop} ${wants.join('|')}`,
    describe: endpoint.describe && (() => endpoint.describe()),
  });
}

/**
 * Relays candidates both ways between a and b, replaying what each has already
 * gathered. Relay failures are collected in `errors` (and rethrown by settled()),
 * not thrown from an event handler.
 * @returns {{errors: Error[], relayed: {[name: string]: number}, settled: () => Promise<void>, stop: () => void}}
 */
function wireCandidates(a, b, { replay = true } = {}) {
  const errors = [];
  const relayed = { [`${a.name}->${b.name}`]: 0, [`${b.name}->${a.name}`]: 0 };
  const inflight = new Set();
  const offs = [];
  const link = (from, to) => {
    const key = `${from.name}->${to.name}`;
    // Chained per direction so candidates arrive in gathering order.
    let chain = Promise.resolve();
    const relay = (c) => {
      chain = chain.then(() => to.addIceCandidate(c)).then(
        () => { relayed[key]++; },
        (e) => { errors.push(new Error(`relaying ${key} candidate ${fmt(c)}: ${e.message}`)); },
      );
      const p = chain;
      inflight.add(p);
      p.finally(() => inflight.delete(p));
    };
    if (replay && Array.isArray(from.candidates)) from.candidates.forEach(relay);
    from.on('candidate', relay);
    offs.push(() => from.off('candidate', relay));
  };
  link(a, b);
  link(b, a);
  return {
    errors,
    relayed,
    async settled() {
      await Promise.all([...inflight]);
      if (errors.length) throw new Error(errors.map((e) => e.message).join('\n'));
    },
    stop() { offs.forEach((off) => off()); },
  };
}

/**
 * Full call setup with trickle ICE: wires candidates, offerer.createOffer() ->
 * answerer.acceptOffer() -> offerer.acceptAnswer(), then waits until both report
 * connectionState 'connected'.
 * @returns {Promise<{connectMs: number, wiring: ReturnType<typeof wireCandidates>, offer: string, answer: string}>}
 *   connectMs: from createOffer() to both connected.
 */
async function connectPeers(offerer, answerer, { timeoutMs = 15000 } = {}) {
  const wiring = wireCandidates(offerer, answerer);
  const t0 = Date.now();
  try {
    const offer = await offerer.createOffer();
    const answer = await answerer.acceptOffer(offer);
    await offerer.acceptAnswer(answer);
    await Promise.all([
      waitForState(offerer, 'connectionState', 'connected', { timeoutMs }),
      waitForState(answerer, 'connectionState', 'connected', { timeoutMs }),
    ]);
    const connectMs = Date.now() - t0;
    if (wiring.errors.length) await wiring.settled(); // surfaces relay errors
    return { connectMs, wiring, offer, answer };
  } catch (e) {
    if (wiring.errors.length) e.message += `\ncandidate relay errors:\n${wiring.errors.map((x) => x.message).join('\n')}`;
    wiring.stop();
    throw e;
  }
}

module.exports = { waitFor, waitForState, wireCandidates, connectPeers, sleep };
