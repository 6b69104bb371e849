// Package archtest checks the import rules of docs/architecture.md: its
// test lists every package with `go list` and fails when a package imports
// one that its layer may not (an input importing an output, normalize
// importing an input, mappings importing an input driver, ...), and fails
// when docs/architecture.md names a repository path or a Go declaration
// that does not exist. It has no code of its own.
package archtest
