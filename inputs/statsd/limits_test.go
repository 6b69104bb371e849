package statsd

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/inputs"
	itu "github.com/rosetta-adapter/rosetta/internal/testutil"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// TestNameAndValueLength: a line whose name or tag value is longer than
// the bound is dropped and counted; the lines around it are kept.
func TestNameAndValueLength(t *testing.T) {
	long := strings.Repeat("n", 101)
	tests := []struct {
		name, line string
		drop       drop
	}{
		{"name", long + ":1|c", dropNameTooLong},
		{"name with influx tags", long + ",a=b:1|c", dropNameTooLong},
		{"dogstatsd value", "x:1|c|#k:" + long, dropLabelValueTooLong},
		{"influx value", "x,k=" + long + ":1|c", dropLabelValueTooLong},
		{"librato value", "x#k=" + long + ":1|c", dropLabelValueTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newParser(parserOptions{dogStatsD: true, influxDB: true, librato: true, maxName: 100, maxValue: 100})
			p.parsePacket([]byte("a:1|c\n" + tc.line + "\nb:2|g|#k:" + long[:100]))
			if len(p.recs) != 2 || p.recs[0].Match != "a" || p.recs[1].Match != "b" {
				t.Fatalf("records %+v", p.recs)
			}
			if p.st.drops[tc.drop] != 1 {
				t.Errorf("%s drops = %d, want 1 (%+v)", dropNames[tc.drop], p.st.drops[tc.drop], p.st)
			}
			// A name of exactly the bound is kept.
			p.parsePacket([]byte(long[:100] + ":1|c"))
			if p.recs[len(p.recs)-1].Match != long[:100] {
				t.Error("a name of exactly max_name_length was dropped")
			}
		})
	}
}

// TestParserTablesBoundedByBytes: 8,000 unique 2 KB names and tag values
// must not grow the parser's intern tables and templates beyond their
// byte budgets (bounded by count alone they held every one: 32,768 entries
// of up to 64 KiB each were allowed); longer ones are not interned at all.
func TestParserTablesBoundedByBytes(t *testing.T) {
	p := newParser(parserOptions{dogStatsD: true, maxName: 64 << 10, maxValue: 64 << 10})
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	pad := strings.Repeat("x", maxInternLen/2-40) // a line's template key stays under maxInternLen
	for i := range 8000 {
		n := strconv.Itoa(i)
		p.parsePacket([]byte(pad + n + ":1|c|#k:" + pad + n))
		p.parsePacket([]byte(pad + n + ":2|c|#k:" + pad + n)) // a template
		p.reset()
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grown := int64(ms.HeapAlloc) - int64(before)
	t.Logf("names %d B, values %d B, tags %d B, templates %d B; heap grew %.1f MiB",
		p.names.t.bytes, p.strs.bytes, p.tagsColon.bytes, p.tmpls.bytes, float64(grown)/(1<<20))
	if p.names.t.bytes == 0 || p.tmpls.bytes == 0 {
		t.Error("nothing interned")
	}
	if p.names.t.bytes > maxNameBytes || p.strs.bytes > maxValueBytes || p.tagsColon.bytes > maxValueBytes || p.tmpls.bytes > maxTemplateBytes {
		t.Error("a table is over its byte budget")
	}
	budget := int64(maxNameBytes + 2*maxValueBytes + maxTemplateBytes + maxKeyBytes)
	if grown > 2*budget {
		t.Errorf("heap grew by %.1f MiB, budgets total %.1f MiB", float64(grown)/(1<<20), float64(budget)/(1<<20))
	}
	runtime.KeepAlive(p)
}

// TestTCPIdleTimeout: a connection that sends nothing is closed after
// tcp_idle_timeout and counted; a busy one is not.
func TestTCPIdleTimeout(t *testing.T) {
	cfg := loopbackConfig()
	cfg.TCPIdleTimeout = 200 * time.Millisecond
	r := start(t, cfg, newFakeAppender())
	idle, err := net.Dial("tcp", r.addrs.TCP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_ = idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	if _, err := idle.Read(b[:]); err == nil {
		t.Fatal("read data from the server")
	}
	itu.Eventually(t, 5*time.Second, "the idle close counted", func() bool {
		return testutil.ToFloat64(r.d.m.drops[dropTCPIdle]) == 1 && testutil.ToFloat64(r.d.m.tcpOpen) == 0
	})
}

// TestTCPConnectionLimitByDefault: the default config caps connections.
func TestTCPConnectionLimitByDefault(t *testing.T) {
	if DefaultConfig.TCPMaxConnections <= 0 || DefaultConfig.TCPIdleTimeout <= 0 {
		t.Fatalf("defaults: tcp_max_connections %d, tcp_idle_timeout %v", DefaultConfig.TCPMaxConnections, DefaultConfig.TCPIdleTimeout)
	}
	cfg := loopbackConfig()
	cfg.TCPMaxConnections = 5
	r := start(t, cfg, newFakeAppender())
	var conns []net.Conn
	for range 8 {
		c, err := net.Dial("tcp", r.addrs.TCP.String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	itu.Eventually(t, 5*time.Second, "3 connections refused", func() bool {
		return testutil.ToFloat64(r.d.m.drops[dropConnectionLimit]) == 3 && testutil.ToFloat64(r.d.m.tcpOpen) == 5
	})
	for _, c := range conns {
		c.Close()
	}
}

// TestUDPQueueBytes: with the workers stalled, queued datagrams stop at
// udp_packet_queue_bytes; the rest are dropped and counted.
func TestUDPQueueBytes(t *testing.T) {
	cfg := loopbackConfig()
	cfg.UDPPacketQueueBytes = 4 * maxDatagram
	app := newFakeAppender()
	app.gate = make(chan struct{})
	r := start(t, cfg, app)
	c, err := net.Dial("udp", r.addrs.UDP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	big := strings.Repeat("x", 9000) + ":1|c"
	// Datagrams go on until the queue's budget drops one: on a loaded
	// machine the kernel's socket buffer may drop a burst before the
	// reader wakes, so a fixed burst need not reach the budget.
	sent := 0
	itu.Eventually(t, 20*time.Second, "queue_bytes_full drops", func() bool {
		for range 8 {
			if _, err := c.Write([]byte(big)); err != nil {
				t.Fatal(err)
			}
			sent++
		}
		return testutil.ToFloat64(r.d.m.drops[dropQueueBytes]) > 0
	})
	t.Logf("%d datagrams of %d bytes sent before the first queue_bytes_full drop", sent, len(big))
	if q := r.d.queued.Load(); q > int64(cfg.UDPPacketQueueBytes) {
		t.Errorf("%d bytes queued, budget %d", q, cfg.UDPPacketQueueBytes)
	}
	close(app.gate)
	itu.Eventually(t, 5*time.Second, "the queue drained", func() bool { return r.d.queued.Load() == 0 })
}

// TestUnixgramModeWithoutWindow: the socket appears at its path with its
// configured mode already set (it is chmod-ed before it is renamed into
// place), and a mode that cannot be set fails Run instead of a warning.
func TestUnixgramModeWithoutWindow(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/statsd.sock"
	cfg := DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP, cfg.ListenUnixgram, cfg.UnixSocketMode = "", "", path, "600"
	r := start(t, cfg, newFakeAppender())
	st, err := os.Stat(r.addrs.Unixgram)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("socket mode %o, want 600", got)
	}
	left, _ := filepath.Glob(dir + "/.statsd-sock-*")
	if len(left) != 0 {
		t.Errorf("private bind directories left: %v", left)
	}
	// A directory we cannot create the private directory in: an error.
	if _, err := bindUnixgram("/proc/statsd.sock", 0o600); err == nil {
		t.Error("binding where the mode cannot be set succeeded")
	}
}

// TestTemplateBudgets: a UDP worker's templates grow to maxTemplateBytes
// and a TCP connection's to tcpTemplateBytes (there may be a thousand
// connections), never beyond.
func TestTemplateBudgets(t *testing.T) {
	d, err := New(inputs.Settings{Name: "t", Registerer: prometheus.NewRegistry()}, &DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		p      *parser
		budget int
	}{
		{"worker", newParser(DefaultConfig.parserOptions()), maxTemplateBytes},
		{"tcp connection", d.newParser(context.Background(), newFakeAppender()), tcpTemplateBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			p.emit = func([]normalize.Record) {}
			for i := range 60000 {
				line := []byte("app.requests." + strconv.Itoa(i) + ":1|c")
				p.parsePacket(line)
				p.parsePacket(line) // a template
				p.reset()
				if p.tmpls.bytes > tc.budget {
					t.Fatalf("after %d names: templates hold %d bytes, over %d", i+1, p.tmpls.bytes, tc.budget)
				}
			}
			if p.tmpls.bytes < tc.budget/4 {
				t.Errorf("templates hold %d bytes, did not grow towards %d", p.tmpls.bytes, tc.budget)
			}
		})
	}
}

// TestEventsCountedLikePeer: a DogStatsD event or service check is dropped
// and counted as such, and what statsd_exporter finds in it when it parses
// it as a metric line goes to the peer counts only.
func TestEventsCountedLikePeer(t *testing.T) {
	p := newParser(parserOptions{dogStatsD: true, influxDB: true, librato: true, signalFX: true, maxName: 100, maxValue: 100})
	p.parsePacket([]byte("a:1|c\n_e{5,4}:title|text\n_sc|svc|0\nb:2|g"))
	if len(p.recs) != 2 || p.recs[0].Match != "a" || p.recs[1].Match != "b" {
		t.Fatalf("records %+v", p.recs)
	}
	if p.st.drops[dropEvent] != 1 || p.st.drops[dropServiceCheck] != 1 || p.st.samples != 2 {
		t.Errorf("stats %+v", p.st)
	}
	for r, n := range p.st.errors {
		if n != 0 {
			t.Errorf("error %s counted %d times", reasonNames[r], n)
		}
	}
	// statsd_exporter: "_e{5" with the InfluxDB tag "4}" (no '='), the
	// value "title"; "_sc|svc|0" has no ':'.
	want := peerStats{samples: 1}
	want.errors[errMalformedTag] = 1
	want.errors[errMalformedValue] = 1
	want.errors[errMalformedLine] = 1
	if p.st.peer != want {
		t.Errorf("peer counts %+v, want %+v", p.st.peer, want)
	}
}
