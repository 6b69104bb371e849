// Package rmi is a client for the standard JMX RMI connector: JRMP
// (jrmp.go: handshake, calls, returns, pings, DGC acks over pooled
// connections; stub.go: the live reference a stub carries), the RMI
// registry and DGC leases, and the JMX session
// (client.go: Dial, QueryNames, MBeanInfo, Attributes, Close) with its
// lease renewal. convert.go turns decoded objects into the mbean value
// model; encode.go writes the RMI objects a call sends.
package rmi
