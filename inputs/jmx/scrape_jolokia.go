package jmx

import (
	"context"
	"sort"
	"strings"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/jolokia"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// jolokiaScraper reads every selected bean over Jolokia, with the same
// bean strings as the RMI scraper.
type jolokiaScraper struct {
	client   *jolokia.Client
	exporter *Exporter
	include  []string
	exclude  []string
	cache    map[string]*jolokia.Bean
	filter   *attributeFilter
	in       *interner
}

// scrapeTo is scrape with the records handed to emit at once: a Jolokia
// read returns every bean in one reply.
func (s *jolokiaScraper) scrapeTo(ctx context.Context, emit func([]normalize.Record)) (scrapeStats, error) {
	recs, st, err := s.scrape(ctx)
	if err == nil && len(recs) > 0 {
		emit(recs)
	}
	return st, err
}

func (s *jolokiaScraper) scrape(ctx context.Context) ([]normalize.Record, scrapeStats, error) {
	var st scrapeStats
	set := map[string]bool{}
	inc := s.include
	if len(inc) == 0 {
		inc = []string{""}
	}
	for _, p := range inc {
		ns, err := s.client.Search(ctx, p)
		if err != nil {
			return nil, st, err
		}
		for _, n := range ns {
			set[n] = true
		}
	}
	for _, p := range s.exclude {
		ns, err := s.client.Search(ctx, p)
		if err != nil {
			return nil, st, err
		}
		for _, n := range ns {
			delete(set, n)
		}
	}
	if s.cache == nil {
		s.cache = map[string]*jolokia.Bean{}
	}
	for n := range s.cache {
		if !set[n] {
			delete(s.cache, n)
		}
	}
	names := make([]string, 0, len(set))
	missing := map[string]bool{}
	for n := range set {
		if skipBean(n) {
			continue
		}
		names = append(names, n)
		if _, ok := s.cache[n]; !ok {
			missing[strings.SplitN(n, ":", 2)[0]] = true
		}
	}
	sort.Strings(names)
	for domain := range missing {
		meta, err := s.client.List(ctx, domain)
		if err != nil {
			return nil, st, err
		}
		for _, n := range names {
			d, props, _ := strings.Cut(n, ":")
			if d != domain || s.cache[n] != nil {
				continue
			}
			bn, err := mbean.ParseBeanName(n)
			if err != nil {
				st.beanErrors++
				continue
			}
			attrs := map[string]jolokia.Attr{}
			cn := ""
			if s.filter != nil {
				cn, _ = canonicalName(n)
			}
			for a, info := range meta[props] {
				if !skipAttribute(n, a) && s.filter.keep(cn, a) {
					attrs[a] = info
				}
			}
			s.cache[n] = &jolokia.Bean{Name: bn, Attrs: attrs}
			st.infoFetched++
		}
	}
	beans := make([]*jolokia.Bean, 0, len(names))
	for _, n := range names {
		if b := s.cache[n]; b != nil {
			beans = append(beans, b)
		}
	}
	vals, failed, err := s.client.Read(ctx, beans)
	if err != nil {
		return nil, st, err
	}
	st.attrErrors = failed
	var out []normalize.Record
	if s.in == nil {
		s.in = newInterner()
	}
	for i, b := range beans {
		st.beans++
		st.attributes += len(vals[i])
		out = s.exporter.bean(out, s.in, &b.Name, func(_ int, a string) string { return b.Attrs[a].Desc }, vals[i])
	}
	return out, st, nil
}
