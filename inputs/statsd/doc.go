// Package statsd is the StatsD input: UDP, TCP and unixgram listeners and a
// parser for every line dialect statsd_exporter v0.31.0 accepts (plain,
// DogStatsD, InfluxDB, Librato and SignalFx tags; sample rates; multi-value
// and extended-aggregation lines), turning each sample into a
// normalize.Record.
//
// Datagram readers never wait on the pipeline: they copy each packet into a
// pooled buffer and hand it to a bounded queue, which parse workers drain;
// when the queue is full the packet is dropped and counted. TCP connections
// parse on their own goroutine, so a slow pipeline slows only that
// connection (TCP flow control pushes back on the client).
//
// The parser is allocation-free on the common path: names, label names and
// label values are interned per worker, so a Record never points into a
// buffer that is reused.
package statsd
