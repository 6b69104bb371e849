// Package mbean is the MBean model both JMX transports (RMI in
// internal/rmi, Jolokia in internal/jolokia) produce and the exporter
// (package jmx) consumes: object names (names.go), attribute values with
// their Java text forms (values.go), and the errors both transports wrap.
package mbean
