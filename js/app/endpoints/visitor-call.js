'use strict';
// Visitor-side endpoints, called by the LiveChat widget. The visitor proves
// who they are with their LiveChat token in the `x-visitor-token` header (a
// header, so it stays out of URLs and access logs); the room is `rid`.
//
//   GET  visitor/call?rid=R        the room's latest call, and how to join it while live
//   POST visitor/call/accept {rid} ringing -> inProgress
//   POST visitor/call/decline {rid} ringing -> declined (hanging up once in progress)
//   POST visitor/call/end {rid}    inProgress -> ended (ringing -> declined)

const { ApiEndpoint } = require('@rocket.chat/apps-engine/definition/api');
const { respond, requiredString } = require('../lib/responses');
const { visitorFetch, visitorEvent, visitorView } = require('../lib/call-actions');
const { joinInfo } = require('../lib/call-lifecycle');

function tokenOf(request) {
  return request.headers && request.headers['x-visitor-token'];
}

function ctxOf(app, read, modify, http, persis) {
  return { app, read, modify, http, persis };
}

class VisitorCallEndpoint extends ApiEndpoint {
  constructor(app) {
    super(app);
    this.path = 'visitor/call';
    this.authRequired = false;
  }

  async get(request, endpoint, read, modify, http, persis) {
    return respond(this.app, async () => {
      const rid = requiredString(request.query && request.query.rid, 'rid');
      return { content: await visitorFetch(ctxOf(this.app, read, modify, http, persis), tokenOf(request), rid) };
    });
  }
}

/** POST visitor/call/<event>: one class per event, since each path is its own endpoint. */
function visitorEventEndpoint(event, path) {
  return class extends ApiEndpoint {
    constructor(app) {
      super(app);
      this.path = path;
      this.authRequired = false;
    }

    async post(request, endpoint, read, modify, http, persis) {
      return respond(this.app, async () => {
        const rid = requiredString(request.content && request.content.rid, 'rid');
        const ctx = ctxOf(this.app, read, modify, http, persis);
        const session = await visitorEvent(ctx, tokenOf(request), rid, event);
        const join = event === 'accept' ? await joinInfo(ctx, session, 'visitor') : null;
        return { content: { call: visitorView(session), join } };
      });
    }
  };
}

const VisitorAcceptEndpoint = visitorEventEndpoint('accept', 'visitor/call/accept');
const VisitorDeclineEndpoint = visitorEventEndpoint('decline', 'visitor/call/decline');
const VisitorEndEndpoint = visitorEventEndpoint('end', 'visitor/call/end');

module.exports = { VisitorCallEndpoint, VisitorAcceptEndpoint, VisitorDeclineEndpoint, VisitorEndEndpoint };
