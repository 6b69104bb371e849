// A small Rosetta plugin SDK for Node.js: the go-plugin handshake, the
// go-plugin side services, and the Driver service of
// plugins/proto/driver.proto with symbol and family tables.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

// Modules come from this directory's node_modules, $ROSETTA_NODE_MODULES,
// or the repository's testdata/node/node_modules.
const searchPaths = [
  process.env.ROSETTA_NODE_MODULES,
  path.join(__dirname, 'node_modules'),
  path.join(__dirname, '..', '..', '..', 'testdata', 'node', 'node_modules'),
].filter(Boolean);
const load = (name) => require(require.resolve(name, { paths: searchPaths }));
const grpc = load('@grpc/grpc-js');
const protoLoader = load('@grpc/proto-loader');

const CONTRACT_VERSION = 1;
const COOKIE_KEY = 'ROSETTA_PLUGIN';
const COOKIE_VALUE = 'd1e6c5b0-input-driver';

const PROTO_DIR = process.env.ROSETTA_PROTO_DIR || path.join(__dirname, '..', '..', 'proto');

// log writes a go-plugin (hclog JSON) line to stderr; Rosetta logs it at
// its level with the input's name.
function log(level, message, fields) {
  process.stderr.write(JSON.stringify(Object.assign({ '@level': level, '@message': message }, fields || {})) + '\n');
}

// Writer batches samples with stream-scoped tables.
class Writer {
  constructor() {
    this.symbols = new Map();
    this.families = new Map();
    this.reset();
  }

  reset() {
    this.batch = { symbols: [], families: [], samples: [], errors: {}, dropped: {} };
  }

  symbol(s) {
    let i = this.symbols.get(s);
    if (i === undefined) {
      i = this.symbols.size;
      this.symbols.set(s, i);
      this.batch.symbols.push(s);
    }
    return i;
  }

  family(f) {
    let i = this.families.get(f);
    if (i === undefined) {
      i = this.families.size;
      this.families.set(f, i);
      this.batch.families.push({
        name: f.name, type: f.type, help: f.help || '', unit: f.unit || '',
        bucketBounds: f.buckets || [], quantiles: f.quantiles || [],
      });
    }
    return i;
  }

  // add emits a sample; labels is an object of name: value.
  add(f, value, labels, opts) {
    const ls = [];
    for (const [k, v] of Object.entries(labels || {})) {
      ls.push(this.symbol(k), this.symbol(String(v)));
    }
    const s = { family: this.family(f), labels: ls, value: value, delta: !!(opts && opts.delta) };
    if (opts && opts.dist) {
      s.dist = opts.dist;
    }
    this.batch.samples.push(s);
  }

  countError(reason) {
    this.batch.errors[reason] = (this.batch.errors[reason] || 0) + 1;
  }

  take() {
    const b = this.batch;
    this.reset();
    return b;
  }
}

// serve runs driver: { info: {name, version, mode: 'push'|'pull'},
// configure(cfg) -> [ {path, message} ], run(writer, signal) for push (call
// flush() after emitting), collect(writer) for pull }.
function serve(driver) {
  if (process.env[COOKIE_KEY] !== COOKIE_VALUE) {
    process.stderr.write(`${process.argv[1]} is a Rosetta input driver plugin (contract version ${CONTRACT_VERSION}); ` +
      'configure it as an input of type plugin instead of running it\n');
    process.exit(1);
  }
  const versions = (process.env.PLUGIN_PROTOCOL_VERSIONS || '').split(',');
  if (!versions.includes(String(CONTRACT_VERSION))) {
    log('warn', 'host offers no contract version this plugin speaks', { offered: versions.join(','), plugin_speaks: CONTRACT_VERSION });
  }

  const opts = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync([
    path.join(PROTO_DIR, 'driver.proto'),
    path.join(__dirname, 'proto', 'goplugin.proto'),
    path.join(__dirname, 'proto', 'health.proto'),
  ], opts));

  const server = new grpc.Server();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.tryShutdown(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  server.addService(pkg.grpc.health.v1.Health.service, {
    Check: (call, cb) => cb(null, { status: 'SERVING' }),
  });
  server.addService(pkg.plugin.GRPCController.service, {
    Shutdown: (call, cb) => { cb(null, {}); setImmediate(stop); },
  });
  server.addService(pkg.rosetta.plugin.v1.Driver.service, {
    Describe: (call, cb) => cb(null, {
      name: driver.info.name,
      version: driver.info.version,
      mode: driver.info.mode === 'pull' ? 'MODE_PULL' : 'MODE_PUSH',
      contractVersion: CONTRACT_VERSION,
      description: driver.info.description || '',
    }),
    Configure: (call, cb) => {
      let errors;
      try {
        errors = driver.configure(JSON.parse(call.request.configJson || 'null'), call.request.inputName) || [];
      } catch (e) {
        errors = [{ path: '', message: String(e && e.message || e) }];
      }
      cb(null, { errors });
    },
    Stream: (call) => {
      const w = new Writer();
      const hb = Math.max(100, call.request.heartbeatIntervalMs || 5000);
      let closed = false;
      const flush = () => {
        if (!closed) call.write(w.take());
      };
      const ac = new AbortController();
      const timer = setInterval(flush, Math.min(hb / 2, 1000));
      call.on('cancelled', () => { closed = true; clearInterval(timer); ac.abort(); });
      call.on('error', () => { closed = true; clearInterval(timer); ac.abort(); });
      w.flush = flush;
      Promise.resolve(driver.run(w, ac.signal)).catch((e) => {
        log('error', 'driver run failed', { err: String(e) });
        closed = true;
        clearInterval(timer);
        call.destroy(e);
      });
    },
    Collect: (call, cb) => {
      const w = new Writer();
      Promise.resolve(driver.collect(w)).then(() => cb(null, w.take()), (e) => cb({ code: grpc.status.ABORTED, details: String(e) }));
    },
  });

  const dir = process.env.PLUGIN_UNIX_SOCKET_DIR || os.tmpdir();
  const sock = path.join(fs.mkdtempSync(path.join(dir, 'rosetta-node-')), 'plugin.sock');
  server.bindAsync('unix://' + sock, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) {
      log('error', 'cannot listen', { err: String(err) });
      process.exit(1);
    }
    // The go-plugin handshake line: core version | app version | network | address | protocol.
    process.stdout.write(`1|${CONTRACT_VERSION}|unix|${sock}|grpc|\n`);
  });
  const cleanup = () => { try { fs.rmSync(path.dirname(sock), { recursive: true, force: true }); } catch (e) { /* gone */ } };
  process.on('exit', cleanup);
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => {}); // go-plugin plugins ignore interrupts; the host sends Shutdown.
}

module.exports = { serve, log, Writer, CONTRACT_VERSION };
