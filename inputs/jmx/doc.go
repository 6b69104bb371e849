// Package jmx is the `jmx` input: a native client for the standard JMX RMI
// connector (JRMP, the RMI registry, DGC leases and RMIConnection calls,
// with a class-agnostic Java serialization decoder), and jmx_exporter's
// bean strings and default names, so that jmx_exporter rules apply
// unchanged. No JVM is needed on Rosetta's side.
//
// Layers, bottom up: serial.go decodes Java serialization streams under
// hard limits; encode.go writes the few arguments a client sends; jrmp.go
// speaks JRMP (handshake, calls, returns, pings, DGC acks) over pooled
// connections; client.go is the JMX session (Dial, QueryNames, MBeanInfo,
// Attributes, Attribute, Close) with its lease renewal; values.go turns
// decoded objects into attribute values; beans.go builds jmx_exporter's
// match strings and default series; scrape.go and driver.go poll.
package jmx
