package normalize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Java regular expressions (java.util.regex.Pattern, what jmx_exporter's
// patterns are) are translated here into a pattern that means the same to
// Go: Java's character classes (nested, intersected, negated, ASCII case
// folding, \p{javaLowerCase}, POSIX names) are computed and written out as
// plain ranges; `.`, `$`, \s, \h, \v, \R and (?i) get their Java meaning
// explicitly. What RE2 can express stays on RE2; lookaround, atomic groups,
// possessive quantifiers, backreferences and counts over 1000 need the
// backtracking engine and are written in its (.NET) syntax. What Java
// rejects is an error with its offset; the few Java constructs Rosetta
// cannot reproduce are clear errors too.

// JavaRegexError is a syntax error in a Java pattern.
type JavaRegexError struct {
	// Offset is the byte offset in the pattern where the error was found.
	Offset int
	Desc   string
}

func (e *JavaRegexError) Error() string {
	return fmt.Sprintf("offset %d: %s", e.Offset, e.Desc)
}

// javaTranslation is a translated Java pattern.
type javaTranslation struct {
	expr string
	// backtrack: expr is for the backtracking engine (.NET syntax);
	// otherwise it is RE2 syntax.
	backtrack bool
	// names[i] is the name of group i ("" if unnamed); len(names) is the
	// number of groups plus one.
	names []string
	// stale lists the groups (ascending) whose value Java may keep from
	// an attempt that failed: see javaTranslator.stale.
	stale []int
}

// translateJava translates pattern p.
func translateJava(p string) (*javaTranslation, error) {
	p = removeQEQuoting(p)
	// A first pass counts groups (a backreference may name a later one)
	// and finds out whether RE2 will do.
	t := &javaTranslator{src: p}
	if err := t.run(); err != nil {
		return nil, err
	}
	// Java's matches(): the whole input, whatever the pattern's top
	// level alternatives are.
	if !t.needBT {
		return &javaTranslation{expr: `\A(?:` + t.out.String() + `)\z`, names: t.names, stale: t.staleGroups()}, nil
	}
	t2 := &javaTranslator{src: p, bt: true, totalGroups: len(t.names) - 1}
	if err := t2.run(); err != nil {
		return nil, err
	}
	return &javaTranslation{expr: `\A(?:` + t2.out.String() + `)\z`, backtrack: true, names: t2.names, stale: t2.staleGroups()}, nil
}

// removeQEQuoting does what Java does before it parses a pattern: the
// text between \Q and \E (or the end) becomes escaped characters, so that
// {\Q\E0} is {0} and 0\Q\E* is 0*.
func removeQEQuoting(p string) string {
	if !strings.Contains(p, `\Q`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '\\' || i+1 >= len(p) {
			b.WriteByte(c)
			continue
		}
		if p[i+1] != 'Q' {
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		}
		i += 2
		for begin := true; i < len(p); i, begin = i+1, false {
			if p[i] == '\\' && i+1 < len(p) && p[i+1] == 'E' {
				i++
				break
			}
			switch c := p[i]; {
			case c >= '0' && c <= '9' && begin:
				// as Java: not to extend an escape before the quote
				b.WriteString(`\x3`)
			case c < 0x80 && !isAlnum(rune(c)):
				b.WriteByte('\\')
			}
			b.WriteByte(p[i])
		}
	}
	return b.String()
}

// JavaRegexGroups checks a Java pattern (whether Java accepts it, and
// whether Rosetta can reproduce what it means; the error is a
// *JavaRegexError) and returns its number of capturing groups.
func JavaRegexGroups(p string) (int, error) {
	tr, err := translateJava(p)
	if err != nil {
		return 0, err
	}
	return len(tr.names) - 1, nil
}

// JavaRegexStaleGroups returns the groups of a Java pattern whose value
// java.util.regex may keep from an attempt that failed, where Rosetta's
// engines (like Perl's and .NET's) forget it: groups inside a lookaround
// or an atomic group, inside a group repeated possessively, or inside a
// fixed-length group repeated by *, + or {n,m}. Java matches those as
// sub-matches whose captures backtracking does not undo: (?:((a))*a) on
// "a" gives group 2 "a" in Java (from the iteration given back), "" here.
// The match itself and every other group are the same.
//
// It also returns the group names (names[i] of group i, "" if unnamed).
func JavaRegexStaleGroups(p string) (stale []int, names []string, err error) {
	tr, err := translateJava(p)
	if err != nil {
		return nil, nil, err
	}
	return tr.stale, tr.names, nil
}

// Java flags Rosetta handles.
const (
	flagI uint8 = 1 << iota // CASE_INSENSITIVE
	flagS                   // DOTALL
	flagX                   // COMMENTS
	flagU                   // UNICODE_CASE
)

type javaTranslator struct {
	src string
	pos int
	bt  bool // writing for the backtracking engine
	out strings.Builder

	flags        uint8
	names        []string
	totalGroups  int // groups in the whole pattern (second pass)
	needBT       bool
	inLookbehind int
	// quoteStart is where the last character of a \Q...\E starts in
	// out (a quantifier applies to it alone), -1 for other atoms.
	quoteStart int
	// noAtom: what was read is no atom (inline flags); emptyQuote: it
	// was an empty \Q\E.
	noAtom, emptyQuote bool

	// Java's captures in sub-matches. java.util.regex matches the body
	// of a lookaround, of an atomic group, of a possessive repetition of
	// a group and of a repeated group Java deems deterministic (its
	// GroupCurly: no alternation, no ?, no variable count) as a
	// sub-match ending in its own accept node; the groups such a body
	// sets stay set when the match later backtracks past it, where
	// backtracking engines unset them. stale marks those groups.
	stale map[int]bool
	// lastGroup describes the atom just read when it is a group, for
	// its quantifier.
	lastGroup javaGroupInfo

	// ti is Java's TreeInfo of what was read so far in the current
	// sequence (see javaTreeInfo); leaf is the kind of the atom just
	// read when it is no group.
	ti   javaTreeInfo
	leaf javaLeaf
	// quoteLen is the number of characters of the last \Q...\E atom.
	quoteLen int
	// lookbehinds counts the lookbehinds written forwards (their names).
	lookbehinds int
}

// javaLeaf is the kind of node Java makes of an atom that is no group.
type javaLeaf int

const (
	leafChar    javaLeaf = iota // a CharProperty: one character or class
	leafZero                    // an anchor or boundary
	leafLineEnd                 // \R
	leafBackref                 // a backreference (no maximum)
	leafQuote                   // \Q...\E: a literal, then its last character
)

// javaGroupInfo is a group atom: whether it is one, the first group
// number inside it (its own number is innerFrom-1 when it captures), and
// whether it is a lookaround or atomic group.
type javaGroupInfo struct {
	valid, capturing, assertion bool
	innerFrom                   int
}

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

func (t *javaTranslator) errAt(pos int, format string, args ...any) error {
	return &JavaRegexError{Offset: pos, Desc: fmt.Sprintf(format, args...)}
}

// needs marks a construct only the backtracking engine has.
func (t *javaTranslator) needs() { t.needBT = true }

func (t *javaTranslator) run() error {
	t.names = []string{""}
	t.ti = newJavaTreeInfo()
	if err := t.alternation(0); err != nil {
		return err
	}
	if t.pos < len(t.src) {
		return t.errAt(t.pos, "Unmatched closing ')'")
	}
	return nil
}

func (t *javaTranslator) eof() bool { return t.pos >= len(t.src) }

// peek returns the next character, skipping whitespace and comments in
// COMMENTS mode (as Java's peek does everywhere).
func (t *javaTranslator) peek() rune {
	t.skipComments()
	if t.eof() {
		return -1
	}
	c, _ := decodeRune(t.src[t.pos:])
	return c
}

func (t *javaTranslator) next() rune {
	c := t.peek()
	if c >= 0 {
		_, n := decodeRune(t.src[t.pos:])
		t.pos += n
	}
	return c
}

// raw reads the next character as it is (inside escapes and \Q...\E).
func (t *javaTranslator) raw() rune {
	if t.eof() {
		return -1
	}
	c, n := decodeRune(t.src[t.pos:])
	t.pos += n
	return c
}

func (t *javaTranslator) skipComments() {
	if t.flags&flagX == 0 {
		return
	}
	for !t.eof() {
		c := t.src[t.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			t.pos++
		case c == '#':
			for !t.eof() && t.src[t.pos] != '\n' && t.src[t.pos] != '\r' {
				t.pos++
			}
		default:
			return
		}
	}
}

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

// maxJavaCount bounds {n,m}: Java takes any int, the backtracking engine
// less, and such counts are no real pattern.
const maxJavaCount = 100000

// emptyCount reads a count where an atom starts: Java repeats nothing
// ({0} and {2} match ""), or refuses what is no count.
func (t *javaTranslator) emptyCount() error {
	save := t.pos
	t.next()
	lo, hi, ok := t.curly()
	if !ok {
		return t.errAt(save, "Illegal repetition")
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
			var ok bool
			lo, hi, ok = t.curly()
			if !ok {
				t.pos = save
				return contrib, t.errAt(save, "Illegal repetition")
			}
			if lo > maxJavaCount || hi > maxJavaCount {
				return contrib, t.errAt(save, "a count over %d is not supported by Rosetta", maxJavaCount)
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
		}
		if g := t.lastGroup; first && g.valid && !g.assertion {
			switch {
			case mode == "+":
				// a possessive group: Java's Curly or Ques matches it
				// as a sub-match, its own capture included
				from := g.innerFrom
				if g.capturing {
					from--
				}
				t.markStale(from, len(t.names))
			case (lo != 0 || hi != 1) && atomInfo.resolved().det:
				// GroupCurly: the group's own capture is restored when
				// it backs off, the groups inside it are not
				t.markStale(g.innerFrom, len(t.names))
			}
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

// javaQuantified is the TreeInfo of the atom just read (atom) repeated lo
// to hi (-1: unbounded) times, with mode ("", "?" lazy, "+"
// possessive), as Java builds the node: a Ques for {0,1} (a Branch
// for a group), a GroupCurly or a Loop for a group, a
// CharPropertyGreedy for a character repeated greedily without bound,
// a Curly otherwise.
func (t *javaTranslator) javaQuantified(atom javaTreeInfo, lo, hi int, mode string) javaTreeInfo {
	var prefix *javaTreeInfo
	if !t.lastGroup.valid && t.leaf == leafQuote && t.quoteLen > 1 {
		// the quantifier applies to the last character only
		p := javaFixed(t.quoteLen-1, t.quoteLen-1)
		prefix, atom = &p, javaFixed(1, 1)
	}
	group := t.lastGroup.valid && !t.lastGroup.assertion
	cmax := hi
	if hi < 0 {
		cmax = javaMaxReps
	}
	var out javaTreeInfo
	switch {
	case lo == 0 && hi == 1 && group && mode != "+":
		out = javaBranch([]javaTreeInfo{atom, newJavaTreeInfo()})
	case lo == 0 && hi == 1:
		out = atom.ques()
	case group && mode != "+":
		if atom.resolved().det {
			out = atom.curly(lo, cmax)
		} else {
			out = javaLoop()
		}
	case !t.lastGroup.valid && (t.leaf == leafChar || t.leaf == leafQuote) && mode == "" && hi < 0:
		out = javaGreedyChar(lo)
	default:
		out = atom.curly(lo, cmax)
	}
	if mode == "+" {
		out.forward = true
	}
	if prefix != nil {
		out = prefix.then(out)
	}
	return out
}

// leafInfo is the TreeInfo of the atom just read when it is no group.
func (t *javaTranslator) leafInfo() javaTreeInfo {
	switch t.leaf {
	case leafZero:
		return newJavaTreeInfo()
	case leafLineEnd:
		return javaFixed(1, 2)
	case leafBackref:
		ti := newJavaTreeInfo()
		ti.valid = false
		return ti
	case leafQuote:
		return javaFixed(t.quoteLen, t.quoteLen)
	}
	return javaFixed(1, 1)
}

// curly reads "n}", "n,}" or "n,m}" after '{'; hi is -1 for no bound.
func (t *javaTranslator) curly() (lo, hi int, ok bool) {
	num := func() (int, bool) {
		start := t.pos
		for !t.eof() && t.src[t.pos] >= '0' && t.src[t.pos] <= '9' {
			t.pos++
		}
		if t.pos == start {
			return 0, false
		}
		n, err := strconv.Atoi(t.src[start:t.pos])
		return n, err == nil
	}
	lo, ok = num()
	if !ok {
		return 0, 0, false
	}
	hi = lo
	if !t.eof() && t.src[t.pos] == ',' {
		t.pos++
		hi = -1
		if !t.eof() && t.src[t.pos] != '}' {
			if hi, ok = num(); !ok {
				return 0, 0, false
			}
		}
	}
	if t.eof() || t.src[t.pos] != '}' {
		return 0, 0, false
	}
	t.pos++
	return lo, hi, true
}

// atom writes one atom; quantifiable is false for zero-width ones that
// need a group before a quantifier.
func (t *javaTranslator) atom(depth int) (quantifiable bool, err error) {
	pos := t.pos
	c := t.next()
	switch c {
	case '(':
		return t.group(pos, depth)
	case '[':
		set, err := t.class(pos)
		if err != nil {
			return false, err
		}
		t.writeSet(set)
		return true, nil
	case '.':
		if t.flags&flagS != 0 {
			t.out.WriteString(`(?s:.)`)
		} else {
			t.writeSet(javaDot)
		}
		return true, nil
	case '^':
		t.leaf = leafZero
		t.out.WriteString(`^`)
		return false, nil
	case '$':
		t.leaf = leafZero
		// Java: the end, or before a line terminator that ends the input.
		if t.bt {
			t.out.WriteString(`(?=(?:\r\n|[\n\r\x{85}\x{2028}\x{2029}])?\z)`)
		} else if t.dollarAtEnd() {
			// Only the implicit `.*$` (no line terminator) can follow:
			// both meanings agree.
			t.out.WriteString(`$`)
		} else {
			t.needs()
		}
		return false, nil
	case '\\':
		return t.escape(pos)
	}
	t.writeChar(c)
	return true, nil
}

// dollarAtEnd reports whether the rest of the pattern after a '$' is
// only closing parentheses (the jmx_exporter wrapper's ").*$").
func (t *javaTranslator) dollarAtEnd() bool {
	rest := strings.TrimLeft(t.src[t.pos:], ")")
	return rest == "" || rest == ".*$"
}

// writeChar writes a literal character with the case flags applied.
func (t *javaTranslator) writeChar(c rune) {
	if t.flags&flagI != 0 {
		t.writeSet(runeSet{{c, c}}.foldCase(t.flags&flagU != 0))
		return
	}
	writeLiteral(&t.out, c)
}

func (t *javaTranslator) writeSet(s runeSet) {
	if len(s) == 0 {
		if t.bt {
			t.out.WriteString(`(?!)`)
		} else {
			t.out.WriteString(`[^\x{0}-\x{10ffff}]`)
		}
		return
	}
	s.write(&t.out)
}

var javaDot = chars("\n", "\r", "\u0085", "\u2028", "\u2029").complement()

// group handles what follows '('.
func (t *javaTranslator) group(pos, depth int) (bool, error) {
	kind := "("
	quantifiable := true
	lookbehind := false
	if t.peek() == '?' {
		t.next()
		c := t.raw()
		switch c {
		case ':':
			kind = "(?:"
		case '=', '!':
			kind = "(?" + string(c)
			quantifiable = false
			t.needs()
		case '>':
			kind = "(?>"
			t.needs()
		case '<':
			c2 := t.raw()
			switch {
			case c2 == '=' || c2 == '!':
				kind = "(?<" + string(c2)
				quantifiable, lookbehind = false, true
				t.needs()
			case c2 >= 'a' && c2 <= 'z' || c2 >= 'A' && c2 <= 'Z':
				start := t.pos - 1
				for !t.eof() && isAlnum(rune(t.src[t.pos])) {
					t.pos++
				}
				name := t.src[start:t.pos]
				if t.eof() || t.src[t.pos] != '>' {
					return false, t.errAt(t.pos, "named capturing group is missing trailing '>'")
				}
				t.pos++
				for _, n := range t.names {
					if n == name {
						return false, t.errAt(t.pos-1, "Named capturing group <%s> is already defined", name)
					}
				}
				t.names = append(t.names, name)
				outStart := t.out.Len()
				t.out.WriteByte('(')
				return true, t.trackGroup("(", outStart, func() error { return t.groupBody(pos, depth, false) })
			default:
				return false, t.errAt(t.pos-1, "capturing group name does not start with a Latin letter")
			}
		default:
			// inline flags: (?idmsuxU-idmsuxU) or (?flags:X)
			t.pos--
			on := true
			flags := t.flags
			for {
				if flags&flagX != 0 {
					// Java applies each flag at once: (?x ) skips the space
					saved := t.flags
					t.flags = flags
					t.skipComments()
					t.flags = saved
				}
				c := t.raw()
				var f uint8
				switch c {
				case 'i':
					f = flagI
				case 's':
					f = flagS
				case 'x':
					f = flagX
				case 'u':
					f = flagU
				case 'm', 'd', 'U', 'c':
					return false, t.errAt(t.pos-1, "the flag (?%c) is not supported by Rosetta (multiline, UNIX_LINES, UNICODE_CHARACTER_CLASS and CANON_EQ change what ^, $, . and \\w mean)", c)
				case '-':
					if !on {
						return false, t.errAt(t.pos-1, "Unknown inline modifier")
					}
					on = false
					continue
				case ')':
					t.flags = flags // until the end of the enclosing group
					t.noAtom = true
					return false, nil
				case ':':
					saved := t.flags
					t.flags = flags
					start := t.out.Len()
					t.out.WriteString("(?:")
					err := t.trackGroup("(?:", start, func() error { return t.groupBody(pos, depth, false) })
					t.flags = saved
					return true, err
				case -1:
					return false, t.errAt(t.pos, "Unclosed group")
				default:
					return false, t.errAt(t.pos-1, "Unknown inline modifier")
				}
				if on {
					flags |= f
				} else {
					flags &^= f
				}
			}
		}
	} else {
		t.names = append(t.names, "")
	}
	javaKind := kind
	if kind == "(?>" && !t.bt {
		kind = "(?:"
	}
	start := t.out.Len()
	t.out.WriteString(kind)
	return quantifiable, t.trackGroup(javaKind, start, func() error {
		return t.groupBody(pos, depth, lookbehind)
	})
}

// trackGroup reads the body of a group of kind ("(", "(?:", "(?=",
// "(?<!", ...; written to t.out from start) and records it in
// t.lastGroup, its TreeInfo in t.ti. The body of an assertion (a
// lookaround or atomic group) is a Java sub-match: the groups in it are
// stale. A lookaround is not studied by Java as part of what encloses
// it; a lookbehind is studied on its own, for its length bounds.
func (t *javaTranslator) trackGroup(kind string, start int, body func() error) error {
	inner := len(t.names)
	assertion := kind != "(" && kind != "(?:"
	err := body()
	if assertion {
		t.markStale(inner, len(t.names))
	}
	t.lastGroup = javaGroupInfo{valid: true, capturing: kind == "(", assertion: assertion, innerFrom: inner}
	if err != nil {
		return err
	}
	switch kind {
	case "(?>":
		t.ti.forward = true
	case "(?=", "(?!":
		t.ti = newJavaTreeInfo()
	case "(?<=", "(?<!":
		bounds := t.ti.resolved()
		t.ti = newJavaTreeInfo()
		return t.lookbehindBounds(kind == "(?<=", start, bounds)
	}
	return nil
}

// lookbehindBounds reproduces the bounds and direction of a Java
// lookbehind whose body has TreeInfo ti (written to t.out from start;
// its ')' just read). Java refuses a body without a maximum length;
// otherwise it tries the start positions from i-min down to i-max (min
// and max computed in int arithmetic that may have wrapped around) and
// matches the body forwards from each, checking that it ends at i. The
// backtracking engine's lookbehind matches right to left from i over
// any length: the same when max is the body's true maximum (or at least
// 2^30, longer than any bean string) and the body has no possessive or
// atomic part. Otherwise the body is written as Java runs it: the text
// after i captured, then a lookahead from each start position in the
// window that must end where that text starts:
// (?=(?<r>[\s\S]*))(?<=(?=BODY\k<r>\z)[\s\S]{min,max}).
func (t *javaTranslator) lookbehindBounds(positive bool, start int, ti javaTreeInfo) error {
	pos := t.pos - 2 // Java reports on the last character of the body
	if !ti.valid {
		return t.errAt(pos, "Look-behind group does not have an obvious maximum length")
	}
	const huge = 1 << 30
	lo, hi := max(int64(ti.min), 0), int64(ti.max)
	bounded, never := true, false
	switch {
	case hi == math.MinInt32 || hi >= huge:
		// Java's i-max overflows for every position, or lies before
		// the start: no bound
		bounded = false
	case hi < 0 && hi > math.MinInt32+huge:
		never = true // i-max lies after i
	case hi < 0:
		return t.errAt(pos, "a lookbehind whose maximum length Java computes as %d (an int overflow) is not supported by Rosetta", hi)
	case hi < lo:
		never = true
	}
	if !t.bt {
		return nil
	}
	text := t.out.String()
	body, s := text[start:], text[:start]
	switch {
	case never:
		// Keep the body (its groups keep their numbers) where it is
		// never evaluated, or cannot change the outcome.
		if positive {
			s += "(?:(?!)" + body + ")"
		} else {
			s += "(?:|" + body + ")"
		}
	case ti.forward || bounded && (ti.inf || hi != ti.trueMax):
		t.lookbehinds++
		name := fmt.Sprintf("rosettalb%d", t.lookbehinds)
		window := fmt.Sprintf("{%d,}", lo)
		if bounded {
			window = fmt.Sprintf("{%d,%d}", lo, hi)
		}
		inner := body[len("(?<="):]
		inner = inner[:len(inner)-1]
		s += `(?=(?<` + name + `>[\s\S]*))` + body[:len("(?<=")] + `(?=` + inner + `\k<` + name + `>\z)[\s\S]` + window + `)`
	default:
		return nil
	}
	t.out.Reset()
	t.out.WriteString(s)
	return nil
}

func (t *javaTranslator) groupBody(pos, depth int, lookbehind bool) error { //nolint:unparam // pos: every reader takes the position it starts at
	if lookbehind {
		t.inLookbehind++
		defer func() { t.inLookbehind-- }()
	}
	if err := t.alternation(depth + 1); err != nil {
		return err
	}
	if t.peek() != ')' {
		return t.errAt(t.pos, "Unclosed group")
	}
	t.next()
	t.out.WriteByte(')')
	return nil
}

// escape handles what follows '\' outside a class.
func (t *javaTranslator) escape(pos int) (bool, error) {
	c := t.raw()
	switch c {
	case -1:
		return false, t.errAt(pos, "Unexpected internal error")
	case 'b', 'B', 'A', 'z', 'Z', 'G':
		t.leaf = leafZero
	case 'R':
		t.leaf = leafLineEnd
	}
	switch c {
	case 'b', 'B':
		if !t.eof() && t.src[t.pos] == '{' {
			return false, t.errAt(pos, `\%c{...} is not supported by Rosetta`, c)
		}
		if t.bt {
			// .NET's \b knows Unicode letters; Java's (since 19) is \w's.
			w := `[a-zA-Z0-9_]`
			if c == 'b' {
				t.out.WriteString(`(?:(?<=` + w + `)(?!` + w + `)|(?<!` + w + `)(?=` + w + `))`)
			} else {
				t.out.WriteString(`(?:(?<=` + w + `)(?=` + w + `)|(?<!` + w + `)(?!` + w + `))`)
			}
		} else {
			t.out.WriteString(`\` + string(c))
		}
		return false, nil
	case 'A':
		t.out.WriteString(`\A`)
		return false, nil
	case 'z':
		t.out.WriteString(`\z`)
		return false, nil
	case 'Z':
		t.needs()
		t.out.WriteString(`(?=(?:\r\n|[\n\r\x{85}\x{2028}\x{2029}])?\z)`)
		return false, nil
	case 'G':
		t.needs()
		t.out.WriteString(`\G`)
		return false, nil
	case 'R':
		// not atomic: Java backtracks into \r\n (\R\n matches "\r\n")
		t.out.WriteString(`(?:\r\n|[\n\x{b}\f\r\x{85}\x{2028}\x{2029}])`)
		return true, nil
	case 'X', 'N':
		return false, t.errAt(pos, `\%c is not supported by Rosetta`, c)
	case 'Q':
		lit := t.quoted()
		if lit == "" {
			// Java removes \Q\E before parsing: a quantifier after it
			// applies to the atom before (0\Q\E* is 0*)
			t.emptyQuote = true
			return true, nil
		}
		rs := []rune(lit)
		t.leaf, t.quoteLen = leafQuote, len(rs)
		for i, r := range rs {
			if i == len(rs)-1 {
				// a quantifier applies to the last character only
				t.quoteStart = t.out.Len()
			}
			t.writeChar(r)
		}
		return true, nil
	case 'k':
		if t.eof() || t.src[t.pos] != '<' {
			return false, t.errAt(t.pos, "\\k is not followed by '<' for named capturing group")
		}
		end := strings.IndexByte(t.src[t.pos:], '>')
		if end < 0 {
			return false, t.errAt(t.pos, "named capturing group is missing trailing '>'")
		}
		name := t.src[t.pos+1 : t.pos+end]
		t.pos += end + 1
		if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
			return false, t.errAt(t.pos, "capturing group name does not start with a Latin letter")
		}
		for i, n := range t.names {
			if n == name {
				return true, t.backref(pos, i)
			}
		}
		return false, t.errAt(t.pos, "named capturing group <%s> does not exist", name)
	}
	if c >= '1' && c <= '9' {
		// Java reads more digits while they still name a group opened
		// before this point.
		n := int(c - '0')
		for !t.eof() && t.src[t.pos] >= '0' && t.src[t.pos] <= '9' {
			m := n*10 + int(t.src[t.pos]-'0')
			if m >= len(t.names) {
				break
			}
			n = m
			t.pos++
		}
		return true, t.backref(pos, n)
	}
	set, lit, err := t.escapeChar(pos, c)
	if err != nil {
		return false, err
	}
	if set != nil {
		if t.flags&flagI != 0 {
			set = set.foldCase(t.flags&flagU != 0)
		}
		t.writeSet(set)
	} else {
		t.writeChar(lit)
	}
	return true, nil
}

func (t *javaTranslator) backref(pos, n int) error {
	t.needs()
	t.leaf = leafBackref // a lookbehind holding it has no maximum
	if !t.bt {
		return nil
	}
	if t.flags&flagI != 0 {
		return t.errAt(pos, "a backreference with (?i) is not supported by Rosetta")
	}
	if n > t.totalGroups {
		t.out.WriteString(`(?!)`) // no such group: never matches, as in Java
		return nil
	}
	fmt.Fprintf(&t.out, `\k<%d>`, n)
	return nil
}

// escapeChar reads an escape that is a character or a predefined class
// (the same inside and outside a class); c follows the '\'.
func (t *javaTranslator) escapeChar(pos int, c rune) (runeSet, rune, error) { //nolint:unparam // pos: every reader takes the position it starts at
	switch c {
	case 't':
		return nil, '\t', nil
	case 'n':
		return nil, '\n', nil
	case 'r':
		return nil, '\r', nil
	case 'f':
		return nil, '\f', nil
	case 'a':
		return nil, 7, nil
	case 'e':
		return nil, 27, nil
	case 'c':
		if t.eof() {
			return nil, 0, t.errAt(t.pos, "Illegal control escape sequence")
		}
		// Java reads past (?x) spaces, and reads 0 past the end
		t.skipComments()
		x := t.raw()
		if x < 0 {
			x = 0
		}
		return nil, x ^ 64, nil
	case '0':
		// \0n, \0nn, \0mnn (m <= 3)
		v, n := 0, 0
		for n < 3 && !t.eof() {
			t.skipComments() // Java reads the digits past (?x) spaces
			if t.eof() || t.src[t.pos] < '0' || t.src[t.pos] > '7' {
				break
			}
			d := int(t.src[t.pos] - '0')
			if n == 2 && v > 037 {
				break
			}
			v = v*8 + d
			t.pos++
			n++
		}
		if n == 0 {
			return nil, 0, t.errAt(t.pos, "Illegal octal escape sequence")
		}
		return nil, rune(v), nil
	case 'x':
		// Java reads each character past (?x) spaces and comments.
		save := t.pos
		t.skipComments()
		if !t.eof() && t.src[t.pos] == '{' {
			t.pos++
			t.skipComments()
			if t.eof() || !isHexDigit(t.src[t.pos]) {
				return nil, 0, t.errAt(t.pos, "Illegal hexadecimal escape sequence")
			}
			v := rune(0)
			for {
				t.skipComments()
				if t.eof() || !isHexDigit(t.src[t.pos]) {
					break
				}
				d, _ := strconv.ParseUint(t.src[t.pos:t.pos+1], 16, 8)
				v = v<<4 + rune(d)
				t.pos++
				if v > unicode.MaxRune {
					return nil, 0, t.errAt(t.pos-1, "Hexadecimal codepoint is too big")
				}
			}
			if t.eof() || t.src[t.pos] != '}' {
				return nil, 0, t.errAt(t.pos, "Unclosed hexadecimal escape sequence")
			}
			t.pos++
			return nil, v, nil
		}
		t.pos = save
		return t.hex(2, "Illegal hexadecimal escape sequence")
	case 'u':
		set, r, err := t.hex(4, "Illegal Unicode escape sequence")
		if err == nil && r >= 0xd800 && r < 0xdc00 {
			// a surrogate pair is one character
			save := t.pos
			t.skipComments()
			if !t.eof() && t.src[t.pos] == '\\' {
				t.pos++
				t.skipComments()
				if !t.eof() && t.src[t.pos] == 'u' {
					t.pos++
					if _, lo, err := t.hex(4, ""); err == nil && lo >= 0xdc00 && lo < 0xe000 {
						return nil, (r-0xd800)<<10 + (lo - 0xdc00) + 0x10000, nil
					}
				}
			}
			t.pos = save
		}
		return set, r, err
	case 'd', 's', 'w', 'h', 'v':
		return predefinedClasses[c], 0, nil
	case 'D', 'S', 'W', 'H', 'V':
		return predefinedClasses[unicode.ToLower(c)].complement(), 0, nil
	case 'p', 'P':
		var name string
		if !t.eof() && t.src[t.pos] == '{' {
			end := strings.IndexByte(t.src[t.pos:], '}')
			if end < 0 {
				return nil, 0, t.errAt(t.pos, "Unclosed character family")
			}
			name = t.src[t.pos+1 : t.pos+end]
			t.pos += end + 1
		} else {
			x := t.raw()
			if x < 0 {
				return nil, 0, t.errAt(t.pos, "Illegal character family")
			}
			name = string(x)
		}
		set, err := javaProperty(name)
		if err != nil {
			return nil, 0, t.errAt(t.pos-1, "%v", err)
		}
		if c == 'P' {
			set = set.complement()
		}
		return set, 0, nil
	}
	if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return nil, 0, t.errAt(t.pos-1, "Illegal/unsupported escape sequence")
	}
	return nil, c, nil
}

// hex reads n hexadecimal digits, each past (?x) spaces and comments as
// Java's read() does; msg is the error.
func (t *javaTranslator) hex(n int, msg string) (runeSet, rune, error) {
	v := rune(0)
	for range n {
		t.skipComments()
		if t.eof() || !isHexDigit(t.src[t.pos]) {
			return nil, 0, t.errAt(t.pos, "%s", msg)
		}
		d, _ := strconv.ParseUint(t.src[t.pos:t.pos+1], 16, 8)
		v = v<<4 + rune(d)
		t.pos++
	}
	return nil, v, nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// class reads a character class after '[' (Java's Pattern.clazz):
// negation, nested classes (union), && (intersection), ranges, escapes.
func (t *javaTranslator) class(start int) (runeSet, error) {
	neg := false
	if t.peek() == '^' {
		t.next()
		neg = true
	}
	acc, _, err := t.classBody(start, true)
	if err != nil {
		return nil, err
	}
	if neg {
		acc = acc.complement()
	}
	return acc, nil
}

// classBody reads the inside of a class up to its ']', which it consumes
// when consume is set (Java's clazz(consume)): a ']' first is a literal,
// nested classes are unions, "&&" intersects with the rest of the class
// (nested classes and items, up to a single '&' right after the "&&"),
// a single '&' is a literal.
func (t *javaTranslator) classBody(start int, consume bool) (runeSet, bool, error) {
	// Java's clazz keeps the operands apart: prev, the union of nested
	// classes, ranges and predefined classes (and of what && made);
	// bits, every single character below 256 of the whole body (added to
	// prev at && and at the end, so a character before an && comes back
	// at the end when characters follow it: [a&&[b]&c] matches a); curr,
	// the last operand (none when it was such a character), which an &&
	// with nothing on its right intersects prev with (none: nothing).
	var prev, bits, curr runeSet
	prevSet, hasBits, currSet := false, false, false
	for {
		c := t.peek()
		switch {
		case c < 0:
			return nil, false, t.errAt(start, "Unclosed character class")
		case c == '[':
			p := t.pos
			t.next()
			s, err := t.class(p)
			if err != nil {
				return nil, false, err
			}
			curr, currSet = s, true
			prev, prevSet = prev.union(s), true
			continue
		case c == '&' && strings.HasPrefix(t.src[t.pos:], "&&"):
			t.pos += 2
			var right runeSet
			rhas := false
			for {
				c := t.peek()
				if c == ']' || c < 0 || c == '&' {
					break
				}
				if c == '[' {
					p := t.pos
					t.next()
					s, err := t.class(p)
					if err != nil {
						return nil, false, err
					}
					if rhas {
						s = right.union(s)
					}
					right, rhas = s, true
					continue
				}
				s, h, err := t.classBody(start, false)
				if err != nil {
					return nil, false, err
				}
				if h {
					right, rhas = right.union(s), true
				}
			}
			if hasBits {
				if !prevSet {
					prev, prevSet = bits, true
					curr, currSet = bits, true
				} else {
					prev = prev.union(bits)
				}
				hasBits = false
			}
			if rhas {
				curr, currSet = right, true
			}
			switch {
			case !prevSet && !rhas:
				return nil, false, t.errAt(t.pos, "Bad class syntax")
			case !prevSet:
				prev, prevSet = right, true
			case !currSet:
				// Java's prev.and(null): a character of prev throws a
				// NullPointerException when matched, any other does not
				// match; here nothing matches.
				prev = nil
			default:
				prev = prev.intersect(curr)
			}
			continue
		case c == ']' && (prevSet || hasBits || !consume):
			if consume {
				t.next()
			}
			switch {
			case !prevSet:
				return bits, hasBits, nil
			case hasBits:
				return prev.union(bits), true, nil
			}
			return prev, true, nil
		}
		s, isBits, err := t.classItem()
		if err != nil {
			return nil, false, err
		}
		if isBits {
			bits, hasBits = bits.union(s), true
			curr, currSet = nil, false
		} else {
			curr, currSet = s, true
			prev, prevSet = prev.union(s), true
		}
	}
}

// classItem reads a character, a range or a predefined class inside a
// class; isBits tells a single character Java keeps in its BitClass
// (below 256, unless (?iu) folds it beyond).
func (t *javaTranslator) classItem() (set runeSet, isBits bool, err error) {
	lo, set, err := t.classChar()
	if err != nil || set != nil {
		return set, false, err
	}
	if t.peek() == '-' {
		save := t.pos
		t.next()
		if c := t.peek(); c == ']' || c == '[' || c < 0 {
			t.pos = save // a '-' before the end is literal
		} else {
			p := t.pos
			hi, hset, err := t.classChar()
			if err != nil {
				return nil, false, err
			}
			if hset != nil || hi < lo {
				return nil, false, t.errAt(p, "Illegal character range")
			}
			return t.fold(runeSet{{lo, hi}}), false, nil
		}
	}
	isBits = lo < 256
	if t.flags&flagI != 0 && t.flags&flagU != 0 {
		switch lo {
		case 0xff, 0xb5, 'I', 'i', 'S', 's', 'K', 'k', 0xc5, 0xe5:
			isBits = false // Java's single(): folds beyond 255
		}
	}
	return t.fold(runeSet{{lo, lo}}), isBits, nil
}

// quoted reads the text of a quote after its \Q, and the \E that ends it;
// without an \E the quote runs to the end of the pattern.
func (t *javaTranslator) quoted() string {
	lit := t.src[t.pos:]
	end := strings.Index(lit, `\E`)
	if end < 0 {
		t.pos = len(t.src)
		return lit
	}
	t.pos += end + 2
	return lit[:end]
}

func (t *javaTranslator) fold(s runeSet) runeSet {
	if t.flags&flagI != 0 {
		return s.foldCase(t.flags&flagU != 0)
	}
	return s
}

// classChar reads one character of a class, or a predefined class.
func (t *javaTranslator) classChar() (rune, runeSet, error) {
	pos := t.pos
	c := t.next()
	if c != '\\' {
		return c, nil, nil
	}
	e := t.raw()
	switch {
	case e == 'Q':
		var s runeSet
		for _, r := range t.quoted() {
			s = append(s, runeRange{r, r})
		}
		return 0, t.fold(s.norm()), nil
	case e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'G' || e == 'R' || e == 'X' || e == 'N' || e == 'k' || e >= '1' && e <= '9':
		return 0, nil, t.errAt(t.pos-1, "Illegal/unsupported escape sequence")
	}
	set, r, err := t.escapeChar(pos, e)
	if err != nil {
		return 0, nil, err
	}
	if set != nil {
		return 0, t.fold(set), nil
	}
	return r, nil, nil
}

// predefinedClasses are Java's predefined classes (without
// UNICODE_CHARACTER_CLASS) by escape letter: \d \s \w \h \v. The letter in
// upper case (\D ...) is the complement.
var predefinedClasses = map[rune]runeSet{
	'd': chars("0-9"),
	's': chars(" \t\n\x0b\f\r"),
	'w': chars("a-z", "A-Z", "_", "0-9"),
	'h': chars(" \t\u00a0\u1680\u180e\u202f\u205f\u3000", "\u2000-\u200a"),
	'v': chars("\n\x0b\f\r\u0085\u2028\u2029"),
}

// posixClasses are Java's US-ASCII \p{Name} classes.
var posixClasses = map[string]runeSet{
	"Lower":  chars("a-z"),
	"Upper":  chars("A-Z"),
	"ASCII":  chars("\x00-\x7f"),
	"Alpha":  chars("a-z", "A-Z"),
	"Digit":  chars("0-9"),
	"Alnum":  chars("a-z", "A-Z", "0-9"),
	"Punct":  chars("!-/", ":-@", "[-`", "{-~"),
	"Graph":  chars("!-~"),
	"Print":  chars(" -~"),
	"Blank":  chars(" \t"),
	"Cntrl":  chars("\x00-\x1f", "\x7f"),
	"XDigit": chars("0-9", "a-f", "A-F"),
	"Space":  chars(" \t\n\x0b\f\r"),
}

// javaProperty resolves the name inside \p{...} as Java 17 does, for the
// properties Go's tables have; the Unicode version is Go's.
func javaProperty(name string) (runeSet, error) {
	if s, ok := posixClasses[name]; ok {
		return s, nil
	}
	if s, ok := javaCharProperty(name); ok {
		return s, nil
	}
	key, value, hasKey := strings.Cut(name, "=")
	switch {
	case hasKey && (key == "sc" || key == "script"):
		if s, ok := scriptSet(value); ok {
			return s, nil
		}
	case hasKey && (key == "gc" || key == "general_category"):
		if s, ok := categorySet(value); ok {
			return s, nil
		}
	case hasKey && (key == "blk" || key == "block"):
		return nil, fmt.Errorf("Unicode blocks (\\p{%s}) are not supported by Rosetta", name) //nolint:staticcheck // ST1005: "Unicode" is a name
	case hasKey:
	case strings.HasPrefix(name, "In"):
		return nil, fmt.Errorf("Unicode blocks (\\p{%s}) are not supported by Rosetta", name) //nolint:staticcheck // ST1005: "Unicode" is a name
	case strings.HasPrefix(name, "Is"):
		n := name[2:]
		if s, ok := categorySet(n); ok {
			return s, nil
		}
		if s, ok := binaryProperty(n); ok {
			return s, nil
		}
		if s, ok := scriptSet(n); ok {
			return s, nil
		}
	default:
		if s, ok := categorySet(name); ok {
			return s, nil
		}
	}
	return nil, fmt.Errorf("Unknown character property name {%s}", name) //nolint:staticcheck // ST1005: Java's PatternSyntaxException message
}

// categorySet is a general category (L, Lu, ...) or Java's extras: LC
// (cased letters), LD (letters and digits), L1 (Latin-1), all.
func categorySet(name string) (runeSet, bool) {
	switch name {
	case "LC":
		return tableSet(unicode.Lu, unicode.Ll, unicode.Lt), true
	case "LD":
		return tableSet(unicode.L, unicode.Nd), true
	case "L1":
		return chars("\x00-\u00ff"), true
	case "all":
		return runeSet{{0, unicode.MaxRune}}, true
	case "Cn":
		return assignedSet().complement(), true
	case "C":
		return tableSet(unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs).union(assignedSet().complement()), true
	}
	if t, ok := unicode.Categories[name]; ok && (len(name) == 1 || len(name) == 2) {
		return tableSet(t), true
	}
	return nil, false
}

func scriptSet(name string) (runeSet, bool) {
	for n, t := range unicode.Scripts {
		if strings.EqualFold(n, name) {
			return tableSet(t), true
		}
	}
	return nil, false
}

// binaryProperties are the binary properties \p{IsX} Go has tables for, by
// name in upper case without '_'.
var binaryProperties = map[string][]*unicode.RangeTable{
	"ALPHABETIC":            {unicode.L, unicode.Nl, unicode.Other_Alphabetic},
	"LETTER":                {unicode.L},
	"IDEOGRAPHIC":           {unicode.Ideographic},
	"LOWERCASE":             {unicode.Ll, unicode.Other_Lowercase},
	"UPPERCASE":             {unicode.Lu, unicode.Other_Uppercase},
	"TITLECASE":             {unicode.Lt},
	"PUNCTUATION":           {unicode.P},
	"CONTROL":               {unicode.Cc},
	"WHITESPACE":            {unicode.White_Space},
	"DIGIT":                 {unicode.Nd},
	"HEXDIGIT":              {unicode.Hex_Digit},
	"JOINCONTROL":           {unicode.Join_Control},
	"NONCHARACTERCODEPOINT": {unicode.Noncharacter_Code_Point},
}

func binaryProperty(name string) (runeSet, bool) {
	tabs, ok := binaryProperties[strings.ToUpper(strings.ReplaceAll(name, "_", ""))]
	if !ok {
		return nil, false
	}
	return tableSet(tabs...), true
}

// javaCharProperty is \p{javaMethod}: java.lang.Character's isMethod.
func javaCharProperty(name string) (runeSet, bool) {
	switch name {
	case "javaLowerCase", "javaUpperCase", "javaTitleCase", "javaDigit", "javaLetter", "javaAlphabetic", "javaIdeographic":
		// isLowerCase and the like test the binary property of the same
		// name (\p{IsLowerCase}).
		return binaryProperty(strings.TrimPrefix(name, "java"))
	case "javaLetterOrDigit":
		return tableSet(unicode.L, unicode.Nd), true
	case "javaSpaceChar":
		return tableSet(unicode.Zs, unicode.Zl, unicode.Zp), true
	case "javaWhitespace":
		return tableSet(unicode.Zs, unicode.Zl, unicode.Zp).intersect(chars("\u00a0", "\u2007", "\u202f").complement()).
			union(chars("\t", "\n", "\x0b", "\f", "\r", "\x1c-\x1f")), true
	case "javaISOControl":
		return chars("\x00-\x1f", "\x7f-\u009f"), true
	case "javaDefined":
		return assignedSet(), true
	}
	return nil, false
}

// assignedSet is every assigned code point: the union of all general
// categories but Cn (unassigned) and C, which holds Cn (Go 1.26 added a Cn
// table and put it in C).
func assignedSet() runeSet {
	var assigned []*unicode.RangeTable
	for name, t := range unicode.Categories {
		if name != "Cn" && name != "C" {
			assigned = append(assigned, t)
		}
	}
	return tableSet(assigned...)
}

func decodeRune(s string) (rune, int) {
	if s == "" {
		return -1, 0
	}
	return utf8.DecodeRuneInString(s)
}
