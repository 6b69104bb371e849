package normalize

import (
	"strings"
	"sync"
)

// \X: Java 17's grapheme cluster (java.util.regex.Grapheme.nextBoundary,
// its own rules over its own types, Unicode 13), written as an atomic
// group for the backtracking engine.

// Java's Grapheme types (javaGraphemeRanges; 0 is OTHER).
const (
	graphemeCR = 1 + iota
	graphemeLF
	graphemeControl
	graphemeExtend
	graphemeZWJ
	graphemeRI
	graphemePrepend
	graphemeSpacingMark
	graphemeL
	graphemeV
	graphemeT
	graphemeLV
	graphemeLVT
	graphemePictographic
)

func setString(s runeSet) string {
	var b strings.Builder
	s.write(&b)
	return b.String()
}

// javaGraphemeCluster is \X. nextBoundary goes on from the first
// character while its rules table says no break between a character's
// type and the next's: none before Extend, ZWJ or SpacingMark, none
// after Prepend (but before a control), Hangul syllable sequences, CR LF;
// and two exceptions with state: ZWJ then Extended_Pictographic when the
// cluster started with one (GB11), and a regional indicator after an
// odd number of them. \X takes the one boundary it finds (no
// backtracking into the cluster), hence the atomic group; its
// alternatives take what the rules join, longest first.
var javaGraphemeCluster = sync.OnceValue(func() string {
	sets := make([]runeSet, graphemePictographic+1)
	for _, r := range javaGraphemeRanges {
		sets[r.id] = append(sets[r.id], runeRange{r.lo, r.hi})
	}
	set := func(types ...int) string {
		var s runeSet
		for _, t := range types {
			s = s.union(sets[t])
		}
		return setString(s)
	}
	nonControl := setString(sets[graphemeCR].union(sets[graphemeLF]).union(sets[graphemeControl]).complement())
	post := set(graphemeExtend, graphemeZWJ, graphemeSpacingMark)
	ep, zwj := set(graphemePictographic), set(graphemeZWJ)
	l, v, t := set(graphemeL), set(graphemeV), set(graphemeT)
	ri := set(graphemeRI)
	var b strings.Builder
	b.WriteString(`(?>\r\n?|` + set(graphemeLF, graphemeControl))
	// GB11: a cluster that starts with an Extended_Pictographic
	b.WriteString(`|` + ep + `(?:` + set(graphemeExtend, graphemeSpacingMark) + `|` + zwj + `(?:` + ep + `)?)*`)
	b.WriteString(`|` + set(graphemePrepend) + `*(?:`)
	b.WriteString(l + `*(?:` + v + `+|` + set(graphemeLV) + v + `*|` + set(graphemeLVT) + `)` + t + `*|` + l + `+|` + t + `+`)
	b.WriteString(`|` + ri + ri + `?|` + nonControl + `)` + post + `*)`)
	return b.String()
})
