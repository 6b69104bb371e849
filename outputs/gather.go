package outputs

import (
	"cmp"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rosetta-adapter/rosetta/normalize"
)

var _ prometheus.Gatherer = (*Store)(nil)

// Gather returns the store's series as metric families sorted by name, each
// with its metrics sorted by labels, as prometheus.Registry returns them.
// Expired series are skipped and removed. It never returns an error: the
// store refused every sample that could have made the output inconsistent.
//
// Each family keeps its series in label order (sorted again only after a
// series was created out of order), so a gather does not sort.
func (s *Store) Gather() ([]*dto.MetricFamily, error) {
	now := s.now().UnixNano()

	// Snapshot the families and their members in order.
	s.famMu.Lock()
	if s.famGone > 0 {
		s.compactFamilies()
	}
	if !s.famSorted {
		slices.SortFunc(s.famList, func(x, y *family) int { return strings.Compare(x.name, y.name) })
		s.famSorted = true
	}
	fams := slices.Clone(s.famList)
	members := make([]*series, 0, s.count)
	ends := make([]int, len(fams))
	for i, f := range fams {
		if f.removed > 0 {
			f.compactMembers()
		}
		if f.unsorted {
			slices.SortFunc(f.members, func(x, y *series) int { return compareLabels(x.labels, y.labels) })
			f.unsorted = false
		}
		members = append(members, f.members...)
		ends[i] = len(members)
	}
	s.famMu.Unlock()

	a := newArena(len(members))
	mfs := make([]dto.MetricFamily, len(fams))
	out := make([]*dto.MetricFamily, 0, len(fams))
	metrics := make([]*dto.Metric, 0, len(members))
	expired := 0
	start := 0
	for i, f := range fams {
		first := len(metrics)
		for _, se := range members[start:ends[i]] {
			sh := &s.shards[se.hash%numShards]
			sh.mu.Lock()
			switch {
			case se.dead:
			case se.expired(now):
				s.remove(sh, se)
				expired++
			default:
				metrics = append(metrics, se.metric(a, now))
			}
			sh.mu.Unlock()
		}
		start = ends[i]
		if len(metrics) == first {
			continue
		}
		mf := &mfs[i]
		mf.Name = a.string(f.name)
		help := s.defaultHelp
		if h := f.help.Load(); h != nil {
			help = *h
		}
		mf.Help = a.string(help)
		mf.Type = f.typ.Enum()
		mf.Metric = metrics[first:len(metrics):len(metrics)]
		out = append(out, mf)
	}
	if expired > 0 {
		s.m.expired.Add(float64(expired))
	}
	return out, nil
}

// compareLabels orders label sets as prometheus.Registry orders metrics.
func compareLabels(x, y normalize.Labels) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i].Name != y[i].Name {
			return strings.Compare(x[i].Name, y[i].Name)
		}
		if c := strings.Compare(x[i].Value, y[i].Value); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(x), len(y))
}

// metric builds the dto.Metric of a series. The shard mutex is held.
func (se *series) metric(a *arena, now int64) *dto.Metric {
	m := a.metrics.next()
	switch se.kind {
	case kindCounter:
		c := a.counters.next()
		c.Value = a.float64(se.value)
		m.Counter = c
	case kindGauge:
		g := a.gauges.next()
		g.Value = a.float64(se.value)
		m.Gauge = g
	case kindUntyped:
		u := a.untyped.next()
		u.Value = a.float64(se.value)
		m.Untyped = u
	default:
		se.data.write(m, a, now)
	}
	if len(se.labels) > 0 {
		lps := a.labels.slice(len(se.labels))
		m.Label = a.labelPtrs.slice(len(se.labels))
		for i := range se.labels {
			// The strings are immutable and shared with the series.
			lps[i].Name = &se.labels[i].Name
			lps[i].Value = &se.labels[i].Value
			m.Label[i] = &lps[i]
		}
	}
	return m
}

// chunk hands out elements of large slices, so that a gather makes a few
// big allocations instead of one per value.
type chunk[T any] struct {
	buf  []T
	size int
}

func (c *chunk[T]) next() *T {
	if len(c.buf) == cap(c.buf) {
		c.buf = make([]T, 0, c.size)
	}
	c.buf = c.buf[:len(c.buf)+1]
	return &c.buf[len(c.buf)-1]
}

func (c *chunk[T]) slice(n int) []T {
	if cap(c.buf)-len(c.buf) < n {
		c.buf = make([]T, 0, max(c.size, n))
	}
	l := len(c.buf)
	c.buf = c.buf[:l+n]
	return c.buf[l : l+n : l+n]
}

// arena allocates the parts of one gather's output.
type arena struct {
	metrics      chunk[dto.Metric]
	counters     chunk[dto.Counter]
	gauges       chunk[dto.Gauge]
	untyped      chunk[dto.Untyped]
	histograms   chunk[dto.Histogram]
	summaries    chunk[dto.Summary]
	quantiles    chunk[dto.Quantile]
	quantilePtrs chunk[*dto.Quantile]
	buckets      chunk[dto.Bucket]
	bucketPtrs   chunk[*dto.Bucket]
	labels       chunk[dto.LabelPair]
	labelPtrs    chunk[*dto.LabelPair]
	floats       chunk[float64]
	uints        chunk[uint64]
	strs         chunk[string]
}

func newArena(hint int) *arena {
	n := min(max(hint+hint/8, 64), 1<<16)
	return &arena{
		metrics:      chunk[dto.Metric]{size: n},
		counters:     chunk[dto.Counter]{size: n},
		gauges:       chunk[dto.Gauge]{size: n},
		untyped:      chunk[dto.Untyped]{size: 64},
		histograms:   chunk[dto.Histogram]{size: 64},
		summaries:    chunk[dto.Summary]{size: 64},
		quantiles:    chunk[dto.Quantile]{size: 256},
		quantilePtrs: chunk[*dto.Quantile]{size: 256},
		buckets:      chunk[dto.Bucket]{size: 1024},
		bucketPtrs:   chunk[*dto.Bucket]{size: 1024},
		labels:       chunk[dto.LabelPair]{size: 2 * n},
		labelPtrs:    chunk[*dto.LabelPair]{size: 2 * n},
		floats:       chunk[float64]{size: n},
		uints:        chunk[uint64]{size: 1024},
		strs:         chunk[string]{size: 256},
	}
}

func (a *arena) float64(v float64) *float64 {
	p := a.floats.next()
	*p = v
	return p
}

func (a *arena) uint64(v uint64) *uint64 {
	p := a.uints.next()
	*p = v
	return p
}

func (a *arena) string(v string) *string {
	p := a.strs.next()
	*p = v
	return p
}

// Gatherers merges the families of several gatherers, like
// prometheus.Gatherers, but cheaply: it trusts each gatherer to return
// consistent, sorted families (prometheus.Registry and Store do) and does
// not re-check or re-sort their metrics. When two gatherers return a family
// of the same name, the earlier gatherer's wins and the later one is left
// out, so put the self-metrics registry first. Errors are joined; the
// families gathered are returned with them.
type Gatherers []prometheus.Gatherer

// Gather implements prometheus.Gatherer.
func (gs Gatherers) Gather() ([]*dto.MetricFamily, error) {
	var (
		out  []*dto.MetricFamily
		errs prometheus.MultiError
		seen = map[string]struct{}{}
	)
	for _, g := range gs {
		mfs, err := g.Gather()
		if err != nil {
			errs = append(errs, err)
		}
		for _, mf := range mfs {
			if _, dup := seen[mf.GetName()]; dup {
				continue
			}
			seen[mf.GetName()] = struct{}{}
			out = append(out, mf)
		}
	}
	slices.SortFunc(out, func(x, y *dto.MetricFamily) int { return strings.Compare(x.GetName(), y.GetName()) })
	return out, errs.MaybeUnwrap()
}
