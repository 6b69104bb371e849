package jsonsel

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Decode gives what encoding/json.Unmarshal gives, for every document
// the scanner accepts.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"a": [1, -0, 1.5e3, "x\u00e9\ud83d\ude00\ud800", true, false, null, {}], "a": {"b": []}}`,
		`"\u0000\n\t\\\"/"`, `1e400`, `[[[]]]`, `{"k\"ey": "\ud83d"}`, `-1.0E-7`, `"\xff"`,
	} {
		f.Add([]byte(s))
	}
	none, _ := New(Config{SelectNone: true})
	f.Fuzz(func(t *testing.T, doc []byte) {
		if none.Parse(doc, func(normalize.Record) {}) != nil {
			return
		}
		var want any
		errWant := json.Unmarshal(doc, &want)
		got, err := Decode(doc)
		if (err == nil) != (errWant == nil) {
			t.Fatalf("%q: error %v, encoding/json %v", doc, err, errWant)
		}
		if err == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q:\n got %#v\nwant %#v", doc, got, want)
		}
	})
}
