package normalize

import (
	"strings"
	"unicode"
)

// Character classes: Java's [...] (negation, nested unions, && intersection,
// ranges, (?i) folding) computed as a runeSet, and the predefined and
// POSIX classes.

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
			if t.flags&flagI != 0 {
				return foldRange(lo, hi, t.flags&flagU != 0), false, nil
			}
			return runeSet{{lo, hi}}, false, nil
		}
	}
	isBits = lo < 256
	if t.flags&flagI != 0 && t.flags&flagU != 0 {
		switch lo {
		case 0xff, 0xb5, 'I', 'i', 'S', 's', 'K', 'k', 0xc5, 0xe5:
			isBits = false // Java's single(): folds beyond 255
		}
		if isBits {
			// BitClass.add: its lower and upper case only ((?iu)[ß]
			// does not match ẞ, whose lower case it is)
			return chars(string([]rune{lo, unicode.ToLower(lo), unicode.ToUpper(lo)})), true, nil
		}
	}
	return t.fold(runeSet{{lo, lo}}), isBits, nil
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
		return 0, set, nil // Java does not fold a predefined class or property
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
