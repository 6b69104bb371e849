package normalize

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func topKeys(names ...string) []topKey {
	out := make([]topKey, len(names))
	for i, n := range names {
		out[i] = topKey{n, TypeCounter}
	}
	return out
}

func TestTopKAdd(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name string
		k    int
		// admit is what the random source decides when the tracker is
		// full (nil: never asked)
		admit   *bool
		batches [][]string
		want    []TopEntry // Last is now for all
		version uint64
	}{
		{
			name:    "room: exact counts",
			k:       3,
			batches: [][]string{{"a", "b", "a"}, {"c", "a", "b"}},
			want:    []TopEntry{{Match: "a", Count: 3}, {Match: "b", Count: 2}, {Match: "c", Count: 1}},
			version: 3,
		},
		{
			name:    "full, admitted: the least counted is replaced and its count inherited",
			k:       2,
			admit:   new(true),
			batches: [][]string{{"a", "a", "a", "b", "b"}, {"c"}},
			want:    []TopEntry{{Match: "a", Count: 3}, {Match: "c", Count: 3, Error: 2}},
			version: 3,
		},
		{
			name:    "full, admitted twice: the replaced entry is the least counted again",
			k:       3,
			admit:   new(true),
			batches: [][]string{{"a", "b", "b", "b", "c", "c", "c", "c", "c"}, {"d", "e"}},
			want:    []TopEntry{{Match: "c", Count: 5}, {Match: "b", Count: 3}, {Match: "e", Count: 3, Error: 2}},
			version: 5,
		},
		{
			name:    "full, not admitted: nothing changes",
			k:       2,
			admit:   new(false),
			batches: [][]string{{"a", "a", "b"}, {"c", "d", "c"}, {"b"}},
			want:    []TopEntry{{Match: "a", Count: 2}, {Match: "b", Count: 2}},
			version: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := NewTopK(tc.k)
			tk.rand = func() uint64 {
				if tc.admit == nil {
					t.Fatal("random source asked while there is room")
				}
				if *tc.admit {
					return 0
				}
				return 1
			}
			for _, b := range tc.batches {
				tk.add(topKeys(b...), now)
			}
			got := tk.Top()
			for i := range tc.want {
				tc.want[i].Type, tc.want[i].Last = TypeCounter, now
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Top() = %+v, want %+v", got, tc.want)
			}
			if v := tk.Version(); v != tc.version {
				t.Errorf("Version() = %d, want %d", v, tc.version)
			}
		})
	}
}

// TestTopKHeavyHitters checks what the mappings page relies on: among far
// more distinct names than the tracker holds, the frequent ones are found
// and counted within their error.
func TestTopKHeavyHitters(t *testing.T) {
	const k, heavy, per = 20, 5, 2000
	tk := NewTopK(k)
	r := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: reproducible test stream
	tk.rand = r.Uint64
	var stream []string
	for i := range heavy * per {
		stream = append(stream, fmt.Sprintf("heavy%d", i%heavy))
	}
	for i := range 50000 {
		stream = append(stream, fmt.Sprintf("rare%d", i))
	}
	r.Shuffle(len(stream), func(i, j int) { stream[i], stream[j] = stream[j], stream[i] })
	for b := range slices.Chunk(stream, 64) {
		tk.add(topKeys(b...), time.Unix(0, 0))
	}
	checkHeap(t, tk)
	top := tk.Top()
	if len(top) != k {
		t.Fatalf("%d entries, want %d", len(top), k)
	}
	for i := range heavy {
		e := top[i]
		if !slices.Contains([]string{"heavy0", "heavy1", "heavy2", "heavy3", "heavy4"}, e.Match) {
			t.Fatalf("entry %d is %+v, want a heavy name; top: %+v", i, e, top)
		}
		if lo, hi := int64(e.Count)-int64(e.Error), int64(e.Count)+int64(e.Error); per < lo || per > hi {
			t.Errorf("%s: count %d ± %d, true count %d", e.Match, e.Count, e.Error, per)
		}
	}
}

// checkHeap checks that the entries are a min-heap by count and that the
// map and the heap hold the same entries.
func checkHeap(t *testing.T, tk *TopK) {
	t.Helper()
	if len(tk.entries) != len(tk.heap) {
		t.Fatalf("%d map entries, %d heap entries", len(tk.entries), len(tk.heap))
	}
	for i, e := range tk.heap {
		if e.i != i {
			t.Fatalf("heap[%d] says it is at %d", i, e.i)
		}
		if tk.entries[topKey{e.Match, e.Type}] != e {
			t.Fatalf("heap[%d] (%s) is not in the map", i, e.Match)
		}
		if p := (i - 1) / 2; i > 0 && tk.heap[p].Count > e.Count {
			t.Fatalf("heap[%d] count %d above its child heap[%d] count %d", p, tk.heap[p].Count, i, e.Count)
		}
	}
}
