package remotewrite

import (
	"math"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/outputs"
)

// staleNaN is Prometheus's staleness marker: a series that was sent and
// is gone gets one, so queries stop returning it at once instead of after
// the 5-minute lookback.
var staleNaN = math.Float64frombits(0x7ff0000000000002)

// item is one queued sample: a float, or a native histogram when h is set.
type item struct {
	ref *seriesRef
	t   int64
	v   float64
	h   *histogram
}

// seriesRef is a series that was sent; its labels are built once and
// shared by every item of it: the metric name, then its own labels' names
// and values in turn, sorted by name (the strings are the gatherer's, not
// copies; __name__ and the external labels are added when sending, which
// keeps a series at a few words).
type seriesRef struct {
	labels []string
	hash   uint64
	gen    uint64
	fam    *famMeta
}

// famMeta is what Remote-Write 2.0 sends of a series' family.
type famMeta struct {
	typ  dto.MetricType
	help string
}

// tracker turns gathered metric families into items and remembers which
// series it sent, for the staleness markers.
type tracker struct {
	ext     []label // external labels, sorted by name
	native  bool
	refs    map[uint64]*seriesRef
	gen     uint64
	scratch []label
	floats  []byte
	fam     *famMeta // of the family being converted
	// parts and n are the current snapshot's output.
	parts [][]item
	n     int
}

func newTracker(ext map[string]string, native bool) *tracker {
	t := &tracker{native: native, refs: map[uint64]*seriesRef{}}
	for k, v := range ext {
		t.ext = append(t.ext, label{Name: k, Value: v})
	}
	slices.SortFunc(t.ext, func(a, b label) int { return strings.Compare(a.Name, b.Name) })
	return t
}

// snapshot appends the items of mfs at time ts (milliseconds; a metric's
// own timestamp wins), then stale markers for the series sent before and
// missing now, to parts: a series' items always to the same part. It
// returns the number of items.
func (t *tracker) snapshot(mfs []*dto.MetricFamily, ts int64, parts [][]item) int {
	t.gen++
	for i := range parts {
		parts[i] = parts[i][:0]
	}
	t.parts, t.n = parts, 0
	var out []item
	for _, mf := range mfs {
		name := mf.GetName()
		t.fam = &famMeta{typ: mf.GetType(), help: mf.GetHelp()}
		for _, m := range mf.Metric {
			mt := ts
			if m.TimestampMs != nil {
				mt = m.GetTimestampMs()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out = t.add(out, name, m.Label, "", "", mt, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				out = t.add(out, name, m.Label, "", "", mt, m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				out = t.add(out, name, m.Label, "", "", mt, m.GetUntyped().GetValue())
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				for _, q := range s.Quantile {
					out = t.add(out, name, m.Label, "quantile", t.fmt(q.GetQuantile()), mt, q.GetValue())
				}
				out = t.add(out, name+"_sum", m.Label, "", "", mt, s.GetSampleSum())
				out = t.add(out, name+"_count", m.Label, "", "", mt, float64(s.GetSampleCount()))
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				out = t.histogram(out, name, m, mt)
			}
		}
	}
	for h, r := range t.refs {
		if r.gen != t.gen {
			out = t.put(out, item{ref: r, t: ts, v: staleNaN})
			delete(t.refs, h)
		}
	}
	return t.n
}

// put adds it to its part; out is unused (it keeps add's shape simple).
func (t *tracker) put(out []item, it item) []item {
	p := it.ref.hash % uint64(len(t.parts))
	t.parts[p] = append(t.parts[p], it)
	t.n++
	return out
}

// histogram adds the classic series of a histogram as the text format
// shows them (a +Inf bucket always), and the native one if it has native
// buckets and they are to be sent.
func (t *tracker) histogram(out []item, name string, m *dto.Metric, ts int64) []item {
	h := m.GetHistogram()
	count := float64(h.GetSampleCount())
	if h.SampleCountFloat != nil {
		count = h.GetSampleCountFloat()
	}
	inf := false
	for _, b := range h.Bucket {
		c := float64(b.GetCumulativeCount())
		if b.CumulativeCountFloat != nil {
			c = b.GetCumulativeCountFloat()
		}
		ub := b.GetUpperBound()
		inf = inf || math.IsInf(ub, 1)
		out = t.add(out, name+"_bucket", m.Label, "le", t.fmt(ub), ts, c)
	}
	if !inf {
		out = t.add(out, name+"_bucket", m.Label, "le", "+Inf", ts, count)
	}
	out = t.add(out, name+"_sum", m.Label, "", "", ts, h.GetSampleSum())
	out = t.add(out, name+"_count", m.Label, "", "", ts, count)
	if t.native && isNative(h) {
		ref := t.ref(name, m.Label, "", "")
		out = t.put(out, item{ref: ref, t: ts, h: nativeHistogram(h, ts)})
	}
	return out
}

// isNative tells a histogram with native buckets, as Prometheus's protobuf
// parser does.
func isNative(h *dto.Histogram) bool {
	return h.Schema != nil && (h.GetZeroThreshold() > 0 || h.GetZeroCount() > 0 || h.GetZeroCountFloat() > 0 ||
		len(h.PositiveSpan) > 0 || len(h.NegativeSpan) > 0)
}

func nativeHistogram(h *dto.Histogram, ts int64) *histogram {
	p := &histogram{
		sum:           h.GetSampleSum(),
		schema:        h.GetSchema(),
		zeroThreshold: h.GetZeroThreshold(),
		timestamp:     ts,
		positiveSpans: spans(h.PositiveSpan),
		negativeSpans: spans(h.NegativeSpan),
	}
	if h.SampleCountFloat != nil || h.ZeroCountFloat != nil || len(h.PositiveCount) > 0 || len(h.NegativeCount) > 0 {
		p.float = true
		p.countFloat = h.GetSampleCountFloat()
		p.zeroCountFloat = h.GetZeroCountFloat()
		p.positiveCounts = h.PositiveCount
		p.negativeCounts = h.NegativeCount
		return p
	}
	p.countInt = h.GetSampleCount()
	p.zeroCountInt = h.GetZeroCount()
	p.positiveDeltas = h.PositiveDelta
	p.negativeDeltas = h.NegativeDelta
	return p
}

func spans(s []*dto.BucketSpan) []bucketSpan {
	out := make([]bucketSpan, len(s))
	for i, x := range s {
		out[i] = bucketSpan{Offset: x.GetOffset(), Length: x.GetLength()}
	}
	return out
}

// fmt formats a bucket bound or quantile like the text exposition format,
// so that the series equal the scraped ones.
func (t *tracker) fmt(f float64) string {
	t.floats = outputs.AppendFloat(t.floats[:0], f)
	return string(t.floats)
}

func (t *tracker) add(out []item, name string, ls []*dto.LabelPair, extra, extraValue string, ts int64, v float64) []item {
	return t.put(out, item{ref: t.ref(name, ls, extra, extraValue), t: ts, v: v})
}

// ref returns the series of name, ls and the extra label (if any), marked
// as seen in this snapshot.
func (t *tracker) ref(name string, ls []*dto.LabelPair, extra, extraValue string) *seriesRef {
	s := t.scratch[:0]
	for _, l := range ls {
		s = append(s, label{Name: l.GetName(), Value: l.GetValue()})
	}
	if extra != "" {
		s = append(s, label{Name: extra, Value: extraValue})
	}
	if !slices.IsSortedFunc(s, cmpLabel) {
		slices.SortFunc(s, cmpLabel)
	}
	t.scratch = s
	var d xxhash.Digest
	_, _ = d.WriteString(name)
	_, _ = d.Write(sep)
	for _, l := range s {
		_, _ = d.WriteString(l.Name)
		_, _ = d.Write(sep)
		_, _ = d.WriteString(l.Value)
		_, _ = d.Write(sep)
	}
	h := d.Sum64()
	r, ok := t.refs[h]
	if !ok || !sameLabels(r.labels, name, s) {
		// A new series (or, with odds of 2^-64, a hash collision: the
		// older series then gets no staleness marker).
		// fam is set once: senders read it while later snapshots run.
		r = &seriesRef{labels: make([]string, 0, 1+2*len(s)), hash: h, fam: t.fam}
		r.labels = append(r.labels, name)
		for _, l := range s {
			r.labels = append(r.labels, l.Name, l.Value)
		}
		t.refs[h] = r
	}
	r.gen = t.gen
	return r
}

// appendLabels appends the labels of r to dst as a receiver wants them:
// __name__, the series' own and the external ones it does not have,
// sorted by name.
func (t *tracker) appendLabels(dst []label, r *seriesRef) []label {
	start := len(dst)
	dst = append(dst, label{Name: "__name__", Value: r.labels[0]})
	own := r.labels[1:]
	for i := 0; i+1 < len(own); i += 2 {
		dst = append(dst, label{Name: own[i], Value: own[i+1]})
	}
	n := len(dst)
	for _, e := range t.ext {
		if !hasLabel(dst[start:n], e.Name) {
			dst = append(dst, label{Name: e.Name, Value: e.Value})
		}
	}
	if !slices.IsSortedFunc(dst[start:], cmpLabel) {
		slices.SortFunc(dst[start:], cmpLabel)
	}
	return dst
}

var sep = []byte{0xff}

func hasLabel(ls []label, name string) bool {
	for _, l := range ls {
		if l.Name == name {
			return true
		}
	}
	return false
}

func cmpLabel(a, b label) int { return strings.Compare(a.Name, b.Name) }

func sameLabels(flat []string, name string, ls []label) bool {
	if len(flat) != 1+2*len(ls) || flat[0] != name {
		return false
	}
	for i, l := range ls {
		if flat[1+2*i] != l.Name || flat[2+2*i] != l.Value {
			return false
		}
	}
	return true
}
