package jsonsel

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// Nesting is bounded where encoding/json (json_exporter's decoder) bounds
// it: 10,000 objects and arrays inside one another are read, a value
// inside the innermost too; the 10,001st fails the document in both, at
// its bracket. The same whether the deep part is skipped, selected (with
// max_depth 10,000: TestSelectedDepth has its default), read by an object
// selector or decoded.
func TestDepthLimit(t *testing.T) {
	arrays := func(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }
	objects := func(n int) string {
		return strings.Repeat(`{"a":`, n-1) + `{"x":7}` + strings.Repeat("}", n-1)
	}
	wrapped := func(n int) string { return `{"x": 1, "deep": ` + arrays(n-1) + `}` }
	cfgs := map[string]Config{
		"none":     {SelectNone: true},
		"all":      {MaxDepth: maxDepth},
		"path":     {Metrics: []Selector{{Path: "a"}}, MaxDepth: maxDepth},
		"deep":     {Metrics: []Selector{{Path: "deep"}}, MaxDepth: maxDepth},
		"star":     {Metrics: []Selector{{Path: "*"}}, MaxDepth: maxDepth},
		"labels":   {Metrics: []Selector{{Path: "a", LabelsFrom: map[string]string{"n": "x"}}}, MaxDepth: maxDepth},
		"exporter": {Metrics: []Selector{{Path: "a", DefaultName: "m", Exporter: true, Segs: []Seg{{Key: "a", Kind: SegKey}}, Fields: map[string]string{"x": "x"}}}},
	}
	for _, doc := range []struct {
		name string
		f    func(int) string
	}{{"arrays", arrays}, {"objects", objects}, {"wrapped", wrapped}} {
		for _, n := range []int{maxDepth, maxDepth + 1} {
			body := doc.f(n)
			var v any
			jsonErr := json.Unmarshal([]byte(body), &v)
			if (jsonErr == nil) != (n <= 10000) {
				t.Fatalf("%s %d: encoding/json %v", doc.name, n, jsonErr)
			}
			for name, cfg := range cfgs {
				p, err := New(cfg)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				err = p.Parse([]byte(body), func(normalize.Record) {})
				if jsonErr == nil && err != nil {
					t.Errorf("%s %d, %s: %v; encoding/json reads it", doc.name, n, name, err)
				}
				if jsonErr != nil && (parsing.Reason(err, "") != "invalid_json" || !strings.Contains(err.Error(), "nested deeper than 10000")) {
					t.Errorf("%s %d, %s: %v, want invalid_json nested deeper than 10000 (encoding/json: %v)", doc.name, n, name, err, jsonErr)
				}
			}
			if _, err := Decode([]byte(body)); (err == nil) != (jsonErr == nil) && jsonErr == nil {
				t.Errorf("%s %d: Decode %v", doc.name, n, err)
			}
		}
	}
}

// skip and Decode do not recurse: a subtree nested 10,000 deep that no
// selector wants, or that the JSONPath evaluator decodes, costs no
// goroutine stack to speak of (1 MiB when skip recursed, 4 MiB when
// Decode did; encoding/json's Unmarshal, json_exporter's decoder, takes
// 2 MiB). The selected path recurses, about 400 bytes a level, but only
// to max_depth (512 by default): a native selector reading the deep part
// fails the document there (too_deep; 4 MiB of stack before), beside
// json_exporter's selectors too, which read a fixed depth.
func TestDepthStack(t *testing.T) {
	body := []byte(`{"a": 1, "deep": ` + strings.Repeat(`[{"k": `, (maxDepth-1)/2) + "1" + strings.Repeat("}]", (maxDepth-1)/2) + `}`)
	parser := func(cfg Config) *Parser {
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	exporter := Selector{Path: "a", DefaultName: "m", Exporter: true, Segs: []Seg{{Key: "a", Kind: SegKey}}}
	skipping := parser(Config{Metrics: []Selector{{Path: "a"}}})
	selecting := parser(Config{Metrics: []Selector{{Path: "deep"}}})
	beside := parser(Config{Metrics: []Selector{{Path: "deep"}, exporter}})
	exporterOnly := parser(Config{Metrics: []Selector{exporter}, SelectNone: true})
	for _, c := range []struct {
		name    string
		read    func() error
		reason  string // of the error; "" none
		maxGrow int64
	}{
		{"skip", func() error { return skipping.Parse(body, func(normalize.Record) {}) }, "", 256 << 10},
		{"Decode", func() error { _, err := Decode(body); return err }, "", 256 << 10},
		{"json_exporter's selector", func() error { return exporterOnly.Parse(body, func(normalize.Record) {}) }, "", 256 << 10},
		{"native selector", func() error { return selecting.Parse(body, func(normalize.Record) {}) }, "too_deep", 512 << 10},
		{"native selector beside json_exporter's", func() error { return beside.Parse(body, func(normalize.Record) {}) }, "too_deep", 512 << 10},
	} {
		var err error
		grown := make(chan uint64)
		go func() {
			var before, after runtime.MemStats
			runtime.GC()
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
			runtime.ReadMemStats(&before)
			err = c.read()
			runtime.ReadMemStats(&after)
			grown <- after.StackInuse - before.StackInuse
		}()
		g := int64(<-grown)
		if g > c.maxGrow || parsing.Reason(err, "") != c.reason || (err == nil) != (c.reason == "") {
			t.Errorf("%s of 10,000 levels: stack grew by %d bytes, error %v; want under %d KiB, reason %q", c.name, g, err, c.maxGrow>>10, c.reason)
		}
	}
}
