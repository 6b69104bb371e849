// Command rosetta is a monitoring adapter: it turns StatsD, JMX and
// application stats into one Prometheus /metrics endpoint.
//
// Subcommands: run (the default), check, version.
package main
