'use strict';
// Agent-side endpoints, for the agent UI. Rocket.Chat authenticates the user
// (X-User-Id / X-Auth-Token) for authRequired endpoints; the App then checks
// that this user is the agent serving the room.
//
//   GET  agent/call?rid=R              the room's latest call, and the agent's join info while live
//   POST agent/call/start {rid, record?, video?} 201 with the new call, or 200 with the one already live
//   POST agent/call/end {rid}          ends (or cancels) the room's call

const { defineEndpoint, requiredString } = require('../lib/responses');
const { agentStart, agentEnd, agentFetch } = require('../lib/call-actions');
const { joinInfo } = require('../lib/call-lifecycle');
const { forbidden } = require('../lib/access');

function userOf(request) {
  if (!request.user || !request.user.id) throw forbidden();
  return request.user;
}

const AgentCallEndpoint = defineEndpoint({
  path: 'agent/call',
  authRequired: true,
  get: async (request, ctx) => {
    const rid = requiredString(request.query && request.query.rid, 'rid');
    return { content: await agentFetch(ctx, userOf(request), rid) };
  },
});

const AgentStartEndpoint = defineEndpoint({
  path: 'agent/call/start',
  authRequired: true,
  post: async (request, ctx) => {
    const content = request.content || {};
    const rid = requiredString(content.rid, 'rid');
    const { call, created } = await agentStart(ctx, userOf(request), rid, { record: content.record === true, video: content.video === true });
    return { status: created ? 201 : 200, content: { call, created, join: await joinInfo(ctx, call, 'agent') } };
  },
});

const AgentEndEndpoint = defineEndpoint({
  path: 'agent/call/end',
  authRequired: true,
  post: async (request, ctx) => {
    const rid = requiredString(request.content && request.content.rid, 'rid');
    return { content: { call: await agentEnd(ctx, userOf(request), rid) } };
  },
});

module.exports = { AgentCallEndpoint, AgentStartEndpoint, AgentEndEndpoint };
