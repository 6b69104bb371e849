package normalize

import (
	"strings"
	"unicode"
)

// jmx_exporter's attrNameSnakeCase. The match string of a JMX reading is
// `domain<props><keys>attrName: value`; the attribute name is the text
// between the last '>' before the first ": " and that ": ".

// jmxAttrSpan returns the start and end of the attribute name in a JMX
// match string, or ok false when s does not look like one.
func jmxAttrSpan(s string) (start, end int, ok bool) {
	end = strings.Index(s, ": ")
	if end < 0 {
		return 0, 0, false
	}
	start = strings.LastIndexByte(s[:end], '>') + 1
	if start == 0 {
		return 0, 0, false
	}
	return start, end, true
}

// jmxRuleMatch returns the match string a jmx_exporter rule sees: with the
// attribute name in snake case (attrNameSnakeCase) and the value replaced
// by "<cache>" (cache).
func jmxRuleMatch(s string, snake, cache bool) string {
	start, end, ok := jmxAttrSpan(s)
	if !ok {
		return s
	}
	attr, value := s[start:end], s[end+2:]
	if snake {
		attr = SnakeCase(attr)
	}
	if cache {
		value = "<cache>"
	}
	return s[:start] + attr + ": " + value
}

// clientJavaName is client_java's PrometheusNaming.sanitizeMetricName
// (reserved suffixes stripped until none is left; a name that is only a
// suffix loses its '_') and, for a counter, the _total its exposition
// adds.
func clientJavaName(name string, counter bool) string {
	for stripped := true; stripped; {
		stripped = false
		for _, suf := range [...]string{"_total", "_created", "_bucket", "_info"} {
			if name == suf {
				name = suf[1:]
				break
			}
			if strings.HasSuffix(name, suf) {
				name = name[:len(name)-len(suf)]
				stripped = true
				break
			}
		}
	}
	if counter {
		name += "_total"
	}
	return name
}

// jmxSnakeDefaultName replaces the attribute name at the end of a
// jmx_exporter default name by its snake case form.
func jmxSnakeDefaultName(name, match string) string {
	start, end, ok := jmxAttrSpan(match)
	if !ok {
		return name
	}
	attr := match[start:end]
	snake := SnakeCase(attr)
	for _, a := range []string{attr, strings.ToLower(attr)} {
		if rest, ok := strings.CutSuffix(name, a); ok {
			return rest + snake
		}
	}
	return name
}

// SnakeCase is jmx_exporter's toSnakeAndLowerCase: an '_' before each
// upper-case letter that follows a lower-case one (or a digit), everything
// lower-cased: "HeapMemoryUsage" → "heap_memory_usage", "URLCount" →
// "urlcount".
func SnakeCase(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	prevUpperOrUnderscore := false
	for i, c := range s {
		upper := unicode.IsUpper(c)
		if i > 0 && !prevUpperOrUnderscore && upper {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
		prevUpperOrUnderscore = upper || c == '_'
	}
	return b.String()
}
