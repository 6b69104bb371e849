package normalize

import (
	"math/rand"
	"strings"
	"testing"
)

// TestJavaRegexUnicodeInputs runs the constructs whose meaning reaches
// beyond ASCII (\b, \X, (?U), (?m) with every line terminator, (?i)
// backreferences, properties under (?i)) on random strings of letters,
// marks, emoji, Hangul, regional indicators and line terminators of
// Unicode 13 (Java 17's), which FuzzJavaRegex leaves out.
func TestJavaRegexUnicodeInputs(t *testing.T) {
	o := startOracle(t)
	rng := rand.New(rand.NewSource(7))
	alphabet := []string{"a", "Z", "_", "1", " ", "-", "é", "É", "\u0301", "\u0903", "π", "Σ", "ς", "中", "\u0663", "😀", "👍", "🏽", "\u200d", "🇫", "🇷", "\u1100", "\u1161", "\u11a8", "\uac00", "\uac01", "\u0600", "\r", "\n", "\u2028", "\u0085", "k", "\u212a", "s", "\u017f", "i", "I", "\u0131", "\u0130", "\u203f", "\u00aa", "\u2160", "\U0001d167", "\u0915", "\u094d", "\u0937", "\u00a0", "\u3000", "ß"}
	pats := []string{`(.*?)\b(.*)`, `(.*?)\B(.*)`, `(?U)(.*?)\b(.*)`, `(\X)(\X)?(.*)`, `(\X*?)(\X)`, `(?U)(\w*)(\W*)(.*)`, `(?U)(\s*)(\S*)(\d*)(.*)`, `(?m)(.*)$(.*)`, `(?m)^(.*)`, `(?s)(?m)(.*?)^(.*?)$(.*)`, `(?d)(.*)$(.*)`, `(?md)(.*?)^(.*)$(?s:.*)`,
		`(?i)([a-z_]+)\1(.*)`, `(?iu)([a-h]+)\1(.*)`, `(?iu)(\p{InGreek}+)\1(.*)`, `(?U)(\p{Alpha}*)(\p{Punct}*)(\p{Graph}*)(.*)`, `(?i)(\p{Lu}*)(\p{javaLowerCase}*)(.*)`, `(?s)(.*?)(?<=\X)(.*)`, `(\p{IsLatin}*)(\p{InCJK_Unified_Ideographs}*)(.*)`}
	bad := 0
	for range 500 {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		in := b.String()
		p := pats[rng.Intn(len(pats))]
		j := o.eval(t, p, in)
		r, err := rosettaResult(p, in)
		if err != nil && r.err == "" {
			t.Errorf("%q %q: %v", p, in, err)
			continue
		}
		if !sameMeaning(j, r) {
			bad++
			if bad < 15 {
				t.Errorf("%q on %q:\n java    %s\n rosetta %s", p, in, j, r)
			}
		}
	}
}
