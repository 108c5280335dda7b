'use strict';
// The set-up of the App tests: a real call service on 127.0.0.1, the App
// packaged by js/app/package/build-app-zip.js (the zip users upload, the same
// buffer for every engine) and installed into a real Apps-Engine
// (helpers/apps-host: 1.42.1 in-process, 1.59.0 and 1.62.0 with their Deno
// runtime), and a LiveChat room with its visitor, its serving agent and
// another agent. Settings start as an admin would leave them for WebRTC calls
// through that service. One App install serves a describe block: before each
// test, host.reset() brings it back to a fresh install's state (a Deno engine
// takes seconds to install an App; reset takes milliseconds).

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startAppHost, ENGINES } = require('./apps-host');
const { startHttpFront } = require('./apps-host/http-front');
const { createCallService } = require('../../../js/service/call-service');
const { buildAppZip } = require('../../../js/app/package/build-app-zip');
const { signVisitorProof, PROOF_HEADER } = require('../../../js/app/lib/visitor-proof');

const SECRET = 'app-test-secret-0123456789abcdef';
const UNIQUE_ID = 'srvUniq42';

// Built once per test process: every engine gets the very same zip.
let zipBuffer;
function appZip() {
  if (!zipBuffer) zipBuffer = buildAppZip().buffer;
  return zipBuffer;
}

/**
 * Registers before/after hooks (one App install for the describe block, reset
 * before each test) and returns what they fill in.
 * @param {{ringTimeout?: number, engine?: string, httpFront?: {authTokens?: Record<string, string>}}} [opts]
 *   engine: one of ENGINES (default 1.42.1); httpFront: Rocket.Chat's HTTP routes in front of the App
 *   for each test (env.front, apps-host/http-front.js), set as the App's Rocket.Chat URL so that the
 *   service's events reach it
 */
function appFixture({ ringTimeout = 30, engine = '1.42.1', httpFront = null } = {}) {
  const env = { engine, service: null, host: null, front: null, dir: null, room: null, visitor: null, agent: null, otherAgent: null, zip: null };
  before(async function () {
    this.timeout(60000);
    env.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcc-app-'));
    env.service = createCallService({
      secret: SECRET, host: '127.0.0.1', port: 0,
      media: { listenAddresses: ['127.0.0.1'], recordingsDir: path.join(env.dir, 'recordings') },
      dataDir: path.join(env.dir, 'data'),
    });
    env.serviceUrl = (await env.service.listen()).url;
    env.zip = appZip();
    env.host = await startAppHost({ zip: env.zip, engine, serverSettings: { uniqueID: UNIQUE_ID, Site_Url: 'http://localhost:3000' } });
  });
  beforeEach(async function () {
    this.timeout(30000);
    await env.host.reset({
      settings: {
        LivechatCalls_Service_URL: env.serviceUrl,
        LivechatCalls_Service_Secret: SECRET,
        LivechatCalls_Ring_Timeout: ringTimeout,
        WebRTC_Enabled: true,
        Omnichannel_call_provider: 'WebRTC',
      },
    });
    env.agent = env.host.addUser({ id: 'agent1', username: 'alice', name: 'Alice Agent', roles: ['user', 'livechat-agent'] });
    env.otherAgent = env.host.addUser({ id: 'agent2', username: 'bob', name: 'Bob Agent', roles: ['user', 'livechat-agent'] });
    env.visitor = env.host.addVisitor({ id: 'visitor1', token: 'visitor-token-1', username: 'guest-1', name: 'Vera Visitor' });
    env.otherVisitor = env.host.addVisitor({ id: 'visitor2', token: 'visitor-token-2', username: 'guest-2', name: 'Otto Other' });
    env.room = env.host.addLivechatRoom({ id: 'room1', visitor: env.visitor, servedBy: env.agent.id });
    env.otherRoom = env.host.addLivechatRoom({ id: 'room2', visitor: env.otherVisitor, servedBy: env.otherAgent.id });
    if (httpFront) {
      env.front = await startHttpFront(env.host, httpFront);
      await env.host.updateSetting('LivechatCalls_Rocketchat_URL', env.front.url);
    }
  });
  afterEach(async function () {
    if (env.front) await env.front.close();
    env.front = null;
  });
  after(async function () {
    this.timeout(30000);
    if (env.host) await env.host.close();
    env.host = null;
    if (env.service) await env.service.close();
    if (env.dir) fs.rmSync(env.dir, { recursive: true, force: true });
  });
  return env;
}

let lastProofTime = 0;

/**
 * Calls a visitor endpoint as a visitor holding `token` would: the room in the
 * query (GET) or the body (POST), and an x-visitor-proof made from the token
 * (never the token itself). Each proof gets a later time, as the App requires.
 * @param {{executeApi: Function}} host
 * @param {string} path e.g. 'visitor/call', 'visitor/call/accept'
 * @param {{token: string, rid: string, post?: boolean, time?: number, headers?: object}} request
 */
function visitorRequest(host, path, { token, rid, post = path !== 'visitor/call', time, headers = {} }) {
  lastProofTime = Math.max(Date.now(), lastProofTime + 1);
  const method = post ? 'post' : 'get';
  const proof = signVisitorProof({ token, method, path, rid, time: time === undefined ? lastProofTime : time });
  return host.executeApi(path, {
    method, ...(post ? { content: { rid } } : { query: { rid } }), headers: { [PROOF_HEADER]: proof, ...headers },
  });
}

/** The call message(s) the App posted in a room (messages with a callId). */
function callMessages(host, roomId) {
  return host.messages().filter((m) => m.room && m.room.id === roomId && m.customFields && m.customFields.callId);
}

/**
 * Asserts the App logged no error but those matching `allowed` (the engine
 * catches what App methods throw and only logs it).
 */
function assertOnlyErrors(host, allowed = []) {
  const unexpected = host.errorLogs().filter((e) => !allowed.some((re) => re.test(JSON.stringify(e.args))));
  assert.deepStrictEqual(unexpected, [], 'the App logged errors');
}

module.exports = { appFixture, callMessages, assertOnlyErrors, visitorRequest, SECRET, UNIQUE_ID, ENGINES };
