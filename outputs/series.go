package outputs

import (
	"math"
	"slices"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Defaults for observations, the ones statsd_exporter v0.31.0 exposes.
var (
	// DefaultBuckets are the classic histogram buckets when a rule has none
	// (prometheus.DefBuckets, as statsd_exporter's mapper defaults).
	DefaultBuckets = prometheus.DefBuckets
	// DefaultObjectives are the summary quantiles when a rule has none
	// (statsd_exporter's defaultQuantiles).
	DefaultObjectives = []normalize.Objective{{Quantile: 0.5, Error: 0.05}, {Quantile: 0.9, Error: 0.01}, {Quantile: 0.99, Error: 0.001}}
)

const (
	// DefaultNativeBucketFactor is the resolution of a native-only
	// histogram whose rule sets none (statsd_exporter's mapper default).
	DefaultNativeBucketFactor = 1.1
	// DefaultNativeMaxBuckets caps native buckets when a rule sets no cap
	// (statsd_exporter's mapper default).
	DefaultNativeMaxBuckets = 256
)

// kind is how a series is stored.
type kind uint8

const (
	kindCounter kind = iota + 1
	kindGauge
	kindUntyped
	kindHistogram       // classic buckets only, Rosetta's own compact histogram
	kindNativeHistogram // native buckets, with or without classic ones
	kindSummary         // Rosetta's summary, client_golang's results in less memory
	kindDistHistogram   // pre-aggregated histogram, stored as is
	kindDistSummary     // pre-aggregated summary, stored as is
)

func (k kind) observer() bool {
	return k == kindHistogram || k == kindNativeHistogram || k == kindSummary
}

func (k kind) metricType() dto.MetricType {
	switch k {
	case kindCounter:
		return dto.MetricType_COUNTER
	case kindGauge:
		return dto.MetricType_GAUGE
	case kindHistogram, kindNativeHistogram, kindDistHistogram:
		return dto.MetricType_HISTOGRAM
	case kindSummary, kindDistSummary:
		return dto.MetricType_SUMMARY
	}
	return dto.MetricType_UNTYPED
}

// kindOf maps a sample to its storage kind, or returns an invalid reason.
func kindOf(smp *normalize.Sample) (kind, string) {
	switch smp.Type {
	case normalize.TypeCounter:
		return kindCounter, ""
	case normalize.TypeGauge:
		return kindGauge, ""
	case normalize.TypeUntyped:
		return kindUntyped, ""
	case normalize.TypeObserver:
		obs := normalize.ObserverDefault
		if smp.Opts != nil {
			obs = smp.Opts.Observer
		}
		switch obs {
		case normalize.ObserverDefault, normalize.ObserverSummary:
			return kindSummary, ""
		case normalize.ObserverHistogram:
			if smp.Opts.NativeBucketFactor > 1 {
				return kindNativeHistogram, ""
			}
			return kindHistogram, ""
		case normalize.ObserverNativeHistogram:
			return kindNativeHistogram, ""
		}
		return 0, InvalidUnknownObserver
	case normalize.TypeHistogram:
		if smp.Dist == nil {
			return 0, InvalidMissingDist
		}
		return kindDistHistogram, ""
	case normalize.TypeSummary:
		if smp.Dist == nil {
			return 0, InvalidMissingDist
		}
		return kindDistSummary, ""
	}
	return 0, InvalidUnknownType
}

// seriesData is the state of a histogram or summary series.
type seriesData interface {
	// observe observes v n times (n >= 1), with the results of n
	// observations of v one by one, and returns how many of them its
	// quantile streams took as one weighted sample instead (a summary's,
	// see maxSummaryInserts; 0 for every other kind).
	observe(v float64, n uint64, now int64) (merged uint64)
	write(m *dto.Metric, a *arena, now int64)
}

// update applies a sample to its series. The shard mutex is held.
func (s *Store) update(sh *shard, se *series, smp *normalize.Sample, now int64) {
	switch se.kind {
	case kindCounter, kindGauge, kindUntyped:
		switch {
		case smp.Delta && se.kind == kindCounter:
			se.addCounter(smp.Value)
		case smp.Delta:
			se.value += smp.Value
		default:
			se.value = smp.Value
			se.cparts, se.data = setParts(smp.Value), nil
		}
		switch {
		case smp.HasTimestamp:
			if sh.ts == nil {
				sh.ts = map[*series]int64{}
			}
			sh.ts[se] = smp.TimestampMs
			se.hasTS = true
		case se.hasTS:
			delete(sh.ts, se)
			se.hasTS = false
		}
	case kindHistogram, kindNativeHistogram, kindSummary:
		if merged := se.data.observe(smp.Value, max(uint64(smp.Repeat), 1), now); merged > 0 {
			s.m.merged.Add(float64(merged))
		}
	case kindDistHistogram, kindDistSummary:
		se.data.(*distData).set(smp.Dist)
	}
}

// Which increments a delta counter had (series.cparts).
const (
	cpartInt   = 1 << iota // integral ones
	cpartFloat             // others
)

// counterParts is a delta counter's value in client_golang's two parts,
// once it has had both kinds of increment: it adds an integral increment
// to a uint64 and any other to a float64, and serves their sum.
type counterParts struct {
	i uint64
	f float64
}

func (*counterParts) observe(float64, uint64, int64) uint64 { return 0 }
func (*counterParts) write(*dto.Metric, *arena, int64)      {}

// addCounter adds v to a delta counter as client_golang's counter (which
// statsd_exporter uses) adds it, so that the served value is the same
// float64: integral increments (below 2^64) are summed exactly as an
// integer, the others as floats, and the value is their sum. While a
// counter has had only one kind of increment (nearly always) and stays
// below 2^53, its float64 sum is exactly that; the parts are kept
// (counterParts, in data) from the first increment of the other kind on.
func (se *series) addCounter(v float64) {
	integral := v >= 0 && v < 0x1p64 && v == math.Trunc(v)
	p, _ := se.data.(*counterParts)
	if p == nil {
		switch {
		case integral && se.cparts&cpartFloat == 0 && se.value+v < 0x1p53:
			se.cparts |= cpartInt
			se.value += v
			return
		case !integral && se.cparts&cpartInt == 0:
			se.cparts |= cpartFloat
			se.value += v
			return
		}
		// Both kinds from now on (or an integer sum past 2^53, which
		// a float64 no longer holds exactly): split the value so far.
		p = &counterParts{}
		if se.cparts&cpartInt != 0 {
			p.i = uint64(se.value)
		} else {
			p.f = se.value
		}
		se.data = p
	}
	if integral {
		p.i += uint64(v)
	} else {
		p.f += v
	}
	se.value = p.f + float64(p.i)
}

// setParts is series.cparts after a counter is set to v: the kind of
// increment v is, so that addCounter splits it into the right part once
// increments of the other kind come (a set value that is no integer, a
// negative one included, is a float part).
func setParts(v float64) uint8 {
	if v >= 0 && v < 0x1p53 && v == math.Trunc(v) {
		return cpartInt
	}
	return cpartFloat
}

func newData(k kind, o *normalize.SeriesOptions, now int64) seriesData {
	switch k {
	case kindHistogram:
		var b []float64
		if o != nil {
			b = o.Buckets
		}
		return newClassic(b)
	case kindNativeHistogram:
		return newNative(o)
	case kindSummary:
		return newSummary(o, now)
	case kindDistHistogram:
		return &distData{}
	case kindDistSummary:
		return &distData{summary: true}
	}
	return nil
}

// classic is a classic histogram with cumulative buckets computed at
// gather time: a count per bucket, the +Inf count, the sum.
type classic struct {
	upper  []float64 // sorted, without +Inf; shared, read-only
	counts []uint64  // per bucket, not cumulative; len(upper)+1 (the last is +Inf)
	sum    float64
}

func newClassic(b []float64) *classic {
	if len(b) == 0 {
		b = DefaultBuckets
	}
	if !sort.Float64sAreSorted(b) || math.IsInf(b[len(b)-1], 1) || hasDup(b) {
		b = slices.Clone(b)
		sort.Float64s(b)
		b = slices.Compact(b)
		for len(b) > 0 && math.IsInf(b[len(b)-1], 1) {
			b = b[:len(b)-1]
		}
	}
	return &classic{upper: b, counts: make([]uint64, len(b)+1)}
}

func hasDup(b []float64) bool {
	for i := 1; i < len(b); i++ {
		if b[i] == b[i-1] {
			return true
		}
	}
	return false
}

func (c *classic) observe(v float64, n uint64, _ int64) uint64 {
	// sort.SearchFloat64s finds the first upper bound >= v: the bucket
	// whose le includes v; len(upper) is +Inf, where NaN goes too (as in
	// client_golang).
	i := sort.SearchFloat64s(c.upper, v)
	c.counts[i] = addCount(c.counts[i], n)
	c.sum = addRepeated(c.sum, v, n)
	return 0
}

func (c *classic) write(m *dto.Metric, a *arena, _ int64) {
	h := a.histograms.next()
	bs := a.buckets.slice(len(c.upper))
	h.Bucket = a.bucketPtrs.slice(len(c.upper))
	var cum uint64
	for i, ub := range c.upper {
		cum = addCount(cum, c.counts[i])
		b := &bs[i]
		b.CumulativeCount = a.uint64(cum)
		b.UpperBound = a.float64(ub)
		h.Bucket[i] = b
	}
	cum = addCount(cum, c.counts[len(c.upper)])
	h.SampleCount = a.uint64(cum)
	h.SampleSum = a.float64(c.sum)
	m.Histogram = h
}

// distData is a pre-aggregated distribution, replaced by each sample.
type distData struct {
	summary bool
	d       normalize.Distribution
}

func (d *distData) observe(float64, uint64, int64) uint64 { return 0 }

func (d *distData) set(src *normalize.Distribution) {
	d.d.Count = src.Count
	d.d.Sum = src.Sum
	d.d.Buckets = append(d.d.Buckets[:0], src.Buckets...)
	d.d.Quantiles = append(d.d.Quantiles[:0], src.Quantiles...)
}

func (d *distData) write(m *dto.Metric, a *arena, _ int64) {
	if d.summary {
		d.writeSummary(m, a)
	} else {
		d.writeHistogram(m, a)
	}
}

func (d *distData) writeHistogram(m *dto.Metric, a *arena) {
	h := a.histograms.next()
	bs := a.buckets.slice(len(d.d.Buckets))
	h.Bucket = a.bucketPtrs.slice(len(d.d.Buckets))
	for i, b := range d.d.Buckets {
		bs[i].CumulativeCount = a.uint64(b.Count)
		bs[i].UpperBound = a.float64(b.UpperBound)
		h.Bucket[i] = &bs[i]
	}
	h.SampleCount = a.uint64(d.d.Count)
	h.SampleSum = a.float64(d.d.Sum)
	m.Histogram = h
}

func (d *distData) writeSummary(m *dto.Metric, a *arena) {
	sm := a.summaries.next()
	sm.SampleCount = a.uint64(d.d.Count)
	sm.SampleSum = a.float64(d.d.Sum)
	sm.Quantile = a.quantilePtrs.slice(len(d.d.Quantiles))
	qs := a.quantiles.slice(len(d.d.Quantiles))
	for i, q := range d.d.Quantiles {
		qs[i].Quantile = a.float64(q.Quantile)
		qs[i].Value = a.float64(q.Value)
		sm.Quantile[i] = &qs[i]
	}
	m.Summary = sm
}
