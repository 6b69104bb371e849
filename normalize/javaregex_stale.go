package normalize

// Stale groups: the captures java.util.regex keeps from a sub-match that
// later failed (JavaRegexStaleGroups), where Rosetta's engines forget them.

// staleGroups returns t.stale sorted.
func (t *javaTranslator) staleGroups() []int {
	var out []int
	for g := 1; g < len(t.names); g++ {
		if t.stale[g] {
			out = append(out, g)
		}
	}
	return out
}

// markStale marks groups from..to-1.
func (t *javaTranslator) markStale(from, to int) {
	for g := from; g < to; g++ {
		if t.stale == nil {
			t.stale = map[int]bool{}
		}
		t.stale[g] = true
	}
}
