package statsd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// fakeAppender stores copies of what it gets.
type fakeAppender struct {
	mu      sync.Mutex
	recs    []normalize.Record
	changed chan struct{}
	// gate, if set, blocks Append until it is closed.
	gate chan struct{}
}

func newFakeAppender() *fakeAppender { return &fakeAppender{changed: make(chan struct{}, 1)} }

func (a *fakeAppender) Append(_ context.Context, b []normalize.Record) error {
	if a.gate != nil {
		<-a.gate
	}
	a.mu.Lock()
	a.recs = append(a.recs, cloneRecs(b)...)
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
	return nil
}

func (a *fakeAppender) Replace(context.Context, string, []normalize.Record) error {
	return errors.New("the statsd input must not call Replace")
}

func (a *fakeAppender) records() []normalize.Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.recs)
}

// wait waits until at least n records arrived or 10s passed, and returns
// what arrived.
func (a *fakeAppender) wait(t *testing.T, n int) []normalize.Record {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if r := a.records(); len(r) >= n {
			return r
		}
		select {
		case <-a.changed:
		case <-deadline:
			r := a.records()
			t.Fatalf("got %d records, want %d: %v", len(r), n, r)
			return nil
		}
	}
}

// running is a driver started by start.
type running struct {
	d     *Driver
	addrs Addrs
	app   *fakeAppender
	reg   *prometheus.Registry
	stop  func() error
}

// start runs a driver with cfg (listening on 127.0.0.1 ports the OS picks
// unless cfg says otherwise) and stops it when the test ends.
func start(t *testing.T, cfg Config, app *fakeAppender) *running {
	t.Helper()
	r := startWith(t, cfg, app)
	r.app = app
	return r
}

// startWith is start with any Appender (a real Pipeline, say).
func startWith(t *testing.T, cfg Config, app normalize.Appender) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	d, err := New(inputs.Settings{Name: "test", Registerer: reg}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan Addrs, 1)
	d.listening = func(a Addrs) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, app) }()
	r := &running{d: d, reg: reg}
	select {
	case r.addrs = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Run returned before listening: %v", err)
	}
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = errors.New("Run did not return within 10s of cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func loopbackConfig() Config {
	cfg := DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP = "127.0.0.1:0", "127.0.0.1:0"
	return cfg
}

func sortRecs(rs []normalize.Record) []normalize.Record {
	slices.SortStableFunc(rs, func(a, b normalize.Record) int { return strings.Compare(a.Match, b.Match) })
	return rs
}

func TestLifecycle(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := loopbackConfig()
	d, err := New(inputs.Settings{Name: "test", Registerer: reg}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Run twice on the same driver, as main's supervisor does after a
	// failure: each Run binds, serves and returns nil on cancel.
	for i := range 2 {
		ready := make(chan Addrs, 1)
		d.listening = func(a Addrs) { ready <- a }
		app := newFakeAppender()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx, app) }()
		a := <-ready
		if got := d.Addrs(); got.UDP == nil || got.TCP == nil {
			t.Errorf("run %d: Addrs() = %+v while running", i, got)
		}
		sendUDP(t, a.UDP.String(), fmt.Sprintf("run%d:1|c", i))
		app.wait(t, 1)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run %d: Run returned %v after cancel, want nil", i, err)
		}
		if got := d.Addrs(); got.UDP != nil || got.TCP != nil {
			t.Errorf("run %d: Addrs() = %+v after Run returned", i, got)
		}
		// The port is free again.
		c, err := net.ListenPacket("udp", a.UDP.String())
		if err != nil {
			t.Fatalf("run %d: UDP port still bound after Run returned: %v", i, err)
		}
		c.Close()
	}
}

func TestRunBindError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP = "127.0.0.1:0", ln.Addr().String()
	d, err := New(inputs.Settings{Name: "busy", Registerer: prometheus.NewRegistry()}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Run(context.Background(), newFakeAppender())
	if err == nil || !strings.Contains(err.Error(), "listen_tcp") || !strings.Contains(err.Error(), `"busy"`) {
		t.Fatalf("Run on a busy port = %v, want an error naming the input and listen_tcp", err)
	}
}

func sendUDP(t *testing.T, addr string, packets ...string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range packets {
		if _, err := c.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUDP(t *testing.T) {
	r := start(t, loopbackConfig(), newFakeAppender())
	sendUDP(t, r.addrs.UDP.String(),
		"a.count:2|c|@0.5|#env:prod\nb.gauge:-3|g\nbad line\n",
		"c.timer:250|ms,d.hist:1|h", // no newline: type "ms,d.hist" is illegal, then "1|h" is a second value
		"e,k=v:7|g",
	)
	got := sortRecs(r.app.wait(t, 4))
	want := []normalize.Record{ctr("a.count", 4, "env", "prod"), gauge("b.gauge", -3, true), obs("c.timer", 1), gauge("e", 7, false, "k", "v")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	m := r.d.m
	for name, c := range map[string]struct {
		got  prometheus.Collector
		want float64
	}{
		"packets_udp":       {m.packets["udp"], 3},
		"lines":             {m.lines, 6},
		"records":           {m.records, 4},
		"malformed_line":    {m.errors[errMalformedLine], 1},
		"malformed_tag":     {m.errors[errMalformedTag], 0},
		"packets_unixgram":  {m.packets["unixgram"], 0},
		"queue_full_drops":  {m.drops[dropQueueFull], 0},
		"tagged_samples":    {m.tags, 2},
		"samples (values)":  {m.samples, 5},
		"illegal_event":     {m.errors[errIllegalEvent], 1},
		"malformed_compone": {m.errors[errMalformedComponent], 0},
	} {
		if v := testutil.ToFloat64(c.got); v != c.want {
			t.Errorf("%s = %v, want %v", name, v, c.want)
		}
	}
	// The self-metrics pass promtool's lint rules as client_golang checks
	// them.
	if problems, err := testutil.GatherAndLint(r.reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

func TestTCP(t *testing.T) {
	cfg := loopbackConfig()
	cfg.TCPMaxLineLength = 100
	r := start(t, cfg, newFakeAppender())
	const conns, perConn = 8, 200
	var wg sync.WaitGroup
	for c := range conns {
		wg.Go(func() {
			conn, err := net.Dial("tcp", r.addrs.TCP.String())
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			w := bufio.NewWriter(conn)
			for i := range perConn {
				// CRLF endings, a too-long line in the middle.
				if i == perConn/2 {
					fmt.Fprintf(w, "long.%s:1|c\n", strings.Repeat("x", 200))
				}
				fmt.Fprintf(w, "conn%d.line:%d|g\r\n", c, i)
			}
			// The last line has no newline: it still counts at EOF.
			fmt.Fprintf(w, "conn%d.last:1|c", c)
			if err := w.Flush(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := r.app.wait(t, conns*(perConn+1))
	last := map[string]float64{}
	n := map[string]int{}
	for _, rec := range got {
		n[rec.Match]++
		last[rec.Match] = rec.Value
	}
	for c := range conns {
		name := fmt.Sprintf("conn%d.line", c)
		if n[name] != perConn || last[name] != perConn-1 {
			t.Errorf("%s: %d records, last value %v; want %d records in order", name, n[name], last[name], perConn)
		}
		if n[fmt.Sprintf("conn%d.last", c)] != 1 {
			t.Errorf("conn%d: the unterminated last line was not parsed", c)
		}
	}
	if n := testutil.ToFloat64(r.d.m.errors[errLineTooLong]); n != conns {
		t.Errorf("line_too_long = %v, want %d", n, conns)
	}
	if n := testutil.ToFloat64(r.d.m.tcpConns); n != conns {
		t.Errorf("tcp connections = %v, want %d", n, conns)
	}
}

// TestTCPLineTooLongAcrossReads checks a line longer than the read buffer.
func TestTCPLineTooLongAcrossReads(t *testing.T) {
	cfg := loopbackConfig()
	cfg.TCPMaxLineLength = 10
	r := start(t, cfg, newFakeAppender())
	conn, err := net.Dial("tcp", r.addrs.TCP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	payload := "before:1|c\n" + strings.Repeat("y", 100<<10) + ":1|c\nafter:2|c\n"
	if _, err := io.WriteString(conn, payload); err != nil {
		t.Fatal(err)
	}
	got := r.app.wait(t, 2)
	if diff := cmp.Diff([]normalize.Record{ctr("before", 1), ctr("after", 2)}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if n := testutil.ToFloat64(r.d.m.errors[errLineTooLong]); n != 1 {
		t.Errorf("line_too_long = %v, want 1", n)
	}
}

// TestTCPShutdownClosesIdleConnections checks that an idle client does not
// keep Run from returning, and that what it sent is flushed.
func TestTCPShutdownClosesIdleConnections(t *testing.T) {
	r := start(t, loopbackConfig(), newFakeAppender())
	conn, err := net.Dial("tcp", r.addrs.TCP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "idle:1|c\n"); err != nil {
		t.Fatal(err)
	}
	r.app.wait(t, 1)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("client read after shutdown = %v, want EOF", err)
	}
	if n := testutil.ToFloat64(r.d.m.tcpOpen); n != 0 {
		t.Errorf("open connections after shutdown = %v", n)
	}
}

func TestTCPConnectionLimit(t *testing.T) {
	cfg := loopbackConfig()
	cfg.TCPMaxConnections = 1
	r := start(t, cfg, newFakeAppender())
	first, err := net.Dial("tcp", r.addrs.TCP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := io.WriteString(first, "first:1|c\n"); err != nil {
		t.Fatal(err)
	}
	r.app.wait(t, 1)
	second, err := net.Dial("tcp", r.addrs.TCP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	_ = second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Error("a connection over the limit was not closed")
	}
	if n := testutil.ToFloat64(r.d.m.drops[dropConnectionLimit]); n != 1 {
		t.Errorf("tcp_connection_limit drops = %v, want 1", n)
	}
}

func TestUnixgram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "statsd.sock")
	cfg := DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP, cfg.ListenUnixgram = "", "", path
	cfg.UnixSocketMode = "720"
	r := start(t, cfg, newFakeAppender())
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o720 {
		t.Errorf("socket mode %v, want 0720", fi.Mode().Perm())
	}
	c, err := net.Dial("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ux.a:1|c\nux.b:2|h|#k:v")); err != nil {
		t.Fatal(err)
	}
	// A datagram larger than 64 KiB is counted and dropped.
	big := strings.Repeat("z", maxDatagram+100)
	bigSent := true
	if _, err := c.Write([]byte(big)); err != nil {
		bigSent = false
		t.Logf("sending a large datagram: %v (the kernel may refuse it)", err)
	}
	if _, err := c.Write([]byte("ux.c:3|g")); err != nil {
		t.Fatal(err)
	}
	got := r.app.wait(t, 3)
	want := []normalize.Record{ctr("ux.a", 1), obs("ux.b", 2, "k", "v"), gauge("ux.c", 3, false)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if n := testutil.ToFloat64(r.d.m.errors[errPacketTruncated]); bigSent && n != 1 {
		t.Errorf("packet_truncated = %v after a %d-byte datagram, want 1", n, len(big))
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left behind after Run returned: %v", err)
	}
}

func TestUnixgramStaleSocket(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	// A closed unixgram socket leaves its file behind, as a killed
	// process would.
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Net: "unixgram", Name: stale})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	cfg := DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP, cfg.ListenUnixgram = "", "", stale
	r := start(t, cfg, newFakeAppender())
	if r.addrs.Unixgram != stale {
		t.Errorf("listening on %q, want %q", r.addrs.Unixgram, stale)
	}

	// A live socket or a regular file is not taken over.
	for name, path := range map[string]string{"live": stale, "file": filepath.Join(dir, "file")} {
		if name == "file" {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cfg.ListenUnixgram = path
		d, err := New(inputs.Settings{Name: name, Registerer: prometheus.NewRegistry()}, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Run(context.Background(), newFakeAppender()); err == nil {
			t.Errorf("%s: Run succeeded on an existing %s", name, name)
		}
	}
}

// TestQueueFull blocks the only worker, floods the queue and checks that
// the reader counts drops and keeps reading, and that nothing is lost
// beyond what was counted.
func TestQueueFull(t *testing.T) {
	cfg := loopbackConfig()
	cfg.Workers, cfg.UDPPacketQueueSize = 1, 4
	cfg.ReadBuffer = 1 << 20
	app := newFakeAppender()
	app.gate = make(chan struct{})
	r := start(t, cfg, app)
	const n = 200
	var pkts []string
	for i := range n {
		pkts = append(pkts, fmt.Sprintf("q%d:1|c", i))
	}
	sendUDP(t, r.addrs.UDP.String(), pkts...)
	// The reader reads all of them although the worker is stuck.
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(r.d.m.packets["udp"]) < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := testutil.ToFloat64(r.d.m.packets["udp"]); got != n {
		t.Fatalf("reader read %v packets while the worker was blocked, want %d", got, n)
	}
	// The worker holds one batch (it may gather several queued packets
	// before it blocks in Append) and the queue holds 4: the rest is
	// dropped.
	drops := testutil.ToFloat64(r.d.m.drops[dropQueueFull])
	if drops == 0 {
		t.Errorf("no queue_full drops with a blocked worker and %d packets", n)
	}
	close(app.gate)
	got := app.wait(t, n-int(drops))
	if len(got)+int(drops) != n {
		t.Errorf("%d records + %v drops, want %d", len(got), drops, n)
	}
	// The reader still works.
	sendUDP(t, r.addrs.UDP.String(), "after:1|c")
	got = app.wait(t, n-int(drops)+1)
	if last := got[len(got)-1]; last.Match != "after" {
		t.Errorf("last record %+v, want after", last)
	}
}

func TestFactoryAndConfig(t *testing.T) {
	f := NewFactory()
	if f.Type() != "statsd" {
		t.Errorf("Type() = %q", f.Type())
	}
	if diff := cmp.Diff(&DefaultConfig, f.NewDefaultConfig()); diff != "" {
		t.Errorf("default config (-want +got):\n%s", diff)
	}
	reg, _ := inputs.NewRegistry(f)
	if _, ok := reg.Factory("statsd"); !ok {
		t.Error("factory not found by type")
	}
	if _, err := f.New(inputs.Settings{Name: "x", Registerer: prometheus.NewRegistry()}, nil); err == nil {
		t.Error("New accepted a nil config")
	}
}

func TestDecodeConfig(t *testing.T) {
	tests := []struct {
		name, in string
		want     func(*Config)
		err      string
	}{
		{name: "empty mapping", in: "{}", want: func(*Config) {}},
		{name: "all keys", in: `
listen_udp: "127.0.0.1:8125"
listen_tcp: ""
listen_unixgram: /tmp/s.sock
unixsocket_mode: "700"
read_buffer: 1048576
udp_packet_queue_size: 50
parse_dogstatsd_tags: false
parse_influxdb_tags: false
parse_librato_tags: false
parse_signalfx_tags: false
workers: 3
tcp_max_line_length: 1024
tcp_max_connections: 10
tcp_idle_timeout: 30s
udp_packet_queue_bytes: 1048576
max_name_length: 100
max_label_value_length: 200
max_sample_rate_repeat: 5
relay:
  address: "127.0.0.1:8126"
  packet_length: 512
  queue_size: 100
  flush_interval: 200ms
`, want: func(c *Config) {
			*c = Config{ListenUDP: "127.0.0.1:8125", ListenUnixgram: "/tmp/s.sock", UnixSocketMode: "700", ReadBuffer: 1 << 20,
				UDPPacketQueueSize: 50, Workers: 3, TCPMaxLineLength: 1024, TCPMaxConnections: 10, MaxSampleRateRepeat: 5,
				Relay:          RelayConfig{Address: "127.0.0.1:8126", PacketLength: 512, QueueSize: 100, FlushInterval: 200 * time.Millisecond},
				TCPIdleTimeout: 30 * time.Second, UDPPacketQueueBytes: 1 << 20, MaxNameLength: 100, MaxLabelValueLength: 200}
		}},
		{name: "queue bytes below a datagram", in: "udp_packet_queue_bytes: 100", err: "udp_packet_queue_bytes: 100 must be at least 65535 (one datagram)"},
		{name: "unknown key", in: "listen_udpp: x", err: `2:3: statsd input: unknown key "listen_udpp"`},
		{name: "wrong type", in: "workers: many", err: "cannot unmarshal"},
		{name: "no listener", in: "listen_udp: ''\nlisten_tcp: ''", err: "at least one of listen_udp"},
		{name: "bad mode", in: "unixsocket_mode: '9x'", err: `2:20: statsd input: unixsocket_mode: "9x" is not an octal permission`},
		{name: "bad queue", in: "udp_packet_queue_size: 0", err: "2:26: statsd input: udp_packet_queue_size: 0 must be at least 1"},
		{name: "negative workers", in: "workers: -1", err: "workers: -1 must not be negative (0 means GOMAXPROCS)"},
		{name: "negative read buffer", in: "read_buffer: -1", err: "2:16: statsd input: read_buffer: -1 must not be negative"},
		{name: "negative connections", in: "tcp_max_connections: -2", err: "tcp_max_connections: -2 must not be negative (0 means no limit)"},
		{name: "zero label value length", in: "max_label_value_length: 0", err: "max_label_value_length: 0 must be at least 1"},
		{name: "sample rate repeat over 2^32-1", in: "max_sample_rate_repeat: 5000000000", err: "max_sample_rate_repeat: 5000000000 must be at most 4294967295"},
		{name: "zero sample rate repeat", in: "max_sample_rate_repeat: 0", err: "max_sample_rate_repeat: 0 must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yamlDoc
			node := parseYAML(t, "statsd:\n  "+strings.ReplaceAll(strings.TrimSpace(tt.in), "\n", "\n  "), &doc)
			cfg, err := DecodeConfig(node)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultConfig
			tt.want(&want)
			if diff := cmp.Diff(&want, cfg); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
	if cfg, err := DecodeConfig(nil); err != nil || *cfg != DefaultConfig {
		t.Errorf("DecodeConfig(nil) = %+v, %v; want the defaults", cfg, err)
	}
}

type yamlDoc struct {
	Statsd yaml.Node `yaml:"statsd"`
}

func parseYAML(t *testing.T, s string, doc *yamlDoc) *yaml.Node {
	t.Helper()
	if err := yaml.Unmarshal([]byte(s), doc); err != nil {
		t.Fatal(err)
	}
	return &doc.Statsd
}

// TestUDPOrder sends one gauge in many packets to several workers: the
// records must reach the pipeline in the order sent, so the gauge ends at
// the value sent last.
func TestUDPOrder(t *testing.T) {
	cfg := loopbackConfig()
	cfg.Workers = 4
	cfg.ReadBuffer = 1 << 20
	r := start(t, cfg, newFakeAppender())
	const n = 2000
	sendOrderTraffic(t, r.addrs.UDP.String(), n)
	var got []normalize.Record
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = r.app.records()
		if len(got) > 0 && got[len(got)-1].Match == "end" || time.Now().After(deadline) {
			break
		}
		select {
		case <-r.app.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
	var depth []float64
	for _, rec := range got {
		if rec.Match == "depth" {
			depth = append(depth, rec.Value)
		}
	}
	checkOrder(t, depth, n)
}

// sendOrderTraffic sends n packets that set the gauge "depth" to 0..n-1,
// then "end:1|c".
func sendOrderTraffic(t *testing.T, addr string, n int) {
	t.Helper()
	pkts := make([]string, n)
	for i := range pkts {
		pkts[i] = fmt.Sprintf("depth:%d|g\nother:%d|c", i, i)
	}
	sendUDP(t, addr, pkts...)
	sendUDP(t, addr, "end:1|c")
}

// checkOrder checks that the values of "depth" came in the order sent.
// Loopback UDP may drop when the socket buffer overflows, so at least
// half of the n must have arrived, and what arrived must be in order.
func checkOrder(t *testing.T, depth []float64, n int) {
	t.Helper()
	for i := 1; i < len(depth); i++ {
		if depth[i] <= depth[i-1] {
			t.Fatalf("gauge value %v came after %v", depth[i], depth[i-1])
		}
	}
	if len(depth) < n/2 {
		t.Errorf("only %d of %d packets arrived", len(depth), n)
	}
}

// TestTCPLongLineGrowsBuffer sends a line longer than the initial read
// buffer but within tcp_max_line_length.
func TestTCPLongLineGrowsBuffer(t *testing.T) {
	cfg := loopbackConfig()
	cfg.MaxNameLength = 64 << 10
	r := start(t, cfg, newFakeAppender())
	conn, err := net.Dial("tcp", r.addrs.TCP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	long := "long." + strings.Repeat("n", 40<<10)
	if _, err := io.WriteString(conn, "a:1|c\n"+long+":2|g\nb:3|c\n"); err != nil {
		t.Fatal(err)
	}
	got := r.app.wait(t, 3)
	want := []normalize.Record{ctr("a", 1), gauge(long, 2, false), ctr("b", 3)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// TestPortableReader runs the datagram tests with one read per datagram,
// the reader used where recvmmsg(2) is not available.
func TestPortableReader(t *testing.T) {
	useRecvmmsg = false
	defer func() { useRecvmmsg = true }()
	t.Run("UDP", TestUDP)
	t.Run("Unixgram", TestUnixgram)
	t.Run("QueueFull", TestQueueFull)
	t.Run("Order", TestUDPOrder)
}

func TestFactoryDecodeAndNewErrors(t *testing.T) {
	f := NewFactory()
	var doc yamlDoc
	cfg, err := f.Decode(parseYAML(t, "statsd:\n  listen_udp: '127.0.0.1:0'\n  listen_tcp: ''\n  workers: 2", &doc))
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.(*Config); c.ListenUDP != "127.0.0.1:0" || c.ListenTCP != "" || c.Workers != 2 || c.UDPPacketQueueSize != 10000 {
		t.Errorf("decoded %+v", c)
	}
	reg := prometheus.NewRegistry()
	if _, err := f.New(inputs.Settings{Name: "a", Registerer: reg}, cfg); err != nil {
		t.Fatal(err)
	}
	// A second input on the same registry collides.
	if _, err := f.New(inputs.Settings{Name: "b", Registerer: reg}, cfg); err == nil || !strings.Contains(err.Error(), "registering metrics") {
		t.Errorf("New with metrics already registered = %v, want an error", err)
	}
	bad := DefaultConfig
	bad.UDPPacketQueueSize = 0
	if _, err := f.New(inputs.Settings{Name: "c", Registerer: prometheus.NewRegistry()}, &bad); err == nil || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("New with an invalid config = %v, want an error naming the input", err)
	}
}

// orderSink records the samples written, in order.
type orderSink struct {
	mu      sync.Mutex
	writing bool
	samples []normalize.Sample
	overlap bool
}

func (s *orderSink) Write(b []normalize.Sample) {
	s.mu.Lock()
	if s.writing {
		s.overlap = true
	}
	s.writing = true
	s.mu.Unlock()
	time.Sleep(time.Duration(len(b)%3) * 10 * time.Microsecond) // widen any overlap
	s.mu.Lock()
	for _, smp := range b {
		smp.Labels = slices.Clone(smp.Labels)
		s.samples = append(s.samples, smp)
	}
	s.writing = false
	s.mu.Unlock()
}

func (s *orderSink) Replace(string, []normalize.Sample) {}

// TestUDPOrderPipeline is TestUDPOrder through a real Pipeline, whose
// batches the workers map in parallel and hand to the sequencer: the
// writes must still come in the order sent, and never overlap.
func TestUDPOrderPipeline(t *testing.T) {
	cfg := loopbackConfig()
	cfg.Workers = 4
	cfg.ReadBuffer = 1 << 20
	sink := &orderSink{}
	pl := normalize.NewPipeline(normalize.PipelineSettings{Input: "order", Sink: sink}, nil)
	r := startWith(t, cfg, pl)
	const n = 3000
	sendOrderTraffic(t, r.addrs.UDP.String(), n)
	deadline := time.Now().Add(10 * time.Second)
	for {
		sink.mu.Lock()
		k := len(sink.samples)
		end := k > 0 && sink.samples[k-1].Name == "end"
		sink.mu.Unlock()
		if end || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.overlap {
		t.Error("two writes overlapped")
	}
	var depth []float64
	for _, smp := range sink.samples {
		if smp.Name == "depth" {
			depth = append(depth, smp.Value)
		}
	}
	checkOrder(t, depth, n)
}
