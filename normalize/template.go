package normalize

import (
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
func compileGlobTemplate(t string, captureCount int) template {
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
	for _, p := range t.parts {
		if p.ref < 0 {
			dst = append(dst, p.lit...)
		} else if p.ref < len(captures) {
			dst = append(dst, captures[p.ref]...)
		}
	}
	return dst
}

// expandString returns the expansion, without allocating for a static
// template; buf is scratch space.
func (t *template) expandString(buf []byte, captures []string) string {
	if t.static {
		return t.text
	}
	return string(t.expand(buf[:0], captures))
}
