'use strict';
// The App's pure parts, outside the engine: setting checks, the Jitsi URL,
// the call state machine and the message texts. The engine runs the rest in
// test/e2e/app-*.test.js.

const assert = require('assert');
const { checkSetting, definitions, ids } = require('../../../js/app/lib/settings');
const { jitsiRoomUrl } = require('../../../js/app/lib/jitsi');
const { nextStatus } = require('../../../js/app/lib/call-lifecycle');
const { callText, callBlocks, formatDuration, ACTIONS } = require('../../../js/app/lib/call-messages');
const en = require('../../../js/app/i18n/en.json');

const JITSI_DEFAULTS = { jitsiDomain: 'meet.jit.si', jitsiPrefix: 'RocketChat', jitsiSuffix: '', jitsiHash: true, jitsiSsl: true };

describe('App settings', () => {
  it('every setting has an English label and description, and every select value a label', () => {
    for (const s of definitions) {
      assert.ok(en[s.i18nLabel], `${s.id}: no ${s.i18nLabel}`);
      assert.ok(en[s.i18nDescription], `${s.id}: no ${s.i18nDescription}`);
      assert.ok(en[s.section], `${s.id}: no label for section ${s.section}`);
      for (const v of s.values || []) assert.ok(en[v.i18nLabel], `${s.id}: no ${v.i18nLabel}`);
    }
  });

  it('every default passes its own check', () => {
    for (const s of definitions) assert.strictEqual(checkSetting(s.id, s.packageValue), null, s.id);
  });

  const bad = [
    [ids.enabled, 'yes', /true or false/],
    [ids.provider, 'Zoom', /none, WebRTC, Jitsi/],
    [ids.recording, 'sometimes', /off, always, agent/],
    [ids.relayPolicy, 'maybe', /fallback, always, never/],
    [ids.ringTimeout, 4, /5 to 600/],
    [ids.ringTimeout, 601, /5 to 600/],
    [ids.ringTimeout, 12.5, /whole number/],
    [ids.iceServers, 'turn:turn.example.com:3478', /entry 1 .*no user name and password/],
    [ids.iceServers, 'stun:a.example.com,,stun:b.example.com', /entry 2 is empty/],
    [ids.iceServers, 'a@b@turn:x.example.com', /more than one '@'/],
    [ids.iceServers, 'u:p@http://x.example.com', /expected stun:/],
    [ids.jitsiDomain, 'https://meet.jit.si', /host name/],
    [ids.jitsiDomain, '', /host name/],
    [ids.jitsiPrefix, 'a/b', /must not hold/],
    [ids.jitsiSuffix, 'x?y', /must not hold/],
    [ids.serviceUrl, 'ftp://calls.example.com', /http:\/\/ or https:\/\//],
    [ids.serviceUrl, 'http://u:p@calls.example.com', /user name or password/],
    [ids.serviceUrl, 'not a url', /http:\/\/ or https:\/\/ URL/],
    [ids.serviceUrl, 'https://calls.example.com/lcc', /must not have a path/],
    [ids.serviceSecret, 'short', /at least 16/],
  ];
  for (const [id, value, why] of bad) {
    it(`${id} = ${JSON.stringify(value)} is refused with a message naming the problem`, () => {
      const problem = checkSetting(id, value);
      assert.match(problem, new RegExp(`^${id} `));
      assert.match(problem, why);
    });
  }

  it("good values pass: Rocket.Chat's WebRTC_Servers format with %-escapes, a ring timeout given as text", () => {
    assert.strictEqual(checkSetting(ids.iceServers, 'stun:stun.example.com:19302, team%40rocket.chat:p%3Ass@turn:turn.example.com:3478?transport=tcp'), null);
    assert.strictEqual(checkSetting(ids.ringTimeout, '45'), null);
    assert.strictEqual(checkSetting(ids.serviceUrl, 'https://calls.example.com:8443/'), null);
    assert.strictEqual(checkSetting(ids.jitsiDomain, 'jitsi.example.com:8443'), null);
  });
});

describe('Jitsi room URL (as Rocket.Chat builds it)', () => {
  const room = { id: 'Xyz123', slugifiedName: 'guest-42', displayName: 'Ann Visitor' };

  it('with the hash on (the default): prefix + uniqueID + room id, over https', () => {
    assert.strictEqual(jitsiRoomUrl(JITSI_DEFAULTS, room, 'uniq'), 'https://meet.jit.si/RocketChatuniqXyz123');
  });

  it('with the hash off: the URI-encoded room name; suffix and http when SSL is off', () => {
    const config = { ...JITSI_DEFAULTS, jitsiHash: false, jitsiSsl: false, jitsiSuffix: '-support', jitsiDomain: 'jitsi.example.com:8443' };
    assert.strictEqual(jitsiRoomUrl(config, { id: 'R', slugifiedName: 'ann visitor' }, 'uniq'), 'http://jitsi.example.com:8443/RocketChatann%20visitor-support');
  });
});

describe('call state machine', () => {
  const cases = [
    ['ringing', 'accept', 'visitor', 'inProgress'],
    ['ringing', 'accept', 'agent', null],
    ['ringing', 'decline', 'visitor', 'declined'],
    ['ringing', 'end', 'visitor', 'declined'],
    ['ringing', 'end', 'agent', 'ended'],
    ['ringing', 'timeout', 'system', 'missed'],
    ['ringing', 'room-closed', 'system', 'missed'],
    ['inProgress', 'end', 'agent', 'ended'],
    ['inProgress', 'end', 'visitor', 'ended'],
    ['inProgress', 'room-closed', 'system', 'ended'],
    ['inProgress', 'timeout', 'system', undefined],
    ['inProgress', 'accept', 'visitor', undefined],
    ['ended', 'end', 'agent', undefined],
    ['declined', 'accept', 'visitor', null],
    ['missed', 'timeout', 'system', undefined],
  ];
  for (const [from, event, actor, to] of cases) {
    const what = to === undefined ? 'changes nothing' : to === null ? 'is refused' : `-> ${to}`;
    it(`${from} + ${event} by ${actor} ${what}`, () => assert.strictEqual(nextStatus(from, event, actor), to));
  }
});

describe('call message', () => {
  const base = { callId: 'c1', provider: 'WebRTC', startedBy: { name: 'Alice' }, ringTimeoutSeconds: 30 };

  it('ringing and in progress show Join call and End call with the call id', () => {
    for (const callStatus of ['ringing', 'inProgress']) {
      const actions = callBlocks({ ...base, callStatus }).find((b) => b.type === 'actions');
      assert.deepStrictEqual(actions.elements.map((e) => [e.text.text, e.actionId, e.value]),
        [['Join call', ACTIONS.join, 'c1'], ['End call', ACTIONS.end, 'c1']]);
    }
  });

  it('an ended call has no buttons and says the talk time', () => {
    const s = { ...base, callStatus: 'ended', answeredAt: '2026-01-01T00:00:00Z', duration: 125 };
    assert.ok(!callBlocks(s).some((b) => b.type === 'actions'));
    assert.strictEqual(callText(s), 'Call ended. Talk time 2:05.');
  });

  it('says declined, missed and cancelled apart', () => {
    assert.match(callText({ ...base, callStatus: 'declined' }), /declined by the visitor/);
    assert.match(callText({ ...base, callStatus: 'missed', endedBy: 'timeout' }), /nobody joined within 30 s/);
    assert.match(callText({ ...base, callStatus: 'ended', answeredAt: null, duration: 0 }), /cancelled before the visitor joined/);
  });

  it('a Jitsi call links its room from the text and the Join button', () => {
    const s = { ...base, provider: 'Jitsi', callStatus: 'ringing', jitsiUrl: 'https://meet.jit.si/RocketChatuR' };
    assert.match(callText(s), /https:\/\/meet\.jit\.si\/RocketChatuR/);
    assert.strictEqual(callBlocks(s)[1].elements[0].url, s.jitsiUrl);
  });

  it('formats durations', () => {
    assert.deepStrictEqual([0, 59, 60, 3599, 3725].map(formatDuration), ['0:00', '0:59', '1:00', '59:59', '1:02:05']);
  });
});
