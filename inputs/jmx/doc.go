// Package jmx is the `jmx` input: a native client for the standard JMX RMI
// connector (JRMP, the RMI registry, DGC leases and RMIConnection calls,
// with a class-agnostic Java serialization decoder) or Jolokia, and
// jmx_exporter's bean strings and default names, so that jmx_exporter
// rules apply unchanged. No JVM is needed on Rosetta's side.
//
// Layers, bottom up, each a package of one job:
//   - internal/javaser decodes Java serialization streams under hard
//     limits and writes the few arguments a client sends;
//   - internal/rmi speaks JRMP over pooled connections and is the JMX
//     session (Dial, QueryNames, MBeanInfo, Attributes, Close) with its
//     lease renewal, converting decoded objects to attribute values;
//   - internal/jolokia reads the same over Jolokia's HTTP/JSON protocol;
//   - mbean is what both transports produce: object names, attribute
//     values and their Java text forms.
//
// This package is the driver on top: config.go (with keystore.go, and
// jmxexporter.go for jmx_exporter's connection keys), beans.go (jmx_exporter's match
// strings and default series from attribute values), scrape.go and
// scrape_jolokia.go (one poll over either transport), driver.go (the
// Factory, the poll loop and its self-metrics), offline.go and
// pollonce.go (rosetta test).
package jmx
