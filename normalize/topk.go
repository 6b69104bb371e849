package normalize

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// TopK keeps the most frequent unmatched match strings of a pipeline, with
// bounded memory whatever arrives (the space-saving algorithm: when it is
// full, a new name replaces the least counted one and inherits its count,
// so a count can overestimate by at most the replaced one's, kept in
// Error).
type TopK struct {
	mu      sync.Mutex
	k       int
	entries map[topKey]*TopEntry
	// version changes whenever the set of names changes (not their
	// counts): what is derived from the names alone is cached by it.
	version uint64
}

type topKey struct {
	match string
	typ   Type
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
	return &TopK{k: k, entries: make(map[topKey]*TopEntry, k)}
}

// add counts names (one batch's unmatched records).
func (t *TopK) add(recs []topKey, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range recs {
		if e, ok := t.entries[r]; ok {
			e.Count++
			e.Last = now
			continue
		}
		r.match = strings.Clone(r.match)
		t.version++
		if len(t.entries) < t.k {
			t.entries[r] = &TopEntry{Match: r.match, Type: r.typ, Count: 1, Last: now}
			continue
		}
		var minK topKey
		var minE *TopEntry
		for k, e := range t.entries {
			if minE == nil || e.Count < minE.Count {
				minK, minE = k, e
			}
		}
		delete(t.entries, minK)
		t.entries[r] = &TopEntry{Match: r.match, Type: r.typ, Count: minE.Count + 1, Error: minE.Count, Last: now}
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
	out := make([]TopEntry, 0, len(t.entries))
	for _, e := range t.entries {
		out = append(out, *e)
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
