package normalize

import (
	"fmt"
	"strings"
	"unicode"
)

// \p{...}: Java 17's character properties (java.lang.Character's methods,
// general categories, scripts, binary properties) from Go's Unicode tables.

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
	case hasKey && (key == "blk" || key == "block"), !hasKey && strings.HasPrefix(name, "In"):
		return nil, fmt.Errorf("Unicode blocks (\\p{%s}) are not supported by Rosetta", name) //nolint:staticcheck // ST1005: "Unicode" is a name
	case hasKey:
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
