package jmx

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/rosetta-adapter/rosetta/inputs/jmx/mbean"
)

// TestSortNamesByCache: over polls whose beans come and go (some never
// cached, as a bean whose MBeanInfo fails), in any order and with
// duplicates, sortNames returns what sorting and removing duplicates
// does, while the cache keeps the positions scrapeTo gives it.
func TestSortNamesByCache(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := &scraper{cache: map[string]*beanMeta{}}
	for poll := range 200 {
		var names []string
		for range r.IntN(300) {
			names = append(names, "d:type=T,index="+strconv.Itoa(r.IntN(400)))
		}
		want := slices.Compact(slices.Sorted(slices.Values(names)))
		got := s.sortNames(slices.Clone(names))
		if !slices.Equal(got, want) {
			t.Fatalf("poll %d: %q, want %q", poll, got, want)
		}
		// What scrapeTo does with the cache.
		s.gen++
		s.lastNames = len(got)
		for i, n := range got {
			if m := s.cache[n]; m != nil {
				m.gen, m.pos = s.gen, i
			} else if r.IntN(10) > 0 {
				s.cache[n] = &beanMeta{gen: s.gen, pos: i, name: mbean.BeanName{Name: n}}
			}
		}
		for n, m := range s.cache {
			if m.gen != s.gen {
				delete(s.cache, n)
			}
		}
	}
}
