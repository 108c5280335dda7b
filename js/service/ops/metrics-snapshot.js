'use strict';
// What GET /metrics serves: the metrics text rendered on a timer, not per
// request, so that a scrape loop (anyone's: a misconfigured Prometheus, an
// attacker) costs no visit to the media thread and no rendering; it copies a
// string. The timer starts with the first scrape (a service nobody scrapes
// renders nothing) and stops with the service.
//
//   const snapshot = createMetricsSnapshot({ render: () => metrics.render(), intervalMs: 10000 });
//   res.end(await snapshot.text());   // the latest rendering; the first call waits for one
//   snapshot.stop();

/**
 * @param {{render: () => Promise<string>, intervalMs: number, warn: (err: unknown) => void}} opts
 *   render: never rejects in practice (metrics.render() reports its own failures in the text)
 * @returns {{text: () => Promise<string>, stop: () => void}}
 */
function createMetricsSnapshot({ render, intervalMs, warn }) {
  let latest = null; // {text, at}
  let pending = null;
  let timer = null;
  let stopped = false;

  function refresh() {
    if (!pending) {
      pending = render()
        .then((text) => { latest = { text, at: Date.now() }; })
        .catch(warn)
        .finally(() => { pending = null; });
    }
    return pending;
  }

  return {
    async text() {
      if (!timer && !stopped) {
        timer = setInterval(refresh, intervalMs);
        timer.unref();
      }
      if (!latest) await refresh();
      return latest ? latest.text : '';
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

module.exports = { createMetricsSnapshot };
