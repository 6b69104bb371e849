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
	// bytes is the estimated heap of the cached entries, bounded by
	// maxBytes: entries hold their match string and output, and a count
	// bound alone would let 64 KiB names pin gigabytes.
	bytes    atomic.Int64
	maxBytes int64

	// seen is the doorkeeper in front of the cache: one bit per key hash
	// that missed since the bits were last cleared. A key is cached on
	// its second miss, so match strings that never come again do not
	// churn the cache: a JMX attribute's value is part of its match string
	// (jmx_exporter's rules may match it), and a counter's value changes
	// every poll. Without it, every poll of a JVM would insert as many
	// entries as it has changing attributes until the cache is full.
	seen     []atomic.Uint64
	seenBits uint // log2 of the number of bits
	seenN    atomic.Int64
}

// seenBitsPerEntry sizes the doorkeeper: 16 bits per cache entry, cleared
// after a sixteenth of them were set, so a key that misses for the first
// time is taken for a second miss at most one time in sixteen. (The bits
// are 2 bytes per entry; untouched pages cost no memory.)
const seenBitsPerEntry = 16

// DefaultCacheBytes bounds the estimated heap of one rule set's match
// cache. Ordinary names (under 100 bytes) fill the 65,536 entries with a
// third of it.
const DefaultCacheBytes = 32 << 20

// maxCachedKey is the longest match string cached: longer ones are rare
// and would each take a large share of the budget.
const maxCachedKey = 4096

// size estimates the heap an entry holds.
func (e *entry) size() int64 {
	n := 160 + len(e.key) + len(e.name)
	if o := e.out; o != nil {
		n += 80 + len(o.help)
		for _, l := range o.labels {
			n += 32 + len(l.Name) + len(l.Value)
		}
	}
	return int64(n)
}

const cacheWays = 4

func newCache(size int) *cache {
	sets := 1
	for sets*cacheWays < size {
		sets *= 2
	}
	c := &cache{slots: make([]atomic.Pointer[entry], sets*cacheWays), mask: uint64(sets - 1), maxBytes: DefaultCacheBytes}
	c.seenBits = 6 // at least one word
	for 1<<c.seenBits < sets*cacheWays*seenBitsPerEntry {
		c.seenBits++
	}
	c.seen = make([]atomic.Uint64, 1<<(c.seenBits-6))
	return c
}

// admit reports whether the key of hash h (c.hash) missed before since the
// doorkeeper was last cleared, and notes that it missed now.
func (c *cache) admit(h uint64) bool {
	b := (h * 0x9e3779b97f4a7c15) >> (64 - c.seenBits) // other bits than the set index
	w, bit := &c.seen[b>>6], uint64(1)<<(b&63)
	if w.Load()&bit != 0 {
		return true
	}
	w.Or(bit)
	if c.seenN.Add(1) > int64(1)<<c.seenBits/seenBitsPerEntry {
		// Forget them all: racing lookups may lose a bit, which costs
		// them one more miss.
		c.seenN.Store(0)
		for i := range c.seen {
			c.seen[i].Store(0)
		}
	}
	return false
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

// get returns the entry for (s, t), whose hash is h (c.hash), or nil.
func (c *cache) get(h uint64, s string, t Type) *entry {
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

// put publishes e (whose key, typ and hash are set). An entry that would
// take the cache over its byte bound is not cached (its result is
// recomputed next time).
func (c *cache) put(e *entry) {
	if len(e.key) > maxCachedKey {
		return
	}
	size := e.size()
	set := c.set(e.hash)
	for i := range set {
		old := set[i].Load()
		if old == nil {
			if c.bytes.Load()+size > c.maxBytes {
				continue
			}
			if set[i].CompareAndSwap(nil, e) {
				c.bytes.Add(size)
				return
			}
			continue
		}
		if old.hash == e.hash && old.typ == e.typ && old.key == e.key {
			c.swap(&set[i], e, size) // raced with another insert of the same key
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
			c.swap(&set[i], e, size)
			return
		}
	}
	for i := range set {
		if old := set[i].Load(); old != nil {
			old.ref.Store(false)
		}
	}
	c.swap(&set[start], e, size)
}

// swap puts e (of size bytes) in slot, unless that takes the cache over
// its byte bound.
func (c *cache) swap(slot *atomic.Pointer[entry], e *entry, size int64) {
	var oldSize int64
	if old := slot.Load(); old != nil {
		oldSize = old.size()
	}
	if size > oldSize && c.bytes.Load()+size-oldSize > c.maxBytes {
		return
	}
	if old := slot.Swap(e); old != nil {
		size -= old.size()
	}
	c.bytes.Add(size)
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
