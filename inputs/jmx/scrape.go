package jmx

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/rosetta-adapter/rosetta/inputs"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// beanMeta is what the scraper caches per MBean between polls.
type beanMeta struct {
	gen   uint64 // the last poll that found the bean
	pos   int    // its index in that poll's names (sortNames)
	name  mbean.BeanName
	attrs []string // readable attributes, in MBeanInfo order
	descr []string // their descriptions
}

// scraper reads every selected bean of one session. The MBeanInfo cache
// lives as long as the session: names are queried every poll, and info is
// fetched only for beans that are new.
type scraper struct {
	input    string // the input's name
	client   *rmi.Client
	exporter *Exporter
	include  []string // queryNames patterns; empty means all
	exclude  []string
	workers  int
	cache    map[string]*beanMeta
	gen      uint64 // polls begun, to tell the beans gone from the cache
	// lastNames is how many names the last poll begun had (beanMeta.pos).
	lastNames int
	filter    *attributeFilter
	in        *interner
	// noPipeline reads every bean with calls of its own (tests).
	noPipeline bool
}

// scrapeStats counts one poll.
type scrapeStats struct {
	beans, attributes int
	attrErrors        int // attributes that failed individually
	beanErrors        int // beans that failed as a whole (vanished mid-poll, info errors)
	infoFetched       int
	// Dropped by the reply budgets (rosetta_input_dropped_total):
	limited     int // beans whose reply broke a decoding limit
	unrequested int // attributes returned without being asked for
	cut         int // values cut by the conversion budget
	pipelined   int // beans whose attributes were read in a pipelined run
}

// isRemote reports errors of one call that leave the session fine: the
// server threw, or the reply broke a decoding limit (that connection is
// closed, the others go on).
func isRemote(err error) bool {
	var re *javaser.RemoteError
	return errors.As(err, &re) || errors.Is(err, javaser.ErrLimit)
}

func (s *scraper) names(ctx context.Context) ([]string, error) {
	inc := s.include
	if len(inc) == 0 {
		inc = []string{""}
	}
	// The included names, sorted and without duplicates: no map of them.
	var out []string
	for _, p := range inc {
		ns, err := s.client.QueryNames(ctx, p)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = ns // one query's names are used in place
		} else {
			out = append(out, ns...)
		}
	}
	var excluded map[string]struct{}
	for _, p := range s.exclude {
		ns, err := s.client.QueryNames(ctx, p)
		if err != nil {
			return nil, err
		}
		if excluded == nil {
			excluded = map[string]struct{}{}
		}
		for _, n := range ns {
			excluded[n] = struct{}{}
		}
	}
	out = slices.DeleteFunc(out, func(n string) bool {
		_, ex := excluded[n]
		return ex || skipBean(n)
	})
	return s.sortNames(out), nil
}

// sortNames sorts names and removes duplicates. The names the cache
// holds are put in the order of the last poll's (sorted) names, where
// their metas' pos say they were, without comparing them; the others
// are sorted, and the two merged: a poll that finds the beans of the last
// one compares no names.
func (s *scraper) sortNames(names []string) []string {
	if len(s.cache) == 0 || s.lastNames == 0 {
		sort.Strings(names)
		return slices.Compact(names)
	}
	slots := make([]string, s.lastNames)
	var fresh []string
	for _, n := range names {
		m := s.cache[n]
		switch {
		case m == nil || m.pos >= len(slots):
			fresh = append(fresh, n)
		case slots[m.pos] == "":
			slots[m.pos] = m.name.Name
		case slots[m.pos] != m.name.Name:
			fresh = append(fresh, n) // cannot be: two names at one place
		}
	}
	sort.Strings(fresh)
	fresh = slices.Compact(fresh)
	out := names[:0]
	i := 0
	for _, n := range slots {
		if n == "" {
			continue
		}
		for ; i < len(fresh) && fresh[i] <= n; i++ {
			if fresh[i] != n {
				out = append(out, fresh[i])
			}
		}
		out = append(out, n)
	}
	return append(out, fresh[i:]...)
}

// pipelineRun is how many beans a worker takes at once: those whose
// MBeanInfo is cached are read pipelined on one connection (their calls
// in windows of rmi.Options.PipelineBytes, a write each). Each run costs
// a hand-off between goroutines, and leaves its connection idle from its
// last return to the next run's first call, which costs the JVM a
// wake-up; 128 small beans make about 40 KB of calls (two windows). Runs
// of 128 rather than 64 cost the JVM 7-15% less CPU per poll of 5,030
// beans for 1 MiB more heap; runs of 256 saved the JVM no more.
const pipelineRun = 128

// emitRecords is about how many records scrapeTo hands on at once.
const emitRecords = 512

// runsAhead bounds, per worker, the runs read but not yet handed on: a
// slow bean holds back the runs after it, which must not pile up.
const runsAhead = 2

// runBuf is one run's results and records, reused from run to run.
type runBuf struct {
	k       int // the run
	results []beanResult
	recs    []normalize.Record // the run's records; results index them
	text    textArena          // their match strings
}

// maxKeptRecords bounds the records buffer a runBuf keeps for the next
// run: a run of huge beans must not stay allocated.
const maxKeptRecords = 4096

// scrapeTo reads all selected beans and hands their records on in bean
// order as they are read (emit may keep them but not the slice; it is
// called from this goroutine), so that a poll never holds all its
// records: a large poll's memory is the runs in flight (at most runsAhead
// per worker), not the whole poll. After an error, records emitted before
// it belong to a failed poll.
func (s *scraper) scrapeTo(ctx context.Context, emit func([]normalize.Record)) (scrapeStats, error) {
	var st scrapeStats
	names, err := s.names(ctx)
	if err != nil {
		return st, err
	}
	if s.cache == nil {
		s.cache = map[string]*beanMeta{}
	}
	if s.in == nil {
		s.in = newInterner()
	}
	// Cached metas are read by workers; new ones are stored as results
	// are handed on. Beans that are gone are forgotten.
	s.gen++
	cached := make([]*beanMeta, len(names))
	s.lastNames = len(names)
	attrs := 0 // of the cached beans
	for i, n := range names {
		if m := s.cache[n]; m != nil {
			m.gen = s.gen
			m.pos = i
			cached[i] = m
			attrs += len(m.attrs)
			// The cached copy of the name: this poll's can go now.
			names[i] = m.name.Name
		}
	}
	for n, m := range s.cache {
		if m.gen != s.gen {
			delete(s.cache, n)
		}
	}

	run := pipelineRun
	if s.noPipeline {
		run = 1
	}
	workers := max(1, s.workers)
	runs := (len(names) + run - 1) / run
	ahead := make(chan struct{}, workers*runsAhead) // runs handed out, not yet handed on
	work := make(chan int)
	done := make(chan *runBuf, cap(ahead)) // never blocks a worker
	free := make(chan *runBuf, cap(ahead))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		// A panic in a worker (a decoder bug hit by a reply) is reported
		// to the manager, which cancels the run and restarts the input.
		inputs.Go(ctx, &wg, func() {
			var p pipelinedRun
			for k := range work {
				inputs.Fault(s.input, "jmx.bean")
				var b *runBuf
				select {
				case b = <-free:
				default:
					b = &runBuf{}
				}
				lo, hi := k*run, min((k+1)*run, len(names))
				b.k = k
				b.results = slices.Grow(b.results[:0], hi-lo)[:hi-lo]
				s.readRun(ctx, cancel, &p, names[lo:hi], cached[lo:hi], b)
				done <- b
			}
		})
	}
	inputs.Go(ctx, nil, func() {
		defer close(work)
		for k := range runs {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case work <- k:
			case <-ctx.Done():
				return
			}
		}
	})
	inputs.Go(ctx, nil, func() {
		wg.Wait()
		close(done)
	})

	// Hand the results on in bean order as their runs complete.
	pending := make([]*runBuf, runs)
	next := 0 // the first run not handed on
	var fatal error
	// A batch is handed on once it holds emitRecords: with the bean that
	// made it reach them, it rarely holds twice as many (or more than a
	// record per attribute of the beans cached, and a few).
	batch := make([]normalize.Record, 0, min(2*emitRecords, attrs+64))
	flush := func() {
		if len(batch) > 0 {
			emit(batch)
			clear(batch)
			batch = batch[:0]
		}
	}
	for b := range done {
		pending[b.k] = b
		for ; next < runs && pending[next] != nil && fatal == nil; next++ {
			b := pending[next]
			pending[next] = nil
			lo := next * run
			for j := range b.results {
				r := &b.results[j]
				if r.fatal != nil {
					fatal = r.fatal
					break
				}
				if r.fetched {
					r.meta.gen, r.meta.pos = s.gen, lo+j
					s.cache[names[lo+j]] = r.meta
					st.infoFetched++
				}
				st.unrequested += r.drops.Unrequested
				st.cut += r.drops.Cut
				if r.limited {
					st.limited++
				}
				if r.pipelined {
					st.pipelined++
				}
				if r.beanErr {
					st.beanErrors++
					continue
				}
				st.beans++
				st.attributes += r.attrs
				st.attrErrors += r.attrErrs
				batch = append(batch, b.recs[r.lo:r.hi]...)
				if len(batch) >= emitRecords {
					flush()
				}
			}
			if fatal != nil {
				break
			}
			// The run's records are copied: its buffers go back for
			// another run, without the strings they point to.
			clear(b.results)
			clear(b.recs)
			b.recs = b.recs[:0]
			if cap(b.recs) > maxKeptRecords {
				b.recs = nil
			}
			select {
			case free <- b:
			default:
			}
			<-ahead
		}
	}
	if fatal != nil {
		return st, fatal
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	flush()
	return st, nil
}

// beanResult is what reading one bean gave.
type beanResult struct {
	lo, hi   int // its records in the run's records
	meta     *beanMeta
	fetched  bool
	attrs    int
	attrErrs int
	beanErr  bool
	limited  bool
	drops    rmi.AttrDrops
	fatal    error
	// pipelined: the attributes came from a pipelined run.
	pipelined bool
}

// pipelinedRun is a worker's reused buffers for one run of beans.
type pipelinedRun struct {
	idx   []int
	names []string
	attrs [][]string
	// bufs hold the attributes read, all the run's beans' (reset once
	// they are converted to records).
	bufs rmi.RunBuffers
}

// readRun reads a run of beans: those whose MBeanInfo is cached with one
// pipelined call each on one connection (a return that leaves the
// connection in doubt sends the beans not read to their own calls), the
// others one by one.
func (s *scraper) readRun(ctx context.Context, cancel context.CancelFunc, p *pipelinedRun, names []string, cached []*beanMeta, b *runBuf) {
	results := b.results
	p.idx, p.names, p.attrs = p.idx[:0], p.names[:0], p.attrs[:0]
	// About a record per attribute: the records buffer (new at each
	// poll's first runs) is made that large at once, not by doubling.
	n := 0
	for _, m := range cached {
		if m != nil {
			n += len(m.attrs)
		}
	}
	b.recs = slices.Grow(b.recs, min(n, maxKeptRecords))
	for i, m := range cached {
		if m != nil && len(m.attrs) > 0 && !s.noPipeline {
			p.idx = append(p.idx, i)
			p.names = append(p.names, names[i])
			p.attrs = append(p.attrs, m.attrs)
			continue
		}
		s.readBean(ctx, cancel, names[i], m, &results[i], b, nil)
	}
	if len(p.idx) == 0 {
		return
	}
	got, drops, errs := s.client.AttributesPipelined(ctx, p.names, p.attrs, &p.bufs)
	defer p.bufs.Reset() // the run's values can go
	for j, i := range p.idx {
		if errs[j] != nil && !isRemote(errs[j]) {
			// Not read, or the connection failed: a call of its own (a
			// dead session fails the poll there).
			s.readBean(ctx, cancel, names[i], cached[i], &results[i], b, nil)
			continue
		}
		results[i].pipelined = true
		s.readBean(ctx, cancel, names[i], cached[i], &results[i], b, &pipelined{got[j], drops[j], errs[j]})
		got[j] = nil // converted: the decoded reply can go
	}
}

// pipelined is the outcome of a bean's getAttributes call made in a
// pipelined run.
type pipelined struct {
	attrs []mbean.Attribute
	drops rmi.AttrDrops
	err   error
}

// readBean reads one bean into r, its records into b: its MBeanInfo when
// m is nil, then its attributes, unless pre holds the outcome of that
// call already. A transport error is fatal to the poll (cancel).
func (s *scraper) readBean(ctx context.Context, cancel context.CancelFunc, name string, m *beanMeta, r *beanResult, b *runBuf, pre *pipelined) {
	if ctx.Err() != nil {
		return
	}
	if m == nil {
		bn, err := mbean.ParseBeanName(name)
		if err != nil {
			r.beanErr = true
			return
		}
		info, err := s.client.MBeanInfo(ctx, name)
		if err != nil {
			if isRemote(err) {
				r.beanErr = true
				r.limited = errors.Is(err, javaser.ErrLimit)
			} else {
				r.fatal = err
				cancel()
			}
			return
		}
		m = &beanMeta{name: bn}
		cn := ""
		if s.filter != nil {
			cn, _ = canonicalName(name)
		}
		for _, a := range info.Attributes {
			if !a.Readable || skipAttribute(name, a.Name) || !s.filter.keep(cn, a.Name) {
				continue
			}
			m.attrs = append(m.attrs, a.Name)
			m.descr = append(m.descr, a.Description)
		}
		// Beans of one type share their lists (5,000 beans of one class
		// would keep 5,000 copies of the same names otherwise).
		m.attrs, m.descr = s.in.attrList(m.attrs, m.descr)
		r.meta, r.fetched = m, true
	}
	if len(m.attrs) == 0 {
		return
	}
	var (
		attrs []mbean.Attribute
		err   error
	)
	if pre != nil {
		attrs, r.drops, err = pre.attrs, pre.drops, pre.err
	} else {
		attrs, r.drops, err = s.client.AttributesWithDrops(ctx, name, m.attrs)
	}
	if err != nil {
		if !isRemote(err) {
			r.fatal = err
			cancel()
			return
		}
		if errors.Is(err, javaser.ErrLimit) {
			// The reply was too costly: reading the attributes one by
			// one would pay for it once per attribute.
			r.beanErr, r.limited = true, true
			return
		}
		// Per-attribute fallback, as jmx_exporter does.
		attrs = attrs[:0]
		for _, a := range m.attrs {
			v, err := s.client.Attribute(ctx, name, a)
			if err != nil {
				if !isRemote(err) {
					r.fatal = err
					cancel()
					return
				}
				r.attrErrs++
				continue
			}
			attrs = append(attrs, mbean.Attribute{Name: a, Value: v})
		}
	}
	r.attrs = len(attrs)
	r.lo = len(b.recs)
	b.recs = s.exporter.bean(b.recs, s.in, &b.text, &m.name, m.describe, attrs)
	r.hi = len(b.recs)
}

// describe returns the description of attribute a.
func (m *beanMeta) describe(i int, a string) string {
	if i < len(m.attrs) && m.attrs[i] == a {
		return m.descr[i]
	}
	for j, n := range m.attrs {
		if n == a {
			return m.descr[j]
		}
	}
	return ""
}
