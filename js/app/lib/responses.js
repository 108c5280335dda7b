'use strict';
// How the App's endpoints answer: JSON, and errors as {error: {code, message}}
// with the status the failure calls for. Unexpected errors are logged (the
// Apps-Engine would otherwise keep them from the admin) and answered with a
// plain 500 that says nothing of the inside.

function errorBody(code, message) {
  return { error: { code, message } };
}

/**
 * Runs an endpoint body and turns its result or error into an IApiResponse.
 * @param {{getLogger(): {error: Function, warn: Function}}} app
 * @param {() => Promise<{status?: number, content: object}>} fn
 */
async function respond(app, fn) {
  try {
    const { status = 200, content } = await fn();
    return { status, content };
  } catch (err) {
    if (err && err.name === 'CallError') return { status: err.status, content: errorBody(err.code, err.message) };
    if (err && err.name === 'CallServiceError') {
      app.getLogger().error(err.message);
      // One code for every service failure (the message names the service's own code).
      if (err.code === 'ERR_NOT_CONFIGURED') return { status: 503, content: errorBody(err.code, err.message) };
      return { status: 502, content: errorBody('ERR_CALL_SERVICE', err.message) };
    }
    app.getLogger().error(err);
    return { status: 500, content: errorBody('ERR_INTERNAL', 'internal error') };
  }
}

/** A request field that must be a non-empty string, else a 400 naming it. */
function requiredString(value, name) {
  if (typeof value !== 'string' || value === '' || value.length > 256) {
    throw Object.assign(new Error(`${name} must be a non-empty string`), { name: 'CallError', status: 400, code: 'ERR_INVALID_REQUEST' });
  }
  return value;
}

/** @typedef {import('@rocket.chat/apps-engine/definition/api').IApiRequest} IApiRequest */

/**
 * An Apps-Engine endpoint class for `path` whose methods run through respond().
 * Each handler gets (request, ctx) and returns {status?, content}.
 * @param {{path: string, authRequired: boolean,
 *   get?: (request: IApiRequest, ctx: import('./call-lifecycle').Ctx) => Promise<{status?: number, content: object}>,
 *   post?: (request: IApiRequest, ctx: import('./call-lifecycle').Ctx) => Promise<{status?: number, content: object}>}} spec
 */
function defineEndpoint(spec) {
  const { ApiEndpoint } = require('@rocket.chat/apps-engine/definition/api');
  class Endpoint extends ApiEndpoint {
    constructor(app) {
      super(app);
      this.path = spec.path;
      this.authRequired = spec.authRequired;
    }
  }
  for (const method of ['get', 'post']) {
    if (!spec[method]) continue;
    Endpoint.prototype[method] = function handle(request, endpoint, read, modify, http, persis) {
      return respond(this.app, () => spec[method](request, { app: this.app, read, modify, http, persis }));
    };
  }
  return Endpoint;
}

module.exports = { respond, requiredString, errorBody, defineEndpoint };
