package testutil

import (
	"testing"
	"time"
)

// pollInterval is how often Eventually checks its condition: short enough
// not to slow tests down, long enough not to busy a shared machine.
const pollInterval = 20 * time.Millisecond

// Eventually calls cond until it returns true, and fails the test (naming
// what it waited for) if that has not happened within timeout. It is what
// tests use instead of fixed sleeps.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// Poll calls cond until it returns true or timeout passes, and reports
// whether it did; for callers that fail with their own message.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollInterval)
	}
}
