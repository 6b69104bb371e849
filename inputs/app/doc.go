// Package app reads application statistics that are not Prometheus
// metrics: JSON documents over HTTP(S), Go expvar pages, key/value text
// (Redis INFO, memcached stats, nginx stub_status, Apache mod_status, or
// any line format described by regexes) and other exporters' /metrics.
//
// Every type is a pull input: one or many targets, polled every interval
// with a deadline, each poll's records handed to the pipeline with
// Appender.Replace so that a target that fails loses its series. The types
// share one driver (driver.go) and differ in how a body is fetched (HTTP,
// fetch.go, or a TCP command, exchange.go) and parsed (a Parser per type).
package app
