// Command rosetta is a monitoring adapter: it turns StatsD, JMX and
// application stats into one Prometheus /metrics endpoint.
//
// Commands (main.go): run (the default), check, test, convert, explain,
// record, inject, version and completion. docs/architecture.md maps which
// file of this package does what.
package main
