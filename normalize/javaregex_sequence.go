package normalize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sequences, alternatives and the quantifiers after an atom (greedy, lazy,
// possessive, counts), written for RE2 or the backtracking engine.

// alternation: sequence ('|' sequence)*, up to ')' or the end.
func (t *javaTranslator) alternation(depth int) error {
	saved := t.flags
	defer func() { t.flags = saved }()
	// Java studies each alternative of a branch on its own; a single
	// one continues the enclosing sequence.
	pre := t.ti
	var alts []javaTreeInfo
	for {
		t.ti = newJavaTreeInfo()
		if err := t.sequence(depth); err != nil {
			return err
		}
		alts = append(alts, t.ti)
		if t.peek() != '|' {
			break
		}
		t.next()
		t.out.WriteByte('|')
	}
	if len(alts) == 1 {
		t.ti = pre.then(alts[0])
	} else {
		t.ti = pre.then(javaBranch(alts))
	}
	return nil
}

// sequence: atoms with their quantifiers.
func (t *javaTranslator) sequence(depth int) error {
	// the previous atom, for a quantifier after an empty \Q\E
	prevStart, prevGroups, prevQuantifiable := -1, 0, false
	var (
		prevPre, prevAtom javaTreeInfo
		prevGroup         javaGroupInfo
		prevLeaf          javaLeaf
		prevQuoteLen      int
	)
	for {
		c := t.peek()
		switch c {
		case -1, '|':
			return nil
		case ')':
			if depth == 0 {
				return t.errAt(t.pos, "Unmatched closing ')'")
			}
			return nil
		case '*', '+', '?':
			return t.errAt(t.pos, "Dangling meta character '%c'", c)
		}
		if c == '{' {
			if err := t.emptyCount(); err != nil {
				return err
			}
			continue
		}
		start, groups := t.out.Len(), len(t.names)
		t.noAtom, t.emptyQuote = false, false
		t.quoteStart = -1
		t.lastGroup = javaGroupInfo{}
		pre := t.ti
		t.ti = newJavaTreeInfo()
		t.leaf = leafChar
		quantifiable, err := t.atom(depth)
		if err != nil {
			return err
		}
		atomInfo := t.ti // a group's body
		if !t.lastGroup.valid {
			atomInfo = t.leafInfo()
		}
		t.ti = pre
		if t.quoteStart >= 0 {
			// set by this atom (a nested sequence resets it after use)
			start = t.quoteStart
			t.quoteStart = -1
		}
		if t.noAtom {
			t.noAtom = false // not seen by an enclosing sequence
			// inline flags are no atom: a quantifier after them dangles
			switch c := t.peek(); c {
			case '*', '+', '?':
				return t.errAt(t.pos, "Dangling meta character '%c'", c)
			}
			continue
		}
		if t.emptyQuote {
			t.emptyQuote = false
			if c := t.peek(); c == '*' || c == '+' || c == '?' || c == '{' && prevStart >= 0 {
				if prevStart < 0 {
					return t.errAt(t.pos, "Dangling meta character '%c'", c)
				}
				t.lastGroup, t.leaf, t.quoteLen = prevGroup, prevLeaf, prevQuoteLen
				contrib, err := t.quantifiers(prevStart, prevGroups, prevQuantifiable, prevAtom)
				if err != nil {
					return err
				}
				t.ti = prevPre.then(contrib)
				prevStart = -1 // quantified: another quantifier dangles
			}
			continue
		}
		before := t.out.Len()
		contrib, err := t.quantifiers(start, groups, quantifiable, atomInfo)
		if err != nil {
			return err
		}
		t.ti = pre.then(contrib)
		prevStart, prevGroups, prevQuantifiable = start, groups, quantifiable
		prevPre, prevAtom, prevGroup, prevLeaf, prevQuoteLen = pre, atomInfo, t.lastGroup, t.leaf, t.quoteLen
		if t.out.Len() != before {
			prevStart = -1
		}
	}
}

// emptyCount reads a count where an atom starts: Java repeats nothing
// ({0} and {2} match ""), or refuses what is no count.
func (t *javaTranslator) emptyCount() error {
	save := t.pos
	t.next()
	lo, hi, ok, overflow := t.curly()
	if !ok {
		return t.errAt(save, "Illegal repetition")
	}
	if overflow {
		return t.errAt(t.pos-1, "Illegal repetition range")
	}
	if hi >= 0 && hi < lo {
		return t.errAt(t.pos-1, "Illegal repetition range")
	}
	if c := t.peek(); c == '?' || c == '+' {
		t.next()
	}
	return nil
}

// quantifiers applies the quantifiers after an atom written from start;
// it returns the TreeInfo of the atom (atom) with its quantifier.
func (t *javaTranslator) quantifiers(start, groups int, quantifiable bool, atom javaTreeInfo) (javaTreeInfo, error) {
	first := true
	contrib := atom
	for {
		c := t.peek()
		lo, hi := 0, -1 // the counts, hi -1 for no bound
		var q string
		bigCount := false
		atomInfo := atom
		// repeats: more than one iteration. The captures of a group
		// repeated that way (the last iteration's, empty ones included)
		// are a backtracking engine's, not RE2's: (a*)*0 on "aa0" gives
		// "" in Java, "aa" in RE2.
		repeats := false
		switch c {
		case '*', '+', '?':
			if !first {
				return contrib, t.errAt(t.pos, "Dangling meta character '%c'", c)
			}
			t.next()
			q = string(c)
			repeats = c != '?'
			switch c {
			case '+':
				lo = 1
			case '?':
				hi = 1
			}
		case '{':
			save := t.pos
			t.next()
			var ok, overflow bool
			lo, hi, ok, overflow = t.curly()
			if !ok {
				t.pos = save
				return contrib, t.errAt(save, "Illegal repetition")
			}
			if overflow {
				// Java's int arithmetic overflows
				return contrib, t.errAt(t.pos-1, "Illegal repetition range")
			}
			if hi >= 0 && hi < lo {
				return contrib, t.errAt(t.pos-1, "Illegal repetition range")
			}
			if !first {
				// Java accepts a count after a quantifier (a*{2}) and it
				// changes nothing: a{1,2}{3} does not match "aaa".
				if c := t.peek(); c == '?' || c == '+' {
					t.next()
				}
				continue
			}
			bigCount = lo > 1000 || hi > 1000
			repeats = lo > 1 || hi != 1
			switch {
			case hi == lo:
				q = fmt.Sprintf("{%d}", lo)
			case hi < 0:
				q = fmt.Sprintf("{%d,}", lo)
			default:
				q = fmt.Sprintf("{%d,%d}", lo, hi)
			}
		default:
			return contrib, nil
		}
		atom := t.out.String()[start:]
		if !quantifiable || !first {
			// wrap lookarounds, anchors and quantified atoms
			atom = "(?:" + atom + ")"
		}
		mode := ""
		switch t.peek() {
		case '?':
			t.next()
			mode = "?"
		case '+':
			t.next()
			mode = "+"
		}
		if bigCount || repeats && len(t.names) > groups {
			t.needs()
		}
		if first {
			contrib = t.javaQuantified(atomInfo, lo, hi, mode)
			t.markQuantifiedStale(atomInfo, lo, hi, mode)
		}
		// Java's GroupCurly gives a group its value back when an
		// iteration beyond the required ones matched empty: a capturing
		// group whose body only ever matches empty, repeated from zero
		// times, is never set there ("()*.\\1" does not match "0"),
		// where Perl's and .NET's loops set it to "".
		ai := atomInfo.resolved()
		g := t.lastGroup
		neverSet := first && g.valid && g.capturing && !g.assertion && mode != "+" && lo == 0 && hi != 1 &&
			ai.det && ai.valid && ai.max == 0 && !ai.inf
		var b strings.Builder
		switch {
		case neverSet:
			b.WriteString(`(?:[^\x{0}-\x{10ffff}]` + atom + `)?`)
		case mode == "+" && t.bt:
			b.WriteString("(?>" + atom + q + ")")
		case mode == "+":
			t.needs()
			b.WriteString(atom + q)
		default:
			b.WriteString(atom + q + mode)
		}
		s := t.out.String()[:start] + b.String()
		t.out.Reset()
		t.out.WriteString(s)
		first = false
		quantifiable = false
	}
}

// curly reads "n}", "n,}" or "n,m}" after '{'; hi is -1 for no bound.
func (t *javaTranslator) curly() (lo, hi int, ok, overflow bool) {
	num := func() (int, bool) {
		start := t.pos
		for !t.eof() && t.src[t.pos] >= '0' && t.src[t.pos] <= '9' {
			t.pos++
		}
		if t.pos == start {
			return 0, false
		}
		n, err := strconv.ParseInt(t.src[start:t.pos], 10, 64)
		if err != nil || n > math.MaxInt32 {
			overflow = true // Java's int arithmetic overflows
		}
		return int(min(n, math.MaxInt32)), true
	}
	lo, ok = num()
	if !ok {
		return 0, 0, false, false
	}
	hi = lo
	if !t.eof() && t.src[t.pos] == ',' {
		t.pos++
		hi = -1
		if !t.eof() && t.src[t.pos] != '}' {
			if hi, ok = num(); !ok {
				return 0, 0, false, false
			}
		}
	}
	if t.eof() || t.src[t.pos] != '}' {
		return 0, 0, false, false
	}
	t.pos++
	return lo, hi, true, overflow
}
