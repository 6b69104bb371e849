package jsonsel

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON syntax: the scanner's steps over keys, separators, strings,
// literals and numbers, checking the grammar; skip reads over a whole
// value.

// key reads an object member's key, the ':' and the white space around
// them, leaving the scanner on the value.
func (s *scanner) key() (raw []byte, esc bool, err error) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, s.errf("expected a key, got %s", s.what())
	}
	if raw, esc, err = s.str(); err != nil {
		return nil, false, err
	}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return nil, false, s.errf("expected ':' after a key, got %s", s.what())
	}
	s.i++
	s.ws()
	return raw, esc, nil
}

// next reads what follows a member ('}') or an element (']'): a ',', or
// close, which ends the container (end).
func (s *scanner) next(close byte) (end bool, err error) {
	what := "an object"
	if close == ']' {
		what = "an array"
	}
	s.ws()
	if s.i >= len(s.b) {
		return false, s.errf("unterminated %s", what[3:])
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return false, nil
	case close:
		s.i++
		return true, nil
	}
	return false, s.errf("expected ',' or '%c' in %s, got %s", close, what, s.what())
}

// skip reads over a value, checking its syntax, without keeping anything.
// It does not recurse: the closing brackets of the containers it is in
// are a stack (s.closes), so that a subtree nested 10,000 deep costs 10 KB,
// not megabytes of goroutine stack.
func (s *scanner) skip(depth int) error {
	base := len(s.closes)
	err := s.skipFrom(depth, base)
	s.closes = s.closes[:base]
	return err
}

func (s *scanner) skipFrom(depth, base int) error {
	for {
		// A value.
		if err := s.tick(); err != nil {
			return err
		}
		if s.i >= len(s.b) {
			return s.errf("expected a value")
		}
		switch c := s.b[s.i]; {
		case c == '{' || c == '[':
			if depth+len(s.closes)-base >= maxDepth {
				return s.tooDeep()
			}
			close := byte('}')
			if c == '[' {
				close = ']'
			}
			if !s.open(close) {
				s.closes = append(s.closes, close)
				if err := s.skipTo(close); err != nil {
					return err
				}
				continue // its first member's value
			}
		case c == '"':
			if _, _, err := s.str(); err != nil {
				return err
			}
		case c == 't' || c == 'f' || c == 'n':
			if _, err := s.literal(); err != nil {
				return err
			}
		case c == '-' || c >= '0' && c <= '9':
			if err := s.number(); err != nil {
				return err
			}
		default:
			return s.errf("unexpected %s", s.what())
		}
		// What follows it: the containers it ends, then the next member.
		for {
			n := len(s.closes)
			if n == base {
				return nil
			}
			end, err := s.next(s.closes[n-1])
			if err != nil {
				return err
			}
			if !end {
				if err := s.skipTo(s.closes[n-1]); err != nil {
					return err
				}
				break
			}
			s.closes = s.closes[:n-1]
		}
	}
}

// skipTo reads up to the value of a member of an object (its key) or of
// an array (white space), close saying which.
func (s *scanner) skipTo(close byte) error {
	if close == '}' {
		_, _, err := s.key()
		return err
	}
	s.ws()
	return nil
}

// str reads a string and returns its raw content and whether unescape
// must decode it: it has escapes, or bytes that are not UTF-8, which
// encoding/json (json_exporter's decoder) reads as U+FFFD, one per byte.
func (s *scanner) str() ([]byte, bool, error) {
	s.i++ // "
	start := s.i
	esc := false
	for {
		for s.i < len(s.b) && strClass[s.b[s.i]] == 0 {
			s.i++
		}
		if s.i >= len(s.b) {
			return nil, false, s.errf("unterminated string")
		}
		switch c := s.b[s.i]; strClass[c] {
		case '"':
			raw := s.b[start:s.i]
			s.i++
			return raw, esc, nil
		case '\\':
			esc = true
			if s.i+1 >= len(s.b) {
				return nil, false, s.errf("unterminated string")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					return nil, false, s.errf("bad \\u escape")
				}
				s.i += 6
			default:
				return nil, false, s.errf("bad escape \\%c", s.b[s.i+1])
			}
		case 0x1f:
			return nil, false, s.errf("control character in a string")
		default: // not ASCII
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				esc = true
			}
			s.i += n
		}
	}
}

// strClass sorts a string's bytes for str: 0 for those that stand for
// themselves, else '"', '\\', 0x1f (a control character) or 0x80 (not
// ASCII).
var strClass = func() (t [256]byte) {
	for c := range t {
		switch {
		case c == '"' || c == '\\':
			t[c] = byte(c)
		case c < 0x20:
			t[c] = 0x1f
		case c >= utf8.RuneSelf:
			t[c] = 0x80
		}
	}
	return t
}()

// strValue reads a string and returns its value (escapes decoded, bytes
// that are not UTF-8 as U+FFFD).
func (s *scanner) strValue() (string, error) {
	raw, esc, err := s.str()
	if err != nil || !esc {
		return string(raw), err
	}
	return unescape(raw), nil
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// unescape decodes a checked string as encoding/json does: its escapes,
// and each byte that does not start valid UTF-8 as U+FFFD (utf8.DecodeRune's
// rule: "\xe2\x82" is two, not one as a maximal subpart would be).
func unescape(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteString("\uFFFD")
			} else {
				b.Write(raw[i : i+n])
			}
			i += n - 1
			continue
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, _ := strconv.ParseUint(string(raw[i+1:i+5]), 16, 32)
			i += 4
			if utf16.IsSurrogate(rune(r)) && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				r2, _ := strconv.ParseUint(string(raw[i+3:i+7]), 16, 32)
				if d := utf16.DecodeRune(rune(r), rune(r2)); d != utf8.RuneError {
					b.WriteRune(d)
					i += 6
					continue
				}
			}
			b.WriteRune(rune(r))
		default: // " \ /
			b.WriteByte(raw[i])
		}
	}
	return b.String()
}

func (s *scanner) literal() (string, error) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
			s.i += len(lit)
			return lit, nil
		}
	}
	return "", s.errf("unexpected %s", s.what())
}

// number reads over a JSON number, checking its grammar.
func (s *scanner) number() error {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return s.errf("bad number %q", s.b[start:s.i])
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.errf("bad number %q", s.b[start:s.i])
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.errf("bad number %q", s.b[start:s.i])
		}
	}
	return nil
}
