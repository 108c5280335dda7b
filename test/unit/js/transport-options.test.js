'use strict';
// The transport options an operator sets show up in what the server announces:
// host candidates only on the listen addresses, ports inside the range, and the
// announced (1:1 NAT) address in place of the private one.

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { MediaServer } = require('../../..');

const offer = fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'sdp', 'chromium-offer-av.sdp'), 'utf8');

/** Answers the Chromium fixture and collects the server's candidates until gathering ends. */
async function candidatesFor(options) {
  const media = new MediaServer(options);
  try {
    const call = media.createCall({ id: 'transport' });
    const trickled = [];
    const done = new Promise((resolve) => call.on('candidate', (p, c) => (c ? trickled.push(c.candidate) : resolve())));
    const answer = await call.answer('visitor', offer);
    await done;
    const inSdp = answer.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));
    return { answer, candidates: [...inSdp, ...trickled].map((c) => c.split(' ')) };
  } finally {
    await media.close();
  }
}

describe('transport options', function () {
  this.timeout(20000);

  it('host candidates are gathered only on listenAddresses, loopback included', async function () {
    const { candidates } = await candidatesFor({ listenAddresses: ['127.0.0.1'] });
    assert.ok(candidates.length >= 1);
    for (const c of candidates) assert.strictEqual(c[4], '127.0.0.1', c.join(' '));
  });

  it('UDP and passive TCP candidates use ports inside ports.min..max', async function () {
    const { candidates } = await candidatesFor({ listenAddresses: ['127.0.0.1'], ports: { min: 42000, max: 42010 } });
    const bound = candidates.filter((c) => !c.includes('active'));
    assert.ok(bound.length >= 1);
    for (const c of bound) {
      const port = Number(c[5]);
      assert.ok(port >= 42000 && port <= 42010, `port ${port} outside 42000-42010: ${c.join(' ')}`);
    }
  });

  it('announcedAddress replaces the host address in candidates and in c=', async function () {
    const { answer, candidates } = await candidatesFor({ listenAddresses: ['127.0.0.1'], announcedAddress: '203.0.113.7' });
    for (const c of candidates.filter((x) => x[7] === 'host')) assert.strictEqual(c[4], '203.0.113.7', c.join(' '));
    assert.match(answer, /c=IN IP4 203\.0\.113\.7/);
  });
});
