'use strict';
// An operator's view of the call service: /healthz answers, and /metrics
// counts calls started and ended (by reason), refused signatures, and the
// calls open now by state and path, in Prometheus text format. /metrics
// serves a text rendered on a timer (a scrape loop makes no media-thread
// visit) and wants the metrics token wherever other machines reach the service.

const assert = require('assert');
const { createCallService } = require('../../../js/service/call-service');
const { signedFetch } = require('../../helpers/signed-fetch');

const SECRET = 'observability-test-secret-0123456789';

/** The value of one sample line of a Prometheus text body, or undefined. */
function sample(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Scrapes until `done(text)` holds: /metrics shows what its last rendering saw (1 s old at most here). */
async function scrapeUntil(scrape, done, what) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const text = await scrape();
    if (done(text)) return text;
    if (Date.now() > deadline) throw new Error(`/metrics never showed ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('call service /healthz and /metrics', function () {
  this.timeout(20000);
  let service;
  let url;
  const api = (req) => signedFetch(url, { secret: SECRET, ...req });

  before(async () => {
    service = createCallService({
      secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] }, metricsToken: 'metrics-token-0123456789', metricsRefreshSeconds: 1,
    });
    ({ url } = await service.listen());
  });
  after(() => service.close());

  it('GET /healthz answers 200 with the version and open calls', async () => {
    const res = await fetch(`${url}/healthz`);
    assert.strictEqual(res.status, 200);
    const body = await res.json();
    assert.strictEqual(body.status, 'ok');
    assert.strictEqual(body.version, require('../../../package.json').version);
    assert.strictEqual(typeof body.calls, 'number');
  });

  it('GET /metrics without the bearer token gets 401; with it, Prometheus text', async () => {
    assert.strictEqual((await fetch(`${url}/metrics`)).status, 401);
    assert.strictEqual((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789xx' } })).status, 401);
    const res = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    assert.strictEqual(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    assert.match(await res.text(), /# TYPE lcc_calls_started_total counter/);
  });

  it('counts started and ended calls by reason, refused signatures, and open calls by state', async () => {
    const scrape = async () => (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).text();
    const before = await scrape();
    const a = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'r1' } })).body;
    await api({ method: 'POST', path: '/api/calls', body: { roomId: 'r2' } });
    await api({ method: 'POST', path: `/api/calls/${a.id}/end`, body: { reason: 'declined' } });
    await signedFetch(url, { secret: 'another-secret-entirely-0123', method: 'GET', path: '/api/health' });
    const tally = service.calls.tally();
    const after = await scrapeUntil(scrape, (text) => sample(text, 'lcc_calls{state="created"}') === tally.byState.created, 'the new calls');
    const delta = (name) => (sample(after, name) || 0) - (sample(before, name) || 0);
    assert.strictEqual(delta('lcc_calls_started_total'), 2);
    assert.strictEqual(delta('lcc_calls_ended_total{reason="declined"}'), 1);
    assert.strictEqual(delta('lcc_auth_failures_total{kind="api"}'), 1);
    assert.strictEqual(sample(after, 'lcc_calls_by_path{path="none"}'), service.calls.openCount);
    assert.ok(!after.includes(SECRET) && !after.includes(a.id), 'no secrets or call ids in metrics');
  });

  it("counts the legs of the open calls' MediaServer calls (read with the asynchronous media.getStats())", async () => {
    const scrape = async () => (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).text();
    const { id } = (await api({ method: 'POST', path: '/api/calls', body: { roomId: 'r-legs' } })).body;
    const before = sample(await scrape(), 'lcc_media_legs');
    const media = service.media.createCall({ id }); // as the relay would, once a party needs the server
    await media.offer('visitor');
    await media.offer('agent');
    await scrapeUntil(scrape, (text) => sample(text, 'lcc_media_legs') - before === 2, 'two more legs');
    await media.end();
    await scrapeUntil(scrape, (text) => sample(text, 'lcc_media_legs') === before, 'the legs gone');
  });

  it('a rendering with 6 relayed calls costs the media thread one command (lcc_media_commands_total goes up by 1)', async () => {
    const scrape = async () => (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).text();
    const calls = [];
    for (let i = 0; i < 6; i++) {
      const { id } = (await api({ method: 'POST', path: '/api/calls', body: { roomId: `r-visit-${i}` } })).body;
      const call = service.media.createCall({ id });
      await call.offer('visitor');
      calls.push(call);
    }
    const first = await scrapeUntil(scrape, (text) => sample(text, 'lcc_media_legs') >= 6, 'the six calls');
    const commands = sample(first, 'lcc_media_commands_total');
    const second = await scrapeUntil(scrape, (text) => sample(text, 'lcc_media_commands_total') !== commands, 'the next rendering');
    assert.strictEqual(sample(second, 'lcc_media_commands_total') - sample(first, 'lcc_media_commands_total'), 1);
    for (const call of calls) await call.end();
  });

  it('a scrape loop costs no media-thread visit: scrapes read the text rendered on the timer', async () => {
    const s = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] }, metricsRefreshSeconds: 3600 });
    try {
      const { url: u } = await s.listen();
      const { id } = (await signedFetch(u, { secret: SECRET, method: 'POST', path: '/api/calls', body: { roomId: 'r-loop' } })).body;
      const media = s.media.createCall({ id });
      await media.offer('visitor');
      const first = await (await fetch(`${u}/metrics`)).text();
      assert.strictEqual(sample(first, 'lcc_media_legs'), 1);
      const commands = s.media.commandsRun;
      for (let i = 0; i < 50; i++) assert.strictEqual(await (await fetch(`${u}/metrics`)).text(), first);
      assert.strictEqual(s.media.commandsRun, commands, '50 scrapes ran no media-thread command');
    } finally {
      await s.close();
    }
  });

  it('other machines reach the service (public URL off loopback): /metrics wants the token, and is refused without one configured', async () => {
    const exposed = { secret: SECRET, port: 0, publicUrl: 'https://calls.example.org', media: { listenAddresses: ['127.0.0.1'] } };
    const open = createCallService({ secret: SECRET, port: 0, media: { listenAddresses: ['127.0.0.1'] } });
    const refused = createCallService(exposed);
    const guarded = createCallService({ ...exposed, metricsToken: 'metrics-token-0123456789' });
    try {
      assert.strictEqual((await fetch(`${(await open.listen()).url}/metrics`)).status, 200, 'this machine alone: open');
      const r = await fetch(`${(await refused.listen()).url}/metrics`);
      assert.strictEqual(r.status, 403);
      assert.strictEqual((await r.json()).error.code, 'ERR_METRICS_TOKEN_REQUIRED');
      const g = (await guarded.listen()).url;
      assert.strictEqual((await fetch(`${g}/metrics`)).status, 401);
      assert.strictEqual((await fetch(`${g}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).status, 200);
    } finally {
      await Promise.all([open.close(), refused.close(), guarded.close()]);
    }
  });
});
