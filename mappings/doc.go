// Package mappings loads Rosetta's configuration: the native config file
// (global settings and inputs with their rules), statsd_exporter mapping
// files and other foreign rule formats, which translators turn into
// normalize rule sets. Every error is reported at once, with file:line:col
// and the rule it belongs to.
//
// The native config: config.go (Config, Parse, Load), build.go (Build:
// driver configs through the inputs registry, rules compiled), check.go
// (Check, Warnings), with the positioned YAML decoding in decode.go and
// the rule keys in rules.go; convert.go writes rules back as native YAML.
//
// Mapping-file formats, one file each, listed in formats.go's table:
// rulefile.go (Rosetta's own rule files), statsdexporter.go
// (statsd_exporter's mapping files), jmxexporter.go (jmx_exporter's rules).
// The other halves of the peers' configs are read by the inputs that use
// them: jmx_exporter's connection keys by the jmx input
// (inputs/jmx/jmxexporter.go), json_exporter's modules by the json input
// (inputs/app/jsonexporter.go), since what they produce is a driver's own
// config, which this package may not import.
//
// Typical use from main:
//
//	cfg, err := mappings.Load(path)
//	ins, err := mappings.Build(cfg, registry, mappings.Options{Library: lib})
//	// then one normalize.Pipeline per input with ins[i].Rules
package mappings
