'use strict';
// Sends the App the events of js/common/app-events.js: to the events URL the
// App gave when it created the call, signed with the shared secret. A call
// created without one (the demo, the API used directly) sends nothing.
//
// Delivery is a few tries, then a warning: every event is also something the
// App can see later on its own (it settles a call's state when it next looks),
// so a lost event delays the call message; it never corrupts it. Events are
// idempotent on the App's side, which is why a replay inside the signature's
// window is harmless there.

const { signAppEvent } = require('../../common/app-events');

const TIMEOUT_MS = 5000;
const RETRY_DELAYS_MS = [500, 2000];

/**
 * @param {{secret: string, warn: (err: Error) => void, fetchImpl?: typeof fetch}} options
 */
function createAppNotifier({ secret, warn, fetchImpl = globalThis.fetch }) {
  const pending = new Set();

  async function post(url, event) {
    const { body, headers } = signAppEvent(secret, event);
    const res = await fetchImpl(url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text().catch(() => '');
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status} ${text.slice(0, 200)}`), { status: res.status });
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      return {};
    }
  }

  /**
   * Sends one event and waits for the App's answer (for events whose outcome
   * matters now, e.g. the visitor's answer). Rejects after the tries.
   * @param {{appEventsUrl: string|null}} call
   * @param {{type: string, callId: string} & Record<string, unknown>} event
   * @returns {Promise<Record<string, unknown>>} the App's JSON answer
   */
  async function request(call, event) {
    if (!call.appEventsUrl) throw new Error('the call has no App to tell (created without app.eventsUrl)');
    let last;
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt - 1]));
      try {
        return await post(call.appEventsUrl, event);
      } catch (err) {
        last = err;
        if (err.status && err.status >= 400 && err.status < 500) break; // refused: trying again changes nothing
      }
    }
    throw new Error(`the App did not take the ${event.type} event of call ${event.callId}: ${last && last.message}`);
  }

  /**
   * Sends one event in the background; failures become warnings.
   * @param {{appEventsUrl: string|null}} call
   * @param {{type: string, callId: string} & Record<string, unknown>} event
   */
  function send(call, event) {
    if (!call || !call.appEventsUrl) return;
    const p = request(call, event).catch((err) => warn(err)).finally(() => pending.delete(p));
    pending.add(p);
  }

  return {
    send,
    request,
    /** Waits for the events still being delivered (call before exiting). */
    async drain() {
      await Promise.allSettled([...pending]);
    },
  };
}

module.exports = { createAppNotifier };
