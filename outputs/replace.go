package outputs

import (
	"sync"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Replace: a pull source writes each poll as the complete set of its
// series, and the ones the poll no longer produced are removed.

type sourceState struct {
	mu      sync.Mutex
	gen     uint64
	members map[*series]uint64
}

// Replace stores batch as the complete set of source's series: series that
// source wrote in an earlier Replace and not in this one are removed. Calls
// for different sources may run concurrently; calls for one source must
// not overlap (one poller per target).
func (s *Store) Replace(source string, batch []normalize.Sample) {
	r := s.beginReplace(source)
	r.Write(batch)
	r.End()
}

// BeginReplace is Replace in parts, for a poller that writes a poll's
// samples as they come instead of holding them all: the series written
// through the returned replacement until its End are the complete set of
// source's series. Until End, calls for source wait (one poller per
// target).
func (s *Store) BeginReplace(source string) normalize.SinkReplacement {
	return s.beginReplace(source)
}

// replacement is one Replace in progress; it holds its source's lock.
type replacement struct {
	s      *Store
	source string
	st     *sourceState
}

func (s *Store) beginReplace(source string) *replacement {
	s.srcMu.Lock()
	st := s.sources[source]
	if st == nil {
		st = &sourceState{members: map[*series]uint64{}}
		s.sources[source] = st
	}
	s.srcMu.Unlock()
	st.mu.Lock()
	st.gen++
	return &replacement{s: s, source: source, st: st}
}

// Write stores a part of the samples. It keeps nothing batch points to.
func (r *replacement) Write(batch []normalize.Sample) {
	s, st := r.s, r.st
	now := s.now().UnixNano()
	for i := range batch {
		se := s.writeFrom(&batch[i], now, true)
		if se == nil && r.takeOver(&batch[i]) {
			se = s.writeFrom(&batch[i], now, true)
		}
		if se != nil {
			st.members[se] = st.gen
		}
	}
}

// takeOver removes the family of smp's name when its type is not smp's,
// this source's earlier polls made all its live series and this poll has
// not written any yet, so that smp, which the family refused (a name whose
// type changed from one poll to the next: a gauge, then a counter), can
// make it anew. A puller's peer (jmx_exporter) forgets each scrape and
// serves the new type at once; the family would otherwise stay until End
// and the poll would serve the name in neither type. It reports whether it
// removed anything.
func (r *replacement) takeOver(smp *normalize.Sample) bool {
	s, st := r.s, r.st
	k, reason := kindOf(smp)
	if reason != "" {
		return false
	}
	s.famMu.Lock()
	f := s.families[smp.Name]
	var stale []*series
	if f != nil && f.typ != k.metricType() {
		for _, se := range f.members {
			if se.removed {
				continue
			}
			if g, ok := st.members[se]; !ok || g == st.gen {
				s.famMu.Unlock()
				return false // another source's, or this poll's
			}
			stale = append(stale, se)
		}
	}
	s.famMu.Unlock()
	if len(stale) == 0 {
		return false
	}
	for _, se := range stale {
		r.drop(se)
	}
	return true
}

// drop removes se, a series of the source no longer produced, from the
// source and the store.
func (r *replacement) drop(se *series) {
	s := r.s
	delete(r.st.members, se)
	sh := &s.shards[se.hash%numShards]
	sh.mu.Lock()
	if !se.dead.Load() {
		s.remove(sh, se)
		s.m.replaced.Inc()
	}
	sh.mu.Unlock()
}

// End removes the series of the source that were not written since the
// replacement began, and releases the source.
func (r *replacement) End() {
	s, st := r.s, r.st
	defer st.mu.Unlock()
	for se, g := range st.members {
		if g != st.gen {
			r.drop(se) // deleting from the map being ranged over is safe
		}
	}
	if len(st.members) == 0 {
		s.srcMu.Lock()
		if s.sources[r.source] == st {
			delete(s.sources, r.source)
		}
		s.srcMu.Unlock()
	}
}
