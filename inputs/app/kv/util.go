package kv

import (
	"iter"
	"strings"
	"unicode/utf8"
)

// lines iterates over the lines of b with their index, without copying
// more than each line.
func lines(b []byte) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		s := string(b)
		for i := 0; s != ""; i++ {
			line, rest, _ := strings.Cut(s, "\n")
			if !yield(i, line) {
				return
			}
			s = rest
		}
	}
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
