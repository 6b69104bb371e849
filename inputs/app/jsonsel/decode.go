package jsonsel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Decode decodes a value the scanner has checked (syntax, nesting: Parse
// with SelectNone) into what encoding/json.Unmarshal gives an any:
// map[string]any (a repeated key: the last), []any, float64, string, bool,
// nil. It is several times faster than Unmarshal, which checks the syntax
// first and decodes through reflection; FuzzDecode holds it to Unmarshal.
// json_exporter's JSONPath templates evaluate over its result.
func Decode(b []byte) (any, error) {
	d := decoder{cursor: cursor{b: b}}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	if d.ws(); d.i != len(d.b) {
		return nil, fmt.Errorf("at byte %d: data after the value", d.i)
	}
	return v, nil
}

type decoder struct {
	cursor
	// keys interns object keys: the objects of one array mostly repeat
	// the same few.
	keys map[string]string
}

// next reads what follows a member of an object or array: ',' or close,
// and reports whether it was close: the container is read.
func (d *decoder) next(close byte, what string) (end bool, err error) {
	d.ws()
	if d.i >= len(d.b) {
		return false, fmt.Errorf("at byte %d: unterminated %s", d.i, what)
	}
	d.i++
	switch d.b[d.i-1] {
	case ',':
		return false, nil
	case close:
		return true, nil
	}
	return false, fmt.Errorf("at byte %d: expected ',' or '%c'", d.i-1, close)
}

// frame is an object or an array being decoded, and for an object the
// key of the member whose value is being read.
type frame struct {
	m   map[string]any
	a   []any
	key string
}

// value decodes a value. It does not recurse: the containers it is in are
// a stack of frames, so that 10,000 levels (the scanner's bound) take
// 48 bytes of heap each (about 1 MB with the slice's growth), not 4 MiB
// of goroutine stack.
func (d *decoder) value() (any, error) {
	var buf [8]frame
	stack := buf[:0]
	for {
		// A value: a scalar, an empty container, or the opening of one
		// whose first member is read next.
		d.ws()
		if d.i >= len(d.b) {
			return nil, fmt.Errorf("at byte %d: expected a value", d.i)
		}
		var v any
		switch d.b[d.i] {
		case '{':
			if !d.open('}') {
				k, err := d.memberKey()
				if err != nil {
					return nil, err
				}
				stack = append(stack, frame{m: map[string]any{}, key: k})
				continue
			}
			v = map[string]any{}
		case '[':
			if !d.open(']') {
				stack = append(stack, frame{a: make([]any, 0, 4)})
				continue
			}
			v = []any{}
		case '"':
			s, err := d.str()
			if err != nil {
				return nil, err
			}
			v = s
		default:
			var err error
			if v, err = d.scalar(); err != nil {
				return nil, err
			}
		}
		// v is read: it goes into the container it is in, and ends those
		// whose closing bracket follows.
		for {
			if len(stack) == 0 {
				return v, nil
			}
			f := &stack[len(stack)-1]
			close, what := byte(']'), "array"
			if f.m != nil {
				f.m[f.key] = v
				close, what = '}', "object"
			} else {
				f.a = append(f.a, v)
			}
			end, err := d.next(close, what)
			if err != nil {
				return nil, err
			}
			if !end {
				if f.m != nil {
					if f.key, err = d.memberKey(); err != nil {
						return nil, err
					}
				}
				break
			}
			if f.m != nil {
				v = f.m
			} else {
				v = f.a
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// memberKey reads an object member's key and the ':' after it.
func (d *decoder) memberKey() (string, error) {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", fmt.Errorf("at byte %d: expected a key", d.i)
	}
	k, err := d.key()
	if err != nil {
		return "", err
	}
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != ':' {
		return "", fmt.Errorf("at byte %d: expected ':'", d.i)
	}
	d.i++
	return k, nil
}

// scalar decodes true, false, null or a number.
func (d *decoder) scalar() (any, error) {
	switch c := d.b[d.i]; {
	case c == 't' && bytes.HasPrefix(d.b[d.i:], []byte("true")):
		d.i += 4
		return true, nil
	case c == 'f' && bytes.HasPrefix(d.b[d.i:], []byte("false")):
		d.i += 5
		return false, nil
	case c == 'n' && bytes.HasPrefix(d.b[d.i:], []byte("null")):
		d.i += 4
		return nil, nil
	case c == '-' || c >= '0' && c <= '9':
		start := d.i
		for d.i < len(d.b) {
			c := d.b[d.i]
			if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
				break
			}
			d.i++
		}
		f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
		if err != nil {
			// encoding/json refuses a number out of float64's range
			return nil, fmt.Errorf("at byte %d: number %s: %w", start, d.b[start:d.i], err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("at byte %d: unexpected %q", d.i, d.b[d.i])
}

// str decodes a string as encoding/json does (escapes; a lone surrogate
// or invalid UTF-8 becomes U+FFFD).
func (d *decoder) str() (string, error) {
	d.i++ // "
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if utf8.Valid(s) {
				return string(s), nil
			}
			d.i = start
			fallthrough // encoding/json's own replacement of invalid bytes
		case c == '\\':
			end, err := d.strEnd()
			if err != nil {
				return "", err
			}
			var out string
			if err := json.Unmarshal(d.b[start-1:end], &out); err != nil {
				return "", err
			}
			d.i = end
			return out, nil
		case c < 0x20:
			return "", fmt.Errorf("at byte %d: control character in a string", d.i)
		default:
			d.i++
		}
	}
	return "", fmt.Errorf("at byte %d: unterminated string", d.i)
}

// key reads an object key, interned when it is plain.
func (d *decoder) key() (string, error) {
	for j := d.i + 1; j < len(d.b); j++ {
		c := d.b[j]
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break // escapes, control characters, non-ASCII: as any string
		}
		if c == '"' {
			raw := d.b[d.i+1 : j]
			d.i = j + 1
			if k, ok := d.keys[string(raw)]; ok {
				return k, nil
			}
			k := string(raw)
			if d.keys == nil {
				d.keys = map[string]string{}
			}
			if len(d.keys) < 4096 {
				d.keys[k] = k
			}
			return k, nil
		}
	}
	return d.str()
}

// strEnd returns the index after the closing quote of the string being
// read.
func (d *decoder) strEnd() (int, error) {
	for j := d.i; j < len(d.b); j++ {
		switch d.b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("at byte %d: unterminated string", d.i)
}
