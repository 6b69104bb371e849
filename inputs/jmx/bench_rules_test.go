package jmx

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/internal/rmi"
	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/mappings"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// discard is a sink that keeps nothing.
type discard struct{}

func (discard) Write([]normalize.Sample)           {}
func (discard) Replace(string, []normalize.Sample) {}

// pollRules are jmx_exporter rules over the test JVM's beans, in two
// flavours: patterns RE2 expresses, and the same rules with a lookahead or
// lookbehind each, which run on the backtracking engine. Both give the
// same series but two (the lookaheads leave out the committed sizes).
var pollRules = map[string]string{
	"re2": `lowercaseOutputName: true
rules:
  - pattern: 'java.lang<type=Memory><(Heap|NonHeap)MemoryUsage>(\w+)'
    name: jvm_memory_$1_$2_bytes
  - pattern: 'java.lang<type=GarbageCollector, name=([^,]+)><>Collection(Count|Time)'
    name: jvm_gc_collection_$2
    labels:
      gc: $1
  - pattern: 'com.example<type=(\w+), name=(\w+)><>(\w+)Value'
    name: example_$1_$3
  - pattern: 'com.example.bulk<type=Small, index=(\d+)><>(Value|Ratio)'
    name: bulk_$2
    labels:
      index: $1
`,
	"backtracking": `lowercaseOutputName: true
rules:
  - pattern: 'java.lang<type=Memory><(Heap|NonHeap)MemoryUsage>(?!committed)(\w+)'
    name: jvm_memory_$1_$2_bytes
  - pattern: 'java.lang<type=GarbageCollector, name=([^,]+)><>(?<=><>)Collection(Count|Time)'
    name: jvm_gc_collection_$2
    labels:
      gc: $1
  - pattern: 'com.example<type=(\w+), name=(\w+)><>(?!Big)(\w+)Value'
    name: example_$1_$3
  - pattern: 'com.example.bulk<type=Small, index=(\d+)><>(?!Secret)(Value|Ratio)'
    name: bulk_$2
    labels:
      index: $1
`,
}

// BenchmarkPollRules is a whole poll of the test JVM with 5,030 beans
// (scrape, rules, series handed to the sink) with jmx_exporter rules that
// RE2 runs and with the same rules on the backtracking engine. Results are
// cached per bean string, so after the first poll the engine hardly
// matters; -benchtime decides how many polls share the cold one.
func BenchmarkPollRules(b *testing.B) {
	j := startJVM(b, jvmOptions{props: []string{"-Dbeans=5000", "-Xmx256m"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := rmi.Dial(ctx, rmi.Options{Host: "127.0.0.1", Port: j.port, OverrideStubHost: true, MaxConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	s := &scraper{client: c, exporter: &Exporter{}, workers: 4}
	if _, _, err := s.scrape(ctx); err != nil { // warm the MBeanInfo cache
		b.Fatal(err)
	}
	for _, name := range []string{"none", "re2", "backtracking"} {
		b.Run("beans=5030/rules="+name, func(b *testing.B) {
			var rs *normalize.RuleSet
			if name == "none" {
				rs, err = normalize.NewRuleSet(normalize.RuleSetConfig{Escape: normalize.EscapeJMXName})
			} else {
				var cfg *normalize.RuleSetConfig
				if cfg, err = mappings.TranslateJMXExporter("bench.yml", []byte(pollRules[name])); err == nil {
					rs, err = normalize.NewRuleSet(*cfg)
				}
			}
			if err != nil {
				b.Fatal(err)
			}
			pipe := normalize.NewPipeline(normalize.PipelineSettings{Input: "bench", Sink: discard{}}, rs)
			var recs []normalize.Record
			b.ReportAllocs()
			for b.Loop() {
				if recs, _, err = s.scrape(ctx); err != nil {
					b.Fatal(err)
				}
				if err := pipe.Replace(ctx, "bench/jvm", recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(recs)), "records")
			mapped := pipe.Counts()["mapped"]
			b.ReportMetric(mapped/float64(b.N), "series/poll")
		})
	}
}

// BenchmarkRulesCold maps bean strings the rule set has not seen (the
// cache off): what the first poll of a new rule set costs per string, RE2
// against the backtracking engine.
func BenchmarkRulesCold(b *testing.B) {
	var recs []normalize.Record
	x := &Exporter{}
	for i := range 5000 {
		bn, _ := mbean.ParseBeanName("com.example.bulk:type=Small,index=" + strconv.Itoa(i))
		recs = x.Bean(recs, &bn, nil, []mbean.Attribute{{Name: "Value", Value: mbean.Number{Float: float64(i), Text: strconv.Itoa(i)}},
			{Name: "Ratio", Value: mbean.Number{Float: float64(i) / 4, Text: strconv.FormatFloat(float64(i)/4, 'f', -1, 64)}}})
	}
	for _, name := range []string{"re2", "backtracking"} {
		b.Run("rules="+name, func(b *testing.B) {
			cfg, err := mappings.TranslateJMXExporter("bench.yml", []byte(pollRules[name]))
			if err != nil {
				b.Fatal(err)
			}
			cfg.CacheSize = -1
			rs, err := normalize.NewRuleSet(*cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, out, _ := rs.Map(recs[i%len(recs)]); out != normalize.OutcomeMapped {
					b.Fatalf("%s: %v", recs[i%len(recs)].Match, out)
				}
				i++
			}
		})
	}
}
