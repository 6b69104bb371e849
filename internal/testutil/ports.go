package testutil

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
)

// handedOut holds the ports FreePort has returned in this process, so
// that two peers of one test never get the same port.
var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// FreePort returns a port that is free on 127.0.0.1 for both TCP and UDP
// at the time of the call (StatsD peers listen on both with one port).
//
// The port is taken below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range), where a port bound as ":0" would come
// from: between this call and the peer's bind, the many outgoing
// connections of a test run (JVMs, HTTP clients, other test binaries)
// take ephemeral ports, and one of them may take a port handed out from
// that range. No port is returned twice in one process.
func FreePort(t testing.TB) int {
	t.Helper()
	lo, hi := portRange()
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	for range 200 {
		port := lo + rand.IntN(hi-lo) //nolint:gosec // G404: spreading test ports, not secrets
		if handedOut.ports[port] || !freeBoth(port) {
			continue
		}
		handedOut.ports[port] = true
		return port
	}
	t.Fatalf("no port in %d-%d free for both TCP and UDP on 127.0.0.1", lo, hi-1)
	return 0
}

// portRange is where FreePort looks: [lo, hi), the 12,000 ports below
// the ephemeral range's start, or 20000-32767 when the range cannot be
// read or starts too low to leave room under it. It is read once.
var portRange = sync.OnceValues(func() (lo, hi int) {
	lo, hi = 20000, 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	var first, last int
	if _, err := fmt.Sscan(string(b), &first, &last); err != nil || first < 12000+1024 {
		return lo, hi
	}
	return first - 12000, first
})

// freeBoth reports whether port can be bound on 127.0.0.1 for TCP and
// for UDP (both closed again before it returns).
func freeBoth(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	defer l.Close()
	u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	_ = u.Close()
	return true
}

// FreeAddr returns "127.0.0.1:PORT" with a port from FreePort.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("127.0.0.1:%d", FreePort(t))
}
