package normalize

import (
	"fmt"
	"strings"
	"unicode"
)

// Escapes: what follows a backslash outside a class (anchors, \R, \Q...\E,
// backreferences) and in both places (characters: control, octal, hex,
// Unicode; predefined classes and \p{...}).

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
		if c == 'b' && t.peek() == '{' {
			// \b{g}, else \b and a count
			save := t.pos
			t.next()
			if t.raw() == 'g' {
				if t.next() != '}' {
					return false, t.errAt(t.pos-1, "Illegal/unsupported escape sequence")
				}
				return false, t.errAt(pos, `\b{g} is not supported by Rosetta`)
			}
			t.pos = save
		}
		if t.bt {
			t.out.WriteString(t.bound(c == 'b'))
		} else {
			// RE2's \b and \B are ASCII's: Java's on an ASCII input
			// (see javaTranslation.asciiOnly)
			t.wordBound = true
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
		t.out.WriteString(t.dollar(false))
		return false, nil
	case 'G':
		t.needs()
		t.out.WriteString(`\G`)
		return false, nil
	case 'R':
		// not atomic: Java backtracks into \r\n (\R\n matches "\r\n")
		t.track(chars("\n-\r", "\u0085", "\u2028-\u2029"))
		t.out.WriteString(`(?:\r\n|[\n\x{b}\f\r\x{85}\x{2028}\x{2029}])`)
		return true, nil
	case 'X':
		t.needs()
		t.leaf = leafGrapheme
		t.track(runeSet{{0, unicode.MaxRune}})
		t.out.WriteString(javaGraphemeCluster())
		return true, nil
	case 'N':
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
		// a predefined class or property: Java does not fold it
		t.writeSet(set)
	} else {
		t.writeChar(lit)
	}
	return true, nil
}

// The classes of \b, written with the engine's own \p{...}, which reads
// Go's tables as the runeSets do (TestJavaRegexBoundClasses), and is much
// shorter: a \b of written-out ranges is a 170 KB pattern.
const (
	boundUnicodeWord = `[\p{L}\p{Nl}\p{Other_Alphabetic}\p{Mn}\p{Me}\p{Mc}\p{Nd}\p{Pc}\x{200c}\x{200d}]` // javaUnicodeWord
	boundWord        = `[\p{L}\p{Nd}_]`
	boundBase        = `[\p{L}\p{Nd}-[\x{10000}-\x{10ffff}]]`
	boundMark        = `[\p{Mn}-[\x{10000}-\x{10ffff}]]`
	boundAnyMark     = `\p{Mn}`
)

// bound is Java 17's \b (or \B, !boundary), its Bound node: a word
// character on one side only, a word character being '_' or a letter
// or digit (Character.isLetterOrDigit; with UNICODE_CHARACTER_CLASS
// CharPredicates.WORD), or a non-spacing mark after one (its
// hasBaseCharacter, which walks back over UTF-16 units: a supplementary
// character is neither the base nor a mark on the way).
func (t *javaTranslator) bound(boundary bool) string {
	var left, right string
	if t.flags&flagUC != 0 {
		left, right = boundUnicodeWord, boundUnicodeWord
	} else {
		left = boundWord + `|` + boundBase + boundMark + `+`
		right = boundWord + `|(?<=` + boundBase + boundMark + `*)` + boundAnyMark
	}
	if boundary {
		return `(?:(?<=` + left + `)(?!` + right + `)|(?<!` + left + `)(?=` + right + `))`
	}
	return `(?:(?<=` + left + `)(?=` + right + `)|(?<!` + left + `)(?!` + right + `))`
}

func (t *javaTranslator) backref(pos, n int) error {
	t.needs()
	t.leaf = leafBackref // a lookbehind holding it has no maximum
	if !t.bt {
		if t.flags&flagI != 0 {
			t.ciBackref = true
		}
		return nil
	}
	if n > t.totalGroups {
		t.out.WriteString(`(?!)`) // no such group: never matches, as in Java
		return nil
	}
	held, ok := t.groupChars[n]
	if !ok {
		held = runeSet{{0, unicode.MaxRune}} // not closed yet: anything
	}
	t.track(held)
	if t.flags&flagI == 0 {
		fmt.Fprintf(&t.out, `\k<%d>`, n)
		return nil
	}
	return t.ciBackrefTo(pos, n, held)
}

// ciBackrefTo writes a backreference to group n under (?i), whose text
// can only hold characters of held: Java's CIBackRef compares each
// character as equal, or equal in ASCII lower case (with (?u): equal
// once upper-cased, or once upper- then lower-cased). The backtracking
// engine's (?i:\k<n>) compares Unicode simple case folding, which is the
// same but for the pairs Rosetta cannot tell apart (then an error):
// without (?u), a non-ASCII letter that folds (é, É), and K and S
// against KELVIN SIGN and LONG S, which the text matched is checked
// for; with (?u), the Turkish i's (i I ı İ are one letter to Java).
func (t *javaTranslator) ciBackrefTo(pos, n int, held runeSet) error {
	if t.flags&flagU != 0 {
		if len(held.intersect(chars("i", "I", "\u0130-\u0131"))) > 0 {
			return t.errAt(pos, "a backreference under (?iu) to a group that may hold i or I is not supported by Rosetta (Java's case-insensitive comparison has i, I, \u0131 and \u0130 alike)")
		}
		fmt.Fprintf(&t.out, `(?i:\k<%d>)`, n)
		return nil
	}
	for _, r := range held {
		for c := max(r.lo, 0x80); c <= r.hi; c++ {
			if unicode.SimpleFold(c) != c {
				return t.errAt(pos, "a backreference under (?i) to a group that may hold non-ASCII letters is not supported by Rosetta (Java compares them exactly, ASCII letters in any case)")
			}
		}
	}
	if len(held.intersect(chars("KSks"))) == 0 {
		fmt.Fprintf(&t.out, `(?i:\k<%d>)`, n)
		return nil
	}
	// The text matched ends where the rest of the input (r) starts, and
	// has no KELVIN SIGN or LONG S.
	t.lookbehinds++
	name := fmt.Sprintf("rosettalb%d", t.lookbehinds)
	fmt.Fprintf(&t.out, `(?:(?=(?i:\k<%d>)(?<%s>[\s\S]*))[^\x{17f}\x{212a}]*?(?=\k<%s>\z))`, n, name, name)
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
				v = v<<4 + hexValue(t.src[t.pos])
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
		return t.predefined(c), 0, nil
	case 'D', 'S', 'W', 'H', 'V':
		return t.predefined(unicode.ToLower(c)).complement(), 0, nil
	case 'p', 'P':
		var name string
		if !t.eof() && t.src[t.pos] == '{' {
			end := strings.IndexByte(t.src[t.pos:], '}')
			if end < 0 {
				return nil, 0, t.errAt(t.pos, "Unclosed character family")
			}
			name = t.src[t.pos+1 : t.pos+end]
			t.pos += end + 1
			if name == "" {
				return nil, 0, t.errAt(t.pos-1, "Empty character family")
			}
		} else {
			x := t.raw()
			if x < 0 {
				return nil, 0, t.errAt(t.pos, "Illegal character family")
			}
			name = string(x)
		}
		set, err := javaProperty(name, t.flags&flagI != 0, t.flags&flagUC != 0)
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

// predefined is \d \s \w \h or \v (c), with UNICODE_CHARACTER_CLASS
// Unicode's \d \s \w.
func (t *javaTranslator) predefined(c rune) runeSet {
	if t.flags&flagUC != 0 {
		switch c {
		case 'd':
			return javaUnicodeDigit()
		case 's':
			return javaUnicodeSpace()
		case 'w':
			return javaUnicodeWord()
		}
	}
	return predefinedClasses[c]
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
		v = v<<4 + hexValue(t.src[t.pos])
		t.pos++
	}
	return nil, v, nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hexValue is the value of hexadecimal digit c (isHexDigit).
func hexValue(c byte) rune {
	switch {
	case c >= 'a':
		return rune(c-'a') + 10
	case c >= 'A':
		return rune(c-'A') + 10
	}
	return rune(c - '0')
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
