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

// markQuantifiedStale marks the groups that a quantifier (lo to hi times,
// mode "", "?" or "+") on the group just read (atom: its TreeInfo) makes
// part of a Java sub-match.
func (t *javaTranslator) markQuantifiedStale(atom javaTreeInfo, lo, hi int, mode string) {
	g := t.lastGroup
	if !g.valid || g.assertion {
		return
	}
	switch {
	case mode == "+":
		// a possessive group: Java's Curly or Ques matches it
		// as a sub-match, its own capture included
		from := g.innerFrom
		if g.capturing {
			from--
		}
		t.markStale(from, len(t.names))
	case (lo != 0 || hi != 1) && atom.resolved().det:
		// GroupCurly: the group's own capture is restored when
		// it backs off, the groups inside it are not
		t.markStale(g.innerFrom, len(t.names))
	}
}
