package jsonsel

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// A string's bytes that are not UTF-8 are read as encoding/json (the
// decoder of json_exporter) reads them: each byte that does not start a
// valid sequence is one U+FFFD ("\xe2\x82" is two, not one as a maximal
// subpart would be), in keys (match strings, "*" labels), label fields and
// string values alike; the document is read, not refused.
func TestInvalidUTF8Strings(t *testing.T) {
	doc := "{\"sv\xffc\": {\"name\": \"a\xe2\x82b\", \"up\": \"on\xc0\", \"n\": 3}, \"ok\": {\"name\": \"\xed\xa0\x80\", \"up\": \"on\", \"n\": 4}}"
	got, err := run(t, Config{Metrics: []Selector{{
		Path: "*", Labels: []string{"svc"}, LabelsFrom: map[string]string{"name": "name"},
		Values: map[string]float64{"on\uFFFD": 7, "on": 1},
	}}}, doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ok.n{svc=\"ok\", name=\"\uFFFD\uFFFD\uFFFD\"} untyped 4",
		"ok.up{svc=\"ok\", name=\"\uFFFD\uFFFD\uFFFD\"} untyped 1",
		"sv\uFFFDc.n{svc=\"sv\uFFFDc\", name=\"a\uFFFD\uFFFDb\"} untyped 3",
		"sv\uFFFDc.up{svc=\"sv\uFFFDc\", name=\"a\uFFFD\uFFFDb\"} untyped 7",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// The scanner's keys and string values equal encoding/json's for any
// bytes in a string: escapes, lone surrogates, bytes that are not UTF-8.
func FuzzScanStrings(f *testing.F) {
	for _, s := range []string{"a\xffb", "\xe2\x82A", "\xed\xa0\x80", "\xf0\x9f\x98", "\xef\xbf\xbd", `a\n\u00e9\ud800x`, "\xf4\x90\x80\x80", "é"} {
		f.Add(s)
	}
	p, err := New(Config{Metrics: []Selector{{Path: "o", LabelsFrom: map[string]string{"l": "s"}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc := []byte(`{"k` + s + `": 1, "o": {"s": "` + s + `", "v": 1}}`)
		var want map[string]any
		if json.Unmarshal(doc, &want) != nil {
			return
		}
		var keys []string
		var label string
		err := p.ParseTop(context.Background(), doc, func(r normalize.Record) {
			for _, l := range r.Labels {
				label = l.Value
			}
		}, func(key, _ []byte) { keys = append(keys, string(key)) })
		if err != nil {
			t.Fatalf("%q: %v; encoding/json reads it", doc, err)
		}
		o, _ := want["o"].(map[string]any)
		ws, _ := o["s"].(string)
		if len(keys) != 2 || want[keys[0]] != 1.0 || label != ws || !utf8.ValidString(keys[0]) {
			t.Fatalf("%q: keys %q, label %q; encoding/json %q", doc, keys, label, want)
		}
	})
}
