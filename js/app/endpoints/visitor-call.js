'use strict';
// Visitor-side endpoints, for a LiveChat integration of the site's own (the
// stock widget and the site call script do not use them). The visitor proves
// who they are with a proof made from their LiveChat token, in the
// `x-visitor-proof` header, never the token itself: the Apps-Engine logs every
// request whole (lib/visitor-proof.js). The room is `rid`.
//
//   GET  visitor/call?rid=R        the room's latest call, and how to join it while live
//   POST visitor/call/accept {rid} ringing -> inProgress
//   POST visitor/call/decline {rid} ringing -> declined (hanging up once in progress)
//   POST visitor/call/end {rid}    inProgress -> ended (ringing -> declined)

const { defineEndpoint, requiredString } = require('../lib/responses');
const { visitorFetch, visitorEvent, visitorView } = require('../lib/call-actions');
const { joinInfo } = require('../lib/call-lifecycle');
const { PROOF_HEADER } = require('../lib/visitor-proof');

/** What the visitor sent to prove who they are, and what it must be for. */
function visitorOf(request, method, path) {
  return { proof: request.headers && request.headers[PROOF_HEADER], method, path };
}

const VisitorCallEndpoint = defineEndpoint({
  path: 'visitor/call',
  authRequired: false,
  get: async (request, ctx) => {
    const rid = requiredString(request.query && request.query.rid, 'rid');
    return { content: await visitorFetch(ctx, visitorOf(request, 'GET', 'visitor/call'), rid) };
  },
});

/** POST visitor/call/<event>: each path is its own endpoint. */
function visitorEventEndpoint(event) {
  return defineEndpoint({
    path: `visitor/call/${event}`,
    authRequired: false,
    post: async (request, ctx) => {
      const rid = requiredString(request.content && request.content.rid, 'rid');
      const call = await visitorEvent(ctx, visitorOf(request, 'POST', `visitor/call/${event}`), rid, event);
      const join = event === 'accept' ? await joinInfo(ctx, call, 'visitor') : null;
      return { content: { call: visitorView(call), join } };
    },
  });
}

const VisitorAcceptEndpoint = visitorEventEndpoint('accept');
const VisitorDeclineEndpoint = visitorEventEndpoint('decline');
const VisitorEndEndpoint = visitorEventEndpoint('end');

module.exports = { VisitorCallEndpoint, VisitorAcceptEndpoint, VisitorDeclineEndpoint, VisitorEndEndpoint };
