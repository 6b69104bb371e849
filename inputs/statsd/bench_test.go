package statsd

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

var benchLines = map[string]string{
	"plain":     "app.requests.count:1|c",
	"dogstatsd": "app.request.duration:12.5|ms|@0.5|#env:prod,service:checkout,region:eu-west-1",
	"influxdb":  "app.requests,env=prod,service=checkout:1|c",
}

// benchPacket is a typical client packet: 20 lines of mixed types.
var benchPacket = func() string {
	var b strings.Builder
	for i := range 20 {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "app.requests.count.%d:1|c|#env:prod,service:checkout\n", i)
		case 1:
			fmt.Fprintf(&b, "app.queue.depth.%d:%d|g|#env:prod\n", i, i*7)
		case 2:
			fmt.Fprintf(&b, "app.request.duration.%d:%d.25|ms|#env:prod,route:/api/v1\n", i, i)
		default:
			fmt.Fprintf(&b, "app.payload.size:%d|h\n", i*100)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}()

// BenchmarkParseLine is our parser per line.
func BenchmarkParseLine(b *testing.B) {
	for _, name := range []string{"plain", "dogstatsd", "influxdb"} {
		line := []byte(benchLines[name])
		b.Run(name, func(b *testing.B) {
			p := newParser(allDialects)
			p.emit = func([]normalize.Record) {}
			b.ReportAllocs()
			for b.Loop() {
				p.parseLine(line)
				if len(p.recs) >= 1024 {
					p.flush()
				}
			}
		})
	}
}

// BenchmarkUpstreamLine is statsd_exporter's pkg/line on the same lines.
func BenchmarkUpstreamLine(b *testing.B) {
	for _, name := range []string{"plain", "dogstatsd", "influxdb"} {
		line := benchLines[name]
		b.Run(name, func(b *testing.B) {
			u := newUpstream(allDialects)
			b.ReportAllocs()
			for b.Loop() {
				u.parser.LineToEvents(line, *u.sampleErrors, u.samples, u.tagErrors, u.tagsReceived, u.logger)
			}
		})
	}
}

// BenchmarkParsePacket parses a 20-line packet; ns/op is per packet.
func BenchmarkParsePacket(b *testing.B) {
	pkt := []byte(benchPacket)
	b.Run("rosetta", func(b *testing.B) {
		p := newParser(allDialects)
		p.emit = func([]normalize.Record) {}
		b.ReportAllocs()
		b.SetBytes(int64(len(pkt)))
		for b.Loop() {
			p.parsePacket(pkt)
			p.flush()
		}
	})
	b.Run("statsd_exporter", func(b *testing.B) {
		u := newUpstream(allDialects)
		b.ReportAllocs()
		b.SetBytes(int64(len(pkt)))
		for b.Loop() {
			// what its UDP listener does per packet
			for _, l := range strings.Split(string(pkt), "\n") {
				u.parser.LineToEvents(l, *u.sampleErrors, u.samples, u.tagErrors, u.tagsReceived, u.logger)
			}
		}
	})
}

// countingAppender counts records and does nothing else.
type countingAppender struct{ n atomic.Int64 }

func (a *countingAppender) Append(_ context.Context, b []normalize.Record) error {
	a.n.Add(int64(len(b)))
	return nil
}

func (a *countingAppender) Replace(context.Context, string, []normalize.Record) error { return nil }

// BenchmarkUDPPipeline sends packets over loopback UDP through the reader,
// the queue and the workers into a no-op Appender; ns/op is per packet
// sent. Sending paces itself on what arrived so that the result measures
// lossless throughput. "20lines" is the mixed 20-line packet, "1line" a
// DogStatsD line per packet (what clients without buffering send).
func BenchmarkUDPPipeline(b *testing.B) {
	for _, bc := range []struct {
		name  string
		pkt   string
		lines int64
	}{
		{"20lines", benchPacket, 20},
		{"1line", benchLines["dogstatsd"], 2}, // @0.5: two records
	} {
		for _, mmsg := range []bool{true, false} {
			reader := "recvmmsg"
			if !mmsg {
				reader = "read"
			}
			b.Run(bc.name+"/"+reader, func(b *testing.B) {
				useRecvmmsg = mmsg
				defer func() { useRecvmmsg = true }()
				benchUDPPipeline(b, []byte(bc.pkt), bc.lines)
			})
		}
	}
}

func benchUDPPipeline(b *testing.B, pkt []byte, perPacket int64) {
	cfg := DefaultConfig
	cfg.ListenUDP, cfg.ListenTCP = "127.0.0.1:0", ""
	cfg.ReadBuffer = 4 << 20
	d, err := New(inputs.Settings{Name: "bench", Registerer: prometheus.NewRegistry()}, &cfg)
	if err != nil {
		b.Fatal(err)
	}
	ready := make(chan Addrs, 1)
	d.listening = func(a Addrs) { ready <- a }
	app := &countingAppender{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, app) }()
	addrs := <-ready
	conn, err := net.Dial("udp", addrs.UDP.String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	sent := int64(0)
	for b.Loop() {
		if _, err := conn.Write(pkt); err != nil {
			b.Fatal(err)
		}
		sent++
		// Keep at most 1024 packets in flight (the socket buffer holds
		// them all).
		for sent-app.n.Load()/perPacket > 1024 {
			runtime.Gosched()
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for app.n.Load() < sent*perPacket && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(app.n.Load())/b.Elapsed().Seconds(), "records/s")
	if lost := sent*perPacket - app.n.Load(); lost > 0 {
		b.ReportMetric(float64(lost)/float64(sent*perPacket), "lost/record")
	}
}

// BenchmarkIngestCPU is one worker's whole path without the socket: parse
// 20-line packets of the ingest harness's traffic, map them with the
// differential mapping file and write them to a real store. ns/line is
// the CPU a line costs after the kernel handed it over.
func BenchmarkIngestCPU(b *testing.B) {
	pl := benchPipeline(b, nil)
	data, err := os.ReadFile("../../testdata/e2e/statsd-differential/ingest-traffic.txt")
	if err != nil {
		b.Fatal(err)
	}
	var lines []string // the ingest harness's traffic
	for l := range strings.Lines(string(data)) {
		if l = strings.TrimSpace(l); l != "" && l[0] != '#' {
			lines = append(lines, l)
		}
	}
	var pkts [][]byte
	for i := 0; i < 256; i++ {
		var sb strings.Builder
		for k := range 20 {
			if k > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(lines[(i*20+k)%len(lines)])
		}
		pkts = append(pkts, []byte(sb.String()))
	}
	ingestPackets(b, pl, pkts, 20)
}

// ingestPackets parses pkts in turn (linesPerPacket lines each) through
// one parser into pl, flushing every maxTake packets as a worker does, and
// reports wall and process CPU per line (getrusage: cpu-ns/line).
func ingestPackets(b *testing.B, pl *normalize.Pipeline, pkts [][]byte, linesPerPacket int) {
	b.Helper()
	p := newParser(allDialects)
	ctx := context.Background()
	p.emit = func(recs []normalize.Record) { _ = pl.Append(ctx, recs) }
	b.ReportAllocs()
	n := 0
	cpu0 := processCPU()
	for b.Loop() {
		p.parsePacket(pkts[n%len(pkts)])
		n++
		if n%maxTake == 0 {
			p.flush()
		}
	}
	p.flush()
	lines := float64(n * linesPerPacket)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/lines, "ns/line")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu)/lines, "cpu-ns/line")
	}
}

// benchPipeline is the differential mapping file's rules, as the input
// standing in for statsd_exporter has them, in front of a real store;
// unmatched, when set, tracks the unmatched names as the
// rosetta binary does.
func benchPipeline(b *testing.B, unmatched *normalize.TopK) *normalize.Pipeline {
	b.Helper()
	rsc, err := mappings.LoadStatsdMapping("../../testdata/e2e/statsd-differential/mapping.yml")
	if err != nil {
		b.Fatal(err)
	}
	rsc.DefaultHelp = PeerDefaultHelp // as the stand-in input's rule set
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		b.Fatal(err)
	}
	store, err := outputs.NewStore(outputs.StoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	return normalize.NewPipeline(normalize.PipelineSettings{Input: "bench", Sink: store, Unmatched: unmatched}, rs)
}

// BenchmarkIngestCPUCounters is BenchmarkIngestCPU with the traffic of
// `ingest-bench -sender plain -counters N -lines-per-packet 37`: counter
// lines over N distinct series (an application's request counters, which
// no rule of the mapping file matches), about 1,400 bytes per packet, and
// the unmatched names tracked as the rosetta binary tracks them (100).
// With more series than a table holds, what thrashes shows here.
func BenchmarkIngestCPUCounters(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			pl := benchPipeline(b, normalize.NewTopK(100))
			const perPacket = 37
			pkts := make([][]byte, 0, n/perPacket+1)
			for i := 0; i < n; i += perPacket {
				var sb strings.Builder
				for k := i; k < min(n, i+perPacket); k++ {
					if k > i {
						sb.WriteByte('\n')
					}
					fmt.Fprintf(&sb, "app.svc%d.endpoint%d.requests%d:1|c", k%17, k/17%50, k)
				}
				pkts = append(pkts, []byte(sb.String()))
			}
			ingestPackets(b, pl, pkts, perPacket)
		})
	}
}
