package jmx

import (
	"context"
	"runtime"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
)

// TestPollKeepsNoTextChunk: the chunks a poll cuts its records' match
// strings from (textArena) are garbage once the poll is over. The
// pipeline keeps copies (the rule cache's keys, the unmatched names, the
// store's names and label values), never a match string or a part of
// one: a capture used verbatim as a name or a label value, the default
// name of an unmatched record, jmx_exporter's duplicate-series label.
// A weak pointer to every match string of a poll must be nil after the
// next poll and a collection; one still set is a chunk (8 KiB) kept alive,
// one per poll, for as long as what holds it lives.
func TestPollKeepsNoTextChunk(t *testing.T) {
	j := startJVM(t, jvmOptions{props: []string{"-Dbeans=300", "-DbeanAttributes=4"}})
	bulk := normalize.RuleConfig{
		Match: `com\.example\.bulk<type=(\w+), index=(\d+)><>(\w+): .*`, MatchType: normalize.MatchRegex,
		// Name and label values that are captures as they are.
		Name:   "$3",
		Labels: []normalize.LabelConfig{{Name: "type", Value: "$1"}, {Name: "index", Value: "$2"}},
	}
	for _, tc := range []struct {
		name string
		rs   normalize.RuleSetConfig
	}{
		// Parts mapped and written as they come (streamReplacement).
		{"streamed", normalize.RuleSetConfig{Rules: []normalize.RuleConfig{bulk}, Escape: normalize.EscapeJMXName}},
		// jmx_exporter's duplicate-series label and client_java names:
		// the poll's records are held and mapped at its end.
		{"held", normalize.RuleSetConfig{Rules: []normalize.RuleConfig{bulk}, Escape: normalize.EscapeJMXName,
			DuplicateLabel: "_objectname", ClientJavaNames: true}},
		// No rules: every record its default series.
		{"defaults", normalize.RuleSetConfig{Escape: normalize.EscapeJMXName}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := outputs.NewStore(outputs.StoreConfig{})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := normalize.NewRuleSet(tc.rs)
			if err != nil {
				t.Fatal(err)
			}
			pipe := normalize.NewPipeline(normalize.PipelineSettings{Input: "jmx", Sink: store, Unmatched: normalize.NewTopK(100)}, rs)
			s := &scraper{client: dialTest(t, j, nil), exporter: &Exporter{}, workers: 2}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var matches []weak.Pointer[byte]
			poll := func(track bool) {
				t.Helper()
				r := pipe.BeginReplace(ctx, "jmx/test")
				_, err := s.scrapeTo(ctx, func(recs []normalize.Record) {
					if track {
						for i := range recs {
							matches = append(matches, weak.Make(unsafe.StringData(recs[i].Match)))
						}
					}
					r.Add(recs)
				})
				if err != nil {
					t.Fatal(err)
				}
				r.End()
			}
			poll(false) // the MBeanInfo cache
			poll(true)
			poll(false)
			runtime.GC()
			runtime.GC()
			kept := 0
			for _, m := range matches {
				if m.Value() != nil {
					kept++
				}
			}
			if len(matches) < 1200 || store.Len() < 1200 {
				t.Fatalf("%d records in a poll, %d series: too few to tell", len(matches), store.Len())
			}
			if kept > 0 {
				t.Errorf("%d of a poll's %d match strings still reachable after the next poll", kept, len(matches))
			}
			// What a poll's strings could be kept by lives on past the
			// collection.
			runtime.KeepAlive(pipe)
			runtime.KeepAlive(store)
			runtime.KeepAlive(s)
		})
	}
}
