package normalize

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// template is a precompiled name, label or value template. Expanding it
// concatenates literal parts and captures; captures[0] is $0.
type template struct {
	parts  []tmplPart
	static bool // no references: parts is one literal (or none)
	text   string
	// format, when set, is statsd_exporter's fmt.Sprintf format for a
	// glob template with references and a "%" (see compileGlobTemplate),
	// and fargs the captures it is given.
	format string
	fargs  []int
}

type tmplPart struct {
	lit string
	ref int // index into captures, or -1 for a literal
}

func literalTemplate(s string) template {
	return template{static: true, text: s, parts: []tmplPart{{lit: s, ref: -1}}}
}

// globRefRE finds references the way statsd_exporter's glob formatter does:
// "$" and an optional "{", the longest run of [a-zA-Z0-9_$], an optional
// "}". A run that is not a number, or a number above the capture count, is
// removed from the output.
var globRefRE = regexp.MustCompile(`\$\{?([a-zA-Z0-9_\$]+)\}?`)

// compileGlobTemplate compiles t for a glob rule with captureCount "*"s;
// $0 is the whole match string.
//
// With sprintf (a statsd_exporter mapping file), a template with at least
// one reference expands as statsd_exporter's glob formatter expands it: it
// replaces each reference with "%s" and passes the result to fmt.Sprintf
// with the captures, so a "%" in the template's text is a verb there:
// "%%" becomes "%", and "%d" or a lone "%" garble the value
// ("%!d(string=...)", "%!(NOVERB)") and shift the captures after them.
// statsd_exporter serves what comes out, and its users' dashboards query
// it, so Rosetta serves the same, garbled or not (names cannot hold a
// "%": statsd_exporter refuses the mapping; label values can). A template
// without a reference is literal text on both sides.
func compileGlobTemplate(t string, captureCount int, sprintf bool) template {
	ms := globRefRE.FindAllStringSubmatch(t, -1)
	if len(ms) == 0 {
		return literalTemplate(t)
	}
	// statsd_exporter replaces every occurrence of each reference text in
	// turn; do the same with a marker that cannot occur in YAML text.
	const marker = "\x00"
	out := t
	var refs []int
	for _, m := range ms {
		idx, err := strconv.Atoi(m[1])
		if err != nil || idx > captureCount || idx < 0 {
			out = strings.ReplaceAll(out, m[0], "")
			continue
		}
		out = strings.ReplaceAll(out, m[0], marker)
		refs = append(refs, idx)
	}
	if len(refs) == 0 {
		return literalTemplate(out)
	}
	lits := strings.Split(out, marker)
	var tp template
	tp.text = t
	if sprintf && strings.Contains(out, "%") {
		tp.format, tp.fargs = strings.ReplaceAll(out, marker, "%s"), refs
	}
	for i, lit := range lits {
		if lit != "" {
			tp.parts = append(tp.parts, tmplPart{lit: lit, ref: -1})
		}
		if i < len(lits)-1 && i < len(refs) {
			tp.parts = append(tp.parts, tmplPart{ref: refs[i]})
		}
	}
	return tp
}

// compileRegexTemplate compiles t for a regex rule with Go's
// regexp.Expand syntax: $name or ${name}, where name is a group number or
// a named group; $$ is a literal $. $0 is the whole match, an unknown name
// expands to "".
func compileRegexTemplate(t string, re interface {
	NumSubexp() int
	SubexpNames() []string
}) template {
	if !strings.Contains(t, "$") {
		return literalTemplate(t)
	}
	var tp template
	tp.text = t
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			tp.parts = append(tp.parts, tmplPart{lit: lit.String(), ref: -1})
			lit.Reset()
		}
	}
	for len(t) > 0 {
		i := strings.IndexByte(t, '$')
		if i < 0 {
			lit.WriteString(t)
			break
		}
		lit.WriteString(t[:i])
		t = t[i:]
		if len(t) > 1 && t[1] == '$' {
			lit.WriteByte('$')
			t = t[2:]
			continue
		}
		name, num, rest, ok := extractRef(t)
		if !ok {
			lit.WriteByte('$')
			t = t[1:]
			continue
		}
		t = rest
		ref := -1
		if num >= 0 {
			if num <= re.NumSubexp() {
				ref = num
			}
		} else {
			for gi, gn := range re.SubexpNames() {
				if gn == name && gi > 0 {
					ref = gi
					break
				}
			}
		}
		if ref >= 0 {
			flush()
			tp.parts = append(tp.parts, tmplPart{ref: ref})
		}
	}
	flush()
	if len(tp.parts) == 0 {
		return literalTemplate("")
	}
	if len(tp.parts) == 1 && tp.parts[0].ref < 0 {
		return literalTemplate(tp.parts[0].lit)
	}
	return tp
}

// extractRef parses "$name" or "${name}" at the start of s as regexp.Expand
// does; num is the group number or -1 for a name.
func extractRef(s string) (name string, num int, rest string, ok bool) {
	if len(s) < 2 || s[0] != '$' {
		return
	}
	brace := false
	if s[1] == '{' {
		brace = true
		s = s[2:]
	} else {
		s = s[1:]
	}
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			break
		}
		i += size
	}
	if i == 0 {
		return
	}
	name = s[:i]
	if brace {
		if i >= len(s) || s[i] != '}' {
			return
		}
		i++
	}
	num = 0
	for j := 0; j < len(name); j++ {
		if name[j] < '0' || name[j] > '9' || num >= 1e8 {
			num = -1
			break
		}
		num = num*10 + int(name[j]-'0')
	}
	if name[0] == '0' && len(name) > 1 {
		num = -1
	}
	return name, num, s[i:], true
}

// hasRefs reports whether the template uses any capture.
func (t *template) hasRefs() bool { return !t.static }

// expand appends the expansion to dst.
func (t *template) expand(dst []byte, captures []string) []byte {
	if t.format != "" {
		return t.sprintf(dst, captures)
	}
	for _, p := range t.parts {
		if p.ref < 0 {
			dst = append(dst, p.lit...)
		} else if p.ref < len(captures) {
			dst = append(dst, captures[p.ref]...)
		}
	}
	return dst
}

// sprintf is expand for a template with a format (statsd_exporter's
// formatter). It allocates; such templates are rare and their results
// are cached with the match.
func (t *template) sprintf(dst []byte, captures []string) []byte {
	args := make([]any, len(t.fargs))
	for i, ref := range t.fargs {
		a := ""
		if ref < len(captures) {
			a = captures[ref]
		}
		args[i] = a
	}
	return fmt.Appendf(dst, t.format, args...)
}

// expandString returns the expansion, without allocating for a static
// template; buf is scratch space.
func (t *template) expandString(buf []byte, captures []string) string {
	if t.static {
		return t.text
	}
	return string(t.expand(buf[:0], captures))
}

// StatsdLiteralTemplate returns a glob template that expands, without
// statsd_exporter's Sprintf, as t expands with it in a statsd_exporter
// mapping file (RuleConfig.StatsdTemplates) for a glob with captureCount
// "*"s: t itself unless t goes through Sprintf, else the Sprintf result
// with its references put back. ok is false when no template does (a verb
// other than %s that formats a capture, such as %q or %x).
func StatsdLiteralTemplate(t string, captureCount int) (lit string, ok bool) {
	tp := compileGlobTemplate(t, captureCount, true)
	if tp.format == "" {
		return t, true
	}
	marker := func(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }
	args := make([]any, len(tp.fargs))
	for i := range args {
		args[i] = marker(i)
	}
	out := fmt.Sprintf(tp.format, args...)
	for i, ref := range tp.fargs {
		out = strings.ReplaceAll(out, marker(i), "${"+strconv.Itoa(ref)+"}")
	}
	if strings.Contains(out, "\x00") {
		return "", false
	}
	// The result must expand the same for any captures: check on some.
	lt := compileGlobTemplate(out, captureCount, false)
	for _, probe := range []string{"", "a", "%", "x%dy", "$1", "b.c", "a long capture of many characters, more than any width or precision a template would hold: 0123456789"} {
		caps := make([]string, captureCount+1)
		for _, numbered := range []bool{false, true} {
			for i := range caps {
				caps[i] = probe
				if numbered {
					caps[i] += strconv.Itoa(i)
				}
			}
			if string(lt.expand(nil, caps)) != string(tp.expand(nil, caps)) {
				return "", false
			}
		}
	}
	return out, true
}
