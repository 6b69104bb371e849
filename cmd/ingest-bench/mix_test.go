package main

import (
	"strings"
	"testing"
)

// TestIssue15Mix checks the shape issue 15 asks for: distinct series in
// the ratio 60/20/20 (counters, gauges, timers), a third tagged.
func TestIssue15Mix(t *testing.T) {
	const n = 3000
	series := map[string]string{} // name and tags -> type
	tagged := map[string]bool{}
	for l := range strings.Lines(string(issue15Lines(n))) {
		l = strings.TrimSuffix(l, "\n")
		name, rest, _ := strings.Cut(l, ":")
		fields := strings.Split(rest, "|")
		key := name
		if len(fields) == 3 {
			key += "|" + fields[2]
			tagged[key] = true
		}
		if typ, ok := series[key]; ok && typ != fields[1] {
			t.Fatalf("series %s is both %s and %s", key, typ, fields[1])
		}
		series[key] = fields[1]
	}
	count := map[string]int{}
	for _, typ := range series {
		count[typ]++
	}
	want := map[string]int{"c": n * 60 / 100, "g": n * 20 / 100, "ms": n * 20 / 100}
	for typ, w := range want {
		if count[typ] != w {
			t.Errorf("%d series of type %s, want %d", count[typ], typ, w)
		}
	}
	if len(series) != n || len(tagged) != n/3 {
		t.Errorf("%d series (%d tagged), want %d (%d tagged)", len(series), len(tagged), n, n/3)
	}
	if _, _, err := mixLines("bogus", 1, ""); err == nil {
		t.Error("no error for an unknown mix")
	}
}
