package statsd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// BenchmarkIngestSampled is BenchmarkIngestCPU with sampled timers, as
// clients send them for hot code paths: 20-line packets of timers at
// rates 0.5, 0.1, 0.01 and 0.001 (2 to 1,000 observations a line) into
// the differential mapping file's histogram and summary rules and its
// default histogram (unmapped names).
func BenchmarkIngestSampled(b *testing.B) {
	pl := benchPipeline(b, nil)
	rates := []string{"0.5", "0.1", "0.01", "0.001"}
	var pkts [][]byte
	for i := range 64 {
		var sb strings.Builder
		for k := range 20 {
			if k > 0 {
				sb.WriteByte('\n')
			}
			n := i*20 + k
			rate := rates[n%len(rates)]
			switch n % 3 {
			case 0:
				fmt.Fprintf(&sb, "jobs.j%d.duration:%d|ms|@%s", n%10, 1+n%997, rate) // histogram rule
			case 1:
				fmt.Fprintf(&sb, "latency.op%d:%d|ms|@%s", n%10, 1+n%991, rate) // summary rule
			default:
				fmt.Fprintf(&sb, "app.timer%d:%d|ms|@%s", n%10, 1+n%983, rate) // default histogram
			}
		}
		pkts = append(pkts, []byte(sb.String()))
	}
	ingestPackets(b, pl, pkts, 20)
}

// BenchmarkIngestAttack is one line of a hostile client: a timer at rate
// 0.0000001 (ten million observations in statsd_exporter) or 1e-10 (ten
// billion, capped at max_sample_rate_repeat's default, 2^32-1) into a
// histogram, a summary and the default histogram (unmapped); one record
// and at most 1,000 summary insertions here.
func BenchmarkIngestAttack(b *testing.B) {
	for _, line := range []string{
		"jobs.evil.duration:1|ms|@0.0000001", "latency.evil:1|ms|@0.0000001",
		"jobs.evil.duration:1.5|ms|@1e-10", "latency.evil:1.5|ms|@1e-10", "app.evil:1.5|ms|@1e-10",
	} {
		b.Run(strings.SplitN(line, ":", 2)[0]+strings.SplitN(line, "@", 2)[1], func(b *testing.B) {
			pl := benchPipeline(b, nil)
			p := newParser(parserOptions{maxRepeat: DefaultConfig.MaxSampleRateRepeat})
			ctx := context.Background()
			p.emit = func(recs []normalize.Record) { _ = pl.Append(ctx, recs) }
			b.ReportAllocs()
			for b.Loop() {
				p.parsePacket([]byte(line))
				p.flush()
			}
		})
	}
}
