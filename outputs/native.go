package outputs

import (
	"math"
	"math/big"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Native histogram schemas, as in the exposition format.
const (
	nativeSchemaMax = 8
	nativeSchemaMin = -4
)

// nativeBounds()[s] holds, for schema s > 0, the 2^s lower bucket
// boundaries in [0.5, 1) of one power of two: 2^(j/2^s)/2, rounded down
// to a float64 so that a value just above an irrational boundary falls in
// the bucket above it (buckets include their upper boundary). Computed on
// first use, not at start: the 510 big.Float steps allocate 110 KB that a
// process without native histograms never needs (issue #15).
func nativeBounds() *[nativeSchemaMax + 1][]float64 {
	if t := nativeBoundsTab.Load(); t != nil {
		return t
	}
	// Goroutines racing here compute equal tables; any one is kept.
	nativeBoundsTab.CompareAndSwap(nil, computeNativeBounds())
	return nativeBoundsTab.Load()
}

var nativeBoundsTab atomic.Pointer[[nativeSchemaMax + 1][]float64]

func computeNativeBounds() *[nativeSchemaMax + 1][]float64 {
	out := new([nativeSchemaMax + 1][]float64)
	const prec = 256
	for s := 1; s <= nativeSchemaMax; s++ {
		root := new(big.Float).SetPrec(prec).SetInt64(2)
		for range s {
			root.Sqrt(root)
		}
		x := new(big.Float).SetPrec(prec).SetFloat64(0.5)
		bs := make([]float64, 1<<s)
		for j := range bs {
			f, _ := x.Float64()
			if new(big.Float).SetFloat64(f).Cmp(x) > 0 {
				f = math.Nextafter(f, 0)
			}
			bs[j] = f
			x.Mul(x, root)
		}
		out[s] = bs
	}
	return out
}

// pickNativeSchema returns the highest resolution whose bucket growth
// factor does not exceed factor (client_golang's rule).
func pickNativeSchema(factor float64) int32 {
	floor := math.Floor(math.Log2(math.Log2(factor)))
	switch {
	case floor <= -nativeSchemaMax:
		return nativeSchemaMax
	case floor >= -nativeSchemaMin:
		return nativeSchemaMin
	}
	return -int32(floor)
}

// nativeKey returns the bucket index of v > 0 (or of -v for v < 0) at
// schema s.
func nativeKey(v float64, s int32) int {
	inf := math.IsInf(v, 0)
	if inf {
		v = math.MaxFloat64
	}
	frac, exp := math.Frexp(math.Abs(v))
	var key int
	if s > 0 {
		bs := nativeBounds()[s]
		key = sort.SearchFloat64s(bs, frac) + (exp-1)*len(bs)
	} else {
		key = exp
		if frac == 0.5 {
			key--
		}
		key = (key + (1 << -s) - 1) >> -s
	}
	if inf {
		key++
	}
	return key
}

type nativeBucket struct {
	key   int32
	count uint64
}

// native is a native histogram (sparse, exponential buckets), with classic
// buckets beside it when classic is set. It gives the buckets
// client_golang's histogram gives for the same observations, without its
// lock-free double buffers and sync.Maps: buckets are a sorted slice of
// (index, count). When there are more than maxBuckets buckets, the
// resolution halves (schema-1), down to schema -4, as client_golang does
// with no reset duration and no zero-bucket widening (statsd_exporter's
// settings).
type native struct {
	classic    *classic // nil for a native-only histogram
	schema     int32
	maxBuckets uint32
	zeroThresh float64
	zeroCount  uint64
	count      uint64
	sum        float64
	pos, neg   []nativeBucket
}

func newNative(o *normalize.SeriesOptions) *native {
	factor := o.NativeBucketFactor
	if factor <= 1 {
		factor = DefaultNativeBucketFactor
	}
	n := &native{
		schema:     pickNativeSchema(factor),
		maxBuckets: o.NativeMaxBuckets,
		zeroThresh: prometheus.DefNativeHistogramZeroThreshold,
	}
	if n.maxBuckets == 0 {
		n.maxBuckets = DefaultNativeMaxBuckets
	}
	if o.Observer == normalize.ObserverHistogram {
		n.classic = newClassic(o.Buckets)
	}
	return n
}

func (n *native) observe(v float64, times uint64, now int64) uint64 {
	if n.classic != nil {
		n.classic.observe(v, times, now)
	}
	n.count = addCount(n.count, times)
	n.sum = addRepeated(n.sum, v, times)
	switch {
	case math.IsNaN(v):
		// Counted, in no bucket (client_golang's native histogram).
		return 0
	case v > n.zeroThresh:
		n.pos = addNative(n.pos, nativeKey(v, n.schema), times)
	case v < -n.zeroThresh:
		n.neg = addNative(n.neg, nativeKey(v, n.schema), times)
	default:
		n.zeroCount = addCount(n.zeroCount, times)
		return 0
	}
	if n.maxBuckets > 0 && uint32(len(n.pos)+len(n.neg)) > n.maxBuckets && n.schema > nativeSchemaMin {
		n.schema--
		n.pos = halveNative(n.pos)
		n.neg = halveNative(n.neg)
	}
	return 0
}

func addNative(bs []nativeBucket, key int, n uint64) []nativeBucket {
	i, found := slices.BinarySearchFunc(bs, int32(key), func(b nativeBucket, k int32) int { return int(b.key) - int(k) })
	if found {
		bs[i].count = addCount(bs[i].count, n)
		return bs
	}
	return slices.Insert(bs, i, nativeBucket{key: int32(key), count: n})
}

// halveNative merges buckets pairwise for the next lower schema: index i
// becomes ceil(i/2).
func halveNative(bs []nativeBucket) []nativeBucket {
	out := bs[:0]
	for _, b := range bs {
		k := b.key
		if k > 0 {
			k++
		}
		k /= 2
		if len(out) > 0 && out[len(out)-1].key == k {
			out[len(out)-1].count = addCount(out[len(out)-1].count, b.count)
			continue
		}
		out = append(out, nativeBucket{key: k, count: b.count})
	}
	return out
}

func (n *native) write(m *dto.Metric, a *arena, now int64) {
	if n.classic != nil {
		n.classic.write(m, a, now)
	} else {
		m.Histogram = a.histograms.next()
	}
	h := m.Histogram
	h.SampleCount = a.uint64(n.count)
	h.SampleSum = a.float64(n.sum)
	h.Schema = new(n.schema)
	h.ZeroThreshold = a.float64(n.zeroThresh)
	h.ZeroCount = a.uint64(n.zeroCount)
	h.PositiveSpan, h.PositiveDelta = nativeSpans(n.pos)
	h.NegativeSpan, h.NegativeDelta = nativeSpans(n.neg)
	if n.zeroThresh == 0 && n.zeroCount == 0 && len(h.PositiveSpan) == 0 && len(h.NegativeSpan) == 0 {
		// An empty native histogram needs a span to not look classic.
		var off int32
		var l uint32
		h.PositiveSpan = []*dto.BucketSpan{{Offset: &off, Length: &l}}
	}
}

// nativeSpans encodes sorted buckets as spans and deltas; gaps of up to two
// empty buckets stay inside a span, as client_golang encodes them.
func nativeSpans(bs []nativeBucket) ([]*dto.BucketSpan, []int64) {
	if len(bs) == 0 {
		return nil, nil
	}
	type span struct {
		offset int32
		length uint32
	}
	var (
		spans  []span
		deltas = make([]int64, 0, len(bs))
		prev   int64
		next   int32
	)
	for i, b := range bs {
		gap := b.key - next
		if i == 0 || gap > 2 {
			spans = append(spans, span{offset: gap})
		} else {
			for range gap {
				spans[len(spans)-1].length++
				deltas = append(deltas, -prev)
				prev = 0
			}
		}
		spans[len(spans)-1].length++
		deltas = append(deltas, int64(b.count)-prev)
		prev = int64(b.count)
		next = b.key + 1
	}
	out := make([]*dto.BucketSpan, len(spans))
	ds := make([]dto.BucketSpan, len(spans))
	for i := range spans {
		ds[i].Offset = &spans[i].offset
		ds[i].Length = &spans[i].length
		out[i] = &ds[i]
	}
	return out, deltas
}
