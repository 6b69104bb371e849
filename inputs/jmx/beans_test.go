package jmx

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/internal/javafmt"
	"github.com/rosetta-adapter/rosetta/normalize"
)

var update = flag.Bool("update", false, "rewrite golden files")

// formatRecords renders records one per two lines: the match string, then
// the default series.
func formatRecords(recs []normalize.Record) string {
	lines := make([]string, 0, len(recs))
	for _, r := range recs {
		lines = append(lines, fmt.Sprintf("%s\n  %s%s %s", r.Match, r.DefaultName, r.DefaultLabels, javafmt.Float(r.Value, 64)))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func TestExporterComposite(t *testing.T) {
	num := func(f float64, s string) mbean.Number {
		return mbean.Number{Class: "java.lang.Long", Float: f, Text: s}
	}
	lat := &mbean.Composite{TypeName: "Latency", Description: "latency", Keys: []string{"count", "p50"},
		Items: map[string]any{"count": num(10, "10"), "p50": mbean.Number{Float: 1.5, Text: "1.5"}}}
	byPath := &mbean.Tabular{IndexNames: []string{"key"}, RowKeys: []string{"key", "value"}, Rows: []*mbean.Composite{
		{Keys: []string{"key", "value"}, Items: map[string]any{"key": "/a", "value": lat}},
	}}
	hostKey := &mbean.Composite{Keys: []string{"host", "port"}, Items: map[string]any{"host": "db1", "port": num(5432, "5432")}}
	byHost := &mbean.Tabular{IndexNames: []string{"key"}, RowKeys: []string{"Bytes", "key"}, Rows: []*mbean.Composite{
		{Keys: []string{"Bytes", "key"}, Items: map[string]any{"key": hostKey, "Bytes": num(4096, "4096")}},
	}}
	b, _ := mbean.ParseBeanName(`com.example:type=Stats,zone=eu,app="my app"`)
	x := &Exporter{}
	recs := x.Bean(nil, &b, nil, []mbean.Attribute{
		{Name: "Latency", Value: lat}, {Name: "LatencyByPath", Value: byPath}, {Name: "ByHost", Value: byHost},
		{Name: "State", Value: "RUNNING"}, {Name: "On", Value: true}, {Name: "Nothing", Value: nil}, {Name: "Arr", Value: mbean.ArrayValue{Class: "[J"}},
		{Name: "When", Value: mbean.Date{Millis: 1500}}, {Name: "Mode", Value: mbean.EnumValue{Name: "A"}},
	})
	want := `com.example<type=Stats, zone=eu, app="my app", key=/a><LatencyByPath>count: 10
  com_example_Stats_LatencyByPath_count{zone="eu", app=""my app"", key="/a"} 10.0
com.example<type=Stats, zone=eu, app="my app", key=/a><LatencyByPath>p50: 1.5
  com_example_Stats_LatencyByPath_p50{zone="eu", app=""my app"", key="/a"} 1.5
com.example<type=Stats, zone=eu, app="my app", key_host=db1, key_port=5432><ByHost>Bytes: 4096
  com_example_Stats_ByHost_Bytes{zone="eu", app=""my app"", key_host="db1", key_port="5432"} 4096.0
com.example<type=Stats, zone=eu, app="my app"><>On: true
  com_example_Stats_On{zone="eu", app=""my app""} 1.0
com.example<type=Stats, zone=eu, app="my app"><>When: 1.5
  com_example_Stats_When{zone="eu", app=""my app""} 1.5
com.example<type=Stats, zone=eu, app="my app"><Latency>count: 10
  com_example_Stats_Latency_count{zone="eu", app=""my app""} 10.0
com.example<type=Stats, zone=eu, app="my app"><Latency>p50: 1.5
  com_example_Stats_Latency_p50{zone="eu", app=""my app""} 1.5
`
	if diff := cmp.Diff(want, formatRecords(recs)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if recs[0].Help != "latency com.example:name=null,type=Stats,attribute=count" {
		t.Errorf("help %q", recs[0].Help)
	}

	x.Strings, x.LowercaseOutputName, x.LowercaseOutputLabelNames = true, true, true
	recs = x.Bean(nil, &b, nil, []mbean.Attribute{{Name: "State", Value: "RUNNING"}, {Name: "Mode", Value: mbean.EnumValue{Name: "A"}}})
	if len(recs) != 2 || recs[0].Match != `com.example<type=Stats, zone=eu, app="my app"><>State: RUNNING` ||
		recs[0].DefaultName != "com_example_stats_state" || !math.IsNaN(recs[0].Value) || recs[1].Match[len(recs[1].Match)-7:] != "Mode: A" {
		t.Errorf("string records %+v", recs)
	}
}

// TestExporterRealJVM: the records of the test application's beans, read
// over RMI, against a golden file.
func TestExporterRealJVM(t *testing.T) {
	j := startJVM(t, jvmOptions{})
	c := dialTest(t, j, nil)
	s := &scraper{client: c, exporter: &Exporter{}, include: []string{"com.example:*"}, workers: 2}
	recs, st, err := s.scrape(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// com.example:type=Bad: the bulk read fails (a value that is not
	// serializable), the fallback reads Good and counts two errors.
	if st.beans != 4 || st.infoFetched != 4 || st.attrErrors != 2 {
		t.Errorf("stats %+v", st)
	}
	got := formatRecords(recs)
	golden := "testdata/golden/example_beans.txt"
	if *update {
		if err := os.MkdirAll("testdata/golden", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	// The second poll uses the MBeanInfo cache.
	_, st, err = s.scrape(context.Background())
	if err != nil || st.infoFetched != 0 || st.beans != 4 {
		t.Errorf("second poll: %+v, %v", st, err)
	}

	// Attribute filters, by exact name in any key order.
	f, err := newAttributeFilter(
		map[string][]string{"com.example:name=all,type=Types": {"Count", "IntValue"}},
		map[string][]string{"com.example:type=Model": {"Size"}})
	if err != nil {
		t.Fatal(err)
	}
	fs := &scraper{client: c, exporter: &Exporter{}, include: []string{"com.example:type=Types,*", "com.example:type=Model"}, workers: 2, filter: f}
	recs, _, err = fs.scrape(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var ms []string
	for _, r := range recs {
		ms = append(ms, r.Match)
	}
	sort.Strings(ms)
	if diff := cmp.Diff([]string{"com.example<type=Types, name=all><>Count: 42", "com.example<type=Types, name=all><>IntValue: -123456"}, ms); diff != "" {
		t.Errorf("filtered (-want +got):\n%s", diff)
	}
}

// TestScraperBeansComeAndGo: the MBeanInfo cache follows registrations.
func TestScraperBeansComeAndGo(t *testing.T) {
	j := startJVM(t, jvmOptions{})
	c := dialTest(t, j, nil)
	s := &scraper{client: c, exporter: &Exporter{}, include: []string{"com.example.dyn:*"}, workers: 2}
	ctx := ctxT(t)
	poll := func() ([]string, scrapeStats) {
		t.Helper()
		recs, st, err := s.scrape(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ms []string
		for _, r := range recs {
			if strings.Contains(r.Match, "Value: ") {
				ms = append(ms, r.Match)
			}
		}
		sort.Strings(ms)
		return ms, st
	}
	if got, _ := poll(); len(got) != 0 {
		t.Fatalf("records before any bean: %v", got)
	}
	j.command(t, "add 1")
	j.command(t, "add 2")
	got, st := poll()
	if diff := cmp.Diff([]string{"com.example.dyn<type=Dyn, id=1><>Value: 1", "com.example.dyn<type=Dyn, id=2><>Value: 2"}, got); diff != "" || st.infoFetched != 2 {
		t.Errorf("after add (fetched %d): %s", st.infoFetched, diff)
	}
	j.command(t, "remove 1")
	got, st = poll()
	if diff := cmp.Diff([]string{"com.example.dyn<type=Dyn, id=2><>Value: 2"}, got); diff != "" || st.infoFetched != 0 || len(s.cache) != 1 {
		t.Errorf("after remove (fetched %d, cached %d): %s", st.infoFetched, len(s.cache), diff)
	}
	j.command(t, "add 1")
	if _, st = poll(); st.infoFetched != 1 || st.beans != 2 {
		t.Errorf("after re-add: %+v", st)
	}
}

// TestExporterTruncates: a value that shares sub-values (a DAG) would
// expand into 2^20 records; the walk stops and counts the attribute.
func TestExporterTruncates(t *testing.T) {
	var v any = mbean.Number{Float: 1, Text: "1"}
	for range 20 {
		v = &mbean.Composite{Keys: []string{"a", "b"}, Items: map[string]any{"a": v, "b": v}}
	}
	b, _ := mbean.ParseBeanName("d:type=T")
	x := &Exporter{}
	recs := x.Bean(nil, &b, nil, []mbean.Attribute{{Name: "Big", Value: v}, {Name: "Small", Value: mbean.Number{Float: 2, Text: "2"}}})
	if len(recs) > MaxRecordsPerAttribute+1 || len(recs) < 2 {
		t.Errorf("%d records", len(recs))
	}
	if recs[len(recs)-1].Match != "d<type=T><>Small: 2" {
		t.Errorf("the next attribute was not read: %q", recs[len(recs)-1].Match)
	}
	if n := x.Truncated(); n != 1 {
		t.Errorf("truncated %d, want 1", n)
	}
	if n := x.Truncated(); n != 0 {
		t.Errorf("Truncated did not reset: %d", n)
	}
}

// jmx_exporter's metricCustomizers: attribute values as labels on every
// series of a matching bean, and extra metrics read before the attributes.
func TestExporterCustomizers(t *testing.T) {
	x := &Exporter{Customizers: []MetricCustomizer{
		{MBeanFilter: MBeanFilter{Domain: "com.example", Properties: map[string]string{"type": "Pool"}},
			AttributesAsLabels: []string{"PoolName", "Missing"},
			ExtraMetrics:       []ExtraMetric{{Name: "isPool", Value: true, Description: "is a pool"}, {Name: "weight", Value: 1.0}}},
	}}
	pool, _ := mbean.ParseBeanName("com.example:type=Pool,name=db")
	other, _ := mbean.ParseBeanName("com.example:type=Cache,name=db")
	recs := x.Bean(nil, &pool, nil, []mbean.Attribute{
		{Name: "PoolName", Value: "main"}, {Name: "Active", Value: mbean.Number{Float: 3, Text: "3"}},
	})
	recs = x.Bean(recs, &other, nil, []mbean.Attribute{{Name: "Size", Value: mbean.Number{Float: 7, Text: "7"}}})
	want := `com.example<type=Cache, name=db><>Size: 7
  com_example_Cache_Size{name="db"} 7.0
com.example<type=Pool, name=db><>Active: 3
  com_example_Pool_Active{name="db", PoolName="main"} 3.0
com.example<type=Pool, name=db><>isPool: true
  com_example_Pool_isPool{name="db", PoolName="main"} 1.0
com.example<type=Pool, name=db><>weight: 1.0
  com_example_Pool_weight{name="db", PoolName="main"} 1.0
`
	if diff := cmp.Diff(want, formatRecords(recs)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if recs[0].Help != "is a pool com.example:name=db,type=Pool,attribute=isPool" {
		t.Errorf("help %q", recs[0].Help)
	}
	// A rule with a name keeps the labels too.
	if got := recs[2].Labels; len(got) != 1 || got[0] != (normalize.Label{Name: "PoolName", Value: "main"}) {
		t.Errorf("raw labels %v", got)
	}
}

// A bean string with its value, read back, is the record the poll made.
func TestRecordFromBeanString(t *testing.T) {
	b, _ := mbean.ParseBeanName(`com.example:type=Stats,zone=eu,app="my app"`)
	x := &Exporter{}
	lat := &mbean.Composite{Keys: []string{"count"}, Items: map[string]any{"count": mbean.Number{Float: 10, Text: "10"}}}
	recs := x.Bean(nil, &b, map[string]string{"Up": "up"}, []mbean.Attribute{{Name: "Up", Value: true}, {Name: "Latency", Value: lat}, {Name: "Load", Value: mbean.Number{Float: 0.5, Text: "0.5"}}})
	for _, want := range recs {
		got, err := x.RecordFromBeanString(want.Match, "")
		if err != nil {
			t.Fatalf("%s: %v", want.Match, err)
		}
		want.Help, got.Help = "", "" // the description is not in a bean string
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-poll +read back):\n%s", want.Match, diff)
		}
	}
	for _, bad := range []string{"nodomain", "d<a=b>Attr: 1", "d<a=b><>: 1", "d<ab><>X: 1"} {
		if _, err := x.RecordFromBeanString(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	r, err := x.RecordFromBeanString("java.lang<type=Runtime><>VmVendor: Debian", "")
	if err != nil || !r.NoValue {
		t.Errorf("string value: %+v %v", r, err)
	}
}

// The platform MXBeans of a real JVM as bean strings with values, recorded
// for the curated library:jvm mapping's tests (testdata/library/jvm-beans.txt,
// written with -update). Without -update it checks that the recorded file
// still has the beans a poll of this JVM has.
func TestRecordJVMBeans(t *testing.T) {
	j := startJVM(t, jvmOptions{})
	c := dialTest(t, j, nil)
	s := &scraper{client: c, exporter: &Exporter{}, include: []string{"java.lang:*", "java.nio:*"}, workers: 2}
	recs, _, err := s.scrape(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range recs {
		lines = append(lines, r.Match)
	}
	sort.Strings(lines)
	file := "../../testdata/library/jvm-beans.txt"
	if *update {
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	recorded := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, _, ok := strings.Cut(l, ": "); ok {
			recorded[k] = true
		}
	}
	for _, l := range lines {
		if k, _, _ := strings.Cut(l, ": "); !recorded[k] && !strings.Contains(k, "GcInfo") && !strings.Contains(k, "LastGcInfo") {
			t.Errorf("%s is not in %s (rerun with -update)", k, file)
		}
	}
}

// TestScraperNames: overlapping includes give each bean once, in order,
// and an exclude drops what it names.
func TestScraperNames(t *testing.T) {
	j := startJVM(t, jvmOptions{})
	c := dialTest(t, j, nil)
	all, err := (&scraper{client: c, include: []string{"com.example:*"}}).names(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 || !slices.IsSorted(all) {
		t.Fatalf("names %q", all)
	}
	got, err := (&scraper{client: c, include: []string{all[0], "com.example:*"}, exclude: []string{all[1]}}).names(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Delete(slices.Clone(all), 1, 2)
	if !slices.Equal(got, want) {
		t.Errorf("names %q, want %q", got, want)
	}
}
