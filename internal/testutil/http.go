package testutil

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// WaitHTTP polls url until it answers 200, failing the test after timeout.
// If exited is closed first (the server's process ended), it fails at once
// instead of waiting out the deadline; exited may be nil.
func WaitHTTP(t testing.TB, url string, timeout time.Duration, exited <-chan struct{}) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	gone := false
	ok := Poll(timeout, func() bool {
		select {
		case <-exited:
			gone = true
			return true
		default:
		}
		resp, err := client.Get(url)
		if err != nil {
			last = err
			return false
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			last = &statusError{resp.Status}
			return false
		}
		return true
	})
	switch {
	case gone:
		t.Fatalf("the server exited before %s answered", url)
	case !ok:
		t.Fatalf("%s did not answer 200 within %s (last error: %v)", url, timeout, last)
	}
}

type statusError struct{ status string }

func (e *statusError) Error() string { return "status " + e.status }

// WaitTCP polls addr until it accepts a TCP connection, failing the test
// after timeout.
func WaitTCP(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	var last error
	if !Poll(timeout, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			last = err
			return false
		}
		_ = c.Close()
		return true
	}) {
		t.Fatalf("%s did not accept connections within %s: %v", addr, timeout, last)
	}
}
