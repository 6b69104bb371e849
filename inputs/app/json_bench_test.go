package app

import (
	"testing"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// BenchmarkJSONNative: the json input's own selections over cmd/json-bench's
// document. objects is json-bench's fast path (an object selector over
// every server, a label from a field, a skipped subtree); its allocations
// per poll are the parser's share of the input's (18k before the default
// names of 8efd37b, 47k after, 10k since).
func BenchmarkJSONNative(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  jsonsel.Config
	}{
		{"objects", jsonsel.Config{Metrics: []jsonsel.Selector{{Path: "servers.*", LabelsFrom: map[string]string{"name": "name"}}}, Skip: []string{"servers.*.details"}}},
		{"star_label", jsonsel.Config{Metrics: []jsonsel.Selector{{Path: "servers.*.requests", Labels: []string{"server"}}}}},
		{"everything", jsonsel.Config{Skip: []string{"logs"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := (&JSONConfig{Config: bc.cfg}).NewParser()
			if err != nil {
				b.Fatal(err)
			}
			n := benchParse(b, p, benchDoc(2000, 4700))
			if n < 2000 {
				b.Fatalf("%d records, want at least 2000", n)
			}
		})
	}
}

// benchParse parses doc with p b.N times and returns the records of one.
func benchParse(b *testing.B, p parsing.Parser, doc []byte) int {
	b.Helper()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		if err := p.Parse(doc, func(normalize.Record) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
	return n
}
