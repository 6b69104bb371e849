package normalize

import (
	"fmt"
	"testing"
)

// benchRules builds 60 glob rules and 20 regex rules.
func benchRules(tb testing.TB, cacheSize int) *RuleSet {
	var rules []RuleConfig
	for i := range 60 {
		rules = append(rules, RuleConfig{
			Match:  fmt.Sprintf("svc%d.*.requests.*", i),
			Name:   fmt.Sprintf("svc%d_requests_total", i),
			Labels: []LabelConfig{{Name: "endpoint", Value: "$1"}, {Name: "code", Value: "$2"}, {Name: "job", Value: "svc"}},
		})
	}
	for i := range 20 {
		rules = append(rules, RuleConfig{
			Match: fmt.Sprintf(`^re%d\.(\w+)\.(\w+)$`, i), MatchType: MatchRegex,
			Name:   fmt.Sprintf("re%d_${1}_total", i),
			Labels: []LabelConfig{{Name: "kind", Value: "$2"}},
		})
	}
	return mustRuleSet(tb, RuleSetConfig{Rules: rules, CacheSize: cacheSize})
}

type nopSink struct{}

func (nopSink) Write([]Sample)           {}
func (nopSink) Replace(string, []Sample) {}

func benchNames(n int, regex bool) []Record {
	recs := make([]Record, n)
	for i := range recs {
		m := fmt.Sprintf("svc%d.ep%d.requests.%d", i%60, i%17, 200+i%5)
		if regex {
			m = fmt.Sprintf("re%d.a%d.b%d", i%20, i%13, i%7)
		}
		recs[i] = Record{Match: m, Type: TypeCounter, Value: 1, Delta: true, Labels: Labels{{"host", "h1"}}}
	}
	return recs
}

func benchPipeline(b *testing.B, cacheSize int, recs []Record, distinct bool) {
	rs := benchRules(b, cacheSize)
	p := NewPipeline(PipelineSettings{Sink: nopSink{}}, rs)
	const batch = 100
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		if distinct {
			// a fresh name every time: every record misses
			for j := range batch {
				recs[j].Match = fmt.Sprintf("svc%d.x%d.requests.%d", j%60, n, j)
				n++
			}
		}
		off := (i * batch) % (len(recs) - batch + 1)
		_ = p.Append(b.Context(), recs[off:off+batch])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/record")
}

// BenchmarkPipelineGlobHit maps batches of 100 records whose match results
// are cached (80 rules).
func BenchmarkPipelineGlobHit(b *testing.B) { benchPipeline(b, 0, benchNames(10000, false), false) }

// BenchmarkPipelineRegexHit is the same with names only regex rules match.
func BenchmarkPipelineRegexHit(b *testing.B) { benchPipeline(b, 0, benchNames(10000, true), false) }

// BenchmarkPipelineGlobMiss matches every record through the rules (no
// cache).
func BenchmarkPipelineGlobMiss(b *testing.B) { benchPipeline(b, -1, benchNames(10000, false), false) }

// BenchmarkPipelineRegexMiss matches every record through 20 regexes after
// the glob trie (no cache).
func BenchmarkPipelineRegexMiss(b *testing.B) { benchPipeline(b, -1, benchNames(10000, true), false) }

// BenchmarkPipelineDistinctNames sends a new name with every record through
// a cache of 1000 entries (insert and evict on every record).
func BenchmarkPipelineDistinctNames(b *testing.B) {
	benchPipeline(b, 1000, benchNames(100, false), true)
}

// BenchmarkGlobMatch is the bare trie search.
func BenchmarkGlobMatch(b *testing.B) {
	rs := benchRules(b, -1)
	tr := rs.tries[0]
	caps := make([]string, 0, 8)
	path := make([]string, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		idx, c := tr.match("svc42.ep3.requests.200", caps[:0], path)
		if idx != 42 || len(c) != 2 {
			b.Fatal(idx, c)
		}
	}
}
