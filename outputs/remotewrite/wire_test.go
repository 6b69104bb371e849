package remotewrite

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/prompb"
)

// promReq is the prompb form of what appendTimeSeries encodes: the oracle.
func promReq(series [][]label, items []item) *prompb.WriteRequest {
	req := &prompb.WriteRequest{}
	for i, it := range items {
		ts := prompb.TimeSeries{}
		for _, l := range series[i] {
			ts.Labels = append(ts.Labels, prompb.Label{Name: l.Name, Value: l.Value})
		}
		if it.h == nil {
			ts.Samples = []prompb.Sample{{Value: it.v, Timestamp: it.t}}
		} else {
			h := it.h
			ph := prompb.Histogram{
				Sum: h.sum, Schema: h.schema, ZeroThreshold: h.zeroThreshold, Timestamp: h.timestamp,
				NegativeDeltas: h.negativeDeltas, PositiveDeltas: h.positiveDeltas,
				NegativeCounts: h.negativeCounts, PositiveCounts: h.positiveCounts,
			}
			for _, s := range h.negativeSpans {
				ph.NegativeSpans = append(ph.NegativeSpans, prompb.BucketSpan{Offset: s.Offset, Length: s.Length})
			}
			for _, s := range h.positiveSpans {
				ph.PositiveSpans = append(ph.PositiveSpans, prompb.BucketSpan{Offset: s.Offset, Length: s.Length})
			}
			if h.float {
				ph.Count = &prompb.Histogram_CountFloat{CountFloat: h.countFloat}
				ph.ZeroCount = &prompb.Histogram_ZeroCountFloat{ZeroCountFloat: h.zeroCountFloat}
			} else {
				ph.Count = &prompb.Histogram_CountInt{CountInt: h.countInt}
				ph.ZeroCount = &prompb.Histogram_ZeroCountInt{ZeroCountInt: h.zeroCountInt}
			}
			ts.Histograms = []prompb.Histogram{ph}
		}
		req.Timeseries = append(req.Timeseries, ts)
	}
	return req
}

// checkWire encodes items with appendTimeSeries and compares the bytes
// with prompb's (gogo) encoding of the same request, and prompb's decoding
// of ours with the request.
func checkWire(t *testing.T, series [][]label, items []item) {
	t.Helper()
	var ours []byte
	for i := range items {
		ours = appendTimeSeries(ours, series[i], &items[i])
	}
	want := promReq(series, items)
	theirs, err := want.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, theirs) {
		t.Fatalf("encoding differs from prompb's:\nours   %x\nprompb %x", ours, theirs)
	}
	if got := encoded(ours).SizeVT(); got != want.Size() {
		t.Fatalf("size %d, prompb's %d", got, want.Size())
	}
	buf := make([]byte, len(ours))
	if n, err := encoded(ours).MarshalToSizedBufferVT(buf); err != nil || n != len(ours) || !bytes.Equal(buf, ours) {
		t.Fatalf("MarshalToSizedBufferVT: %d, %v", n, err)
	}
	var back prompb.WriteRequest
	if err := back.Unmarshal(ours); err != nil {
		t.Fatal(err)
	}
	// NaNs by their bits (the staleness marker is one); -0 is sent as 0,
	// as proto3 leaves zero out.
	if d := cmp.Diff(want, &back, cmp.Comparer(func(a, b float64) bool { return a == b || math.Float64bits(a) == math.Float64bits(b) })); d != "" {
		t.Errorf("prompb decodes ours differently (-want +got):\n%s", d)
	}
}

// TestWireMatchesPrompb: the Remote-Write 1.0 encoding equals prompb's for
// floats (zero, negative zero, the staleness NaN, infinities, negative and
// zero timestamps), labels with empty names or values, and integer and
// float native histograms with negative schemas, offsets and deltas.
func TestWireMatchesPrompb(t *testing.T) {
	ls := []label{{"__name__", "a_total"}, {"env", "prod"}, {"job", ""}, {"", "x"}}
	intH := &histogram{countInt: 12, zeroCountInt: 2, sum: -3.5, schema: -2, zeroThreshold: 1e-128, timestamp: 1700000000000,
		negativeSpans: []bucketSpan{{Offset: -3, Length: 2}, {Offset: 0, Length: 0}}, negativeDeltas: []int64{1, -1},
		positiveSpans: []bucketSpan{{Offset: 1, Length: 3}}, positiveDeltas: []int64{5, -3, math.MinInt64}}
	floatH := &histogram{float: true, countFloat: 4.5, sum: 9, schema: 3, timestamp: -5,
		positiveSpans: []bucketSpan{{Offset: 0, Length: 2}}, positiveCounts: []float64{1.5, 3}, negativeCounts: []float64{0}}
	zeroH := &histogram{}
	zeroFloatH := &histogram{float: true}
	for _, tc := range []struct {
		name  string
		items []item
	}{
		{"empty", nil},
		{"one float", []item{{v: 42, t: 1700000000123}}},
		{"zeros", []item{{v: 0, t: 0}, {v: math.Copysign(0, -1), t: 0}}},
		{"special floats", []item{{v: staleNaN, t: 1}, {v: math.NaN(), t: 2}, {v: math.Inf(1), t: -1}, {v: math.Inf(-1), t: math.MaxInt64}, {v: -1e-300, t: math.MinInt64}}},
		{"histograms", []item{{h: intH}, {h: floatH}, {h: zeroH}, {h: zeroFloatH}, {v: 1, t: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			series := make([][]label, len(tc.items))
			for i := range series {
				series[i] = ls[:i%len(ls)+1]
			}
			checkWire(t, series, tc.items)
		})
	}
}

// FuzzWire encodes series made from arbitrary bytes and checks them
// against prompb as TestWireMatchesPrompb does.
func FuzzWire(f *testing.F) {
	f.Add([]byte("a\x00b\x00"), uint64(0x7ff0000000000002), int64(1), int32(-2), []byte{1, 2, 0xff, 7})
	f.Add([]byte{}, uint64(0), int64(0), int32(0), []byte{})
	f.Fuzz(func(t *testing.T, names []byte, bits uint64, ts int64, schema int32, buckets []byte) {
		var ls []label
		for p := range bytes.SplitSeq(names, []byte{0}) {
			ls = append(ls, label{Name: string(p), Value: string(bytes.ToUpper(p))})
		}
		v := math.Float64frombits(bits)
		h := &histogram{float: bits&1 == 1, countInt: bits, countFloat: v, zeroCountInt: uint64(ts), zeroCountFloat: -v,
			sum: v, schema: schema, zeroThreshold: math.Abs(v), timestamp: ts}
		for i := 0; i+2 < len(buckets); i += 3 {
			span := bucketSpan{Offset: int32(int8(buckets[i])), Length: uint32(buckets[i+1])}
			d := int64(int8(buckets[i+2])) << (buckets[i] % 57)
			c := math.Float64frombits(binary.LittleEndian.Uint64(append(bytes.Repeat([]byte{buckets[i+2]}, 7), buckets[i])))
			if i%2 == 0 {
				h.positiveSpans, h.positiveDeltas, h.positiveCounts = append(h.positiveSpans, span), append(h.positiveDeltas, d), append(h.positiveCounts, c)
			} else {
				h.negativeSpans, h.negativeDeltas, h.negativeCounts = append(h.negativeSpans, span), append(h.negativeDeltas, d), append(h.negativeCounts, c)
			}
		}
		checkWire(t, [][]label{ls, ls[:1], nil}, []item{{v: v, t: ts}, {h: h}, {v: -v, t: -ts}})
	})
}
