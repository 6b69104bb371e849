#!/usr/bin/env node
// nodestats: an example Rosetta push plugin in Node.js. It reports its own
// runtime (heap, RSS, event loop delay quantiles, handles) every
// interval_ms, plus a counter of ticks; the point is the contract, which
// does not depend on Go.
//
//   inputs:
//     - name: node_example
//       type: plugin
//       config:
//         path: /usr/bin/node
//         args: [plugins/examples/node/nodestats.js]
//         config:
//           interval_ms: 1000
//           labels: {service: demo}
'use strict';

const { monitorEventLoopDelay } = require('perf_hooks');
const { serve, log } = require('./rosetta-plugin');

const families = {
  heap: { name: 'nodejs_heap_used_bytes', type: 'TYPE_GAUGE', help: 'V8 heap in use, in bytes.', unit: 'bytes' },
  rss: { name: 'nodejs_resident_memory_bytes', type: 'TYPE_GAUGE', help: 'Resident set size, in bytes.', unit: 'bytes' },
  ticks: { name: 'nodejs_plugin_ticks_total', type: 'TYPE_COUNTER', help: 'Reports sent by the plugin.' },
  delay: {
    name: 'nodejs_eventloop_delay_seconds', type: 'TYPE_SUMMARY', help: 'Event loop delay, in seconds.',
    unit: 'seconds', quantiles: [0.5, 0.9, 0.99],
  },
};

let config = { interval_ms: 1000, labels: {} };

serve({
  info: { name: 'nodestats', version: '1.0.0', mode: 'push', description: 'Node.js runtime statistics' },

  configure(cfg) {
    const errors = [];
    cfg = cfg || {};
    for (const k of Object.keys(cfg)) {
      if (!['interval_ms', 'labels'].includes(k)) {
        errors.push({ path: k, message: `unknown key ${JSON.stringify(k)}` });
      }
    }
    if (cfg.interval_ms !== undefined && !(Number.isInteger(cfg.interval_ms) && cfg.interval_ms > 0)) {
      errors.push({ path: 'interval_ms', message: `${JSON.stringify(cfg.interval_ms)} must be a positive integer` });
    }
    if (cfg.labels !== undefined && (typeof cfg.labels !== 'object' || Array.isArray(cfg.labels) || cfg.labels === null)) {
      errors.push({ path: 'labels', message: 'must be a mapping of label names to values' });
    }
    if (errors.length === 0) {
      config = { interval_ms: cfg.interval_ms || 1000, labels: cfg.labels || {} };
    }
    return errors;
  },

  run(w, signal) {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const report = () => {
      const m = process.memoryUsage();
      const l = config.labels;
      w.add(families.heap, m.heapUsed, l);
      w.add(families.rss, m.rss, l);
      w.add(families.ticks, 1, l, { delta: true });
      w.add(families.delay, 0, l, {
        dist: {
          count: h.count, sum: h.count > 0 ? h.mean * h.count / 1e9 : 0,
          quantileValues: [h.percentile(50) / 1e9, h.percentile(90) / 1e9, h.percentile(99) / 1e9],
        },
      });
      w.flush();
    };
    report();
    const t = setInterval(report, config.interval_ms);
    log('info', 'nodestats started', { interval_ms: config.interval_ms });
    return new Promise((resolve) => signal.addEventListener('abort', () => { clearInterval(t); h.disable(); resolve(); }));
  },
});
