package outputs

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// FuzzStore drives the store with arbitrary sequences of samples, Replace
// calls, clock steps and gathers built from the fuzz input, and checks
// that client_golang's own consistency checks (prometheus.Gatherers runs
// them: duplicate series, label consistency, histogram and summary suffix
// collisions) accept every gather, and that the text output parses.
func FuzzStore(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("\x00\x00\x01\x10\x20\x30\x40\x50\x61\x72\x83\x94\xa5\xb6\xc7\xd8\xe9\xfa"))
	f.Add(bytes.Repeat([]byte{3, 17, 42, 200, 9}, 20))
	f.Fuzz(runFuzzOnce)
}

var (
	fuzzNames       = []string{"a", "a_total", "a_sum", "a_count", "a_bucket", "b", "b_total", "rosetta_x", "bad.name", "c_seconds"}
	fuzzLabelNames  = []string{"le", "quantile", "x", "y", "__z"}
	fuzzLabelValues = []string{"", "1", "2", "\xff"}
	fuzzValues      = []float64{0, 1, -1, 0.5, 1e9, math.NaN(), math.Inf(1), math.Inf(-1)}
	fuzzOpts        = []*normalize.SeriesOptions{
		nil,
		{Rule: "r1", SeriesLimit: 3, TTL: time.Second},
		{Rule: "h", Observer: normalize.ObserverHistogram, Buckets: []float64{1, 0.5}},
		{Rule: "n", Observer: normalize.ObserverNativeHistogram},
		{Rule: "hn", Observer: normalize.ObserverHistogram, NativeBucketFactor: 1.1},
		{Rule: "s", Observer: normalize.ObserverSummary, MaxAge: time.Minute, AgeBuckets: 2},
		{Rule: "bad", Observer: 9},
	}
)

func runFuzzOnce(t *testing.T, data []byte) {
	names, labelNames, labelValues, values, opts := fuzzNames, fuzzLabelNames, fuzzLabelValues, fuzzValues, fuzzOpts
	input := data
	// Both with the store's own conflict checks and with statsd_exporter's
	// (KeepExpiredTypes: one way, the clashing family hidden).
	for _, keep := range []bool{false, true} {
		data = input
		clk := &fakeClock{t: time.Unix(0, 0)}
		s, err := NewStore(StoreConfig{Now: clk.now, SeriesLimit: 20, KeepExpiredTypes: keep})
		if err != nil {
			t.Fatal(err)
		}
		// memo gets the same samples with SinkRefs (a few, shared as rule
		// cache entries share them): its output must be the same.
		memo, err := NewStore(StoreConfig{Now: clk.now, SeriesLimit: 20, KeepExpiredTypes: keep})
		if err != nil {
			t.Fatal(err)
		}
		refs := []*normalize.SinkRef{{}, {}, {}, nil}
		var memoBatch []normalize.Sample
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		var batch []normalize.Sample
		for len(data) > 0 {
			op := next()
			switch op % 8 {
			case 0, 1, 2, 3, 4:
				smp := normalize.Sample{
					Name:  names[int(next())%len(names)],
					Type:  normalize.Type(next() % 7),
					Value: values[int(next())%len(values)],
					Delta: op&0x10 != 0,
					Opts:  opts[int(next())%len(opts)],
				}
				for n := int(next() % 3); n > 0; n-- {
					smp.Labels = append(smp.Labels, normalize.Label{Name: labelNames[int(next())%len(labelNames)], Value: labelValues[int(next())%len(labelValues)]})
				}
				if op&0x20 != 0 {
					smp.Labels = smp.Labels.Sort()
				}
				if op&0x80 != 0 {
					// Repeated observations (a sampled StatsD timer),
					// past the summaries' one-by-one limit too.
					smp.Repeat = uint32(next()) * 37
				}
				if op&0x40 != 0 {
					smp.Dist = &normalize.Distribution{Count: uint64(next()), Sum: float64(next()), Buckets: []normalize.Bucket{{UpperBound: 1, Count: 1}}, Quantiles: []normalize.Quantile{{Quantile: 0.5, Value: 1}}}
				}
				batch = append(batch, smp)
				smp.Ref = refs[int(next())%len(refs)]
				memoBatch = append(memoBatch, smp)
			case 5:
				s.Write(batch)
				memo.Write(memoBatch)
				batch, memoBatch = batch[:0], memoBatch[:0]
			case 6:
				src := names[int(next())%2]
				s.Replace(src, batch)
				memo.Replace(src, memoBatch)
				batch, memoBatch = batch[:0], memoBatch[:0]
			case 7:
				clk.advance(time.Duration(next()) * 100 * time.Millisecond)
				sameGather(t, s, memo)
			}
		}
		s.Write(batch)
		memo.Write(memoBatch)
		sameGather(t, s, memo)
		if s.Len() > 20 {
			t.Errorf("%d series over the budget of 20", s.Len())
		}
	}
}

// sameGather checks both stores' gathers and that they are the same.
func sameGather(t *testing.T, a, b *Store) {
	t.Helper()
	if x, y := checkGather(t, a), checkGather(t, b); x != y {
		t.Fatalf("the store with SinkRefs differs:\n%s\nwithout:\n%s", y, x)
	}
}

func checkGather(t *testing.T, s *Store) string {
	t.Helper()
	mfs, err := prometheus.Gatherers{s}.Gather()
	if err != nil {
		t.Fatalf("client_golang rejects the gather: %v", err)
	}
	// No two series of a family are one series to Prometheus, which
	// ignores labels with empty values.
	for _, mf := range mfs {
		seen := map[string]bool{}
		for _, m := range mf.GetMetric() {
			var id []string
			for _, lp := range m.GetLabel() {
				if lp.GetValue() != "" {
					id = append(id, lp.GetName()+"="+lp.GetValue())
				}
			}
			k := strings.Join(id, "\xff")
			if seen[k] {
				t.Fatalf("family %s has two series with the labels {%s} to Prometheus", mf.GetName(), k)
			}
			seen[k] = true
		}
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatalf("encode %s: %v", mf.GetName(), err)
		}
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	if _, err := p.TextToMetricFamilies(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatalf("text output does not parse: %v\n%s", err, buf.Bytes())
	}
	return buf.String()
}
