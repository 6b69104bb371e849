package main

import (
	"strings"
	"testing"
)

// TestIssue15Mix checks the shape issue 15 asks for: distinct series in
// the ratio 60/20/20 (counters, gauges, timers), a third tagged, and that
// later rounds update the same series.
func TestIssue15Mix(t *testing.T) {
	const n = 3000
	series := map[string]string{} // name and tags -> type
	tagged := map[string]bool{}
	rounds := issue15Rounds(n, 2, 3)
	if len(rounds) != 2 || strings.Count(string(rounds[1]), "|ms") != n*20/100*3 {
		t.Fatalf("%d rounds, the second with %d timer lines; want 2 rounds, %d timer lines each", len(rounds), strings.Count(string(rounds[1]), "|ms"), n*20/100*3)
	}
	for l := range strings.Lines(string(rounds[0]) + string(rounds[1])) {
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
	if _, _, err := mixRounds("bogus", 1, "", 1, 1); err == nil {
		t.Error("no error for an unknown mix")
	}
}
