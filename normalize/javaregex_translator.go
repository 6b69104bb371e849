package normalize

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The translator's state and its reader of the pattern: Java's peek, next
// and read, with COMMENTS mode ((?x)) skipping whitespace and # comments
// wherever Java does.

// Java flags Rosetta handles.
const (
	flagI  uint8 = 1 << iota // CASE_INSENSITIVE
	flagS                    // DOTALL
	flagX                    // COMMENTS
	flagU                    // UNICODE_CASE
	flagM                    // MULTILINE
	flagD                    // UNIX_LINES
	flagUC                   // UNICODE_CHARACTER_CLASS
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
	wordBound    bool // first pass: \b or \B, written for RE2
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
	// lookbehinds counts the lookbehinds written forwards and other
	// helper groups (their names).
	lookbehinds int

	// A backreference under (?i) needs what its group can hold: the
	// first pass sets ciBackref, the second tracks (trackChars) the
	// characters each atom may match in chars, and each capturing
	// group's in groupChars.
	ciBackref, trackChars bool
	chars                 runeSet
	groupChars            map[int]runeSet
}

// track records the characters an atom may match.
func (t *javaTranslator) track(s runeSet) {
	if t.trackChars {
		t.chars = t.chars.union(s)
	}
}

// javaGroupInfo is a group atom: whether it is one, the first group
// number inside it (its own number is innerFrom-1 when it captures), and
// whether it is a lookaround or atomic group.
type javaGroupInfo struct {
	valid, capturing, assertion bool
	innerFrom                   int
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
			// to the next line terminator (only \n with UNIX_LINES)
			for !t.eof() {
				r, n := decodeRune(t.src[t.pos:])
				if r == '\n' || t.flags&flagD == 0 && (r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029) {
					break
				}
				t.pos += n
			}
		default:
			return
		}
	}
}

func decodeRune(s string) (rune, int) {
	if s == "" {
		return -1, 0
	}
	return utf8.DecodeRuneInString(s)
}
