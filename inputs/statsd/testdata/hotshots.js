// Sends a fixed set of metrics with the hot-shots StatsD client, then
// closes it. Usage: node hotshots.js <udp|tcp> <host> <port> [datadog]
// In datadog mode hot-shots adds "|c:<container id>" and "|card:<cardinality>".
// Run by hotshots_test.go; NODE_PATH points at testdata/node/node_modules.
'use strict';
const StatsD = require('hot-shots');

const [protocol, host, port, mode] = process.argv.slice(2);
const datadog = mode === 'datadog';
const client = new StatsD({
  host,
  port: Number(port),
  protocol,
  prefix: 'app.',
  globalTags: { service: 'checkout' },
  datadog,
  includeDataDogTags: false,
  includeDatadogTelemetry: false,
  containerID: datadog ? 'abc123' : undefined,
  cardinality: datadog ? 'low' : undefined,
  errorHandler: (err) => { console.error('hot-shots error:', err); process.exitCode = 1; },
});

client.increment('requests', 3, { route: '/api' });
client.decrement('inflight', ['pool:a']);
client.gauge('queue.depth', 42.5, { queue: 'orders' });
client.gaugeDelta('queue.delta', -2);
client.timing('request.duration', 250, ['route:/api']);
client.histogram('payload.bytes', 512);
client.distribution('latency', 9.5, { region: 'eu-west-1' });
client.set('users', 'alice');            // statsd_exporter does not support sets
client.increment('stamped', 1, { timestamp: 1700000000 });
client.event('deploy', 'v1.2.3 rolled out'); // DogStatsD event: dropped, counted
client.check('db.up', client.CHECKS.OK);      // service check: dropped, counted
client.gauge('last', 1);

client.close((err) => {
  if (err) {
    console.error('close:', err);
    process.exitCode = 1;
  }
});
