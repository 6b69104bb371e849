package jsonsel

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// parseCount parses body with a parser of cfg and returns the records and
// the bytes of their match strings emitted before it returned.
func parseCount(t *testing.T, cfg Config, body []byte) (n, matchBytes int, err error) {
	t.Helper()
	p, perr := New(cfg)
	if perr != nil {
		t.Fatal(perr)
	}
	err = p.Parse(body, func(r normalize.Record) { n++; matchBytes += len(r.Match) })
	return n, matchBytes, err
}

// deepValues is n objects inside one another with a value in each: 120 KB
// at 10,000 levels. Every value's match string is its path (a.a.a...v), so
// that selecting them all gives match strings that grow as n squared: 95
// MiB at 10,000 levels, 0.7 s of CPU with GC off and 1.8-2.5 s with it
// when nesting was bounded at 10,000 for native selectors too.
func deepValues(n int) []byte {
	return []byte(strings.Repeat(`{"v":1,"a":`, n-1) + `{"v":1}` + strings.Repeat("}", n-1))
}

// A native selection reads values at most max_depth (512 by default) deep:
// a selected object or array deeper fails the document (too_deep), which
// bounds the quadratic cost of its match strings and the stack the scan
// takes. What is not selected (skipped, or outside every selector's path)
// may be nested as deep as encoding/json reads (TestDepthLimit), and so
// may what json_exporter's selectors read.
func TestSelectedDepth(t *testing.T) {
	exporter := Selector{Path: "a.v", DefaultName: "m", Exporter: true, Segs: []Seg{{Key: "a", Kind: SegKey}, {Key: "v", Kind: SegKey}}}
	for _, c := range []struct {
		name    string
		cfg     Config
		depth   int
		reason  string
		records int
	}{
		{"everything", Config{}, 10000, "too_deep", 512},
		{"everything at 512", Config{}, 512, "", 512},
		{"everything at 513", Config{}, 513, "too_deep", 512},
		{"a path", Config{Metrics: []Selector{{Path: "a.a"}}}, 10000, "too_deep", 510},
		{"max_depth 20", Config{MaxDepth: 20}, 10000, "too_deep", 20},
		{"a path and its skipped subtree", Config{Metrics: []Selector{{Path: "a"}}, Skip: []string{"a.a"}}, 10000, "", 1},
		{"outside the paths", Config{Metrics: []Selector{{Path: "v"}}}, 10000, "", 1},
		{"skipped", Config{Skip: []string{"a"}}, 10000, "", 1},
		{"json_exporter's", Config{Metrics: []Selector{exporter}, SelectNone: true}, 10000, "", 1},
	} {
		n, _, err := parseCount(t, c.cfg, deepValues(c.depth))
		if parsing.Reason(err, "") != c.reason || (err == nil) != (c.reason == "") || n != c.records {
			t.Errorf("%s, %d levels: %d records, error %v; want %d, reason %q", c.name, c.depth, n, err, c.records, c.reason)
		}
	}
	for _, d := range []int{-1, maxDepth + 1} {
		if err := (&Config{MaxDepth: d}).Validate(); err == nil || !strings.Contains(err.Error(), "max_depth") {
			t.Errorf("max_depth %d: %v, want an error naming max_depth", d, err)
		}
	}
	for _, d := range []int{0, 1, maxDepth} {
		if err := (&Config{MaxDepth: d}).Validate(); err != nil {
			t.Errorf("max_depth %d: %v", d, err)
		}
	}
}

// The records of a native selection are bounded per document, as a scrape
// by Prometheus's sample_limit: more than MaxRecords, or match strings of
// more than MaxMatchBytes together, fail it (too_many_records) once over,
// without reading on. json_exporter's selectors are not bounded (nor is
// json_exporter). The cases marked small run with budgets of 1,000
// records and 1 MiB (a million records take a minute under -race).
func TestRecordBudget(t *testing.T) {
	longKey := strings.Repeat("k", 64<<10)
	// 2,000 match strings of 64 KiB from a 70 KB body: 125 MiB.
	longKeyBody := []byte(`{"` + longKey + `": [` + strings.Repeat("0,", 1999) + `0]}`)
	for _, c := range []struct {
		name   string
		cfg    Config
		body   []byte
		small  bool
		reason string
	}{
		{"long key", Config{}, longKeyBody, false, "too_many_records"},
		{"long key, json_exporter's", Config{SelectNone: true, Metrics: []Selector{{DefaultName: "m", Exporter: true, Segs: []Seg{{Key: longKey, Kind: SegKey}, {Kind: SegAnyIndex}}}}}, longKeyBody, false, ""},
		// With max_depth 10,000, n levels of values give n² bytes of match
		// strings: 95 MiB at 10,000 levels (10 s under -race to reach the
		// budget), 1.2 MiB at 1,100.
		{"deep, small", Config{MaxDepth: maxDepth}, deepValues(1100), true, "too_many_records"},
		{"deep within the budget, small", Config{MaxDepth: maxDepth}, deepValues(700), true, ""},
		{"records, small", Config{}, []byte("[" + strings.Repeat("0,", 1000) + "0]"), true, "too_many_records"},
		{"records within the budget, small", Config{}, []byte("[" + strings.Repeat("0,", 999) + "0]"), true, ""},
		{"records of json_exporter's, small", Config{SelectNone: true, Metrics: []Selector{{DefaultName: "m", Exporter: true, Segs: []Seg{{Kind: SegAnyIndex}}}}},
			[]byte("[" + strings.Repeat("0,", 1000) + "0]"), true, ""},
	} {
		p, err := New(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if c.small {
			p.maxRecords, p.maxMatchBytes = 1000, 1<<20
		}
		n, mb := 0, 0
		err = p.Parse(c.body, func(r normalize.Record) { n++; mb += len(r.Match) })
		if parsing.Reason(err, "") != c.reason || (err == nil) != (c.reason == "") {
			t.Errorf("%s: %d records, %d bytes of match strings, error %v; want reason %q", c.name, n, mb, err, c.reason)
		}
		if c.reason != "" && (n > p.maxRecords || mb > p.maxMatchBytes) {
			t.Errorf("%s: %d records, %d bytes of match strings emitted before the error", c.name, n, mb)
		}
	}
}

// ParseContext stops the scan when its context ends (the poll's timeout),
// within ctxEvery values, whether it records or skips them: the error says
// how far it read (reason timeout for a deadline, canceled otherwise).
func TestParseContextStops(t *testing.T) {
	body := []byte(`{"skipped": [` + strings.Repeat(`{"a": [1, 2]},`, 100000) + `1], "x": 1}`)
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	for _, cfg := range []Config{{}, {SelectNone: true}, {Metrics: []Selector{{Path: "x"}}}} {
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for reason, ctx := range map[string]context.Context{"timeout": expired, "canceled": canceled} {
			n := 0
			err := p.ParseContext(ctx, body, "", func(normalize.Record) { n++ })
			if parsing.Reason(err, "") != reason || !strings.Contains(err.Error(), "parse stopped after") || n > ctxEvery {
				t.Errorf("%+v, %s: %d records, error %v; want reason %s, stopped", cfg, reason, n, err, reason)
			}
		}
		if err := p.ParseContext(context.Background(), body, "", func(normalize.Record) {}); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
