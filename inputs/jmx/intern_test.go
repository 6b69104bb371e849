package jmx

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// internBeans are beans of a few types and the attributes each gives:
// plain values, a composite, a tabular and a description.
func internBeans(t testing.TB, n int) ([]mbean.BeanName, [][]mbean.Attribute) {
	lat := &mbean.Composite{TypeName: "Latency", Description: "latency", Keys: []string{"count", "p50"},
		Items: map[string]any{"count": mbean.Number{Float: 10, Text: "10"}, "p50": mbean.Number{Float: 1.5, Text: "1.5"}}}
	byPath := &mbean.Tabular{IndexNames: []string{"key"}, RowKeys: []string{"key", "value"}, Rows: []*mbean.Composite{
		{Keys: []string{"key", "value"}, Items: map[string]any{"key": "/a", "value": lat}},
	}}
	var names []mbean.BeanName
	var attrs [][]mbean.Attribute
	for i := range n {
		for _, s := range []string{
			"com.example.bulk:type=Small,index=" + strconv.Itoa(i),
			"com.example:type=Stats,name=n" + strconv.Itoa(i%3) + ",zone=eu",
			"Catalina:type=Manager,context=/app" + strconv.Itoa(i) + ",host=localhost",
		} {
			b, err := mbean.ParseBeanName(s)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, b)
			attrs = append(attrs, []mbean.Attribute{
				{Name: "Value", Value: mbean.Number{Float: float64(i), Text: strconv.Itoa(i)}},
				{Name: "Active", Value: i%2 == 0},
				{Name: "State", Value: "RUNNING"},
				{Name: "Latency", Value: lat},
				{Name: "LatencyByPath", Value: byPath},
			})
		}
	}
	return names, attrs
}

// TestInternerSameRecords: records made with an interner, in a first and
// a second poll and past the interner's bounds, and with their match
// strings cut from an arena, are those made without.
func TestInternerSameRecords(t *testing.T) {
	names, attrs := internBeans(t, 50)
	descr := func(i int, a string) string {
		if i%2 == 0 {
			return a // repeats the name: left out of the help
		}
		return "the " + a
	}
	for _, x := range []*Exporter{{}, {Strings: true, LowercaseOutputName: true, LowercaseOutputLabelNames: true}} {
		var want []normalize.Record
		for i := range names {
			want = x.bean(want, nil, nil, &names[i], descr, attrs[i])
		}
		in := newInterner()
		var arena textArena
		for poll := range 3 {
			var got []normalize.Record
			for i := range names {
				if poll == 2 { // the match strings cut from an arena
					got = x.bean(got, in, &arena, &names[i], descr, attrs[i])
					continue
				}
				got = x.bean(got, in, nil, &names[i], descr, attrs[i])
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b || a != a && b != b })); diff != "" {
				t.Fatalf("exporter %+v, poll %d: records with an interner (-without +with):\n%s", x, poll, diff)
			}
		}
		if len(in.texts) == 0 || len(in.names) == 0 || len(in.labels) == 0 {
			t.Errorf("nothing interned: %d texts, %d names, %d labels", len(in.texts), len(in.names), len(in.labels))
		}
	}

	// Full tables: strings past the bounds are made, and still right.
	in := newInterner()
	for i := range maxInterned {
		in.text([]byte("t" + strconv.Itoa(i)))
		in.name([]byte("n"+strconv.Itoa(i)), func(s string) string { return s })
		in.label("l"+strconv.Itoa(i), func(s string) string { return s })
	}
	x := &Exporter{}
	var want, got []normalize.Record
	for i := range names {
		want = x.bean(want, nil, nil, &names[i], descr, attrs[i])
		got = x.bean(got, in, nil, &names[i], descr, attrs[i])
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b || a != a && b != b })); diff != "" {
		t.Fatalf("records with full tables (-want +got):\n%s", diff)
	}
	if len(in.texts) != maxInterned || len(in.names) != maxInterned || len(in.labels) != maxInterned {
		t.Errorf("tables grew past %d: %d texts, %d names, %d labels", maxInterned, len(in.texts), len(in.names), len(in.labels))
	}
}

// TestInternerAttrList: beans with the same attributes and descriptions
// share one list; a list that differs in a name, a description or where
// one ends and the next begins is its own.
func TestInternerAttrList(t *testing.T) {
	in := newInterner()
	tests := []struct {
		name         string
		attrs, descr []string
		shared       bool // with the first list
	}{
		{"first", []string{"Value", "Count"}, []string{"the value", "the count"}, true},
		{"same", []string{"Value", "Count"}, []string{"the value", "the count"}, true},
		{"other name", []string{"Value", "Counts"}, []string{"the value", "the count"}, false},
		{"other description", []string{"Value", "Count"}, []string{"the value", "a count"}, false},
		{"shifted", []string{"Valu", "eCount"}, []string{"the value", "the count"}, false},
		{"name in description", []string{"Value", ""}, []string{"the value", "Count"}, false},
		{"shorter", []string{"Value"}, []string{"the value"}, false},
	}
	var first []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs, descr := in.attrList(tt.attrs, tt.descr)
			if !cmp.Equal(attrs, tt.attrs) || !cmp.Equal(descr, tt.descr) {
				t.Fatalf("got %q %q, want %q %q", attrs, descr, tt.attrs, tt.descr)
			}
			if first == nil {
				first = attrs
			}
			if shared := &attrs[0] == &first[0]; shared != tt.shared {
				t.Errorf("shared with the first list: %v, want %v", shared, tt.shared)
			}
		})
	}
	var nilIn *interner
	if a, _ := nilIn.attrList([]string{"A"}, []string{""}); fmt.Sprint(a) != "[A]" {
		t.Errorf("nil interner: %q", a)
	}
}

// BenchmarkExporterBean makes the records of small beans of one type (a
// poll of the bench's 5,000 beans) without and with an interner: the
// allocations per bean are what a poll leaves for the collector.
func BenchmarkExporterBean(b *testing.B) {
	names, attrs := internBeans(b, 100)
	descr := func(_ int, a string) string { return a }
	for _, tc := range []struct {
		name  string
		in    *interner
		arena *textArena
	}{{"interner=none", nil, nil}, {"interner=warm", newInterner(), nil}, {"interner=warm/arena", newInterner(), &textArena{}}} {
		b.Run(tc.name, func(b *testing.B) {
			out := make([]normalize.Record, 0, 64)
			x := &Exporter{}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := i % len(names)
				out = x.bean(out[:0], tc.in, tc.arena, &names[k], descr, attrs[k][:2])
			}
		})
	}
}
