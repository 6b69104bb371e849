package testutil

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestFreePortBindsTCPAndUDP(t *testing.T) {
	port := FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("TCP on the free port %d: %v", port, err)
	}
	defer l.Close()
	u, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("UDP on the free port %d: %v", port, err)
	}
	u.Close()
}

func TestPoll(t *testing.T) {
	for _, tc := range []struct {
		name      string
		trueAfter int // calls; -1 never
		want      bool
	}{
		{"at once", 0, true},
		{"after a few polls", 3, true},
		{"never", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			got := Poll(200*time.Millisecond, func() bool {
				calls++
				return tc.trueAfter >= 0 && calls > tc.trueAfter
			})
			if got != tc.want {
				t.Fatalf("Poll = %v after %d calls, want %v", got, calls, tc.want)
			}
			if tc.want && calls != tc.trueAfter+1 {
				t.Errorf("cond called %d times, want %d", calls, tc.trueAfter+1)
			}
		})
	}
}

func TestPeerFindsAnExecutable(t *testing.T) {
	if testing.Short() {
		t.Skip("Peer skips with -short")
	}
	// sh is in every Debian install (package dash); the first name that
	// is missing is passed over.
	if p := Peer(t, "dash", "rosetta-no-such-program", "sh"); p == "" {
		t.Fatal("Peer returned an empty path")
	}
}

func TestWaitHTTP(t *testing.T) {
	ready := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-ready:
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	time.AfterFunc(100*time.Millisecond, func() { close(ready) })
	WaitHTTP(t, srv.URL, 10*time.Second, nil)
	WaitTCP(t, srv.Listener.Addr().String(), 10*time.Second)
}
