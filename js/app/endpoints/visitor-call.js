'use strict';
// Visitor-side endpoints, called by the LiveChat widget. The visitor proves
// who they are with their LiveChat token in the `x-visitor-token` header (a
// header, so it stays out of URLs and access logs); the room is `rid`.
//
//   GET  visitor/call?rid=R        the room's latest call, and how to join it while live
//   POST visitor/call/accept {rid} ringing -> inProgress
//   POST visitor/call/decline {rid} ringing -> declined (hanging up once in progress)
//   POST visitor/call/end {rid}    inProgress -> ended (ringing -> declined)

const { defineEndpoint, requiredString } = require('../lib/responses');
const { visitorFetch, visitorEvent, visitorView } = require('../lib/call-actions');
const { joinInfo } = require('../lib/call-lifecycle');

function tokenOf(request) {
  return request.headers && request.headers['x-visitor-token'];
}

const VisitorCallEndpoint = defineEndpoint({
  path: 'visitor/call',
  authRequired: false,
  get: async (request, ctx) => {
    const rid = requiredString(request.query && request.query.rid, 'rid');
    return { content: await visitorFetch(ctx, tokenOf(request), rid) };
  },
});

/** POST visitor/call/<event>: each path is its own endpoint. */
function visitorEventEndpoint(event) {
  return defineEndpoint({
    path: `visitor/call/${event}`,
    authRequired: false,
    post: async (request, ctx) => {
      const rid = requiredString(request.content && request.content.rid, 'rid');
      const call = await visitorEvent(ctx, tokenOf(request), rid, event);
      const join = event === 'accept' ? await joinInfo(ctx, call, 'visitor') : null;
      return { content: { call: visitorView(call), join } };
    },
  });
}

const VisitorAcceptEndpoint = visitorEventEndpoint('accept');
const VisitorDeclineEndpoint = visitorEventEndpoint('decline');
const VisitorEndEndpoint = visitorEventEndpoint('end');

module.exports = { VisitorCallEndpoint, VisitorAcceptEndpoint, VisitorDeclineEndpoint, VisitorEndEndpoint };
