package plugin

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// countSink counts records and signals when it has seen want.
type countSink struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (s *countSink) Append(_ context.Context, batch []normalize.Record) error {
	if s.n.Add(int64(len(batch))) >= s.want && s.want > 0 {
		select {
		case s.done <- struct{}{}:
		default:
		}
	}
	return nil
}

func (s *countSink) Replace(context.Context, string, []normalize.Record) error { return nil }

// BenchmarkStreamThroughput measures samples per second from a plugin
// process through the gRPC stream (batches of max_batch_samples, three
// labels a sample) and the host's decoding into an Appender: b.N samples,
// from the session being ready until the last arrived. Nothing is dropped
// (the sink is fast), so the plugin, the stream and the decoder set the
// pace.
func BenchmarkStreamThroughput(b *testing.B) {
	for _, batch := range []int{256, 1024, 4096} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			n := max(b.N, 100000)
			d, _ := newDriver(b, fmt.Sprintf("path: %s\nenv: {TESTPLUGIN_MODE: count}\nmax_batch_samples: %d\nqueue_batches: 1024\nconfig: {count: %d}\n",
				bin("testplugin"), batch, n))
			quiet(d)
			s := &countSink{want: int64(n), done: make(chan struct{}, 1)}
			ready := make(chan time.Time, 1)
			d.onSession = func(int) { ready <- time.Now() }
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx, s) }()
			var start time.Time
			select {
			case start = <-ready:
			case <-time.After(20 * time.Second):
				b.Fatal("plugin did not start")
			}
			select {
			case <-s.done:
			case <-time.After(120 * time.Second):
				b.Fatalf("only %d of %d samples arrived", s.n.Load(), n)
			}
			elapsed := time.Since(start)
			cancel()
			if err := <-done; err != nil {
				b.Errorf("Run: %v", err)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "samples/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n), "ns/sample")
		})
	}
}

// BenchmarkStartup measures a plugin's start: launch, go-plugin
// handshake, Describe and Configure, until the session is ready. Stopping
// is outside the timed part.
func BenchmarkStartup(b *testing.B) {
	for _, tc := range []struct{ name, block string }{
		{"go", fmt.Sprintf("path: %s\nconfig: {pids: [1]}\n", bin("procstat"))},
		{"go_automtls", fmt.Sprintf("path: %s\nauto_mtls: true\nconfig: {pids: [1]}\n", bin("procstat"))},
		{"node", fmt.Sprintf("path: %s\nargs: [../../plugins/examples/node/nodestats.js]\n", nodePath(b))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d, _ := newDriver(b, tc.block)
			quiet(d)
			for b.Loop() {
				s, err := d.launch(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.kill(false)
				b.StartTimer()
			}
		})
	}
}

// quiet silences a benchmark driver's logs.
func quiet(d *Driver) {
	d.logger = slog.New(slog.DiscardHandler)
	d.hclog = newHCLog(d.logger)
}
