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
