package normalize

import (
	"strings"
)

// dedupe gives every sample of a name whose label sets repeat within the
// batch the label name, holding its record's match string up to the last
// ':' (jmx_exporter's _objectname). sc.recs maps samples to batch records.
func dedupe(name string, sc *scratch, batch []Record) {
	if len(sc.samples) < 2 || len(sc.recs) != len(sc.samples) {
		return
	}
	type key struct{ name, labels string }
	seen := make(map[key]struct{}, len(sc.samples))
	var dup map[string]bool
	var b strings.Builder
	for i := range sc.samples {
		s := &sc.samples[i]
		b.Reset()
		for _, l := range s.Labels {
			b.WriteString(l.Name)
			b.WriteByte(0)
			b.WriteString(l.Value)
			b.WriteByte(0)
		}
		k := key{s.Name, b.String()}
		if _, ok := seen[k]; ok {
			if dup == nil {
				dup = map[string]bool{}
			}
			dup[s.Name] = true
			continue
		}
		seen[k] = struct{}{}
	}
	for i := range sc.samples {
		s := &sc.samples[i]
		if !dup[s.Name] {
			continue
		}
		m := batch[sc.recs[i]].Match
		if j := strings.LastIndexByte(m, ':'); j > 0 {
			m = m[:j]
		}
		// A new slice: the sample's labels live in the shared arena.
		ls := make(Labels, 0, len(s.Labels)+1)
		ls = append(ls, s.Labels...)
		ls = append(ls, Label{Name: name, Value: strings.Clone(m)})
		s.Labels = sortLabels(ls)
	}
}

// clientJavaFamilies groups a poll's samples into families as
// jmx_exporter does: by client_java's sanitized name, which a counter's
// _total (client_java's exposition suffix, not part of the family name)
// and a gauge's stripped _total share, and a family whose samples have
// more than one type becomes UNKNOWN (MatchedRuleToMetricSnapshotsConverter):
// a gauge activemq_connections and a counter activemq_connections_total
// are served as one untyped family activemq_connections (then dedupe
// gives them _objectname when their labels repeat).
func clientJavaFamilies(samples []Sample) {
	if len(samples) < 2 {
		return
	}
	base := func(s *Sample) string {
		if s.Type == TypeCounter {
			return strings.TrimSuffix(s.Name, "_total")
		}
		return s.Name
	}
	first := make(map[string]Type, len(samples))
	var mixed map[string]bool
	for i := range samples {
		s := &samples[i]
		if s.Dist != nil {
			continue // summaries and histograms: no jmx_exporter rule makes them
		}
		b := base(s)
		if t, ok := first[b]; !ok {
			first[b] = s.Type
		} else if t != s.Type {
			if mixed == nil {
				mixed = map[string]bool{}
			}
			mixed[b] = true
		}
	}
	for i := range samples {
		s := &samples[i]
		if s.Dist == nil && mixed[base(s)] {
			s.Name, s.Type = base(s), TypeUntyped
		}
	}
}
