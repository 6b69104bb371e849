package normalize

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The glob matcher is a trie over dot-separated segments: each node has
// exact-segment children and at most one "*" child. A "*" matches one whole
// segment, whatever it holds (also an empty one). Every node knows the
// smallest and largest number of segments still needed to reach a rule and
// the smallest rule index below it, so the search visits only branches that
// can still produce a better (earlier) rule.

type globNode struct {
	exact map[string]*globNode
	star  *globNode
	// rules ending exactly here, ascending rule index
	rules []int32
	// prio is the index this node's match competes with under ordering:
	// rules[0], except with statsd_exporter's quirks (see globTrie.quirks).
	prio int32
	// minRule is the smallest rule index ending here or below.
	minRule int32
	// minRest and maxRest bound the segments after this one on any path to
	// a rule.
	minRest, maxRest int
}

func newGlobNode() *globNode {
	return &globNode{minRule: math.MaxInt32, minRest: math.MaxInt, maxRest: -1}
}

// globTrie holds the glob rules for one record type class.
type globTrie struct {
	root    *globNode
	ordered bool // false: glob_disable_ordering
	empty   bool
	// quirks reproduces statsd_exporter's state machine exactly: a rule
	// whose path ends on a node an earlier rule created on its way (a.*
	// after a.*.c) never matches, and a second rule ending where an
	// earlier one ended lends the earlier rule its (later) priority.
	quirks bool
	// greedy is statsd_exporter's walk without backtracking, which it
	// takes under glob_disable_ordering when its heuristic
	// (statsdNeedsBacktracking) sees no need: at each segment the exact
	// child if it can still reach a rule of the name's length, else the
	// "*" child, and no second try. It misses names a rule matches (rules
	// *.*.b, c.b, c.b.b do not map c.a.b); statsd_exporter files keep
	// the misses, so that they give the same series in both.
	greedy bool
}

func newGlobTrie(ordered, quirks bool) *globTrie {
	return &globTrie{root: newGlobNode(), ordered: ordered, empty: true, quirks: quirks}
}

// validGlob checks a glob pattern with statsd_exporter's rules: segments
// separated by ".", each either "*" or a name of [a-zA-Z0-9_-] (the first
// segment must not start with a digit or a dash, later ones not with a dash).
func validGlob(p string) error {
	if p == "" {
		return fmt.Errorf("empty glob")
	}
	for i, seg := range strings.Split(p, ".") {
		if seg == "*" {
			continue
		}
		if seg == "" {
			return fmt.Errorf("empty segment %d", i+1)
		}
		for j := 0; j < len(seg); j++ {
			c := seg[j]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			case c >= '0' && c <= '9':
				if j == 0 && i == 0 {
					return fmt.Errorf("first segment %q starts with a digit", seg)
				}
			case c == '-':
				if j == 0 {
					return fmt.Errorf("segment %q starts with a dash", seg)
				}
			case c == '*':
				return fmt.Errorf("segment %q: \"*\" must be a whole segment", seg)
			default:
				return fmt.Errorf("segment %q: invalid character %q", seg, c)
			}
		}
	}
	return nil
}

// add inserts pattern for rule index idx; it returns whether the rule can
// match at all (see quirks).
func (t *globTrie) add(pattern string, idx int32) bool {
	t.empty = false
	segs := strings.Split(pattern, ".")
	n := t.root
	created := false
	for i, seg := range segs {
		rest := len(segs) - i
		n.minRest = min(n.minRest, rest)
		n.maxRest = max(n.maxRest, rest)
		n.minRule = min(n.minRule, idx)
		var next *globNode
		if seg == "*" {
			created = n.star == nil
			if n.star == nil {
				n.star = newGlobNode()
			}
			next = n.star
		} else {
			if n.exact == nil {
				n.exact = make(map[string]*globNode)
			}
			next = n.exact[seg]
			created = next == nil
			if next == nil {
				next = newGlobNode()
				n.exact[seg] = next
			}
		}
		n = next
	}
	n.minRest = min(n.minRest, 0)
	n.maxRest = max(n.maxRest, 0)
	n.minRule = min(n.minRule, idx)
	switch {
	case !t.quirks:
		n.rules = append(n.rules, idx) // rules are added in ascending order
		if len(n.rules) > 1 {
			return false // an earlier rule has the same glob
		}
		n.prio = idx
	case created:
		n.rules = append(n.rules, idx)
		n.prio = idx
	case len(n.rules) > 0:
		n.prio = idx
		return false
	default:
		return false
	}
	return true
}

// globMatch is the scratch state of one search.
type globMatch struct {
	s    string
	nseg int
	base int      // captures before the glob's own
	caps []string // captures on the current path
	best int32
	// bestPrio is the priority of best (see globNode.prio)
	bestPrio int32
	bcaps    []string // captures of the best match
}

// match returns the index of the matching rule (-1 for none) and appends
// the captured segments to caps (after what caps already holds); path is
// scratch space for the search.
func (t *globTrie) match(s string, caps, path []string) (int32, []string) {
	if t.empty {
		return -1, caps
	}
	m := globMatch{s: s, nseg: strings.Count(s, ".") + 1, best: math.MaxInt32, bestPrio: math.MaxInt32}
	m.caps = path[:0]
	m.bcaps = caps
	m.base = len(caps)
	switch {
	case t.ordered:
		m.searchAll(t.root, 0, 0)
	case t.greedy:
		m.searchGreedy(t.root)
	default:
		m.searchFirst(t.root, 0, 0)
	}
	if m.best == math.MaxInt32 {
		return -1, caps
	}
	return m.best, m.bcaps
}

// next returns the segment starting at pos and the position after it.
func (m *globMatch) segment(pos int) (string, int) {
	if i := strings.IndexByte(m.s[pos:], '.'); i >= 0 {
		return m.s[pos : pos+i], pos + i + 1
	}
	return m.s[pos:], len(m.s) + 1
}

// searchAll finds the earliest rule that matches (file order wins).
func (m *globMatch) searchAll(n *globNode, seg, pos int) {
	rest := m.nseg - seg
	if n.minRule >= m.bestPrio || rest < n.minRest || rest > n.maxRest {
		return
	}
	if rest == 0 {
		if len(n.rules) > 0 && n.prio < m.bestPrio {
			m.bestPrio = n.prio
			m.best = n.rules[0]
			m.bcaps = append(m.bcaps[:m.base], m.caps...)
		}
		return
	}
	field, npos := m.segment(pos)
	if c := n.exact[field]; c != nil {
		m.searchAll(c, seg+1, npos)
	}
	if n.star != nil {
		m.caps = append(m.caps, field)
		m.searchAll(n.star, seg+1, npos)
		m.caps = m.caps[:len(m.caps)-1]
	}
}

// searchFirst returns at the first complete match, preferring an exact
// segment over "*" at every level (glob_disable_ordering).
func (m *globMatch) searchFirst(n *globNode, seg, pos int) bool {
	rest := m.nseg - seg
	if rest < n.minRest || rest > n.maxRest {
		return false
	}
	if rest == 0 {
		if len(n.rules) > 0 {
			m.best = n.rules[0]
			m.bcaps = append(m.bcaps[:m.base], m.caps...)
			return true
		}
		return false
	}
	field, npos := m.segment(pos)
	if c := n.exact[field]; c != nil && m.searchFirst(c, seg+1, npos) {
		return true
	}
	if n.star != nil {
		m.caps = append(m.caps, field)
		ok := m.searchFirst(n.star, seg+1, npos)
		m.caps = m.caps[:len(m.caps)-1]
		return ok
	}
	return false
}

// searchGreedy follows one path (see globTrie.greedy): at every segment
// the exact child, when the name's remaining segments fit its bounds, else
// the "*" child when they fit its bounds; a dead end is no match.
func (m *globMatch) searchGreedy(n *globNode) {
	pos := 0
	for seg := range m.nseg {
		field, npos := m.segment(pos)
		rest := m.nseg - seg - 1
		if c := n.exact[field]; c != nil && rest >= c.minRest && rest <= c.maxRest {
			n = c
		} else if c := n.star; c != nil && rest >= c.minRest && rest <= c.maxRest {
			m.caps = append(m.caps, field)
			n = c
		} else {
			return
		}
		pos = npos
	}
	if len(n.rules) > 0 {
		m.best = n.rules[0]
		m.bcaps = append(m.bcaps[:m.base], m.caps...)
	}
}

// statsdNeedsBacktracking is statsd_exporter's prediction (its
// TestIfNeedBacktracking) of whether the glob rules of a file with
// glob_disable_ordering need a backtracking search; globs are all the
// file's glob patterns, in file order. Among the rules with the same
// number of segments, a rule with a "*" needs it when another rule has
// the same segments before its first "*", unless another rule covers it
// or it covers another rule (segment by segment, "*" covering any
// segment, "*" included). Rules are told apart by position, so a repeated
// glob is "another rule".
func statsdNeedsBacktracking(globs []string) bool {
	byLen := map[int][][]string{}
	for _, g := range globs {
		segs := strings.Split(g, ".")
		byLen[len(segs)] = append(byLen[len(segs)], segs)
	}
	for _, group := range byLen {
		for i, r1 := range group {
			first := slices.Index(r1, "*")
			if first < 0 {
				continue
			}
			shares := false
			for j, r2 := range group {
				if j != i && slices.Equal(r1[:first], r2[:first]) {
					shares = true
					break
				}
			}
			if !shares {
				continue
			}
			covered := false
			for j, r2 := range group {
				if j != i && (globCovers(r1, r2) || globCovers(r2, r1)) {
					covered = true
					break
				}
			}
			if !covered {
				return true
			}
		}
	}
	return false
}

// globCovers reports whether every segment of a is "*" or b's segment (a
// and b have the same length).
func globCovers(a, b []string) bool {
	for k := range a {
		if a[k] != "*" && a[k] != b[k] {
			return false
		}
	}
	return true
}
