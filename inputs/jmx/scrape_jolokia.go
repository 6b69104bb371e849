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

// scrapeTo hands the records on in parts of about emitRecords as the
// beans of the one bulk reply are converted, as the RMI scraper does, so
// that a poll never holds all its records besides the reply.
func (s *jolokiaScraper) scrapeTo(ctx context.Context, emit func([]normalize.Record)) (scrapeStats, error) {
	var st scrapeStats
	set := map[string]bool{}
	inc := s.include
	if len(inc) == 0 {
		inc = []string{""}
	}
	for _, p := range inc {
		ns, err := s.client.Search(ctx, p)
		if err != nil {
			return st, err
		}
		for _, n := range ns {
			set[n] = true
		}
	}
	for _, p := range s.exclude {
		ns, err := s.client.Search(ctx, p)
		if err != nil {
			return st, err
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
			return st, err
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
		return st, err
	}
	st.attrErrors = failed
	if s.in == nil {
		s.in = newInterner()
	}
	var batch []normalize.Record
	for i, b := range beans {
		st.beans++
		st.attributes += len(vals[i])
		batch = s.exporter.bean(batch, s.in, nil, &b.Name, func(_ int, a string) string { return b.Attrs[a].Desc }, vals[i])
		vals[i] = nil // converted: its values can go
		if len(batch) >= emitRecords {
			emit(batch)
			clear(batch)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		emit(batch)
	}
	return st, nil
}
