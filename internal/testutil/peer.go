package testutil

import (
	"os/exec"
	"strings"
	"testing"
)

// Peer returns the path of the first of names found on PATH: a real peer
// the test runs, installed from the Debian package pkg (listed in
// .ci/packages.apt; `make peers` installs it). When none is found the test
// fails with the package to install; it never skips silently. With -short
// the test is skipped: the short tier runs without peers.
func Peer(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	SkipShort(t, strings.Join(names, " or "))
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found: install the Debian package %s (`make peers` installs everything in .ci/packages.apt)",
		strings.Join(names, " or "), pkg)
	return ""
}

// SkipShort skips the test with -short, naming what makes it slow or
// dependent on the machine (a peer process, a JVM, a binary built from
// source). Without -short it does nothing: the test runs, and fails if a
// peer is missing.
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s; runs without -short (make test)", what)
	}
}

// GoTool returns the go command that builds test programs (the toolchain
// running the tests, not a Debian package).
func GoTool(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found on PATH: the tests build programs with the Go toolchain: %v", err)
	}
	return p
}
