package outputs

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/beorn7/perks/quantile"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// perksBuffer is the size of beorn7/perks' insert buffer: a stream answers
// exactly from its raw samples until that many have been inserted since its
// last reset, then it merges them into its compressed summary.
const perksBuffer = 500

// summary is a summary with the same results as client_golang's (sliding
// window of MaxAge in AgeBuckets streams of beorn7/perks targeted quantiles)
// at a fraction of its memory: client_golang allocates two BufCap buffers
// and AgeBuckets perks streams of 500 samples each up front (about 70 KB
// per series with statsd_exporter's defaults).
//
// The age buckets are reset in turn, and the head (the one queried) is
// always the one reset longest ago, so every other bucket holds a suffix of
// the head's values: the bucket k places after the head holds
// raw[offs[k-1]:]. A summary therefore keeps the head's values once, with
// an offset per other bucket, until the head has perksBuffer values; until
// then perks answers a query exactly from its buffer (nearest rank), and so
// does this. At perksBuffer values (the moment perks itself starts
// compressing) the summary switches for good to one stream per bucket
// (streams), each a perks stream once it reaches perksBuffer values.
//
// client_golang buffers observations and inserts them into the streams on
// a flush (full buffer, scrape, or the first observation after a rotation
// time); the streams see the same values in the same order either way, so
// inserting at once changes no result. BufCap therefore has no effect here.
type summary struct {
	shape *summaryShape // shared per options, read-only

	raw  []float64 // the head bucket's values, while streams is nil
	offs []uint16  // where each later bucket's values start in raw
	// streams are the buckets once the head reached perksBuffer values,
	// indexed from head.
	streams *[]sumStream
	head    int   // index of the head bucket, for streams
	exp     int64 // when the head bucket is reset next (unix ns)

	count uint64
	sum   float64

	// qv are the last write's quantile values while qOK (up to three
	// quantiles, the default). perks keeps its buffer sorted between
	// queries, so a scrape with no new observation costs client_golang
	// nearly nothing; the head's values here stay in arrival order
	// (rotation needs it), so the answers are kept instead. An
	// observation or a rotation voids them.
	qv  [3]float64
	qOK bool
}

// summaryShape is what summaries with the same options share.
type summaryShape struct {
	targets    map[float64]float64
	quantiles  []float64 // sorted
	ageBuckets int       // 0 when there are no quantiles: nothing is kept
	streamDur  int64     // nanoseconds
}

// sumStream is one age bucket: raw values, or a perks stream once it has
// had perksBuffer values since its reset.
type sumStream struct {
	raw   []float64
	perks *quantile.Stream
}

func newSummary(o *normalize.SeriesOptions, now int64) *summary {
	objs := DefaultObjectives
	maxAge := prometheus.DefMaxAge
	ageBuckets := uint32(prometheus.DefAgeBuckets)
	if o != nil {
		if len(o.Objectives) > 0 {
			objs = o.Objectives
		}
		if o.MaxAge > 0 {
			maxAge = o.MaxAge
		}
		if o.AgeBuckets > 0 {
			ageBuckets = o.AgeBuckets
		}
	}
	sh := shapeOf(objs, maxAge, ageBuckets)
	s := &summary{shape: sh, exp: now + sh.streamDur}
	if sh.ageBuckets > 1 {
		s.offs = make([]uint16, sh.ageBuckets-1)
	}
	return s
}

// shapes maps options (as text) to their *summaryShape.
var shapes sync.Map

// shapeOf returns the shape of summaries with these options, cached so
// that series with the same options share it.
func shapeOf(objs []normalize.Objective, maxAge time.Duration, ageBuckets uint32) *summaryShape {
	kb := make([]byte, 0, 32*len(objs)+32)
	for _, q := range objs {
		kb = strconv.AppendFloat(kb, q.Quantile, 'g', -1, 64)
		kb = append(kb, ':')
		kb = strconv.AppendFloat(kb, q.Error, 'g', -1, 64)
		kb = append(kb, ',')
	}
	kb = strconv.AppendInt(kb, int64(maxAge), 10)
	kb = append(kb, '/')
	kb = strconv.AppendUint(kb, uint64(ageBuckets), 10)
	key := string(kb)
	if v, ok := shapes.Load(key); ok {
		return v.(*summaryShape)
	}
	sh := &summaryShape{targets: make(map[float64]float64, len(objs))}
	for _, q := range objs {
		sh.targets[q.Quantile] = q.Error
	}
	for q := range sh.targets {
		sh.quantiles = append(sh.quantiles, q)
	}
	sort.Float64s(sh.quantiles)
	if len(sh.quantiles) > 0 {
		sh.ageBuckets = int(ageBuckets)
	}
	sh.streamDur = int64(maxAge / time.Duration(ageBuckets))
	if sh.streamDur <= 0 {
		sh.streamDur = 1
	}
	v, _ := shapes.LoadOrStore(key, sh)
	return v.(*summaryShape)
}

// advance rotates the buckets as client_golang's swapBufs and
// maybeRotateStreams do: every streamDur the head bucket is reset and the
// next one becomes the head.
func (s *summary) advance(now int64) {
	if now <= s.exp {
		return
	}
	dur := s.shape.streamDur
	n := (now-s.exp-1)/dur + 1 // rotations due
	s.exp += n * dur
	if s.shape.ageBuckets == 0 {
		return
	}
	if n >= int64(s.shape.ageBuckets) { // every bucket reset
		n = int64(s.shape.ageBuckets)
	}
	for range n {
		s.rotate()
	}
}

// rotate resets the head bucket and makes the next one the head.
func (s *summary) rotate() {
	s.qOK = false
	if s.streams != nil {
		st := &(*s.streams)[s.head]
		st.perks = nil
		if cap(st.raw) > 64 {
			st.raw = nil
		} else {
			st.raw = st.raw[:0]
		}
		s.head = (s.head + 1) % len(*s.streams)
		return
	}
	// The next bucket's values become the head's; the reset bucket is the
	// last, empty.
	drop := len(s.raw)
	if len(s.offs) > 0 {
		drop = int(s.offs[0])
		copy(s.offs, s.offs[1:])
		for k := range s.offs[:len(s.offs)-1] {
			s.offs[k] -= uint16(drop)
		}
		s.offs[len(s.offs)-1] = uint16(len(s.raw) - drop)
	}
	switch rest := len(s.raw) - drop; {
	case rest == 0 && cap(s.raw) > 64:
		s.raw = nil
	case cap(s.raw) > 64 && rest <= cap(s.raw)/4:
		s.raw = slices.Clone(s.raw[drop:])
	default:
		s.raw = s.raw[:copy(s.raw, s.raw[drop:])]
	}
}

// maxSummaryInserts is how many of one value's repeated observations (a
// StatsD timer with a sample rate, see normalize.Record.Repeat) a summary's
// quantile streams take one by one, as client_golang's would, at a cost
// of a perks insertion per stream each. More repeats than that (a rate
// below 0.001, which statsd_exporter turns into thousands of events)
// are merged into each stream as one sample of that weight: _count and
// _sum stay exact, the quantiles are perks' estimate with the value's
// full weight, and a line like "x:1|ms|@1e-6" costs a thousand
// insertions, not a million. They are counted in
// rosetta_store_merged_observations_total.
const maxSummaryInserts = 1000

// observe merges the repeats past maxSummaryInserts into each stream's
// perks stream. Every stream has one after maxSummaryInserts insertions
// only if perksBuffer <= maxSummaryInserts (a stream still raw has none,
// and the merge would panic); this line does not compile otherwise.
const _ = uint(maxSummaryInserts - perksBuffer)

func (s *summary) observe(v float64, n uint64, now int64) (merged uint64) {
	s.advance(now)
	s.count = addCount(s.count, n)
	s.qOK = false
	s.sum = addRepeated(s.sum, v, n)
	if s.shape.ageBuckets == 0 {
		return 0
	}
	for range min(n, maxSummaryInserts) {
		s.insert(v)
	}
	if n <= maxSummaryInserts {
		return 0
	}
	// maxSummaryInserts >= perksBuffer: every stream is a perks stream.
	merged = n - maxSummaryInserts
	w := quantile.Samples{{Value: v, Width: float64(merged)}}
	for i := range *s.streams {
		(*s.streams)[i].perks.Merge(w)
	}
	return merged
}

// insert adds v to the quantile streams.
func (s *summary) insert(v float64) {
	if s.streams != nil {
		for i := range *s.streams {
			st := &(*s.streams)[i]
			if st.perks != nil {
				st.perks.Insert(v)
				continue
			}
			st.raw = append(st.raw, v)
			if len(st.raw) == perksBuffer {
				st.perks = s.perks(st.raw)
				st.raw = nil
			}
		}
		return
	}
	s.raw = append(s.raw, v)
	if len(s.raw) == perksBuffer {
		s.split()
	}
}

// split turns the shared values into one stream per bucket: the head's
// perksBuffer values into a perks stream, as perks does at that count.
func (s *summary) split() {
	streams := make([]sumStream, s.shape.ageBuckets)
	for k := range streams {
		from := 0
		if k > 0 {
			from = int(s.offs[k-1])
		}
		vs := s.raw[from:]
		st := &streams[(s.head+k)%len(streams)]
		if len(vs) == perksBuffer {
			st.perks = s.perks(vs)
		} else if len(vs) > 0 {
			st.raw = slices.Clone(vs)
		}
	}
	s.streams = &streams
	s.raw, s.offs = nil, nil
}

func (s *summary) perks(vs []float64) *quantile.Stream {
	p := quantile.NewTargeted(s.shape.targets)
	for _, x := range vs {
		p.Insert(x)
	}
	return p
}

// perksOrder sorts as perks' Samples do: by <, NaN unordered.
type perksOrder []float64

func (a perksOrder) Len() int           { return len(a) }
func (a perksOrder) Less(i, j int) bool { return a[i] < a[j] }
func (a perksOrder) Swap(i, j int)      { a[i], a[j] = a[j], a[i] }

// scratch holds the values quantiles are selected from during a write.
var scratch = sync.Pool{New: func() any { return new([]float64) }}

// nearestRank is the index in n sorted values of perks' answer for q
// before its first flush.
func nearestRank(n int, q float64) int {
	j := int(math.Ceil(float64(n) * q))
	if j > 0 {
		j--
	}
	return min(j, n-1)
}

// selectRank reorders vs so that vs[k] is the value sorting would put
// there, with no larger value before it and no smaller one after it
// (quickselect: linear on average where a sort is n log n).
func selectRank(vs []float64, k int) {
	lo, hi := 0, len(vs)-1
	for depth := 0; hi-lo > 12; depth++ {
		if depth > 64 { // pathological pivots: sort what is left
			slices.Sort(vs[lo : hi+1])
			return
		}
		mid := lo + (hi-lo)/2
		if vs[mid] < vs[lo] {
			vs[mid], vs[lo] = vs[lo], vs[mid]
		}
		if vs[hi] < vs[lo] {
			vs[hi], vs[lo] = vs[lo], vs[hi]
		}
		if vs[hi] < vs[mid] {
			vs[hi], vs[mid] = vs[mid], vs[hi]
		}
		p := vs[mid]
		i, j := lo, hi
		for i <= j {
			for vs[i] < p {
				i++
			}
			for p < vs[j] {
				j--
			}
			if i <= j {
				vs[i], vs[j] = vs[j], vs[i]
				i++
				j--
			}
		}
		// vs[lo:j+1] <= p <= vs[i:hi+1], and what is between equals p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
	for i := lo + 1; i <= hi; i++ { // insertion sort of the rest
		for j := i; j > lo && vs[j] < vs[j-1]; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

func (s *summary) write(m *dto.Metric, a *arena, now int64) {
	s.advance(now)
	sm := a.summaries.next()
	sm.SampleCount = a.uint64(s.count)
	sm.SampleSum = a.float64(s.sum)
	if qs := s.shape.quantiles; len(qs) > 0 {
		sm.Quantile = a.quantilePtrs.slice(len(qs))
		out := a.quantiles.slice(len(qs))
		head, p := s.raw, (*quantile.Stream)(nil)
		if s.streams != nil {
			head, p = (*s.streams)[s.head].raw, (*s.streams)[s.head].perks
		}
		memo := p == nil && len(qs) <= len(s.qv)
		if memo && s.qOK {
			for i, q := range qs {
				out[i].Quantile = a.float64(q)
				out[i].Value = a.float64(s.qv[i])
				sm.Quantile[i] = &out[i]
			}
			m.Summary = sm
			return
		}
		// Before its first flush, perks answers from its sorted buffer
		// (nearest rank); those ranks are selected from a scratch copy
		// of the values instead of sorting them.
		var vals []float64
		if p == nil && len(head) > 0 {
			sp := scratch.Get().(*[]float64)
			defer scratch.Put(sp)
			vals = append((*sp)[:0], head...)
			*sp = vals
			if slices.ContainsFunc(vals, math.IsNaN) {
				// NaN is unordered: perks' sort.Sort of its buffer
				// leaves NaNs where its algorithm puts them, and the
				// ranks around them depend on it. Sorting the values
				// in arrival order the same way gives its answer.
				sort.Sort(perksOrder(vals))
			} else {
				// From the highest rank down: once rank j is in place,
				// the values before it are the j smallest.
				hi := len(vals)
				for i := len(qs) - 1; i >= 0; i-- {
					if j := nearestRank(len(vals), qs[i]); j < hi {
						selectRank(vals[:hi], j)
						hi = j
					}
				}
			}
		}
		for i, q := range qs {
			v := math.NaN()
			switch {
			case p != nil:
				v = p.Query(q)
			case len(vals) > 0:
				v = vals[nearestRank(len(vals), q)]
			}
			out[i].Quantile = a.float64(q)
			out[i].Value = a.float64(v)
			sm.Quantile[i] = &out[i]
			if memo {
				s.qv[i] = v
			}
		}
		if memo {
			s.qOK = true
		}
	}
	m.Summary = sm
}
