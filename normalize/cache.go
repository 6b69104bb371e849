package normalize

import "sync/atomic"

// cache is a bounded, lock-free map of match results keyed by (match
// string, type). It is set-associative: a key hashes to a set of 4 slots;
// a lookup reads at most 4 pointers (atomically, so readers never lock or
// write shared memory beyond setting a reference bit once). An insert takes
// an empty slot of its set or replaces an entry not used since the set's
// reference bits were last cleared (all are cleared when all four were
// used). When far more names are in use
// than the cache holds, eviction stays local to a set and about random, so
// it degrades gradually instead of thrashing, and it never starts a
// goroutine. Entries are immutable once published.
type cache struct {
	slots []atomic.Pointer[entry]
	mask  uint64 // sets - 1
}

const cacheWays = 4

func newCache(size int) *cache {
	sets := 1
	for sets*cacheWays < size {
		sets *= 2
	}
	return &cache{slots: make([]atomic.Pointer[entry], sets*cacheWays), mask: uint64(sets - 1)}
}

// hash combines the match string's hash (MatchHash; 0 means compute it)
// with the type.
func (c *cache) hash(s string, sh uint64, t Type) uint64 {
	if sh == 0 {
		sh = matchHashString(s)
	}
	return sh ^ uint64(t)*0x9e3779b97f4a7c15
}

func (c *cache) set(h uint64) []atomic.Pointer[entry] {
	base := (h & c.mask) * cacheWays
	return c.slots[base : base+cacheWays : base+cacheWays]
}

func (c *cache) get(s string, sh uint64, t Type) *entry {
	h := c.hash(s, sh, t)
	set := c.set(h)
	for i := range set {
		e := set[i].Load()
		if e != nil && e.hash == h && e.typ == t && e.key == s {
			if !e.ref.Load() {
				e.ref.Store(true)
			}
			return e
		}
	}
	return nil
}

// put publishes e (whose key and typ are set).
func (c *cache) put(e *entry) {
	e.hash = c.hash(e.key, 0, e.typ)
	set := c.set(e.hash)
	for i := range set {
		old := set[i].Load()
		if old == nil {
			if set[i].CompareAndSwap(nil, e) {
				return
			}
			continue
		}
		if old.hash == e.hash && old.typ == e.typ && old.key == e.key {
			set[i].Store(e) // raced with another insert of the same key
			return
		}
	}
	// Replace an entry not used since the set was last cleared, looking
	// from a rotating start; if all were used, clear their bits and
	// replace one.
	start := int(e.hash >> 62)
	for k := range set {
		i := (start + k) % cacheWays
		if old := set[i].Load(); old == nil || !old.ref.Load() {
			set[i].Store(e)
			return
		}
	}
	for i := range set {
		if old := set[i].Load(); old != nil {
			old.ref.Store(false)
		}
	}
	set[start].Store(e)
}

// len returns the number of cached entries.
func (c *cache) len() int {
	n := 0
	for i := range c.slots {
		if c.slots[i].Load() != nil {
			n++
		}
	}
	return n
}
