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
// its bracket. The same whether the deep part is skipped, selected, read
// by an object selector or decoded.
func TestDepthLimit(t *testing.T) {
	arrays := func(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }
	objects := func(n int) string {
		return strings.Repeat(`{"a":`, n-1) + `{"x":7}` + strings.Repeat("}", n-1)
	}
	wrapped := func(n int) string { return `{"x": 1, "deep": ` + arrays(n-1) + `}` }
	cfgs := map[string]Config{
		"none":     {SelectNone: true},
		"all":      {},
		"path":     {Metrics: []Selector{{Path: "a"}}},
		"deep":     {Metrics: []Selector{{Path: "deep"}}},
		"star":     {Metrics: []Selector{{Path: "*"}}},
		"labels":   {Metrics: []Selector{{Path: "a", LabelsFrom: map[string]string{"n": "x"}}}},
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
// Decode did; the selected path recurses, 4 MiB at 10,000 levels, and
// encoding/json's Unmarshal, json_exporter's decoder, takes 2 MiB).
func TestDepthStack(t *testing.T) {
	body := []byte(`{"a": 1, "deep": ` + strings.Repeat(`[{"k": `, (maxDepth-1)/2) + "1" + strings.Repeat("}]", (maxDepth-1)/2) + `}`)
	p, err := New(Config{Metrics: []Selector{{Path: "a"}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() error{
		"skip":   func() error { return p.Parse(body, func(normalize.Record) {}) },
		"Decode": func() error { _, err := Decode(body); return err },
	} {
		var err error
		grown := make(chan uint64)
		go func() {
			var before, after runtime.MemStats
			runtime.GC()
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
			runtime.ReadMemStats(&before)
			err = read()
			runtime.ReadMemStats(&after)
			grown <- after.StackInuse - before.StackInuse
		}()
		if g := <-grown; err != nil || int64(g) > 256<<10 {
			t.Errorf("%s of 10,000 levels: stack grew by %d bytes, error %v; want under 256 KiB, none", name, int64(g), err)
		}
	}
}
