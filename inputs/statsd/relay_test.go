package statsd

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.yaml.in/yaml/v3"

	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Which lines the relay forwards: every line the parser accepts, as
// received; not the ones whose every sample it rejects.
func TestRelayWhichLines(t *testing.T) {
	tests := []struct {
		line    string
		relayed bool
	}{
		{"a.b:1|c", true},
		{"a.b:1|c|#env:prod", true},
		{"a.b:1|c|@0.5|#env:prod,team:core", true},
		{"a.b,env=prod:1|c", true},
		{"a.b:1|c:2|g", true},              // two samples
		{"a.b:1|c:x|g", true},              // one good sample of two
		{"a.b:1:2:3|ms|#env:prod", true},   // extended aggregation
		{"a.b:1|c|#env:prod,broken", true}, // a malformed tag is skipped, the sample kept
		{"t:5|ms|@2", true},                // a rate above 1 makes no observation, but is no error
		{"_e{5,4}:title|text", true},       // DogStatsD event
		{"_sc|check|0", true},              // DogStatsD service check
		{"a.b:1|c|#env:prod|card:low", true},
		{"a.b:1|c|T1700000000", true},
		{"bad line", true},
		{"a.b:x|c", true},
		{"a.b:1", true},
		{"a.b:1|q", true},
		{"a.b:1|s", true}, // sets are not read here, but the target may
		{"a.b:NaN|g", true},
		{"a.b:1|c|@x|#a:b", true},  // statsd_exporter counts the bad rate and keeps the sample
		{"a.b,x=1:1|c|#y:2", true}, // mixed tagging styles
		{"\xff:1|c", true},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.line), func(t *testing.T) {
			r, _ := testRelay(t, RelayConfig{Address: "127.0.0.1:9", PacketLength: 1400, QueueSize: 100, FlushInterval: time.Second})
			p := newParser(DefaultConfig.parserOptions())
			p.relay = &relayBuf{r: r}
			p.parsePacket([]byte(tc.line))
			p.flush()
			got := ""
			select {
			case b := <-r.queue:
				got = string(b.b)
			default:
			}
			want := ""
			if tc.relayed {
				want = tc.line + "\n"
			}
			if got != want {
				t.Errorf("relayed %q, want %q", got, want)
			}
		})
	}
}

func testRelay(t *testing.T, cfg RelayConfig) (*relay, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := newRelay(cfg, reg, slog.New(slog.DiscardHandler))
	return r, reg
}

// A full queue drops lines and counts them; the parser never waits.
func TestRelayQueueFull(t *testing.T) {
	r, _ := testRelay(t, RelayConfig{Address: "127.0.0.1:9", PacketLength: 1400, QueueSize: 4, FlushInterval: time.Second})
	p := newParser(DefaultConfig.parserOptions())
	p.relay = &relayBuf{r: r}
	// No sender runs: the queue fills after 4 lines.
	for i := range 10 {
		p.parsePacket(fmt.Appendf(nil, "a.b:%d|c\nc.d:%d|g", i, i))
		p.flush()
	}
	if got := r.queued.Load(); got != 4 {
		t.Errorf("queued %d lines, want 4", got)
	}
	if got := testutil.ToFloat64(r.m.queueFull); got != 16 {
		t.Errorf("dropped (queue_full) %v lines, want 16", got)
	}
}

// TestRelayToUDPReceiver runs the input with a relay to a real UDP socket
// on 127.0.0.1 and sends good and bad lines over UDP, TCP and unixgram:
// the receiver gets every non-empty line that fits a packet, as sent, in packets no longer
// than packet_length, and the self-metrics count them.
func TestRelayToUDPReceiver(t *testing.T) {
	recv := rtestutil.NewUDPReceiver(t)
	cfg := loopbackConfig()
	cfg.ListenUnixgram = filepath.Join(t.TempDir(), "statsd.sock")
	cfg.Relay = RelayConfig{Address: recv.Addr(), PacketLength: 64, QueueSize: 1000, FlushInterval: 20 * time.Millisecond}
	r := start(t, cfg, newFakeAppender())

	var want []string
	good := func(l string) string { want = append(want, l); return l }
	long := "long.line:1|c|#" + strings.Repeat("x", 64) // valid, but longer than a packet
	udpPackets := [][]string{
		{good("a.b:1|c|#env:prod"), good("a.b:1|c"), good("bad line"), good("t.x:12|ms|@0.5")},
		{good("_e{5,4}:title|text"), good("a.b:x|c"), good("g.y:-3|g")},
		{long, good("last.udp:1|h"), ""},
	}
	tcpLines := []string{good("tcp.a:1|c"), good("tcp.bad"), good("tcp.b:2|g|#zone:z1"), good(strings.Repeat("n", 59) + ":1|c")}
	unixLines := []string{good("unix.a:1|c|#env:prod"), good("unix:bad|c")}

	c, err := net.Dial("udp", r.addrs.UDP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range udpPackets {
		if _, err := c.Write([]byte(strings.Join(p, "\n"))); err != nil {
			t.Fatal(err)
		}
	}
	uc, err := net.Dial("unixgram", r.addrs.Unixgram)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uc.Write([]byte(strings.Join(unixLines, "\n"))); err != nil {
		t.Fatal(err)
	}
	uc.Close()
	tc, err := net.Dial("tcp", r.addrs.TCP.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Write([]byte(strings.Join(tcpLines, "\r\n") + "\n")); err != nil {
		t.Fatal(err)
	}
	tc.Close()

	pkts := recv.Collect(t, len(want), 10*time.Second)
	var got []string
	for _, p := range pkts {
		if len(p) > 64 {
			t.Errorf("packet of %d bytes, longer than packet_length 64: %q", len(p), p)
		}
		if !bytes.HasSuffix(p, []byte("\n")) {
			t.Errorf("packet does not end in a newline: %q", p)
		}
		got = append(got, strings.Split(strings.TrimSuffix(string(p), "\n"), "\n")...)
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relayed lines (-want +got):\n%s", diff)
	}
	// The counters are updated after the send; poll.
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := testutil.GatherAndCompare(r.reg, strings.NewReader(fmt.Sprintf(`
# HELP rosetta_statsd_relay_dropped_lines_total StatsD lines not relayed, by reason: queue_full (the relay queue was full), too_long (the line does not fit in a relay packet; statsd_exporter_relay_long_lines_total).
# TYPE rosetta_statsd_relay_dropped_lines_total counter
rosetta_statsd_relay_dropped_lines_total{reason="queue_full"} 0
rosetta_statsd_relay_dropped_lines_total{reason="too_long"} 1
# HELP rosetta_statsd_relay_failed_lines_total StatsD lines in relay packets that could not be sent (address not resolved, send error).
# TYPE rosetta_statsd_relay_failed_lines_total counter
rosetta_statsd_relay_failed_lines_total 0
# HELP rosetta_statsd_relay_lines_total StatsD lines sent to the relay address.
# TYPE rosetta_statsd_relay_lines_total counter
rosetta_statsd_relay_lines_total %d
# HELP rosetta_statsd_relay_packets_total UDP packets sent to the relay address (statsd_exporter_relay_packets_total).
# TYPE rosetta_statsd_relay_packets_total counter
rosetta_statsd_relay_packets_total %d
`, len(want), len(pkts))), "rosetta_statsd_relay_dropped_lines_total", "rosetta_statsd_relay_failed_lines_total", "rosetta_statsd_relay_lines_total", "rosetta_statsd_relay_packets_total")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Packets are packed as statsd_exporter packs them: up to packet_length
// bytes, a line that would overflow starting the next packet.
func TestRelayPacking(t *testing.T) {
	recv := rtestutil.NewUDPReceiver(t)
	r, _ := testRelay(t, RelayConfig{Address: recv.Addr(), PacketLength: 20, QueueSize: 100, FlushInterval: time.Hour})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { r.run(stop); close(done) }()
	rb := &relayBuf{r: r}
	for _, l := range []string{"aaaaaaaa:1|c", "b:1|c", "ccccccccccccccccccc", "d:1|c", "e:1|c", "f:1|c", "g:1|c"} {
		rb.add([]byte(l))
	}
	rb.flush()
	close(stop) // sends what is queued, then the partial packet
	<-done
	pkts := recv.Collect(t, 7, 5*time.Second)
	var got []string
	for _, p := range pkts {
		got = append(got, string(p))
	}
	// "ccccccccccccccccccc" (19 bytes + newline) fills a packet alone; the
	// 20-byte limit holds "aaaaaaaa:1|c\nb:1|c\n" (19) and three 6-byte lines (18).
	want := []string{"aaaaaaaa:1|c\nb:1|c\n", "ccccccccccccccccccc\n", "d:1|c\ne:1|c\nf:1|c\n", "g:1|c\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packets (-want +got):\n%s", diff)
	}
}

// A send that fails counts its lines as failed and the relay goes on.
func TestRelaySendFails(t *testing.T) {
	// Linux refuses to send to port 0 (EINVAL); the config would not
	// allow it, the relay is built directly.
	r, _ := testRelay(t, RelayConfig{Address: "127.0.0.1:0", PacketLength: 100, QueueSize: 100, FlushInterval: time.Hour})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { r.run(stop); close(done) }()
	rb := &relayBuf{r: r}
	rb.add([]byte("a:1|c"))
	rb.add([]byte("b:1|c"))
	rb.flush()
	close(stop)
	<-done
	if got := testutil.ToFloat64(r.m.failed); got != 2 {
		t.Errorf("failed lines: %v, want 2", got)
	}
	if got := testutil.ToFloat64(r.m.lines); got != 0 {
		t.Errorf("relayed lines: %v, want 0", got)
	}
}

func TestRelayConfig(t *testing.T) {
	tests := []struct {
		yaml string
		want RelayConfig
		err  string
	}{
		{yaml: "listen_udp: ':9125'", want: DefaultRelayConfig},
		{yaml: "relay: {address: 'localhost:9126'}", want: RelayConfig{Address: "localhost:9126", PacketLength: 1400, QueueSize: 10000, FlushInterval: time.Second}},
		{yaml: "relay: {address: '127.0.0.1:9126', packet_length: 512, queue_size: 10, flush_interval: 100ms}", want: RelayConfig{Address: "127.0.0.1:9126", PacketLength: 512, QueueSize: 10, FlushInterval: 100 * time.Millisecond}},
		{yaml: "relay:\n  address: 'nohost'", err: `2:12: statsd input: relay.address: "nohost" is not host:port`},
		{yaml: "relay:\n  address: 'h:0'", err: `2:12: statsd input: relay.address: "h:0": port "0" is not a number from 1 to 65535`},
		{yaml: "relay:\n  address: 'h:1'\n  packet_length: 1", err: `3:18: statsd input: relay.packet_length: 1 must be between 2 and 65507`},
		{yaml: "relay:\n  address: 'h:1'\n  queue_size: 0", err: `3:15: statsd input: relay.queue_size: 0 must be at least 1`},
		{yaml: "relay:\n  address: 'h:1'\n  bogus: 0", err: `3:3: statsd input: relay: unknown key "bogus"`},
	}
	for _, tc := range tests {
		t.Run(tc.yaml, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tc.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			cfg, err := DecodeConfig(doc.Content[0])
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Relay != tc.want {
				t.Errorf("relay %+v, want %+v", cfg.Relay, tc.want)
			}
		})
	}
}

// BenchmarkParsePacketRelay is BenchmarkParsePacket/rosetta with a relay
// to a UDP socket on 127.0.0.1 (its sender runs meanwhile): the cost of
// copying the accepted lines and handing them over.
func BenchmarkParsePacketRelay(b *testing.B) {
	recv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer recv.Close()
	r := newRelay(RelayConfig{Address: recv.LocalAddr().String(), PacketLength: 1400, QueueSize: 10000, FlushInterval: time.Second},
		prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { r.run(stop); close(done) }()
	pkt := []byte(benchPacket)
	p := newParser(allDialects)
	p.emit = func([]normalize.Record) {}
	p.relay = &relayBuf{r: r}
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		p.parsePacket(pkt)
		p.flush()
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(testutil.ToFloat64(r.m.queueFull)/float64(b.N), "dropped-lines/op")
}
