package normalize

import (
	"strings"
	"unicode"
)

// Atoms outside a class: literals, `.`, anchors, and groups (capturing,
// named, non-capturing, lookaround, atomic, inline flags).

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
		switch {
		case t.flags&flagS != 0:
			t.track(runeSet{{0, unicode.MaxRune}})
			t.out.WriteString(`(?s:.)`)
		case t.flags&flagD != 0:
			t.writeSet(javaUnixDot)
		default:
			t.writeSet(javaDot)
		}
		return true, nil
	case '^':
		t.leaf = leafZero
		if t.flags&flagM == 0 {
			t.out.WriteString(`^`)
			return false, nil
		}
		// MULTILINE: after a line terminator too, but never at the
		// end of the input (Java's Caret and UnixCaret)
		t.needs()
		if t.flags&flagD != 0 {
			t.out.WriteString(`(?!\z)(?:\A|(?<=\n))`)
		} else {
			t.out.WriteString(`(?!\z)(?:\A|(?<=[\n\x{85}\x{2028}\x{2029}])|(?<=\r)(?!\n))`)
		}
		return false, nil
	case '$':
		t.leaf = leafZero
		// Java: the end, or before a line terminator that ends the input.
		if t.bt {
			t.out.WriteString(t.dollar(t.flags&flagM != 0))
		} else if t.flags&(flagM|flagD) == 0 && t.dollarAtEnd() {
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
	t.track(runeSet{{c, c}})
	writeLiteral(&t.out, c)
}

func (t *javaTranslator) writeSet(s runeSet) {
	t.track(s)
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

var (
	javaDot     = chars("\n", "\r", "\u0085", "\u2028", "\u2029").complement()
	javaUnixDot = chars("\n").complement()
)

// dollar is Java's $ (and \Z, never multiline) for the backtracking
// engine. Java's Dollar: the end, or before a line terminator that ends
// the input (\r\n one terminator, so never between its \r and \n);
// multiline, before any line terminator (but that \n). UNIX_LINES'
// UnixDollar knows \n only.
func (t *javaTranslator) dollar(multiline bool) string {
	switch {
	case t.flags&flagD != 0 && multiline:
		return `(?=\n|\z)`
	case t.flags&flagD != 0:
		return `(?=\n?\z)`
	case multiline:
		return `(?=[\n\r\x{85}\x{2028}\x{2029}]|\z)(?!(?<=\r)\n)`
	}
	return `(?=(?:\r\n|[\n\r\x{85}\x{2028}\x{2029}])?\z)(?!(?<=\r)\n)`
}

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
				case 'm':
					f = flagM
				case 'd':
					f = flagD
				case 'U':
					// UNICODE_CHARACTER_CLASS, and UNICODE_CASE with it
					// (on and off)
					f = flagUC | flagU
				case 'c':
					return false, t.errAt(t.pos-1, "the flag (?%c) is not supported by Rosetta (CANON_EQ matches canonically equivalent characters)", c)
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
	outer := t.chars
	t.chars = nil
	err := body()
	if t.trackChars {
		if kind == "(" {
			t.groupChars[inner-1] = t.chars
		}
		t.chars = outer.union(t.chars)
	}
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
