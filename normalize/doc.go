// Package normalize holds Rosetta's one data model and its one rule engine.
//
// Every input driver turns what it reads into Records: a match string (the
// StatsD name, the jmx_exporter bean string, a JSON path, a key), raw labels,
// a value, a type hint and whether the value is a delta. The rule engine maps
// each Record to zero or one Sample (name, sorted labels, value, type and the
// series options of the rule that matched) and hands the Samples to a Sink,
// normally the store in package outputs.
package normalize
