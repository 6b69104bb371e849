package mappings

import (
	"fmt"
	"os"
	"testing"

	"github.com/prometheus/statsd_exporter/pkg/mapper"
	"github.com/prometheus/statsd_exporter/pkg/mappercache/lru"

	"github.com/rosetta-adapter/rosetta/mappings/library"
	"github.com/rosetta-adapter/rosetta/normalize"
)

type nopSink struct{}

func (nopSink) Write([]normalize.Sample)           {}
func (nopSink) Replace(string, []normalize.Sample) {}

func benchMappingNames() []string {
	var names []string
	for i := range 1000 {
		switch i % 5 {
		case 0:
			names = append(names, fmt.Sprintf("app.http.get.%d.duration", 200+i%7))
		case 1:
			names = append(names, fmt.Sprintf("test.dispatcher.p%d.a.ok", i%11))
		case 2:
			names = append(names, fmt.Sprintf("svc.s%d.errors.timeout", i%13))
		case 3:
			names = append(names, fmt.Sprintf("timing.auth%c.check", 'a'+i%17))
		default:
			names = append(names, fmt.Sprintf("unmatched.name.%d", i))
		}
	}
	return names
}

// BenchmarkMapperStatsdExporter is the reference: statsd_exporter's mapper
// with its LRU cache on the test mapping file (36 rules), all hits.
func BenchmarkMapperStatsdExporter(b *testing.B) {
	data, err := os.ReadFile("testdata/statsd_mapping.yml")
	if err != nil {
		b.Fatal(err)
	}
	var m mapper.MetricMapper
	if err := m.InitFromYAMLString(string(data)); err != nil {
		b.Fatal(err)
	}
	c, err := lru.NewMetricMapperLRUCache(nil, 10000)
	if err != nil {
		b.Fatal(err)
	}
	m.UseCache(c)
	names := benchMappingNames()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.GetMapping(names[i%len(names)], mapper.MetricTypeCounter)
		i++
	}
}

// BenchmarkMapperRosetta maps the same names, in batches of 100, through a
// pipeline (cache hits, labels merged, samples built).
func BenchmarkMapperRosetta(b *testing.B) {
	data, err := os.ReadFile("testdata/statsd_mapping.yml")
	if err != nil {
		b.Fatal(err)
	}
	rsc, err := TranslateStatsd("m.yml", data)
	if err != nil {
		b.Fatal(err)
	}
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		b.Fatal(err)
	}
	p := normalize.NewPipeline(normalize.PipelineSettings{Sink: nopSink{}}, rs)
	names := benchMappingNames()
	recs := make([]normalize.Record, len(names))
	for i, n := range names {
		recs[i] = normalize.Record{Match: n, Type: normalize.TypeCounter, Value: 1, Delta: true}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%100 == 0 {
			off := i % len(recs)
			_ = p.Append(b.Context(), recs[off:off+100])
		}
		i++
	}
}

// BenchmarkBuild is the load (and reload) of an input with five curated
// JMX files: reading, translating and compiling them, and their warnings.
func BenchmarkBuild(b *testing.B) {
	cfg, err := Parse("c.yml", []byte("inputs:\n  - type: fake\n    mapping_files: [library:jvm, library:kafka, library:cassandra, library:tomcat, library:activemq]\n"))
	if err != nil {
		b.Fatal(err)
	}
	reg := testRegistry(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(cfg, reg, Options{Library: library.FS}); err != nil {
			b.Fatal(err)
		}
	}
}
