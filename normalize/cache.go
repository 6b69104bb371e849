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

type cacheKey struct {
	s string
	t Type
}

type cacheShard struct {
	mu   sync.RWMutex
	m    map[cacheKey]*entry
	ring []cacheKey
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
		c.shards[i].m = make(map[cacheKey]*entry, min(per, 1024))
		c.shards[i].max = per
	}
	return c
}

func (c *cache) shard(s string, t Type) *cacheShard {
	h := maphash.String(c.seed, s) + uint64(t)
	return &c.shards[h&c.mask]
}

func (c *cache) get(s string, t Type) *entry {
	sh := c.shard(s, t)
	sh.mu.RLock()
	e := sh.m[cacheKey{s, t}]
	sh.mu.RUnlock()
	if e != nil && !e.ref.Load() {
		e.ref.Store(true)
	}
	return e
}

func (c *cache) put(s string, t Type, e *entry) {
	sh := c.shard(s, t)
	k := cacheKey{s, t}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[k]; ok {
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
