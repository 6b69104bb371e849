package shared

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/rosetta-adapter/rosetta/normalize"
	pluginpb "github.com/rosetta-adapter/rosetta/plugins/proto"
)

func TestDecode(t *testing.T) {
	fams := []*pluginpb.Family{
		{Name: "c_total", Type: pluginpb.Type_TYPE_COUNTER, Help: "C."},
		{Name: "h", Type: pluginpb.Type_TYPE_HISTOGRAM, BucketBounds: []float64{1, 2}},
		{Name: "s", Type: pluginpb.Type_TYPE_SUMMARY, Quantiles: []float64{0.5, 0.9}},
	}
	tests := []struct {
		name    string
		batches []*pluginpb.Batch
		want    []normalize.Record
		invalid map[string]uint64
		err     error
	}{
		{
			name: "tables carry over batches",
			batches: []*pluginpb.Batch{
				{Symbols: []string{"host", "a"}, Families: fams, Samples: []*pluginpb.Sample{{Family: 0, Labels: []uint32{0, 1}, Value: 1, Delta: true}}},
				{Symbols: []string{"b"}, Samples: []*pluginpb.Sample{{Family: 0, Labels: []uint32{0, 2}, Value: 2}}},
			},
			want: []normalize.Record{
				{Match: "c_total", Labels: normalize.Labels{{Name: "host", Value: "a"}}, Value: 1, Type: normalize.TypeCounter, Delta: true, Help: "C."},
				{Match: "c_total", Labels: normalize.Labels{{Name: "host", Value: "b"}}, Value: 2, Type: normalize.TypeCounter, Help: "C."},
			},
		},
		{
			name: "distributions",
			batches: []*pluginpb.Batch{{Families: fams, Samples: []*pluginpb.Sample{
				{Family: 1, Dist: &pluginpb.Distribution{Count: 5, Sum: 7, BucketCounts: []uint64{1, 3}}},
				{Family: 2, Dist: &pluginpb.Distribution{Count: 5, Sum: 7, QuantileValues: []float64{1, 2}}},
			}}},
			want: []normalize.Record{
				{Match: "h", Type: normalize.TypeHistogram, Dist: &normalize.Distribution{Count: 5, Sum: 7, Buckets: []normalize.Bucket{{UpperBound: 1, Count: 1}, {UpperBound: 2, Count: 3}}}},
				{Match: "s", Type: normalize.TypeSummary, Dist: &normalize.Distribution{Count: 5, Sum: 7, Quantiles: []normalize.Quantile{{Quantile: 0.5, Value: 1}, {Quantile: 0.9, Value: 2}}}},
			},
		},
		{
			name: "reset empties the tables",
			batches: []*pluginpb.Batch{
				{Symbols: []string{"host", "a"}, Families: fams},
				{Reset_: true, Symbols: []string{"x", "y"}, Families: fams[:1], Samples: []*pluginpb.Sample{
					{Family: 0, Labels: []uint32{0, 1}, Value: 3},
					{Family: 1}, // gone with the reset
					{Family: 0, Labels: []uint32{0, 2}},
				}},
			},
			want:    []normalize.Record{{Match: "c_total", Labels: normalize.Labels{{Name: "x", Value: "y"}}, Value: 3, Type: normalize.TypeCounter, Help: "C."}},
			invalid: map[string]uint64{ReasonBadFamily: 1, ReasonBadLabels: 1},
		},
		{
			name: "bad samples are skipped and counted",
			batches: []*pluginpb.Batch{{Symbols: []string{"", "v", "n"}, Families: fams, Samples: []*pluginpb.Sample{
				{Family: 9},
				{Family: 0, Labels: []uint32{2}},
				{Family: 0, Labels: []uint32{0, 1}}, // empty label name
				{Family: 1},                         // no distribution
				{Family: 1, Dist: &pluginpb.Distribution{Count: 1, BucketCounts: []uint64{3, 1}}}, // not cumulative
				{Family: 1, Dist: &pluginpb.Distribution{Count: 1, BucketCounts: []uint64{1}}},    // wrong length
				{Family: 1, Dist: &pluginpb.Distribution{Count: 1, BucketCounts: []uint64{1, 2}}}, // count below buckets
				{Family: 2, Dist: &pluginpb.Distribution{QuantileValues: []float64{1}}},
				{Family: 0, Labels: []uint32{2, 1}, Value: math.Inf(1)},
			}}},
			want:    []normalize.Record{{Match: "c_total", Labels: normalize.Labels{{Name: "n", Value: "v"}}, Value: math.Inf(1), Type: normalize.TypeCounter, Help: "C."}},
			invalid: map[string]uint64{ReasonBadFamily: 1, ReasonBadLabels: 2, ReasonBadDistribution: 5},
		},
		{
			name:    "symbol limit",
			batches: []*pluginpb.Batch{{Symbols: make([]string, 11)}},
			err:     ErrTableLimit,
		},
		{
			name:    "family limit",
			batches: []*pluginpb.Batch{{Families: []*pluginpb.Family{{}, {}, {}, {}, {}, {}}}},
			err:     ErrTableLimit,
		},
		{
			name:    "symbol bytes limit",
			batches: []*pluginpb.Batch{{Symbols: []string{string(make([]byte, 101))}}},
			err:     ErrTableLimit,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Limits{MaxSymbols: 10, MaxSymbolBytes: 100, MaxFamilies: 5})
			var out Decoded
			var err error
			for _, b := range tc.batches {
				if err = d.Decode(b, &out); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.err != nil {
				return
			}
			if diff := cmp.Diff(tc.want, out.Records); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.invalid, out.Invalid); diff != "" {
				t.Errorf("invalid (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzDecode feeds arbitrary bytes, as a plugin could send them, through
// protobuf decoding and the Decoder: it must never panic, every record must
// point at table entries, and the tables stay within their limits.
func FuzzDecode(f *testing.F) {
	seed, _ := proto.Marshal(&pluginpb.Batch{
		Symbols:  []string{"a", "b"},
		Families: []*pluginpb.Family{{Name: "h", Type: pluginpb.Type_TYPE_HISTOGRAM, BucketBounds: []float64{1}}},
		Samples:  []*pluginpb.Sample{{Family: 0, Labels: []uint32{0, 1}, Dist: &pluginpb.Distribution{Count: 1, BucketCounts: []uint64{1}}}},
	})
	f.Add(seed, seed)
	f.Add([]byte{0x08, 0x01}, seed)
	f.Fuzz(func(t *testing.T, a, b []byte) {
		limits := Limits{MaxSymbols: 100, MaxSymbolBytes: 1000, MaxFamilies: 20, MaxLabels: 8, MaxDistLen: 8}
		d := NewDecoder(limits)
		for _, raw := range [][]byte{a, b} {
			var batch pluginpb.Batch
			if proto.Unmarshal(raw, &batch) != nil {
				continue
			}
			var out Decoded
			if err := d.Decode(&batch, &out); err != nil {
				if !errors.Is(err, ErrTableLimit) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if d.Symbols() > limits.MaxSymbols || d.Families() > limits.MaxFamilies || d.symBytes > limits.MaxSymbolBytes {
				t.Fatalf("tables over limits: %d symbols, %d families", d.Symbols(), d.Families())
			}
			for _, r := range out.Records {
				if len(r.Labels) > limits.MaxLabels {
					t.Fatalf("%d labels", len(r.Labels))
				}
				for _, l := range r.Labels {
					if l.Name == "" {
						t.Fatal("empty label name")
					}
				}
				if (r.Type == normalize.TypeHistogram || r.Type == normalize.TypeSummary) != (r.Dist != nil) {
					t.Fatalf("type %v with dist %v", r.Type, r.Dist)
				}
			}
		}
	})
}

// BenchmarkDecode measures decoding a 1024-sample batch with three labels
// a sample, tables already populated (a stream's steady state).
func BenchmarkDecode(b *testing.B) {
	batch := &pluginpb.Batch{Families: []*pluginpb.Family{{Name: "v", Type: pluginpb.Type_TYPE_GAUGE}}}
	for i := range 16 {
		batch.Symbols = append(batch.Symbols, string(rune('a'+i)))
	}
	for i := range 1024 {
		batch.Samples = append(batch.Samples, &pluginpb.Sample{Labels: []uint32{0, uint32(i % 16), 1, uint32(i/16) % 16, 2, 3}, Value: float64(i)})
	}
	raw, _ := proto.Marshal(batch)
	d := NewDecoder(Limits{})
	var out Decoded
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var m pluginpb.Batch
		if err := proto.Unmarshal(raw, &m); err != nil {
			b.Fatal(err)
		}
		out.Reset()
		if err := d.Decode(&m, &out); err != nil {
			b.Fatal(err)
		}
		d.Reset() // keep the tables from growing: symbols come again
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/sample")
}

func TestConvertType(t *testing.T) {
	for in, want := range map[pluginpb.Type]normalize.Type{
		pluginpb.Type_TYPE_UNTYPED:   normalize.TypeUntyped,
		pluginpb.Type_TYPE_COUNTER:   normalize.TypeCounter,
		pluginpb.Type_TYPE_GAUGE:     normalize.TypeGauge,
		pluginpb.Type_TYPE_OBSERVER:  normalize.TypeObserver,
		pluginpb.Type_TYPE_HISTOGRAM: normalize.TypeHistogram,
		pluginpb.Type_TYPE_SUMMARY:   normalize.TypeSummary,
		-1:                           normalize.TypeUntyped, // not in the contract
		6:                            normalize.TypeUntyped, // a newer plugin's
	} {
		if got := convertType(in); got != want {
			t.Errorf("convertType(%d) = %v, want %v", in, got, want)
		}
	}
}
