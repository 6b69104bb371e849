// Package normalize holds Rosetta's one data model and its one rule engine.
//
// Every input driver turns what it reads into Records: a match string (the
// StatsD name, the jmx_exporter bean string, a JSON path, a key), raw labels,
// a value, a type hint and whether the value is a delta. The rule engine maps
// each Record to zero or one Sample (name, sorted labels, value, type and the
// series options of the rule that matched) and hands the Samples to a Sink,
// normally the store in package outputs.
package normalize

// The rule engine: a RuleSetConfig (usually built by package mappings from
// config and mapping files) compiles with NewRuleSet into an immutable
// RuleSet. Glob rules live in a trie over dot-separated segments, one per
// record type class, searched depth first with pruning by rule order and
// remaining length; regex rules are tried after all globs, in order, as
// statsd_exporter does. Templates are precompiled. Match results, keyed by
// (match string, type), are kept in a bounded, sharded clock cache, so the
// common path is one hash, one map read and a label merge.
//
// A Pipeline (one per input) implements Appender: it maps each batch with
// the current RuleSet (swapped atomically by SetRuleSet on reload), reuses
// its sample and label buffers and hands the batch to the Sink. RuleSet.Stats
// and RuleSet.Explain serve status pages and `rosetta explain`.
