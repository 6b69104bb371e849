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
	fams, members, ends := s.snapshot(nil)
	a := newArena(len(members))
	mfs := make([]dto.MetricFamily, len(fams))
	out := make([]*dto.MetricFamily, 0, len(fams))
	metrics := make([]*dto.Metric, 0, len(members))
	from := 0 // where the last family's metrics start
	endFamily := func() {
		if len(out) > 0 {
			out[len(out)-1].Metric = metrics[from:len(metrics):len(metrics)]
		}
		from = len(metrics)
	}
	// fn never fails, so neither does eachLive.
	_ = s.eachLive(fams, members, ends, func(i int, first bool, se *series, ts, now int64) error {
		if first {
			endFamily()
			f := fams[i]
			mf := &mfs[i]
			mf.Name = a.string(f.name)
			mf.Help = a.string(s.help(f))
			mf.Type = f.typ.Enum()
			out = append(out, mf)
		}
		m := se.metric(a, now)
		if se.hasTS {
			// Rare (json_exporter's epochtimestamp): allocated (ts, fn's
			// own), not in the arena.
			m.TimestampMs = &ts
		}
		metrics = append(metrics, m)
		return nil
	}, nil)
	endFamily()
	return out, nil
}

// snapshot returns the families in name order and their members, family
// i's being members[ends[i-1]:ends[i]]; keep, when not nil, says which
// families to take (by name).
func (s *Store) snapshot(keep func(name string) bool) (fams []*family, members []*series, ends []int) {
	s.famMu.Lock()
	defer s.famMu.Unlock()
	if s.famGone > 0 {
		s.compactFamilies()
	}
	if !s.famSorted {
		slices.SortFunc(s.famList, func(x, y *family) int { return strings.Compare(x.name, y.name) })
		s.famSorted = true
	}
	if keep == nil {
		fams = slices.Clone(s.famList)
		members = make([]*series, 0, s.count)
	} else {
		// A filtered scrape (name[]) takes the families it names only:
		// asking for a few self-metrics must not copy every series.
		for _, f := range s.famList {
			if keep(f.name) {
				fams = append(fams, f)
			}
		}
	}
	// x_sum beside a histogram x: taken under statsd_exporter's rules
	// only (registryRefuses), left out while x lives; a family stored
	// before its name was a stand-in's (SetPeerNames), left out while it
	// is.
	fams = slices.DeleteFunc(fams, func(f *family) bool { return s.hidden(f.name) || s.peerName(f.name) })
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

// eachLive walks the snapshot's live series in order, the one walk that
// /metrics (writeText) and Gather share. It calls fn for each with its
// shard locked (so fn must not block: ingestion into the shard waits),
// first saying the series is its family's first live one, ts its own
// timestamp (when se.hasTS) and now the time expiry is judged at. After
// every series, live or not, it calls between, when not nil, with the
// lock released: the place to write out what fn buffered. Expired series
// are skipped, removed and counted. The first error of fn or between ends
// the walk and is returned.
func (s *Store) eachLive(fams []*family, members []*series, ends []int, fn func(i int, first bool, se *series, ts, now int64) error, between func() error) error {
	now := s.now().UnixNano()
	expired := 0
	defer func() {
		if expired > 0 {
			s.m.expired.Add(float64(expired))
		}
	}()
	start := 0
	for i := range fams {
		first := true
		for _, se := range members[start:ends[i]] {
			sh := &s.shards[se.hash%numShards]
			var err error
			sh.mu.Lock()
			switch {
			case se.dead.Load():
			case se.expired(now):
				s.expire(sh, se)
				expired++
			default:
				var ts int64
				if se.hasTS {
					ts = sh.ts[se]
				}
				err = fn(i, first, se, ts, now)
				first = false
			}
			sh.mu.Unlock()
			if err == nil && between != nil {
				err = between()
			}
			if err != nil {
				return err
			}
		}
		start = ends[i]
	}
	return nil
}

// help is the family's help text: the first sample's, or the store's
// default.
func (s *Store) help(f *family) string {
	if h := f.help.Load(); h != nil {
		return *h
	}
	return s.defaultHelp
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
