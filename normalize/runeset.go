package normalize

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// runeSet is a set of code points as sorted, disjoint, non-adjacent
// ranges [lo, hi]: Java character classes (nested, intersected, negated,
// case-folded) are computed here and written out as plain ranges, which
// RE2 and the backtracking engine read the same way.
type runeSet []runeRange

type runeRange struct{ lo, hi rune }

// norm sorts and merges the ranges.
func (s runeSet) norm() runeSet {
	if len(s) < 2 {
		return s
	}
	sort.Slice(s, func(i, j int) bool { return s[i].lo < s[j].lo })
	out := s[:1]
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		if r.lo <= last.hi+1 {
			last.hi = max(last.hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s runeSet) union(t runeSet) runeSet {
	return append(append(runeSet(nil), s...), t...).norm()
}

// complement is never nil: callers read a nil set as "a character, not a
// class", and the complement of everything (\P{all}) is an empty class.
func (s runeSet) complement() runeSet {
	out := runeSet{}
	next := rune(0)
	for _, r := range s {
		if r.lo > next {
			out = append(out, runeRange{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= unicode.MaxRune {
		out = append(out, runeRange{next, unicode.MaxRune})
	}
	return out
}

func (s runeSet) intersect(t runeSet) runeSet {
	var out runeSet
	i, j := 0, 0
	for i < len(s) && j < len(t) {
		lo, hi := max(s[i].lo, t[j].lo), min(s[i].hi, t[j].hi)
		if lo <= hi {
			out = append(out, runeRange{lo, hi})
		}
		if s[i].hi < t[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// foldCase adds the case variants Java's CASE_INSENSITIVE matches for
// single characters: ASCII letters only, or with UNICODE_CASE the
// characters with the same Java key (see javaCaseVariants).
func (s runeSet) foldCase(unicodeCase bool) runeSet {
	out := append(runeSet{}, s...) // not nil, as complement
	for _, r := range s {
		if !unicodeCase {
			lo, hi := max(r.lo, 'A'), min(r.hi, 'Z')
			if lo <= hi {
				out = append(out, runeRange{lo + 32, hi + 32})
			}
			lo, hi = max(r.lo, 'a'), min(r.hi, 'z')
			if lo <= hi {
				out = append(out, runeRange{lo - 32, hi - 32})
			}
			continue
		}
		if r.hi-r.lo > 0x30000 {
			continue // huge ranges (negations) hold their variants already, nearly
		}
		for c := r.lo; c <= r.hi; c++ {
			key := javaCaseKey(c)
			javaCaseVariants(c, func(f rune) {
				if javaCaseKey(f) == key {
					out = append(out, runeRange{f, f})
				}
			})
		}
	}
	return out.norm()
}

// foldRange is Java's CASE_INSENSITIVE range lo-hi in a class: the ASCII
// variants (as foldCase), or with UNICODE_CASE its CIRangeU: a character
// whose upper case, or the lower case of that, is in the range. Unlike a
// single character's, that is not symmetric: (?iu)[K-K] does not match
// KELVIN SIGN, (?iu)K does.
func foldRange(lo, hi rune, unicodeCase bool) runeSet {
	s := runeSet{{lo, hi}}
	if !unicodeCase || hi-lo > 0x30000 {
		return s.foldCase(unicodeCase)
	}
	in := func(c rune) bool { return c >= lo && c <= hi }
	out := append(runeSet{}, s...)
	for c := lo; c <= hi; c++ {
		javaCaseVariants(c, func(f rune) {
			if up := unicode.ToUpper(f); in(up) || in(unicode.ToLower(up)) {
				out = append(out, runeRange{f, f})
			}
		})
	}
	return out.norm()
}

// javaCaseKey is what Java's UNICODE_CASE compares a character by
// (its SingleU): the lower case of its upper case.
func javaCaseKey(c rune) rune { return unicode.ToLower(unicode.ToUpper(c)) }

// javaCaseVariants calls f with every character Java's UNICODE_CASE may
// take for c: its simple case folding orbit and, as Java's upper and
// lower cases join them, the Turkish i's with i and I (i I \u0130
// \u0131 all have the key i).
func javaCaseVariants(c rune, f func(rune)) {
	for v := unicode.SimpleFold(c); v != c; v = unicode.SimpleFold(v) {
		f(v)
	}
	switch c {
	case 'i', 'I', 0x130, 0x131:
		for _, v := range []rune{'i', 'I', 0x130, 0x131} {
			if v != c {
				f(v)
			}
		}
	}
}

func tableSet(tabs ...*unicode.RangeTable) runeSet {
	var out runeSet
	add := func(lo, hi, stride rune) {
		if stride == 1 {
			out = append(out, runeRange{lo, hi})
			return
		}
		for c := lo; c <= hi; c += stride {
			out = append(out, runeRange{c, c})
		}
	}
	for _, t := range tabs {
		for _, r := range t.R16 {
			add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
		}
		for _, r := range t.R32 {
			add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
		}
	}
	return out.norm()
}

// chars is a set from single characters and "a-z" ranges.
func chars(spec ...string) runeSet {
	var out runeSet
	for _, s := range spec {
		rs := []rune(s)
		if len(rs) == 3 && rs[1] == '-' {
			out = append(out, runeRange{rs[0], rs[2]})
			continue
		}
		for _, c := range rs {
			out = append(out, runeRange{c, c})
		}
	}
	return out.norm()
}

// write appends the set as a character class both engines read alike.
func (s runeSet) write(b *strings.Builder) {
	if len(s) == 1 && s[0].lo == s[0].hi {
		writeLiteral(b, s[0].lo)
		return
	}
	b.WriteByte('[')
	for _, r := range s {
		writeClassRune(b, r.lo)
		if r.hi != r.lo {
			if r.hi > r.lo+1 {
				b.WriteByte('-')
			}
			writeClassRune(b, r.hi)
		}
	}
	b.WriteByte(']')
}

func isAlnum(c rune) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func writeClassRune(b *strings.Builder, c rune) {
	if isAlnum(c) {
		b.WriteRune(c)
		return
	}
	fmt.Fprintf(b, `\x{%x}`, c)
}

// writeLiteral writes one character matched literally.
func writeLiteral(b *strings.Builder, c rune) {
	switch {
	case isAlnum(c) || c == '_' || c == ' ' || c == '<' || c == '>' || c == ',' || c == '=' || c == ':' || c == '"' || c == '\'' || c == '/' || c == '@' || c == '%' || c == '&' || c == '~' || c == '`' || c == ';' || c == '!':
		b.WriteRune(c)
	case c < 0x80 && c > 0x20 && c != 0x7f:
		b.WriteByte('\\')
		b.WriteRune(c)
	case c >= 0xa0 && unicode.IsPrint(c) && !unicode.IsSpace(c):
		b.WriteRune(c)
	default:
		fmt.Fprintf(b, `\x{%x}`, c)
	}
}
