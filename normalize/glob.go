package normalize

import (
	"fmt"
	"math"
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
	if t.ordered {
		m.searchAll(t.root, 0, 0)
	} else {
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
