package normalize

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// \p{...}: Java 17's character properties (java.util.regex's
// CharPredicates: java.lang.Character's methods, general categories,
// scripts, blocks, binary and POSIX properties) from Go's Unicode tables,
// and the JVM's own (Unicode 13) blocks, scripts and java.lang.Character
// properties Go has no table for (javaregex_unicode.go, generated).

// javaProperty resolves the name inside \p{...} as Java 17's
// Pattern.family does. caseIns is CASE_INSENSITIVE: Java does not fold a
// property, it picks a wider one (\p{Lu} is then every cased letter);
// uc is UNICODE_CHARACTER_CLASS (\p{Alpha} is then Unicode's).
func javaProperty(name string, caseIns, uc bool) (runeSet, error) {
	if key, value, ok := strings.Cut(name, "="); ok {
		var s runeSet
		found := false
		switch strings.ToLower(key) {
		case "sc", "script":
			s, found = scriptSet(value)
		case "blk", "block":
			s, found = javaBlock(value)
		case "gc", "general_category":
			s, found = javaForProperty(value, caseIns)
		}
		if !found {
			return nil, fmt.Errorf("Unknown Unicode property {name=<%s>, value=<%s>}", strings.ToLower(key), value) //nolint:staticcheck // ST1005: Java's PatternSyntaxException message
		}
		return s, nil
	}
	var s runeSet
	found := false
	switch {
	case strings.HasPrefix(name, "In"):
		s, found = javaBlock(name[2:])
	case strings.HasPrefix(name, "Is"):
		n := name[2:]
		if s, found = unicodePredicate(javaUpper(n), caseIns); !found {
			if s, found = posixPredicate(javaUpper(n), caseIns); !found {
				if s, found = javaForProperty(n, caseIns); !found {
					s, found = scriptSet(n)
				}
			}
		}
	default:
		if uc {
			s, found = posixPredicate(javaUpper(name), caseIns)
		}
		if !found {
			s, found = javaForProperty(name, caseIns)
		}
	}
	if !found {
		return nil, fmt.Errorf("Unknown character property name {%s}", name) //nolint:staticcheck // ST1005: Java's PatternSyntaxException message
	}
	return s, nil
}

// javaForProperty is CharPredicates.forProperty: general categories and
// Java's extras (LC, LD, L1, all), the US-ASCII POSIX names and the
// java.lang.Character methods (\p{javaLowerCase}).
func javaForProperty(name string, caseIns bool) (runeSet, bool) {
	if s, ok := posixClasses[name]; ok {
		if caseIns && (name == "Lower" || name == "Upper") {
			return posixClasses["Alpha"], true
		}
		return s, true
	}
	switch name {
	case "Lu", "Ll", "Lt":
		if caseIns {
			return tableSet(unicode.Lu, unicode.Ll, unicode.Lt), true
		}
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
	case "javaLowerCase":
		return casedSet(javaLowercase, caseIns), true
	case "javaUpperCase":
		return casedSet(javaUppercase, caseIns), true
	case "javaTitleCase":
		return casedSet(javaTitlecase, caseIns), true
	case "javaAlphabetic":
		return javaAlphabeticSet(), true
	case "javaIdeographic":
		return tableSet(unicode.Ideographic), true
	case "javaDigit":
		return tableSet(unicode.Nd), true
	case "javaLetter":
		return tableSet(unicode.L), true
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
	if i := slices.Index(javaCharPropertyNames, name); i >= 0 {
		// javaMirrored, javaJavaIdentifierStart, ...: the JVM's table
		return javaRangesOf(javaCharPropertyRanges, uint16(i)), true
	}
	if t, ok := unicode.Categories[name]; ok && (len(name) == 1 || len(name) == 2) {
		return tableSet(t), true
	}
	return nil, false
}

// The case properties, and Java's case-insensitive variant of each (a
// cased letter of any case).
const (
	javaLowercase = iota
	javaUppercase
	javaTitlecase
)

func casedSet(which int, caseIns bool) runeSet {
	lower := func() runeSet { return tableSet(unicode.Ll, unicode.Other_Lowercase) }
	upper := func() runeSet { return tableSet(unicode.Lu, unicode.Other_Uppercase) }
	title := func() runeSet { return tableSet(unicode.Lt) }
	if caseIns {
		return lower().union(upper()).union(title())
	}
	switch which {
	case javaLowercase:
		return lower()
	case javaUppercase:
		return upper()
	}
	return title()
}

// javaAlphabeticSet is Character.isAlphabetic.
func javaAlphabeticSet() runeSet {
	return tableSet(unicode.L, unicode.Nl, unicode.Other_Alphabetic)
}

// Java's Unicode sets for UNICODE_CHARACTER_CLASS: \w (CharPredicates.WORD),
// \s (WHITE_SPACE), \d (DIGIT).
var (
	javaUnicodeWord = sync.OnceValue(func() runeSet {
		return javaAlphabeticSet().union(tableSet(unicode.Mn, unicode.Me, unicode.Mc, unicode.Nd, unicode.Pc)).
			union(chars("\u200c-\u200d"))
	})
	javaUnicodeSpace = sync.OnceValue(func() runeSet {
		return tableSet(unicode.Zs, unicode.Zl, unicode.Zp).union(chars("\t-\r", "\u0085"))
	})
	javaUnicodeDigit = sync.OnceValue(func() runeSet { return tableSet(unicode.Nd) })
)

// unicodePredicate is CharPredicates.getUnicodePredicate: \p{IsName} for
// a binary property, the name in upper case.
func unicodePredicate(name string, caseIns bool) (runeSet, bool) {
	switch name {
	case "ALPHABETIC":
		return javaAlphabeticSet(), true
	case "ASSIGNED":
		return assignedSet(), true
	case "CONTROL":
		return tableSet(unicode.Cc), true
	case "HEXDIGIT", "HEX_DIGIT":
		return javaHexDigit(), true
	case "IDEOGRAPHIC":
		return tableSet(unicode.Ideographic), true
	case "JOINCONTROL", "JOIN_CONTROL":
		return chars("\u200c-\u200d"), true
	case "LETTER":
		return tableSet(unicode.L), true
	case "LOWERCASE":
		return casedSet(javaLowercase, caseIns), true
	case "NONCHARACTERCODEPOINT", "NONCHARACTER_CODE_POINT":
		return tableSet(unicode.Noncharacter_Code_Point), true
	case "TITLECASE":
		return casedSet(javaTitlecase, caseIns), true
	case "PUNCTUATION":
		return tableSet(unicode.P), true
	case "UPPERCASE":
		return casedSet(javaUppercase, caseIns), true
	case "WHITESPACE", "WHITE_SPACE":
		return javaUnicodeSpace(), true
	case "WORD":
		return javaUnicodeWord(), true
	}
	return nil, false
}

func javaHexDigit() runeSet {
	return tableSet(unicode.Nd).union(chars("0-9", "A-F", "a-f", "\uff10-\uff19", "\uff21-\uff26", "\uff41-\uff46"))
}

// posixPredicate is CharPredicates.getPosixPredicate: the Unicode
// meaning of a POSIX name (in upper case), for UNICODE_CHARACTER_CLASS
// and \p{IsName}.
func posixPredicate(name string, caseIns bool) (runeSet, bool) {
	blank := func() runeSet { return tableSet(unicode.Zs).union(chars("\t")) }
	graph := func() runeSet {
		return tableSet(unicode.Zs, unicode.Zl, unicode.Zp, unicode.Cc, unicode.Cs).union(assignedSet().complement()).complement()
	}
	switch name {
	case "ALPHA":
		return javaAlphabeticSet(), true
	case "LOWER":
		return casedSet(javaLowercase, caseIns), true
	case "UPPER":
		return casedSet(javaUppercase, caseIns), true
	case "SPACE":
		return javaUnicodeSpace(), true
	case "PUNCT":
		return tableSet(unicode.P), true
	case "XDIGIT":
		return javaHexDigit(), true
	case "ALNUM":
		return javaAlphabeticSet().union(tableSet(unicode.Nd)), true
	case "CNTRL":
		return tableSet(unicode.Cc), true
	case "DIGIT":
		return tableSet(unicode.Nd), true
	case "BLANK":
		return blank(), true
	case "GRAPH":
		return graph(), true
	case "PRINT":
		return graph().union(blank()).intersect(tableSet(unicode.Cc).complement()), true
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

//go:generate go run gen_javaunicode.go

// javaUnicodeKey is a name Java's forName accepts, upper case, and the
// block or script it names; javaUnicodeRange is a range of one.
type (
	javaUnicodeKey struct {
		key string
		id  uint16
	}
	javaUnicodeRange struct {
		lo, hi rune
		id     uint16
	}
)

// javaBlock is Character.UnicodeBlock.forName (Java 17's blocks, Unicode
// 13: javaregex_unicode.go): the block's name, with spaces or without,
// or its constant's, in any case.
func javaBlock(name string) (runeSet, bool) {
	return javaUnicodeSet(javaBlockKeys, javaBlockRanges, name)
}

// scriptSet is Character.UnicodeScript.forName (Java 17's scripts,
// Unicode 13): the script's constant or its alias, in any case.
func scriptSet(name string) (runeSet, bool) {
	return javaUnicodeSet(javaScriptKeys, javaScriptRanges, name)
}

func javaUnicodeSet(keys []javaUnicodeKey, ranges []javaUnicodeRange, name string) (runeSet, bool) {
	key := javaUpper(name)
	i, found := slices.BinarySearchFunc(keys, key, func(k javaUnicodeKey, key string) int { return strings.Compare(k.key, key) })
	if !found {
		return nil, false
	}
	return javaRangesOf(ranges, keys[i].id).norm(), true
}

// javaRangesOf returns the ranges of id, in their order.
func javaRangesOf(ranges []javaUnicodeRange, id uint16) runeSet {
	var s runeSet
	for _, r := range ranges {
		if r.id == id {
			s = append(s, runeRange{r.lo, r.hi})
		}
	}
	return s
}

// javaUpper is Java's String.toUpperCase: Go's, and the full case
// mappings that end in ASCII letters (ß is SS).
func javaUpper(s string) string {
	return strings.ToUpper(javaSpecialUpper.Replace(s))
}

var javaSpecialUpper = strings.NewReplacer("\u00df", "SS", "\ufb00", "FF", "\ufb01", "FI", "\ufb02", "FL", "\ufb03", "FFI", "\ufb04", "FFL", "\ufb05", "ST", "\ufb06", "ST")
