package normalize

import (
	"hash/maphash"
	"sync"
)

// cache is a bounded map of match results keyed by (match string, type).
// It is split into shards, each with its own lock, map and a clock ring for
// eviction: a hit sets the entry's reference bit (only when it is clear, so
// hot entries cost no writes), and an insert into a full shard advances the
// hand, clearing bits, until it finds an entry not used since the last pass.
// When far more names are in use than the cache holds, the clock degrades
// to about random eviction instead of thrashing like an LRU list would, and
// no goroutine is ever started.
type cache struct {
	seed   maphash.Seed
	shards []cacheShard
	mask   uint64
}

type cacheShard struct {
	mu   sync.RWMutex
	m    map[uint64]*entry // by hash; the entry holds its key
	ring []uint64
	hand int
	max  int
	_    [40]byte // keep shards on separate cache lines
}

func newCache(size int) *cache {
	n := 1
	for n < 64 && n*64 < size {
		n *= 2
	}
	per := (size + n - 1) / n
	c := &cache{seed: maphash.MakeSeed(), shards: make([]cacheShard, n), mask: uint64(n - 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[uint64]*entry, min(per, 1024))
		c.shards[i].max = per
	}
	return c
}

func (c *cache) hash(s string, t Type) uint64 {
	return maphash.String(c.seed, s) ^ uint64(t)*0x9e3779b97f4a7c15
}

func (c *cache) get(s string, t Type) *entry {
	h := c.hash(s, t)
	sh := &c.shards[h&c.mask]
	sh.mu.RLock()
	e := sh.m[h]
	sh.mu.RUnlock()
	if e == nil || e.key != s || e.typ != t {
		return nil // a 64-bit hash collision counts as a miss
	}
	if !e.ref.Load() {
		e.ref.Store(true)
	}
	return e
}

// put stores e (whose key and typ are set), replacing a colliding entry.
func (c *cache) put(e *entry) {
	h := c.hash(e.key, e.typ)
	sh := &c.shards[h&c.mask]
	k := h
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[k]; ok {
		sh.m[k] = e
		return
	}
	if len(sh.ring) < sh.max {
		sh.ring = append(sh.ring, k)
		sh.m[k] = e
		return
	}
	// Clock: at most one full turn clearing bits, then evict.
	for i := 0; i < len(sh.ring); i++ {
		old := sh.m[sh.ring[sh.hand]]
		if old == nil || !old.ref.Load() {
			break
		}
		old.ref.Store(false)
		sh.hand = (sh.hand + 1) % len(sh.ring)
	}
	delete(sh.m, sh.ring[sh.hand])
	sh.ring[sh.hand] = k
	sh.m[k] = e
	sh.hand = (sh.hand + 1) % len(sh.ring)
}

// len returns the number of cached entries.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.RLock()
		n += len(c.shards[i].m)
		c.shards[i].mu.RUnlock()
	}
	return n
}
