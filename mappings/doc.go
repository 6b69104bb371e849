// Package mappings loads Rosetta's configuration: the native config file
// (global settings and inputs with their rules), statsd_exporter mapping
// files and other foreign rule formats, which translators turn into
// normalize rule sets. Every error is reported at once, with file:line:col
// and the rule it belongs to.
//
// Typical use from main:
//
//	cfg, err := mappings.Load(path)
//	ins, err := mappings.Build(cfg, registry, mappings.Options{Library: lib})
//	// then one normalize.Pipeline per input with ins[i].Rules
package mappings
