package jmx

import (
	"sort"
	"strings"
)

// Rosetta's bean strings and default series are compared with the real
// jmx_exporter collector's, on the same JVM, by inputs/jmx/oracle (goldens
// recorded by make record-jmx-golden). The helpers below format records
// for the comparisons inside this package (Jolokia against RMI).

func blocks(s string) []string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	var out []string
	for i := 0; i+1 < len(lines); i += 2 {
		out = append(out, lines[i]+"\n"+lines[i+1])
	}
	sort.Strings(out)
	return out
}

// withoutValues drops the value from both lines of a block: the match
// string after its last ": " and the sample after its last space.
func withoutValues(bs []string) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		m, s, _ := strings.Cut(b, "\n")
		if i := strings.LastIndex(m, ": "); i >= 0 {
			m = m[:i]
		}
		if i := strings.LastIndex(s, " "); i >= 0 {
			s = s[:i]
		}
		out = append(out, m+"\n"+s)
	}
	sort.Strings(out)
	return out
}
