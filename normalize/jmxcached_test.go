package normalize

import (
	"context"
	"testing"
)

// TestJMXCached: a replacement counts the records jmx_exporter finds in,
// or puts into, the cache of its `cache: true` rules (its
// jmx_scrape_cached_beans): those no rule matched and those a cache rule
// mapped, but not a cache rule's result with an empty name or a value
// that does not parse, nor an uncached rule's; none without a cache rule.
// Streamed or held, and at every poll (cache hits count as misses).
func TestJMXCached(t *testing.T) {
	re := func(match, name string, cache bool) RuleConfig {
		return RuleConfig{Pos: Pos{"j.yml", 1, 1}, Match: match, MatchType: MatchRegex, Name: name, CacheMatch: cache, JMXExporterValues: true}
	}
	cached := re(`d<type=C><>(\w+): <cache>`, "c_$1", true)
	unnamed := re(`d<type=C><>(Def): <cache>`, "", true) // default export
	emptyName := re(`d<type=C><>(Empty): <cache>`, "", true)
	emptyName.Action = ActionDrop // jmx_exporter's name: "" (mappings)
	badValue := re(`d<type=C><>(Bad): <cache>`, "b", true)
	badValue.Value = "$1"
	uncached := re(`d<type=U><>(\w+): .*`, "u_$1", false)
	recs := []Record{
		{Match: "d<type=C><>A: 1", Value: 1},
		{Match: "d<type=C><>B: x", NoValue: true}, // a String: mapped, then dropped for its value
		{Match: "d<type=C><>Empty: 1", Value: 1},
		{Match: "d<type=C><>Def: 1", Value: 1},
		{Match: "d<type=C><>Bad: 1", Value: 1},
		{Match: "d<type=U><>A: 1", Value: 1},
		{Match: "d<type=X><>A: 1", Value: 1}, // unmatched
		{Match: "d<type=X><>B: 2", Value: 2}, // unmatched
	}
	for _, tc := range []struct {
		name  string
		rules []RuleConfig
		dup   string
		want  int
	}{
		{"cache rules, streamed", []RuleConfig{emptyName, badValue, unnamed, cached, uncached}, "", 5},
		{"cache rules, held", []RuleConfig{emptyName, badValue, unnamed, cached, uncached}, "dup", 5},
		{"no cache rule", []RuleConfig{uncached}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPipeline(PipelineSettings{Sink: &partSink{}}, mustRuleSet(t, RuleSetConfig{Rules: tc.rules, Unmatched: UnmatchedDrop, DuplicateLabel: tc.dup}))
			for poll := range 3 {
				r := p.BeginReplace(context.Background(), "src")
				r.Add(recs[:3])
				r.Add(recs[3:])
				r.End()
				if got := r.(JMXCacheCounter).JMXCached(); got != tc.want {
					t.Errorf("poll %d: %d cached, want %d", poll, got, tc.want)
				}
			}
		})
	}
}
