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
	fams, members, ends := s.snapshot()
	a := newArena(len(members))
	mfs := make([]dto.MetricFamily, len(fams))
	out := make([]*dto.MetricFamily, 0, len(fams))
	metrics := make([]*dto.Metric, 0, len(members))
	// fn never fails, so neither does each.
	_ = s.each(fams, members, ends, a, 0, &metrics, func(i int, help string, first bool, ms []*dto.Metric) error {
		f := fams[i]
		mf := &mfs[i]
		mf.Name = a.string(f.name)
		mf.Help = a.string(help)
		mf.Type = f.typ.Enum()
		mf.Metric = ms[:len(ms):len(ms)]
		out = append(out, mf)
		return nil
	})
	return out, nil
}

// snapshot returns the families in name order and their members, family
// i's being members[ends[i-1]:ends[i]].
func (s *Store) snapshot() (fams []*family, members []*series, ends []int) {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	if s.famGone > 0 {
		s.compactFamilies()
	}
	if !s.famSorted {
		slices.SortFunc(s.famList, func(x, y *family) int { return strings.Compare(x.name, y.name) })
		s.famSorted = true
	}
	fams = slices.Clone(s.famList)
	members = make([]*series, 0, s.count)
	ends = make([]int, len(fams))
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
	return fams, members, ends
}

// each builds the metrics of the snapshot's live series into a and calls
// fn per family with at least one, in chunks of at most chunk series (0:
// a family at once); first says a chunk is its family's first. With chunk
// > 0, the arena and *metrics are reset after each call, so fn must be
// done with them when it returns; with 0 they are kept and grow. Expired
// series are skipped and removed.
func (s *Store) each(fams []*family, members []*series, ends []int, a *arena, chunk int, metrics *[]*dto.Metric, fn func(i int, help string, first bool, ms []*dto.Metric) error) error {
	now := s.now().UnixNano()
	expired := 0
	defer func() {
		if expired > 0 {
			s.m.expired.Add(float64(expired))
		}
	}()
	start := 0
	for i, f := range fams {
		help := s.defaultHelp
		if h := f.help.Load(); h != nil {
			help = *h
		}
		first := true
		from := len(*metrics)
		flush := func() error {
			if len(*metrics) == from {
				return nil
			}
			err := fn(i, help, first, (*metrics)[from:])
			first = false
			if chunk > 0 {
				clear(*metrics)
				*metrics = (*metrics)[:0]
				a.reset()
			}
			from = len(*metrics)
			return err
		}
		for _, se := range members[start:ends[i]] {
			sh := &s.shards[se.hash%numShards]
			sh.mu.Lock()
			switch {
			case se.dead.Load():
			case se.expired(now):
				s.remove(sh, se)
				expired++
			default:
				m := se.metric(a, now)
				if se.hasTS {
					// Rare (json_exporter's epochtimestamp): allocated, not in the arena.
					ts := sh.ts[se]
					m.TimestampMs = &ts
				}
				*metrics = append(*metrics, m)
			}
			sh.mu.Unlock()
			if chunk > 0 && len(*metrics)-from >= chunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		start = ends[i]
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// compareLabels orders label sets as prometheus.Registry orders metrics
// (client_golang's internal MetricSorter), so that a family with several
// label-name sets comes out in statsd_exporter's order: fewer labels
// first, then the values position by position. Label sets that the
// registry leaves tied (the same values under other names) are ordered by
// their names, so the order never depends on arrival.
func compareLabels(x, y normalize.Labels) int {
	if c := cmp.Compare(len(x), len(y)); c != 0 {
		return c
	}
	for i := range x {
		if c := strings.Compare(x[i].Value, y[i].Value); c != 0 {
			return c
		}
	}
	for i := range x {
		if c := strings.Compare(x[i].Name, y[i].Name); c != 0 {
			return c
		}
	}
	return 0
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

// chunk hands out elements of large blocks, so that a gather makes a few
// big allocations instead of one per value; reset makes the blocks
// reusable (zeroed) for the next gather.
type chunk[T any] struct {
	blocks [][]T
	cur    int // the block being filled
	size   int
}

func (c *chunk[T]) next() *T {
	return &c.slice(1)[0]
}

// slice returns n contiguous zero elements.
func (c *chunk[T]) slice(n int) []T {
	for c.cur < len(c.blocks) {
		b := c.blocks[c.cur]
		if cap(b)-len(b) >= n {
			l := len(b)
			c.blocks[c.cur] = b[:l+n]
			return b[l : l+n : l+n]
		}
		if len(b) == 0 {
			break // an empty block too small for n: replace it
		}
		c.cur++
	}
	b := make([]T, n, max(c.size, n))
	if c.cur < len(c.blocks) {
		c.blocks[c.cur] = b
	} else {
		c.blocks = append(c.blocks, b)
	}
	return b[:n:n]
}

// reset zeroes what was handed out and makes it available again.
func (c *chunk[T]) reset() {
	for i := 0; i <= c.cur && i < len(c.blocks); i++ {
		clear(c.blocks[i])
		c.blocks[i] = c.blocks[i][:0]
	}
	c.cur = 0
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

func (a *arena) reset() {
	a.metrics.reset()
	a.counters.reset()
	a.gauges.reset()
	a.untyped.reset()
	a.histograms.reset()
	a.summaries.reset()
	a.quantiles.reset()
	a.quantilePtrs.reset()
	a.buckets.reset()
	a.bucketPtrs.reset()
	a.labels.reset()
	a.labelPtrs.reset()
	a.floats.reset()
	a.uints.reset()
	a.strs.reset()
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
