package normalize

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"runtime"
	"weak"
)

// captureSink copies what it gets, as the real store must (the pipeline
// reuses its buffers).
type captureSink struct {
	mu       sync.Mutex
	written  []Sample
	replaced map[string][]Sample
}

func copySamples(batch []Sample) []Sample {
	out := make([]Sample, len(batch))
	for i, s := range batch {
		s.Labels = append(Labels(nil), s.Labels...)
		out[i] = s
	}
	return out
}

func (c *captureSink) Write(batch []Sample) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written = append(c.written, copySamples(batch)...)
}

func (c *captureSink) Replace(source string, batch []Sample) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.replaced == nil {
		c.replaced = map[string][]Sample{}
	}
	c.replaced[source] = copySamples(batch)
}

func TestPipeline(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{
		{Pos: Pos{"m.yml", 2, 3}, Match: "a.*", Name: "a_total", Labels: []LabelConfig{{Name: "x", Value: "$1"}}},
		{Pos: Pos{"m.yml", 5, 3}, Match: "d.*", Name: "d", Action: ActionDrop},
	}})
	reg := prometheus.NewPedanticRegistry()
	var sink captureSink
	p := NewPipeline(PipelineSettings{Input: "statsd", Sink: &sink, Registerer: reg}, rs)
	batch := []Record{
		{Match: "a.1", Type: TypeCounter, Value: 1, Delta: true, Labels: Labels{{"t", "v"}}},
		{Match: "a.1", Type: TypeCounter, Value: 2, Delta: true},
		{Match: "d.1", Type: TypeCounter, Value: 1, Delta: true},
		{Match: "other", Type: TypeGauge, Value: 7},
		{Match: "a.2", Type: TypeCounter, Value: -1, Delta: true},
	}
	if err := p.Append(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	want := []Sample{
		{Name: "a_total", Labels: Labels{{"t", "v"}, {"x", "1"}}, Value: 1, Type: TypeCounter, Delta: true},
		{Name: "a_total", Labels: Labels{{"x", "1"}}, Value: 2, Type: TypeCounter, Delta: true},
		{Name: "other", Value: 7, Type: TypeGauge},
	}
	if diff := cmp.Diff(want, sink.written, cmpopts.IgnoreFields(Sample{}, "Opts", "Ref"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if err := p.Replace(t.Context(), "statsd/t1", batch[:1]); err != nil {
		t.Fatal(err)
	}
	if got := len(sink.replaced["statsd/t1"]); got != 1 {
		t.Errorf("replaced %d samples, want 1", got)
	}
	// a.1 misses twice (a key is cached on its second miss), then hits.
	expected := `
# HELP rosetta_rule_cache_hits_total Records whose match result came from the rule cache.
# TYPE rosetta_rule_cache_hits_total counter
rosetta_rule_cache_hits_total 1
# HELP rosetta_rule_cache_misses_total Records whose match result was computed by the rules.
# TYPE rosetta_rule_cache_misses_total counter
rosetta_rule_cache_misses_total 5
# HELP rosetta_rule_dropped_total Records dropped on purpose, by reason: drop_rule (a rule with action drop), unmatched (unmatched: drop) or no_value (a reading without a number, such as a JMX String attribute, that no value template used).
# TYPE rosetta_rule_dropped_total counter
rosetta_rule_dropped_total{reason="drop_rule"} 1
rosetta_rule_dropped_total{reason="no_value"} 0
rosetta_rule_dropped_total{reason="unmatched"} 0
# HELP rosetta_rule_hits_total Records each rule matched since its rule set was loaded (rule is file:line).
# TYPE rosetta_rule_hits_total counter
rosetta_rule_hits_total{rule="m.yml:2"} 4
rosetta_rule_hits_total{rule="m.yml:5"} 1
# HELP rosetta_rule_invalid_total Records whose output would be invalid and was not stored, by reason.
# TYPE rosetta_rule_invalid_total counter
rosetta_rule_invalid_total{reason="illegal_negative_counter"} 1
# HELP rosetta_rule_samples_total Samples the rules produced and passed to the store.
# TYPE rosetta_rule_samples_total counter
rosetta_rule_samples_total 4
# HELP rosetta_rule_unmapped_total Records no rule matched.
# TYPE rosetta_rule_unmapped_total counter
rosetta_rule_unmapped_total 1
# HELP rosetta_rules Rules in the rule set in use.
# TYPE rosetta_rules gauge
rosetta_rules 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected)); err != nil {
		t.Error(err)
	}

	// A new rule set takes effect at once and starts its own counters.
	p.SetRuleSet(mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{{Match: "a.*", Name: "renamed"}}}))
	sink.written = nil
	_ = p.Append(t.Context(), batch[:1])
	if len(sink.written) != 1 || sink.written[0].Name != "renamed" {
		t.Errorf("after SetRuleSet: %+v", sink.written)
	}
}

func TestPipelineConcurrent(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{CacheSize: 64, Rules: []RuleConfig{{Match: "a.*.*", Name: "a_$1", Labels: []LabelConfig{{Name: "k", Value: "$2"}}}}})
	var sink captureSink
	p := NewPipeline(PipelineSettings{Sink: &sink}, rs)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			batch := make([]Record, 0, 50)
			for i := range 500 {
				batch = append(batch, Record{Match: fmt.Sprintf("a.n%d.k%d", i%37, g), Type: TypeCounter, Value: 1, Delta: true})
				if len(batch) == cap(batch) {
					_ = p.Append(t.Context(), batch)
					batch = batch[:0]
				}
			}
		})
	}
	wg.Wait()
	if len(sink.written) != 2000 {
		t.Fatalf("got %d samples, want 2000", len(sink.written))
	}
	for _, s := range sink.written {
		if !strings.HasPrefix(s.Name, "a_n") || len(s.Labels) != 1 || s.Labels[0].Name != "k" {
			t.Fatalf("bad sample %+v", s)
		}
	}
	if n := rs.cache.len(); n > 64 {
		t.Errorf("cache holds %d entries, limit 64", n)
	}
}

func TestCacheBounded(t *testing.T) {
	c := newCache(1000)
	for i := range 100000 {
		key := fmt.Sprintf("m%d", i)
		c.put(&entry{key: key, typ: TypeCounter, hash: c.hash(key, 0, TypeCounter), name: "x"})
		if i%7 == 0 {
			c.get(c.hash("m0", 0, TypeCounter), "m0", TypeCounter) // keep one hot
		}
	}
	if n := c.len(); n > 1024 {
		t.Errorf("cache holds %d entries", n)
	}
	if c.get(c.hash("m0", 0, TypeCounter), "m0", TypeCounter) == nil {
		t.Error("hot entry evicted")
	}
	if c.get(c.hash("m99999", 0, TypeGauge), "m99999", TypeGauge) != nil {
		t.Error("type is not part of the key")
	}
}

// jmx_exporter's _objectname: only names whose label sets repeat within a
// poll get the label, on all their samples.
func TestPipelineDuplicateLabel(t *testing.T) {
	rs, err := NewRuleSet(RuleSetConfig{
		DuplicateLabel: "_objectname",
		Rules: []RuleConfig{
			{Match: `^app<type=(\w+), name=\w+><>Count: `, MatchType: MatchRegex, Name: "app_${1}_count"},
			{Match: `^app<type=Other><>(\w+): `, MatchType: MatchRegex, Name: "app_other_$1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	sink := &captureSink{}
	p := NewPipeline(PipelineSettings{Sink: sink}, rs)
	batch := []Record{
		{Match: "app<type=Cache, name=a><>Count: 1", Value: 1},
		{Match: "app<type=Cache, name=b><>Count: 2", Value: 2},
		{Match: "app<type=Pool, name=a><>Count: 3", Value: 3},
		{Match: "app<type=Other><>Size: 4", Value: 4},
	}
	if err := p.Replace(context.Background(), "jmx/x", batch); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sink.replaced["jmx/x"] {
		got = append(got, s.Name+s.Labels.String())
	}
	want := []string{
		`app_Cache_count{_objectname="app<type=Cache, name=a><>Count"}`,
		`app_Cache_count{_objectname="app<type=Cache, name=b><>Count"}`,
		`app_Pool_count{}`,
		`app_other_Size{}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// The unmatched tracker keeps the most frequent names in bounded memory,
// even under a flood of distinct names.
func TestPipelineUnmatchedTopK(t *testing.T) {
	top := NewTopK(32)
	p := NewPipeline(PipelineSettings{Sink: &captureSink{}, Unmatched: top}, mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{{Match: "known.*", Name: "known"}}}))
	var batch []Record
	for i := range 10000 {
		batch = append(batch, Record{Match: fmt.Sprintf("flood.n%d", i), Type: TypeCounter, Value: 1})
		if i%10 == 0 {
			batch = append(batch, Record{Match: "often.seen", Type: TypeCounter, Value: 1}, Record{Match: "known.x", Type: TypeCounter, Value: 1})
		}
	}
	if err := p.Append(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	got := top.Top()
	if len(got) != 32 {
		t.Fatalf("%d entries, want 32", len(got))
	}
	// Space-saving keeps every name seen more than N/k times (11,000/32).
	found := false
	for _, e := range got {
		if e.Match == "often.seen" {
			found = e.Count >= 1000 && e.Count-e.Error <= 1000
		}
	}
	if !found {
		t.Errorf("often.seen (1,000 of 11,000) not kept with a count bracketing 1000: %+v", got)
	}
	for _, e := range got {
		if strings.HasPrefix(e.Match, "known.") {
			t.Errorf("matched name tracked: %+v", e)
		}
	}
}

// TestMatchRef checks the rule set's memo on records: used for the same
// match string and type under the same rules only.
func TestMatchRef(t *testing.T) {
	rs1 := mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{{Match: "a.*", Name: "one_$1"}}})
	rs2 := mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{{Match: "a.*", Name: "two_$1"}}})
	var sink captureSink
	p := NewPipeline(PipelineSettings{Input: "statsd", Sink: &sink}, rs1)
	ref := &MatchRef{}
	write := func(match string, typ Type) string {
		t.Helper()
		sink.written = nil
		if err := p.Append(t.Context(), []Record{{Match: match, Type: typ, Value: 1, Delta: typ == TypeCounter, MatchRef: ref}}); err != nil {
			t.Fatal(err)
		}
		if len(sink.written) != 1 {
			t.Fatalf("%d samples written", len(sink.written))
		}
		return fmt.Sprintf("%s/%s", sink.written[0].Name, sink.written[0].Type)
	}
	for _, c := range []struct {
		match string
		typ   Type
		rs    *RuleSet
		want  string
	}{
		{"a.x", TypeCounter, nil, "one_x/counter"},
		{"a.x", TypeCounter, nil, "one_x/counter"}, // through the memo
		{"a.y", TypeCounter, nil, "one_y/counter"}, // another name, same memo
		{"a.y", TypeGauge, nil, "one_y/gauge"},     // another type
		{"a.y", TypeGauge, rs2, "two_y/gauge"},     // a reload
	} {
		if c.rs != nil {
			p.SetRuleSet(c.rs)
		}
		if got := write(c.match, c.typ); got != c.want {
			t.Errorf("%s %s: got %s, want %s", c.match, c.typ, got, c.want)
		}
	}
}

// TestMatchRefDoesNotPinRuleSet: a memo left behind by an input (a line
// template not used since) must not keep the old rule set and its cache
// alive after a reload.
func TestMatchRefDoesNotPinRuleSet(t *testing.T) {
	var sink captureSink
	ref := &MatchRef{}
	old := mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{{Match: "a.*", Name: "one_$1"}}})
	gone := weak.Make(old)
	p := NewPipeline(PipelineSettings{Input: "statsd", Sink: &sink}, old)
	if err := p.Append(t.Context(), []Record{{Match: "a.x", Type: TypeGauge, Value: 1, MatchRef: ref}}); err != nil {
		t.Fatal(err)
	}
	if ref.p.Load() == nil {
		t.Fatal("the memo was not filled")
	}
	p.SetRuleSet(mustRuleSet(t, RuleSetConfig{}))
	old = nil //nolint:ineffassign // the point: drop the last reference so the GC may collect the old rule set
	for range 5 {
		runtime.GC()
		if gone.Value() == nil {
			break
		}
	}
	if gone.Value() != nil {
		t.Error("the old rule set is still alive")
	}
	runtime.KeepAlive(ref)
	runtime.KeepAlive(p)
}

// jmx_exporter's families: samples are grouped by client_java's name (a
// counter's _total is its exposition suffix), and a group of more than
// one type is one untyped family, its samples told apart by _objectname
// when their labels repeat (a gauge x and a counter x_total, as in
// jmx_exporter's own activemq.yml). A group of one type keeps it.
func TestPipelineClientJavaFamilies(t *testing.T) {
	rs, err := NewRuleSet(RuleSetConfig{
		DuplicateLabel:  "_objectname",
		ClientJavaNames: true,
		Rules: []RuleConfig{
			{Match: `^broker<name=(\w+)><>CurrentConnections: `, MatchType: MatchRegex, Name: "conn", Type: TypeGauge, TypeSet: true},
			{Match: `^broker<name=(\w+)><>TotalConnections: `, MatchType: MatchRegex, Name: "conn_total", Type: TypeCounter, TypeSet: true},
			{Match: `^broker<name=(\w+)><>Enqueued: `, MatchType: MatchRegex, Name: "enq_total", Type: TypeCounter, TypeSet: true},
			{Match: `^broker<name=(\w+)><>EnqueueRate: `, MatchType: MatchRegex, Name: "rate_total", Type: TypeGauge, TypeSet: true,
				Labels: []LabelConfig{{Name: "broker", Value: "$1"}}},
			{Match: `^broker<name=(\w+)><>Dequeued: `, MatchType: MatchRegex, Name: "rate", Type: TypeCounter, TypeSet: true,
				Labels: []LabelConfig{{Name: "broker", Value: "$1"}, {Name: "kind", Value: "deq"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	sink := &captureSink{}
	p := NewPipeline(PipelineSettings{Sink: sink}, rs)
	batch := []Record{
		{Match: "broker<name=b><>CurrentConnections: 2", Value: 2},
		{Match: "broker<name=b><>TotalConnections: 9", Value: 9},
		{Match: "broker<name=b><>Enqueued: 5", Value: 5},
		{Match: "broker<name=b><>EnqueueRate: 1.5", Value: 1.5},
		{Match: "broker<name=b><>Dequeued: 4", Value: 4},
	}
	if err := p.Replace(context.Background(), "jmx/x", batch); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sink.replaced["jmx/x"] {
		got = append(got, fmt.Sprintf("%s %s%s", s.Type, s.Name, s.Labels))
	}
	want := []string{
		`untyped conn{_objectname="broker<name=b><>CurrentConnections"}`,
		`untyped conn{_objectname="broker<name=b><>TotalConnections"}`,
		`counter enq_total{}`,
		// labels differ: no _objectname, one untyped family all the same
		`untyped rate{broker="b"}`,
		`untyped rate{broker="b", kind="deq"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestPipelineWithoutRules: without rules a record with a default name
// (a JMX attribute's) becomes its default series without a match result
// of its own (no memo for the sink), and a record without one its escaped
// match string, lowercased when the rule set says so.
func TestPipelineWithoutRules(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{LowercaseOutputName: true})
	var sink captureSink
	p := NewPipeline(PipelineSettings{Input: "jmx", Sink: &sink, Unmatched: NewTopK(10)}, rs)
	batch := []Record{
		{Match: "java.lang<type=Memory><HeapMemoryUsage>used: 7", Value: 7, DefaultName: "Java_lang_Memory_HeapMemoryUsage_used", DefaultLabels: Labels{{"b", "2"}, {"a", "1"}}, Labels: Labels{{"raw", "r"}}},
		{Match: "Other.Name", Value: 1, Labels: Labels{{"raw", "r"}}},
	}
	p.Map(batch).Commit()
	want := []Sample{
		{Name: "java_lang_memory_heapmemoryusage_used", Labels: Labels{{"a", "1"}, {"b", "2"}}, Value: 7},
		{Name: "other_name", Labels: Labels{{"raw", "r"}}, Value: 1},
	}
	if diff := cmp.Diff(want, sink.written, cmpopts.IgnoreFields(Sample{}, "Opts", "Ref"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if len(sink.written) == 2 && (sink.written[0].Ref != nil || sink.written[1].Ref == nil) {
		t.Errorf("refs %p %p: want none for the default series, one for the match result", sink.written[0].Ref, sink.written[1].Ref)
	}
	if got := p.Unmatched().Top(); len(got) != 2 {
		t.Errorf("unmatched names tracked: %v, want both", got)
	}
}

// TestPipelineEventCounts: EventCounts count a record standing for Repeat
// observations Repeat times, as statsd_exporter makes an event of each.
func TestPipelineEventCounts(t *testing.T) {
	rs := mustRuleSet(t, RuleSetConfig{Rules: []RuleConfig{
		{Pos: Pos{"m.yml", 2, 3}, Match: "a.*", Name: "a", Labels: []LabelConfig{{Name: "x", Value: "$1"}}},
		{Pos: Pos{"m.yml", 5, 3}, Match: "d.*", Name: "d", Action: ActionDrop},
	}})
	var sink captureSink
	p := NewPipeline(PipelineSettings{Input: "statsd", Sink: &sink}, rs)
	batch := []Record{
		{Match: "a.1", Type: TypeObserver, Value: 1, Repeat: 10},
		{Match: "a.2", Type: TypeCounter, Value: 1, Delta: true},
		{Match: "a.3", Type: TypeCounter, Value: -1, Delta: true}, // refused, after the action
		{Match: "d.1", Type: TypeObserver, Value: 1, Repeat: 3},
		{Match: "other", Type: TypeObserver, Value: 7, Repeat: 4},
		{Match: "other2", Type: TypeGauge, Value: 7},
	}
	if err := p.Append(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	got := p.EventCounts()
	want := EventCounts{RepeatUnmapped: 3, RepeatDropRule: 2}
	want.Stored[TypeObserver] = 14
	want.Stored[TypeCounter] = 1
	want.Stored[TypeGauge] = 1
	if got != want {
		t.Errorf("event counts %+v, want %+v", got, want)
	}
	if n := got.ExtraStored(4); n != 9+3 {
		t.Errorf("extra stored events %d, want 12", n)
	}
}
