package normalize

import (
	"fmt"
	"strings"
)

// Java regular expressions (java.util.regex.Pattern, what jmx_exporter's
// patterns are) are translated here into a pattern that means the same to
// Go: Java's character classes (nested, intersected, negated, ASCII case
// folding, \p{javaLowerCase}, POSIX names) are computed and written out as
// plain ranges; `.`, `^`, `$`, \s, \h, \v, \R, \b and the flags (?i),
// (?m), (?d), (?U) get their Java meaning explicitly. What RE2 can express
// stays on RE2; lookaround, atomic groups, possessive quantifiers,
// backreferences, counts over 1000, \b, \X and multiline ^ $ need the
// backtracking engine and are written in its (.NET) syntax (a pattern
// that needs it for \b or \B alone runs on RE2 for an ASCII input). What Java
// rejects is an error with its offset; the few Java constructs Rosetta
// cannot reproduce are clear errors too.
//
// This file is the entry (translateJava and what it returns); the
// translator reads the pattern in javaregex_translator.go, sequences and
// quantifiers in _sequence.go, atoms and groups in _atom.go, escapes in
// _escape.go, classes in _class.go, \p{...} in _property.go (with the
// JVM's own blocks, scripts and grapheme types in _unicode.go, generated)
// and \X in _grapheme.go. What
// only Java's own implementation explains: its TreeInfo (_treeinfo.go),
// lookbehind bounds (_lookbehind.go) and stale groups (_stale.go).

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
	// asciiExpr, when not empty, is an RE2 expression that means what
	// expr means on an input of ASCII characters only: the pattern needs
	// the backtracking engine for Java 17's \b and \B alone (a letter or
	// digit of any script, or a mark after one), which on ASCII are
	// RE2's.
	asciiExpr string
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
	re2Expr := `\A(?:` + t.out.String() + `)\z`
	if !t.needBT && !t.wordBound {
		return &javaTranslation{expr: re2Expr, names: t.names, stale: t.staleGroups()}, nil
	}
	t2 := &javaTranslator{src: p, bt: true, totalGroups: len(t.names) - 1, trackChars: t.ciBackref}
	if t2.trackChars {
		t2.groupChars = map[int]runeSet{}
	}
	if err := t2.run(); err != nil {
		return nil, err
	}
	tr := &javaTranslation{expr: `\A(?:` + t2.out.String() + `)\z`, backtrack: true, names: t2.names, stale: t2.staleGroups()}
	if !t.needBT {
		tr.asciiExpr = re2Expr
	}
	return tr, nil
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
