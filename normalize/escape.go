package normalize

import (
	"strings"
	"unicode/utf8"
)

// EscapeMetricName turns s into a valid metric name the way statsd_exporter
// does for unmapped and templated names: every character outside
// [a-zA-Z0-9_] becomes "_", a run of dashes after the first dash is removed,
// and a leading digit gets an "_" in front. It returns s itself (no
// allocation) when nothing needs escaping.
func EscapeMetricName(s string) string {
	if s == "" {
		return ""
	}
	i := 0
	for i < len(s) && validNameByte(s[i]) {
		i++
	}
	if i == len(s) && (s[0] < '0' || s[0] > '9') {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 1)
	if s[0] >= '0' && s[0] <= '9' {
		b.WriteByte('_')
	}
	b.WriteString(s[:i])
	prevDash := false
	for i < len(s) {
		c := s[i]
		if validNameByte(c) {
			b.WriteByte(c)
			prevDash = false
			i++
			continue
		}
		size := 1
		if c >= utf8.RuneSelf {
			_, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if c == '-' {
			if prevDash {
				continue
			}
			prevDash = true
		} else {
			prevDash = false
		}
		b.WriteByte('_')
	}
	return b.String()
}

// EscapeJMXName is jmx_exporter's safeName, which it applies to default
// names, rule-built names and label names: every character outside
// [a-zA-Z0-9:_] becomes '_', runs of '_' collapse to one, and a leading
// digit gets a '_' prefix.
func EscapeJMXName(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		b.WriteByte('_')
	}
	prevUnderscore := false
	// Java iterates UTF-16 code units; one unsafe rune is one or two
	// units, and either way collapses into one '_'.
	for _, r := range s {
		legal := r == ':' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !legal || r == '_' {
			if prevUnderscore {
				continue
			}
			b.WriteByte('_')
			prevUnderscore = true
			continue
		}
		b.WriteRune(r)
		prevUnderscore = false
	}
	return b.String()
}

func validNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// ValidMetricName reports whether s is a valid (legacy) Prometheus metric
// name: [a-zA-Z_:][a-zA-Z0-9_:]*.
func ValidMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ':' || validNameByte(c) && (i > 0 || c < '0' || c > '9') {
			continue
		}
		return false
	}
	return true
}

// ValidLabelName reports whether s is a valid (legacy) Prometheus label
// name: [a-zA-Z_][a-zA-Z0-9_]*.
func ValidLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !validNameByte(c) || i == 0 && c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}
