'use strict';
// Drives window.peer (peer.js) from the test over plain HTTP: pushes go to
// POST /rpc/<session>/push, calls are fetched with GET /rpc/<session>/next
// (long poll) and answered with POST /rpc/<session>/result.

(function () {
  const session = new URLSearchParams(location.search).get('session');
  const base = `/rpc/${encodeURIComponent(session)}`;

  function post(path, body) {
    return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  window.__lccPush = (kind, data) => post('/push', { kind, data });

  async function serve() {
    for (;;) {
      let call;
      try {
        const res = await fetch(`${base}/next`);
        if (res.status === 410) return; // the test is done with this session
        if (res.status !== 200) continue;
        call = await res.json();
      } catch (e) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      try {
        const value = await window.peer[call.method](...call.args);
        await post('/result', { seq: call.seq, ok: true, value: value === undefined ? null : value });
      } catch (e) {
        await post('/result', { seq: call.seq, ok: false, error: String(e && e.message || e) });
      }
    }
  }
  window.addEventListener('load', serve);
}());
