package testutil

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// TestFreePortUniqueBelowEphemeral: ports come from below the kernel's
// ephemeral range (where outgoing connections could take them before the
// peer binds) and are never handed out twice in one process.
func TestFreePortUniqueBelowEphemeral(t *testing.T) {
	lo, hi := portRange()
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var first int
		if _, err := fmt.Sscan(string(b), &first); err == nil && first >= 13024 && hi != first {
			t.Fatalf("range [%d, %d) does not end where the ephemeral range starts (%d)", lo, hi, first)
		}
	}
	seen := map[int]bool{}
	for range 500 {
		p := FreePort(t)
		if p < lo || p >= hi {
			t.Fatalf("port %d outside [%d, %d)", p, lo, hi)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
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

// The certificate serves TLS on 127.0.0.1 to a client trusting only the
// returned pool, and is accepted as a client certificate by a server
// trusting it.
func TestSelfSigned(t *testing.T) {
	certFile, keyFile, pool := SelfSigned(t, t.TempDir(), "c.pem", "k.pem", "example.test")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) != 1 {
			http.Error(w, "want one client certificate", http.StatusForbidden)
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Errorf("%s: %s", resp.Status, body)
	}
}

// Datagrams sent to the receiver come back as packets and lines.
func TestUDPReceiver(t *testing.T) {
	r := NewUDPReceiver(t)
	c, err := net.Dial("udp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"a:1|c\nb:2|g\n", "c:3|ms\n"} {
		if _, err := c.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if pkts := r.Collect(t, 3, 10*time.Second); len(pkts) != 2 {
		t.Errorf("Collect: %d packets, want 2", len(pkts))
	}
	if got := strings.Join(r.Lines(), " "); got != "a:1|c b:2|g c:3|ms" {
		t.Errorf("Lines() = %q", got)
	}
}

// RSS reads a plausible resident set.
func TestRSS(t *testing.T) {
	if n := RSS(t); n < 1<<20 {
		t.Errorf("RSS() = %d bytes, want at least 1 MiB", n)
	}
}

func TestSections(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cases.txt")
	if err := os.WriteFile(file, []byte("a preamble\n=== one\na: 1\nb: 2\n=== two\n=== three"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []Section{{"one", "a: 1\nb: 2\n"}, {"two", ""}, {"three", ""}}
	if got := Sections(t, file); !slices.Equal(got, want) {
		t.Errorf("Sections = %q, want %q", got, want)
	}
}
