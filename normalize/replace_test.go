package normalize

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// partSink is a captureSink that also takes a Replace in parts, keeping
// each part as written.
type partSink struct {
	captureSink
	parts map[string][][]Sample
	ended map[string]int
}

type partReplacement struct {
	s      *partSink
	source string
}

func (s *partSink) BeginReplace(source string) SinkReplacement {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts == nil {
		s.parts, s.ended = map[string][][]Sample{}, map[string]int{}
	}
	s.parts[source] = nil
	return &partReplacement{s: s, source: source}
}

func (r *partReplacement) Write(batch []Sample) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.s.parts[r.source] = append(r.s.parts[r.source], copySamples(batch))
}

func (r *partReplacement) End() {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.s.ended[r.source]++
}

func records(n int) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = Record{Match: fmt.Sprintf("a.%d", i%3), Value: float64(i), Type: TypeGauge}
	}
	return out
}

// TestBeginReplace: a Replace in parts maps each part with the rules in
// use at its beginning and hands it to a sink that takes parts as it
// comes; with a sink that does not, or rules that need the whole poll,
// the parts become one Replace at End. Either way the samples are those
// of one Replace of all the records.
func TestBeginReplace(t *testing.T) {
	rules := []RuleConfig{{Pos: Pos{"m.yml", 1, 1}, Match: "a.*", Name: "a", Labels: []LabelConfig{{Name: "x", Value: "$1"}}}}
	swapped := []RuleConfig{{Pos: Pos{"m.yml", 1, 1}, Match: "a.*", Name: "b", Labels: []LabelConfig{{Name: "x", Value: "$1"}}}}
	for _, tc := range []struct {
		name      string
		cfg       RuleSetConfig
		parts     []int // records per Add
		streaming bool  // the sink takes parts
		wantParts int   // parts the sink received (streaming)
	}{
		{name: "streamed", cfg: RuleSetConfig{Rules: rules}, parts: []int{4, 0, 5, 1}, streaming: true, wantParts: 4},
		{name: "streamed, nothing added", cfg: RuleSetConfig{Rules: rules}, parts: nil, streaming: true},
		{name: "sink without parts", cfg: RuleSetConfig{Rules: rules}, parts: []int{4, 5}},
		{name: "duplicate label needs the whole poll", cfg: RuleSetConfig{Rules: rules, DuplicateLabel: "dup"}, parts: []int{4, 5}, streaming: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := records(sum(tc.parts))
			// The reference: one Replace of every record.
			var ref captureSink
			rp := NewPipeline(PipelineSettings{Sink: &ref}, mustRuleSet(t, tc.cfg))
			if err := rp.Replace(context.Background(), "src", all); err != nil {
				t.Fatal(err)
			}
			want := ref.replaced["src"]

			var sink Sink
			ps := &partSink{}
			if tc.streaming {
				sink = ps
			} else {
				sink = &ps.captureSink
			}
			p := NewPipeline(PipelineSettings{Sink: sink}, mustRuleSet(t, tc.cfg))
			r := p.BeginReplace(context.Background(), "src")
			// Rules swapped mid-poll apply from the next poll on.
			p.SetRuleSet(mustRuleSet(t, RuleSetConfig{Rules: swapped, DuplicateLabel: tc.cfg.DuplicateLabel}))
			off := 0
			buf := make([]Record, 0, 8)
			for _, n := range tc.parts {
				buf = append(buf[:0], all[off:off+n]...)
				r.Add(buf)
				clear(buf) // the caller may reuse its batch
				off += n
			}
			r.End()

			var got []Sample
			if tc.streaming && tc.cfg.DuplicateLabel == "" {
				if len(ps.parts["src"]) != tc.wantParts || ps.ended["src"] != 1 {
					t.Fatalf("sink got %d parts and %d ends, want %d and 1", len(ps.parts["src"]), ps.ended["src"], tc.wantParts)
				}
				got = slices.Concat(ps.parts["src"]...)
			} else {
				if len(ps.parts["src"]) != 0 {
					t.Fatalf("sink got parts: %v", ps.parts["src"])
				}
				got = ps.replaced["src"]
			}
			if len(got) != len(want) {
				t.Fatalf("got %d samples, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.Name != w.Name || g.Value != w.Value || !slices.Equal(g.Labels, w.Labels) || g.Type != w.Type {
					t.Errorf("sample %d: got %s%v %v, want %s%v %v", i, g.Name, g.Labels, g.Value, w.Name, w.Labels, w.Value)
				}
			}
		})
	}
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}
