package jmx

import (
	"context"
	"errors"
	"sort"
	"sync"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/javaser"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// beanMeta is what the scraper caches per MBean between polls.
type beanMeta struct {
	name  mbean.BeanName
	attrs []string // readable attributes, in MBeanInfo order
	descr []string // their descriptions
}

// scraper reads every selected bean of one session. The MBeanInfo cache
// lives as long as the session: names are queried every poll, and info is
// fetched only for beans that are new.
type scraper struct {
	client   *rmi.Client
	exporter *Exporter
	include  []string // queryNames patterns; empty means all
	exclude  []string
	workers  int
	cache    map[string]*beanMeta
	filter   *attributeFilter
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
}

// isRemote reports errors of one call that leave the session fine: the
// server threw, or the reply broke a decoding limit (that connection is
// closed, the others go on).
func isRemote(err error) bool {
	var re *javaser.RemoteError
	return errors.As(err, &re) || errors.Is(err, javaser.ErrLimit)
}

func (s *scraper) names(ctx context.Context) ([]string, error) {
	set := map[string]struct{}{}
	inc := s.include
	if len(inc) == 0 {
		inc = []string{""}
	}
	for _, p := range inc {
		ns, err := s.client.QueryNames(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			set[n] = struct{}{}
		}
	}
	for _, p := range s.exclude {
		ns, err := s.client.QueryNames(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			delete(set, n)
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		if !skipBean(n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// scrape reads all beans and returns their records. A transport error
// aborts the poll (the session is dead); errors the server throws for one
// bean or attribute are counted and skipped.
func (s *scraper) scrape(ctx context.Context) ([]normalize.Record, scrapeStats, error) {
	var st scrapeStats
	names, err := s.names(ctx)
	if err != nil {
		return nil, st, err
	}
	if s.cache == nil {
		s.cache = map[string]*beanMeta{}
	}
	// Forget beans that are gone.
	present := make(map[string]struct{}, len(names))
	for _, n := range names {
		present[n] = struct{}{}
	}
	for n := range s.cache {
		if _, ok := present[n]; !ok {
			delete(s.cache, n)
		}
	}

	type result struct {
		recs     []normalize.Record
		meta     *beanMeta
		fetched  bool
		attrs    int
		attrErrs int
		beanErr  bool
		limited  bool
		drops    rmi.AttrDrops
		fatal    error
	}
	results := make([]result, len(names))
	// Cached metas are read by workers; new ones are stored after.
	cached := make([]*beanMeta, len(names))
	for i, n := range names {
		cached[i] = s.cache[n]
	}
	work := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	workers := max(1, s.workers)
	for range workers {
		wg.Go(func() {
			for i := range work {
				r := &results[i]
				m := cached[i]
				if m == nil {
					bn, err := mbean.ParseBeanName(names[i])
					if err != nil {
						r.beanErr = true
						continue
					}
					info, err := s.client.MBeanInfo(ctx, names[i])
					if err != nil {
						if isRemote(err) {
							r.beanErr = true
							r.limited = errors.Is(err, javaser.ErrLimit)
						} else {
							r.fatal = err
							cancel()
						}
						continue
					}
					m = &beanMeta{name: bn}
					cn := ""
					if s.filter != nil {
						cn, _ = canonicalName(names[i])
					}
					for _, a := range info.Attributes {
						if !a.Readable || skipAttribute(names[i], a.Name) || !s.filter.keep(cn, a.Name) {
							continue
						}
						m.attrs = append(m.attrs, a.Name)
						m.descr = append(m.descr, a.Description)
					}
					r.meta, r.fetched = m, true
				}
				if len(m.attrs) == 0 {
					continue
				}
				attrs, drops, err := s.client.AttributesWithDrops(ctx, names[i], m.attrs)
				r.drops = drops
				if err != nil {
					if !isRemote(err) {
						r.fatal = err
						cancel()
						continue
					}
					if errors.Is(err, javaser.ErrLimit) {
						// The reply was too costly: reading the attributes
						// one by one would pay for it once per attribute.
						r.beanErr, r.limited = true, true
						continue
					}
					// Per-attribute fallback, as jmx_exporter does.
					attrs = attrs[:0]
					for _, a := range m.attrs {
						v, err := s.client.Attribute(ctx, names[i], a)
						if err != nil {
							if !isRemote(err) {
								r.fatal = err
								cancel()
								break
							}
							r.attrErrs++
							continue
						}
						attrs = append(attrs, mbean.Attribute{Name: a, Value: v})
					}
					if r.fatal != nil {
						continue
					}
				}
				r.attrs = len(attrs)
				r.recs = s.exporter.bean(nil, &m.name, m.describe, attrs)
			}
		})
	}
	for i := range names {
		select {
		case work <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()

	total := 0
	for i := range results {
		if results[i].fatal != nil {
			return nil, st, results[i].fatal
		}
		total += len(results[i].recs)
	}
	out := make([]normalize.Record, 0, total)
	for i := range results {
		r := &results[i]
		if r.fetched {
			s.cache[names[i]] = r.meta
			st.infoFetched++
		}
		st.unrequested += r.drops.Unrequested
		st.cut += r.drops.Cut
		if r.limited {
			st.limited++
		}
		if r.beanErr {
			st.beanErrors++
			continue
		}
		st.beans++
		st.attributes += r.attrs
		st.attrErrors += r.attrErrs
		out = append(out, r.recs...)
		r.recs = nil
	}
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}
	return out, st, nil
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
