// Package archtest checks the import rules of docs/architecture.md: its
// test lists every package with `go list` and fails when a package imports
// one that its layer may not (an input importing an output, normalize
// importing an input, mappings importing an input driver, ...). It has no
// code of its own.
package archtest
