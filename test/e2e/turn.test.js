'use strict';
// TURN REST API credentials (js/service/calls/turn-credentials.js) against a real coturn
// (`use-auth-secret` + `static-auth-secret`) on 127.0.0.1, with real Chromium pages
// forced to relay (iceTransportPolicy 'relay'):
// - minted credentials authenticate: a page gathers a `typ relay` candidate over
//   UDP and over TCP to coturn, and two pages forced to relay connect through it;
// - credentials for another secret, and expired ones, gather no relay candidate
//   and a call forced to relay does not connect.
// Each case opens new pages (one RTCPeerConnection per page) in two browsers
// launched once.

const assert = require('assert');
const crypto = require('crypto');
const { launchBrowser, closeAllBrowsers } = require('./helpers/browser');
const { startPageServer, openPeer } = require('./helpers/pages');
const { connectPeers, wireCandidates, waitFor, waitForState, sleep } = require('./helpers/signal');
const { startCoturn, stopCoturnAll } = require('./helpers/coturn');
const { turnIceServers, mintTurnCredential } = require('../../js/service/calls/turn-credentials');

const SECRET = `turn-test-${crypto.randomBytes(8).toString('hex')}`;
const GATHER_MS = 5000; // Chromium finishes gathering (allocation or refusal) in well under a second here
const NO_CONNECT_MS = 4000; // a relayed call connects in ~0.3 s here; no connection after this long counts as refused

describe('e2e TURN: REST API credentials minted by turn-credentials.js against coturn (use-auth-secret)', function () {
  this.timeout(60000);
  let turn;
  let pages;
  let browsers;
  let n = 0;

  before(async function () {
    const [t, p, a, b] = await Promise.all([
      startCoturn({ secret: SECRET }),
      startPageServer(),
      launchBrowser({ name: 'turn-a' }),
      launchBrowser({ name: 'turn-b' }),
    ]);
    turn = t;
    pages = p;
    browsers = [a, b];
  });

  after(async function () {
    await closeAllBrowsers();
    if (pages) await pages.close();
    await stopCoturnAll();
  });

  afterEach(function () {
    if (this.currentTest.state === 'failed' && turn) {
      console.log(`      [coturn log, last 60 lines]\n${turn.logs().split('\n').slice(-60).join('\n')}`);
    }
  });

  /** A new page with its own RTCPeerConnection in browser 0 or 1. */
  async function peer(which, rtcConfig) {
    const b = browsers[which];
    const name = `${b.name}#${++n}`;
    const page = await b.context.newPage();
    return openPeer({ page, name }, { baseUrl: pages.baseUrl, rtcConfig });
  }

  function relayOnly(iceServers) {
    return { iceServers, iceTransportPolicy: 'relay' };
  }

  /** Starts gathering (an offer) and waits until it is complete; returns the candidate strings. */
  async function gather(p) {
    await p.createOffer();
    await waitFor(() => p.state.iceGatheringState === 'complete' || p.candidates.includes(null), {
      timeoutMs: GATHER_MS, what: `${p.name} ICE gathering complete`, describe: () => p.describe(),
    });
    return p.candidates.filter(Boolean).map((c) => c.candidate);
  }

  function relayCandidates(cands) {
    return cands.filter((c) => / typ relay( |$)/.test(c));
  }

  it('minted credentials authenticate: a relay-only page gathers a typ relay candidate (TURN over UDP)', async function () {
    const servers = turnIceServers({ urls: [turn.urls.udp], secret: SECRET, ttlSeconds: 600 }, 'call1-visitor');
    const p = await peer(0, relayOnly(servers));
    const cands = await gather(p);
    const relay = relayCandidates(cands);
    assert.ok(relay.length >= 1, `no relay candidate: ${JSON.stringify(cands)}\n${p.describe()}`);
    assert.deepStrictEqual(relayCandidates(cands), cands, 'relay policy: only relay candidates');
    // The relayed address is coturn's relay-ip, in its min-port..max-port range.
    const m = / udp \d+ (\S+) (\d+) typ relay/.exec(relay[0]);
    assert.ok(m, relay[0]);
    assert.strictEqual(m[1], '127.0.0.1');
    assert.ok(Number(m[2]) >= turn.minPort && Number(m[2]) <= turn.maxPort, `${m[2]} not in ${turn.minPort}-${turn.maxPort}`);
    const user = servers[0].username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await waitFor(() => new RegExp(`user <${user}>: incoming packet ALLOCATE processed, success`).test(turn.logs()), {
      timeoutMs: 2000, what: `coturn to log a successful ALLOCATE for ${servers[0].username}`,
    });
  });

  it('minted credentials authenticate over TCP to coturn too (turn:...?transport=tcp)', async function () {
    const servers = turnIceServers({ urls: [turn.urls.tcp], secret: SECRET }, 'call1-agent');
    const p = await peer(1, relayOnly(servers));
    const cands = await gather(p);
    assert.ok(relayCandidates(cands).length >= 1, `no relay candidate: ${JSON.stringify(cands)}\n${p.describe()}`);
  });

  it('two pages both forced to relay connect to each other through coturn', async function () {
    const urls = { urls: [turn.urls.udp], secret: SECRET };
    const a = await peer(0, relayOnly(turnIceServers(urls, 'call2-visitor')));
    const b = await peer(1, relayOnly(turnIceServers({ ...urls, urls: [turn.urls.tcp] }, 'call2-agent')));
    const { connectMs } = await connectPeers(a, b, { timeoutMs: 15000 });
    console.log(`      [turn] relayed call connected in ${connectMs} ms`);
    for (const p of [a, b]) {
      const pair = await p.selectedPair();
      assert.ok(pair, `${p.name}: no selected candidate pair`);
      assert.strictEqual(pair.local.candidateType, 'relay', `${p.name} local ${JSON.stringify(pair)}`);
      assert.strictEqual(pair.remote.candidateType, 'relay', `${p.name} remote ${JSON.stringify(pair)}`);
      assert.strictEqual(pair.remote.address, '127.0.0.1');
    }
    await waitFor(async () => (await b.audioPacketsReceived()) > 5 && (await a.audioPacketsReceived()) > 5,
      { timeoutMs: 5000, what: 'audio through the relay both ways' });
    await Promise.all([a.close(), b.close()]);
  });

  const badCases = [
    {
      name: 'a credential minted with another secret',
      servers: () => turnIceServers({ urls: [turn.urls.udp, turn.urls.tcp], secret: `${SECRET}-other` }, 'call3-visitor'),
      id: 'call3-visitor',
    },
    {
      name: 'an expired credential (minted two hours ago with a one-hour ttl)',
      servers: () => {
        const c = mintTurnCredential({ secret: SECRET, id: 'call4-visitor', ttlSeconds: 3600, now: Date.now() - 2 * 3600 * 1000 });
        assert.ok(c.expiresAt.getTime() < Date.now() - 3000 * 1000);
        return [{ urls: [turn.urls.udp, turn.urls.tcp], username: c.username, credential: c.credential }];
      },
      id: 'call4-visitor',
    },
  ];

  for (const bad of badCases) {
    it(`${bad.name} gathers no relay candidate, and a call forced to relay does not connect`, async function () {
      const good = turnIceServers({ urls: [turn.urls.udp], secret: SECRET }, 'good-agent');
      const a = await peer(0, relayOnly(bad.servers()));
      const b = await peer(1, relayOnly(good));
      const wiring = wireCandidates(a, b);
      try {
        const t0 = Date.now();
        const offer = await a.createOffer();
        await a.acceptAnswer(await b.acceptOffer(offer));
        // Both gatherings end: a's with nothing (coturn refused it), b's with a relay candidate.
        for (const p of [a, b]) {
          await waitFor(() => p.state.iceGatheringState === 'complete', {
            timeoutMs: GATHER_MS, what: `${p.name} ICE gathering complete`, describe: () => p.describe(),
          });
        }
        const gatherMs = Date.now() - t0;
        const aCands = a.candidates.filter(Boolean).map((c) => c.candidate);
        assert.deepStrictEqual(aCands, [], `${a.name} gathered candidates with a bad credential:\n${a.describe()}`);
        assert.ok(relayCandidates(b.candidates.filter(Boolean).map((c) => c.candidate)).length >= 1,
          `control: ${b.name} (good credential) has no relay candidate:\n${b.describe()}`);
        // a has no candidate at all, so no check can succeed: give ICE a few seconds, it must not connect.
        const failed = await Promise.race([
          waitForState(a, 'iceConnectionState', 'failed', { timeoutMs: NO_CONNECT_MS, failOn: [] }).then(() => true, () => false),
          sleep(NO_CONNECT_MS).then(() => false),
        ]);
        const connected = [a, b].filter((p) => p.history.some((h) => h.kind === 'connectionState' && h.data === 'connected'));
        assert.deepStrictEqual(connected.map((p) => p.name), [], 'a call forced to relay connected without a relay on one side');
        console.log(`      [turn] refused: gathering complete after ${gatherMs} ms; ICE ${failed ? 'failed' : `still ${a.state.iceConnectionState}`} after ${NO_CONNECT_MS} ms`);
      } finally {
        wiring.stop();
        await Promise.all([a.close(), b.close()]).catch(() => {});
      }
      // coturn refused this user name with 401 and allocated nothing for it.
      const lines = turn.logs().split('\n').filter((l) => l.includes(`:${bad.id}>`));
      assert.ok(lines.some((l) => /error 401/.test(l)), `coturn logged no 401 for ${bad.id}:\n${lines.join('\n')}`);
      assert.ok(!lines.some((l) => /ALLOCATE processed, success/.test(l)), `coturn allocated for ${bad.id}:\n${lines.join('\n')}`);
      console.log(`      [turn] coturn: ${lines.find((l) => /error 401|ERROR/.test(l)).replace(/^\d+: : /, '')}`);
    });
  }
});
