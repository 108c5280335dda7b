'use strict';
// The App's side of the call service's control API (docs/service-api.md).
// Apps run sandboxed and cannot load the native add-on, so everything about
// media goes through the service, over the Apps-Engine HTTP accessor. Every
// request is signed with the shared secret (js/common/request-signing.js).

// URL from 'url': the Apps-Engine 1.42 sandbox has no URL global.
const { URL } = require('url');
const { signRequest } = require('../../common/request-signing');

const TIMEOUT_MS = 10000;

/** An error talking to the call service; `status` is the HTTP status, 0 when unreachable. */
function serviceError(message, status, code) {
  return Object.assign(new Error(message), { name: 'CallServiceError', status, code: code || 'ERR_CALL_SERVICE' });
}

/**
 * @param {import('@rocket.chat/apps-engine/definition/accessors').IHttp} http
 * @param {{serviceUrl: string, serviceSecret: string}} config
 */
function createServiceClient(http, config) {
  const base = new URL(config.serviceUrl);

  async function request(method, path, body) {
    if (!config.serviceSecret) {
      throw serviceError('the call service secret is not set (LivechatCalls_Service_Secret)', 0, 'ERR_NOT_CONFIGURED');
    }
    const content = body === undefined ? '' : JSON.stringify(body);
    const headers = {
      ...signRequest({ secret: config.serviceSecret, method, path, body: content }),
      accept: 'application/json',
    };
    if (content) headers['content-type'] = 'application/json';
    const url = `${base.origin}${path}`;
    let res;
    try {
      const options = { headers, timeout: TIMEOUT_MS };
      if (content) options.content = content;
      res = method === 'GET' ? await http.get(url, options) : await http.post(url, options);
    } catch (err) {
      throw serviceError(`call service unreachable at ${base.origin}: ${err && err.message ? err.message : err}`, 0);
    }
    let data = res.data;
    if (data === undefined && typeof res.content === 'string' && res.content) {
      try {
        data = JSON.parse(res.content);
      } catch {
        data = undefined;
      }
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      const detail = data && data.error ? `${data.error.code}: ${data.error.message}` : `HTTP ${res.statusCode}`;
      throw serviceError(`call service refused ${method} ${path}: ${detail}`, res.statusCode, data && data.error && data.error.code);
    }
    if (!data || typeof data !== 'object') throw serviceError(`call service sent no JSON for ${method} ${path}`, res.statusCode);
    return data;
  }

  const callPath = (id) => `/api/calls/${encodeURIComponent(id)}`;
  return {
    health: () => request('GET', '/api/health'),
    createCall: (fields) => request('POST', '/api/calls', fields),
    getCall: (id) => request('GET', callPath(id)),
    endCall: (id, reason) => request('POST', `${callPath(id)}/end`, { reason }),
    mintToken: (id, party) => request('POST', `${callPath(id)}/tokens`, { party }),
    mintTicket: (id, party, ttlSeconds) => request('POST', `${callPath(id)}/tickets`, { party, ttlSeconds }),
  };
}

module.exports = { createServiceClient };
