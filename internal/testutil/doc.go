// Package testutil holds the helpers that tests across the repository share:
// free loopback ports, the lookup of real peers (executables from Debian
// packages) and polling with a deadline instead of fixed sleeps.
//
// Only tests import it. A test that needs a peer fails, naming the Debian
// package, when the peer is missing; with -short it is skipped instead, so
// that `make test-short` runs without peers in the edit-test loop while
// `make test` runs everything.
package testutil
