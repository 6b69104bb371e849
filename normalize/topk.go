package normalize

import (
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
)

// TopK keeps the most frequent unmatched match strings of a pipeline, with
// bounded memory whatever arrives. It is space-saving with a randomized
// admission policy (Ben Basat et al., "Randomized admission policy for
// efficient top-k and frequency estimation", INFOCOM 2017): while it has
// room, every name is counted exactly; when it is full, a new name
// replaces the least counted one, inheriting its count (kept in Error, the
// uncertainty of Count), only with probability 1/(that count+1).
//
// Plain space-saving replaced an entry for every new name: with more
// distinct unmatched names than k (an application's 10k request counters
// that no rule maps) that was a clone, three map operations and a scan of
// k entries per record, most of the ingest's CPU. Now a name that is not
// kept costs one map lookup and a random number nearly always, and the
// names that keep arriving still take their place: a frequent name is
// admitted after about min count arrivals, as a new one in space-saving
// would be after the same count. The entries are also a min-heap by count,
// so the least counted one is at hand.
type TopK struct {
	mu      sync.Mutex
	k       int
	entries map[topKey]*topItem
	heap    []*topItem // heap[0] has the lowest count
	// rand is the admission's random source (tests make it
	// deterministic).
	rand func() uint64
	// version changes whenever the set of names changes (not their
	// counts): what is derived from the names alone is cached by it.
	version uint64
}

type topKey struct {
	match string
	typ   Type
}

type topItem struct {
	TopEntry
	i int // index in TopK.heap
}

// TopEntry is one name TopK keeps.
type TopEntry struct {
	Match string
	Type  Type
	Count uint64
	// Error bounds the overestimate of Count.
	Error uint64
	Last  time.Time
}

// NewTopK returns a tracker of the k most frequent names.
func NewTopK(k int) *TopK {
	return &TopK{k: k, entries: make(map[topKey]*topItem, k), heap: make([]*topItem, 0, k), rand: rand.Uint64}
}

// add counts names (one batch's unmatched records).
func (t *TopK) add(recs []topKey, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range recs {
		if e, ok := t.entries[r]; ok {
			e.Count++
			e.Last = now
			t.down(e.i)
			continue
		}
		if t.k <= 0 {
			continue
		}
		if len(t.heap) < t.k {
			t.version++
			r.match = strings.Clone(r.match)
			e := &topItem{TopEntry: TopEntry{Match: r.match, Type: r.typ, Count: 1, Last: now}, i: len(t.heap)}
			t.entries[r] = e
			t.heap = append(t.heap, e)
			t.up(e.i)
			continue
		}
		if t.rand()%(t.heap[0].Count+1) != 0 {
			continue
		}
		// The least counted entry is replaced in place: its count only
		// grows, so it moves down.
		t.version++
		r.match = strings.Clone(r.match)
		e := t.heap[0]
		delete(t.entries, topKey{e.Match, e.Type})
		e.Error = e.Count
		e.Count++
		e.Match, e.Type, e.Last = r.match, r.typ, now
		t.entries[r] = e
		t.down(0)
	}
}

func (t *TopK) swap(i, j int) {
	h := t.heap
	h[i], h[j] = h[j], h[i]
	h[i].i, h[j].i = i, j
}

func (t *TopK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if t.heap[p].Count <= t.heap[i].Count {
			return
		}
		t.swap(i, p)
		i = p
	}
}

func (t *TopK) down(i int) {
	n := len(t.heap)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && t.heap[c+1].Count < t.heap[c].Count {
			c++
		}
		if t.heap[i].Count <= t.heap[c].Count {
			return
		}
		t.swap(i, c)
		i = c
	}
}

// Version identifies the current set of names: it changes when a name is
// added or replaced, not when a count grows.
func (t *TopK) Version() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.version
}

// Top returns the entries, most counted first.
func (t *TopK) Top() []TopEntry {
	t.mu.Lock()
	out := make([]TopEntry, 0, len(t.heap))
	for _, e := range t.heap {
		out = append(out, e.TopEntry)
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Match < out[j].Match
	})
	return out
}
