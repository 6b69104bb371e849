package testutil

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"
)

// UDPReceiver is a UDP socket on 127.0.0.1 that keeps every datagram sent
// to it: the far end of a StatsD relay, for one. It is closed when the
// test ends.
type UDPReceiver struct {
	conn *net.UDPConn
	pkts chan []byte
	got  [][]byte
}

// NewUDPReceiver listens on a free port of 127.0.0.1.
func NewUDPReceiver(t testing.TB) *UDPReceiver {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	// A large buffer, so that a burst is not lost before it is read; the
	// kernel may cap it, which only makes loss possible again.
	if err := conn.SetReadBuffer(4 << 20); err != nil {
		t.Logf("UDP read buffer: %v", err)
	}
	r := &UDPReceiver{conn: conn, pkts: make(chan []byte, 100000)}
	go func() {
		buf := make([]byte, 70000)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(r.pkts)
				return
			}
			r.pkts <- bytes.Clone(buf[:n])
		}
	}()
	t.Cleanup(func() { _ = conn.Close() })
	return r
}

// Addr is the receiver's host:port.
func (r *UDPReceiver) Addr() string { return r.conn.LocalAddr().String() }

// Collect waits until the packets received since the last Collect hold n
// lines ("\n"-terminated) and returns those packets; it fails the test
// after timeout.
func (r *UDPReceiver) Collect(t testing.TB, n int, timeout time.Duration) [][]byte {
	t.Helper()
	var pkts [][]byte
	lines := 0
	deadline := time.After(timeout)
	for lines < n {
		select {
		case p, ok := <-r.pkts:
			if !ok {
				t.Fatalf("the receiver closed after %d of %d lines", lines, n)
			}
			r.got = append(r.got, p)
			pkts = append(pkts, p)
			lines += bytes.Count(p, []byte("\n"))
		case <-deadline:
			t.Fatalf("received %d lines in %d packets within %s, want %d lines:\n%s", lines, len(pkts), timeout, n, bytes.Join(pkts, nil))
		}
	}
	return pkts
}

// Packets takes the packets that have arrived, without waiting, and
// returns every packet received so far.
func (r *UDPReceiver) Packets() [][]byte {
	for {
		select {
		case p, ok := <-r.pkts:
			if ok {
				r.got = append(r.got, p)
				continue
			}
		default:
		}
		return r.got
	}
}

// Lines returns the lines of every packet received so far (Packets).
func (r *UDPReceiver) Lines() []string {
	var out []string
	for _, p := range r.Packets() {
		out = append(out, strings.Split(strings.TrimSuffix(string(p), "\n"), "\n")...)
	}
	return out
}
