package jsonsel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"k8s.io/client-go/util/jsonpath"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// maxDepth bounds nesting, so that a hostile document cannot exhaust the
// stack.
const maxDepth = 512

// Parser selects values from JSON bodies.
type Parser struct {
	sels []selector
	root []state // the states at the document's root
	all  int     // index of the select-everything selector, or -1
}

type state struct{ sel, pos int32 }

// New compiles cfg into a parser.
func New(cfg Config) (*Parser, error) {
	sels, err := compile(&cfg)
	if err != nil {
		return nil, err
	}
	p := &Parser{sels: sels, all: -1}
	for i, s := range sels {
		if len(s.segs) == 0 {
			p.all = i
			continue
		}
		p.root = append(p.root, state{int32(i), 0})
	}
	return p, nil
}

// seg is one path segment: an object key (raw bytes, unescaped if it had
// escapes) or an array index.
type seg struct {
	key   []byte
	idx   int
	isIdx bool
}

type scanner struct {
	cursor
	p      *Parser
	path   []seg
	states []state // stack of active-state lists; see value
	emit   func(normalize.Record)
	num    [24]byte
	// Scratch reused by record: the match string's bytes and where each
	// segment starts in it, the default name's bytes, labels.
	mb, nb       []byte
	offs         []int
	named, extra normalize.Labels
	// arena holds the labels of held records until hold emits them.
	arena normalize.Labels
	names map[string]string // default names by their unescaped bytes
	// held: records of an object selected by a selector with LabelsFrom,
	// held until the object ends and its label fields are known.
	held     []normalize.Record
	holding  int // depth of the holding object; 0 when not holding
	fromVals []string
	curOut   string // the value name of the field being read (Fields)
	// exact says the selection child returned ended on this very value
	// (not on an ancestor); value reads and clears it.
	exact bool
	top   func(key, value []byte) // see ParseTop
}

// Parse implements parsing.Parser.
func (p *Parser) Parse(body []byte, emit func(normalize.Record)) error {
	return p.ParseTop(body, emit, nil)
}

// ParseTop is Parse that also calls top, when not nil, with each member of
// a document that is an object: its key (unescaped) and its value's
// bytes, valid during the call.
func (p *Parser) ParseTop(body []byte, emit func(normalize.Record), top func(key, value []byte)) error {
	s := scanner{p: p, cursor: cursor{b: body}, emit: emit, top: top}
	s.path = make([]seg, 0, 16)
	s.states = make([]state, 0, 64)
	s.states = append(s.states, p.root...)
	s.ws()
	if s.i >= len(s.b) {
		return parsing.Errorf("invalid_json", "empty document")
	}
	if err := s.value(0, len(p.root), p.all, 0); err != nil {
		return err
	}
	s.ws()
	if s.i != len(s.b) {
		return s.errf("unexpected %s after the document", s.what())
	}
	return nil
}

func (s *scanner) errf(format string, args ...any) error {
	if s.i >= len(s.b) {
		return parsing.Errorf("invalid_json", "at byte %d (the end): %s", s.i, fmt.Sprintf(format, args...))
	}
	return parsing.Errorf("invalid_json", "at byte %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *scanner) what() string {
	if s.i >= len(s.b) {
		return "end of document"
	}
	r, _ := utf8.DecodeRune(s.b[s.i:])
	return strconv.QuoteRune(r)
}

// value reads one value. The states active for it are
// s.states[from:to]; sel is the selector that selected it (or an
// ancestor), -1 when none did. With no active state and no selection the
// value is skipped.
func (s *scanner) value(from, to, sel, depth int) error {
	exact := s.exact
	s.exact = false
	if depth > maxDepth {
		return s.errf("nested deeper than %d", maxDepth)
	}
	if s.i >= len(s.b) {
		return s.errf("expected a value")
	}
	if from == to && sel < 0 && (depth > 0 || s.top == nil) {
		return s.skip(depth)
	}
	if sel >= 0 && s.p.sels[sel].exp {
		return s.exporterValue(from, to, sel, depth, exact)
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(from, to, sel, depth)
	case c == '[':
		return s.array(from, to, sel, depth)
	case sel < 0:
		return s.skip(depth)
	}
	return s.scalar(sel)
}

// scalar reads a string, true, false, null or a number selected by sel
// and records its value. The selector's conversion policy decides what
// becomes a value: a native selector reads numeric, unit and state
// strings (stringValue) and keeps a number beyond float64's range (as
// ParseFloat rounds it); a json_exporter selector reads strings as
// json_exporter reads what jsonpath printed (ExporterValue) and skips such
// a number, whose float parse fails there.
func (s *scanner) scalar(sel int) error {
	sl := &s.p.sels[sel]
	switch c := s.b[s.i]; {
	case c == '"':
		raw, esc, err := s.str()
		if err != nil {
			return err
		}
		str := string(raw)
		if esc {
			str = unescape(raw)
		}
		var v float64
		var ok bool
		if sl.exp {
			v, ok = ExporterValue(str)
		} else {
			v, ok = sl.stringValue(str)
		}
		if ok {
			s.record(sel, v)
		}
		return nil
	case c == 't' || c == 'f' || c == 'n':
		lit, err := s.literal()
		if err != nil {
			return err
		}
		switch lit {
		case "true":
			s.record(sel, 1)
		case "false":
			s.record(sel, 0)
		}
		return nil
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		if err := s.number(); err != nil {
			return err
		}
		// For json_exporter, encoding/json reads the number as ParseFloat
		// does, jsonpath prints it with %v and json_exporter parses that
		// back: the same float64.
		v, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
		switch {
		case err != nil && !isRange(err):
			return s.errf("bad number %q", s.b[start:s.i])
		case err != nil && sl.exp:
			return nil
		}
		s.record(sel, v)
		return nil
	default:
		return s.errf("unexpected %s", s.what())
	}
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// child computes the states active for a member or element with segment
// sg, appended to s.states; it returns the new range and the selection.
func (s *scanner) child(from, to, sel int, sg *seg) (int, int, int, bool) {
	start := len(s.states)
	skip := false
	s.exact = false
	for i := from; i < to; i++ {
		st := s.states[i]
		sl := &s.p.sels[st.sel]
		if sl.kinds != nil {
			if !typedMatch(sl.kinds[st.pos], sl.segs[st.pos], sg) {
				continue
			}
		} else if !s.segMatches(sl.segs[st.pos], sg) {
			continue
		}
		if int(st.pos)+1 == len(sl.segs) {
			if sl.skip {
				skip = true
			} else if sel < 0 || int(st.sel) < sel && !s.p.sels[sel].skip {
				sel = int(st.sel)
				s.exact = true
			}
			continue
		}
		s.states = append(s.states, state{st.sel, st.pos + 1})
	}
	return start, len(s.states), sel, skip
}

func (s *scanner) segMatches(pat string, sg *seg) bool {
	if pat == "*" {
		return true
	}
	if sg.isIdx {
		return string(strconv.AppendInt(s.num[:0], int64(sg.idx), 10)) == pat
	}
	return string(sg.key) == pat
}

func (s *scanner) object(from, to, sel, depth int) error {
	if sel >= 0 && s.p.sels[sel].objectMode() && s.holding == 0 {
		return s.hold(sel, depth, func() error { return s.objectBody(from, to, sel, depth) })
	}
	return s.objectBody(from, to, sel, depth)
}

// hold reads the value of selector sel's object with read, holding its
// records until its label fields are known, then emits them and the
// selector's constants.
func (s *scanner) hold(sel, depth int, read func() error) error {
	s.holding = depth + 1
	s.held = s.held[:0]
	sl := &s.p.sels[sel]
	if cap(s.fromVals) < len(sl.from) {
		s.fromVals = make([]string, len(sl.from))
	}
	s.fromVals = s.fromVals[:len(sl.from)]
	clear(s.fromVals)
	err := read()
	s.holding = 0
	if err != nil {
		return err
	}
	for _, c := range sl.consts {
		s.curOut = c.name
		s.path = append(s.path, seg{key: []byte(c.name)})
		s.holding = depth + 1
		s.record(sel, c.v)
		s.holding = 0
		s.path = s.path[:len(s.path)-1]
		s.curOut = ""
	}
	for _, r := range s.held {
		var extra normalize.Labels // a native selector's default name's own labels
		if len(r.DefaultLabels) > len(r.Labels) {
			extra = r.DefaultLabels[len(r.Labels):]
		}
		// Labels: the record's, the object's, the constants; default
		// labels: the same and extra, in the same allocation.
		ls := make(normalize.Labels, 0, len(r.Labels)+len(sl.from)+len(sl.cl)+len(extra))
		ls = append(ls, r.Labels...)
		for j, lf := range sl.from {
			if s.fromVals[j] != "" || sl.exp { // json_exporter's labels are never absent
				ls = append(ls, normalize.Label{Name: lf.label, Value: s.fromVals[j]})
			}
		}
		ls = append(ls, sl.cl...)
		r.Labels = ls[:len(ls):len(ls)]
		if r.DefaultName != "" {
			r.DefaultLabels = append(ls, extra...)
		}
		s.emit(r)
	}
	s.arena = s.arena[:0]
	return nil
}

func typedMatch(kind byte, pat string, sg *seg) bool {
	switch kind {
	case SegKey:
		return !sg.isIdx && string(sg.key) == pat
	case SegAnyIndex:
		return sg.isIdx
	}
	return true
}

// exporterValue reads a value selected by an Exporter selector: exact
// says the selector's path ends on it.
func (s *scanner) exporterValue(from, to, sel, depth int, exact bool) error {
	obj := s.p.sels[sel].objectMode()
	c := s.b[s.i]
	switch {
	case c == '{' && exact && obj:
		return s.object(from, to, sel, depth)
	case exact && obj:
		// json_exporter reads the values of an element that is not an
		// object too: its fields are missing, its constants are not.
		return s.hold(sel, depth, func() error { return s.skip(depth) })
	case c == '{' || c == '[':
		// printed as JSON by jsonpath: not a number
		return s.skip(depth)
	case !exact && (s.holding != depth || s.curOut == ""):
		return s.skip(depth)
	}
	return s.scalar(sel)
}

// ExporterValue is json_exporter's conversion of what jsonpath printed to
// a sample value: unquoted, then a float, a boolean, or "<nil>" (NaN).
func ExporterValue(printed string) (float64, bool) {
	return ExporterSanitize(ExporterUnquote(printed))
}

// ExporterSanitize is json_exporter's conversion of an unquoted result:
// a float, a boolean, or "<nil>" (NaN).
func ExporterSanitize(v string) (float64, bool) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f, true
	}
	if b, err := strconv.ParseBool(v); err == nil {
		if b {
			return 1, true
		}
		return 0, true
	}
	if v == "<nil>" {
		return math.NaN(), true
	}
	return 0, false
}

// ExporterUnquote unquotes what jsonpath printed as json_exporter does.
func ExporterUnquote(printed string) string {
	if u, err := jsonpath.UnquoteExtend(printed); err == nil {
		return u
	}
	return printed
}

// exporterLabel is the label value json_exporter gives a field that is
// not a string: raw is the field's JSON.
func exporterLabel(raw []byte) string {
	switch c := raw[0]; {
	case c == '-' || c >= '0' && c <= '9':
		f, _ := strconv.ParseFloat(string(raw), 64)
		return strconv.FormatFloat(f, 'g', -1, 64)
	case c == '{' || c == '[':
		// jsonpath prints maps and slices with json.Marshal.
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return ""
		}
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return ExporterUnquote(string(b))
	}
	return string(raw) // true, false, null
}

// fieldOf returns the value name of a member of the holding object when
// its selector reads Fields only (only true).
func (s *scanner) fieldOf(sel int, key []byte, depth int) (string, bool) {
	if s.holding != depth+1 || sel < 0 || len(s.p.sels[sel].fields) == 0 && !s.p.sels[sel].exp {
		return "", false
	}
	return s.p.sels[sel].fields[string(key)], true
}

// labelField reports whether the member key at the holding object's level
// is a LabelsFrom field of sel, and stores its value.
func (s *scanner) labelField(sel int, key []byte, depth int) (bool, error) {
	if s.holding != depth+1 || sel < 0 {
		return false, nil
	}
	sl := &s.p.sels[sel]
	for j, lf := range sl.from {
		if string(key) != lf.field {
			continue
		}
		if s.i < len(s.b) && s.b[s.i] == '"' {
			raw, esc, err := s.str()
			if err != nil {
				return true, err
			}
			v := string(raw)
			if esc {
				v = unescape(raw)
			}
			if sl.exp {
				v = ExporterUnquote(v)
			}
			s.fromVals[j] = v
			return true, nil
		}
		start := s.i
		if err := s.skip(depth + 1); err != nil {
			return true, err
		}
		if sl.exp {
			s.fromVals[j] = exporterLabel(s.b[start:s.i])
			return true, nil
		}
		if c := s.b[start]; c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' {
			s.fromVals[j] = string(s.b[start:s.i])
		}
		return true, nil
	}
	return false, nil
}

func (s *scanner) objectBody(from, to, sel, depth int) error {
	if s.open('}') {
		return nil
	}
	for {
		raw, esc, err := s.key()
		if err != nil {
			return err
		}
		key := raw
		if esc {
			key = []byte(unescape(raw))
		}
		vstart := s.i
		if ok, err := s.labelField(sel, key, depth); ok || err != nil {
			if err != nil {
				return err
			}
		} else if out, only := s.fieldOf(sel, key, depth); only && out == "" {
			// A selector with Fields reads those fields only.
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		} else {
			s.curOut = out
			err := s.member(from, to, sel, depth, key)
			s.curOut = ""
			if err != nil {
				return err
			}
		}
		if depth == 0 && s.top != nil {
			s.top(key, s.b[vstart:s.i])
		}
		if end, err := s.next('}'); end || err != nil {
			return err
		}
	}
}

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

// member reads the value of one object member.
func (s *scanner) member(from, to, sel, depth int, key []byte) error {
	return s.descend(from, to, sel, depth, seg{key: key})
}

// descend reads the value of a member or element whose path segment is
// sg, with the states and selection it has there.
func (s *scanner) descend(from, to, sel, depth int, sg seg) error {
	s.path = append(s.path, sg)
	cf, ct, csel, skip := s.child(from, to, sel, &s.path[len(s.path)-1])
	var err error
	if skip {
		err = s.skip(depth + 1)
	} else {
		err = s.value(cf, ct, csel, depth+1)
	}
	s.states = s.states[:cf]
	s.path = s.path[:len(s.path)-1]
	return err
}

func (s *scanner) array(from, to, sel, depth int) error {
	if s.open(']') {
		return nil
	}
	for n := 0; ; n++ {
		s.ws()
		if err := s.descend(from, to, sel, depth, seg{idx: n, isIdx: true}); err != nil {
			return err
		}
		if end, err := s.next(']'); end || err != nil {
			return err
		}
	}
}

// skip reads over a value, checking its syntax, without keeping anything.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return s.errf("nested deeper than %d", maxDepth)
	}
	if s.i >= len(s.b) {
		return s.errf("expected a value")
	}
	switch c := s.b[s.i]; {
	case c == '{' || c == '[':
		close := byte('}')
		if c == '[' {
			close = ']'
		}
		if s.open(close) {
			return nil
		}
		for {
			if c == '{' {
				if _, _, err := s.key(); err != nil {
					return err
				}
			} else {
				s.ws()
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if end, err := s.next(close); end || err != nil {
				return err
			}
		}
	case c == '"':
		_, _, err := s.str()
		return err
	case c == 't' || c == 'f' || c == 'n':
		_, err := s.literal()
		return err
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	default:
		return s.errf("unexpected %s", s.what())
	}
}

// str reads a string and returns its raw content and whether it has
// escapes.
func (s *scanner) str() ([]byte, bool, error) {
	s.i++ // "
	start := s.i
	esc := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			return raw, esc, nil
		case c == '\\':
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
		case c < 0x20:
			return nil, false, s.errf("control character in a string")
		default:
			s.i++
		}
	}
	return nil, false, s.errf("unterminated string")
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// unescape decodes the escapes of a checked string.
func unescape(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
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

// record emits the value at the current path for selector sel.
//
// It runs once per value of a document that may hold tens of thousands:
// the match string is built in a reused buffer, label values are cut from
// it, the default name (the same for every element of an array) is
// looked up, not rebuilt, and a record's labels and default labels share
// one allocation.
func (s *scanner) record(sel int, v float64) {
	sl := &s.p.sels[sel]
	s.mb, s.offs = s.mb[:0], s.offs[:0]
	for i := range s.path {
		if i > 0 {
			s.mb = append(s.mb, '.')
		}
		s.offs = append(s.offs, len(s.mb))
		s.mb = appendSeg(s.mb, &s.path[i])
	}
	s.offs = append(s.offs, len(s.mb)+1) // where a next segment would start
	rec := normalize.Record{Match: string(s.mb), Value: v, Type: sl.typ, Help: sl.help}
	named := s.named[:0]
	for j, name := range sl.labels {
		if name == "" || j >= len(sl.stars) || sl.stars[j] >= len(s.path) {
			continue
		}
		named = append(named, normalize.Label{Name: name, Value: s.segValue(rec.Match, sl.stars[j])})
	}
	s.named = named
	extra, own := s.extra[:0], false // own: a default name with labels of its own
	if sl.defName != "" {
		name := sl.defName
		if s.curOut != "" {
			name += "_" + s.curOut
		}
		rec.DefaultName = normalize.EscapeMetricName(name)
	} else if !sl.exp {
		rec.DefaultName, extra = s.defaultName(sl, rec.Match, len(named) > 0, extra)
		own = rec.DefaultName != ""
	}
	s.extra = extra
	if s.holding > 0 {
		// hold adds the object's labels: keep the named labels, then the
		// default name's own, in one run of the arena.
		at := len(s.arena)
		s.arena = append(append(s.arena, named...), extra...)
		if len(sl.labels) > 0 {
			rec.Labels = s.arena[at : at+len(named) : at+len(named)]
		}
		if own {
			rec.DefaultLabels = s.arena[at:len(s.arena):len(s.arena)]
		}
		s.held = append(s.held, rec)
		return
	}
	// Labels: named, constants; default labels: named, extra, constants.
	nl := len(named) + len(sl.cl)
	nd := 0
	if own {
		nd = len(named) + len(extra) + len(sl.cl)
	}
	if nl+nd > 0 || len(sl.labels) > 0 {
		buf := make(normalize.Labels, 0, nl+nd)
		buf = append(append(buf, named...), sl.cl...)
		if len(sl.labels) > 0 || len(sl.cl) > 0 {
			rec.Labels = buf[:nl:nl]
		}
		if own {
			buf = append(append(append(buf, named...), extra...), sl.cl...)
			rec.DefaultLabels = buf[nl : nl+nd : nl+nd]
		}
	}
	if rec.DefaultName != "" && !own {
		rec.DefaultLabels = rec.Labels
	}
	s.emit(rec)
}

// defaultName returns the name a record of a native selector has when no
// rule matches, appending to extra the labels it has beyond the
// selector's named ones (hasNamed: there are some): array indexes and the
// keys a "*" matched are labels (the selector's label names, else index,
// index_2, ...), not parts of the name, so that a 4,200-element array
// gives one family per leaf path, not 4,200. When everything is selected
// (expvar), a key that cannot be part of a metric name ("/api/users",
// "404": an expvar.Map's keys) is a label too, key (key_2, ...). The name
// is "" when nothing is left of it, or when the match string is the name.
func (s *scanner) defaultName(sl *selector, match string, hasNamed bool, extra normalize.Labels) (string, normalize.Labels) {
	s.nb = s.nb[:0]
	n, nk := 0, 0
	all := s.p.all >= 0 && sl == &s.p.sels[s.p.all]
	for i := range s.path {
		sg := &s.path[i]
		star := -1
		for j, at := range sl.stars {
			if at == i {
				star = j
			}
		}
		if all && star < 0 && !sg.isIdx && !nameSegment(sg.key) {
			nk++
			extra = append(extra, normalize.Label{Name: numbered("key", nk), Value: s.segValue(match, i)})
			continue
		}
		if star < 0 && !sg.isIdx {
			if len(s.nb) > 0 {
				s.nb = append(s.nb, '.')
			}
			s.nb = appendSeg(s.nb, sg)
			continue
		}
		if star >= 0 && star < len(sl.labels) && sl.labels[star] != "" {
			continue // a named label already
		}
		n++
		extra = append(extra, normalize.Label{Name: numbered("index", n), Value: s.segValue(match, i)})
	}
	if len(s.nb) == 0 || len(extra) == 0 && !hasNamed {
		return "", extra[:0]
	}
	name, ok := s.names[string(s.nb)]
	if !ok {
		if s.names == nil {
			s.names = make(map[string]string)
		}
		name = normalize.EscapeMetricName(string(s.nb))
		s.names[string(s.nb)] = name
	}
	return name, extra
}

// numbered is base for n = 1, else base_n: the names of the labels a
// default name's indexes and keys become (precomputed for the usual
// depths: no concatenation per record).
func numbered(base string, n int) string {
	names := &indexNames
	if base == "key" {
		names = &keyNames
	}
	if n <= len(names) {
		return names[n-1]
	}
	return base + "_" + strconv.Itoa(n)
}

var (
	indexNames = [...]string{"index", "index_2", "index_3", "index_4", "index_5", "index_6", "index_7", "index_8"}
	keyNames   = [...]string{"key", "key_2", "key_3", "key_4", "key_5", "key_6", "key_7", "key_8"}
)

// nameSegment says key can be part of a metric name as it is.
func nameSegment(key []byte) bool {
	if len(key) == 0 {
		return false
	}
	for i, c := range key {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// appendSeg appends sg as the match string writes it: an index in
// decimal, a key with '.' as '_'.
func appendSeg(b []byte, sg *seg) []byte {
	if sg.isIdx {
		return strconv.AppendInt(b, int64(sg.idx), 10)
	}
	for _, c := range sg.key {
		if c == '.' {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// segValue is the label value of path segment i of the record whose
// match string record has just built: cut from the match string where
// the segment stands there as it is.
func (s *scanner) segValue(match string, i int) string {
	if sg := &s.path[i]; !sg.isIdx && bytes.IndexByte(sg.key, '.') >= 0 {
		return string(sg.key) // '_' in the match string
	}
	return match[s.offs[i] : s.offs[i+1]-1]
}

// stringValue converts a string value: the state table, a number, a
// number with a unit.
func (sl *selector) stringValue(str string) (float64, bool) {
	if v, ok := sl.values[str]; ok {
		return v, true
	}
	return ParseValue(str)
}

var byteUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15}, {"B", 1},
}

// ParseValue reads a number from a string: "12.5", "30%" (0.3), "1.5GB"
// (bytes), "512KiB", "12ms", "1h30m" (seconds). ok is false for other
// strings.
func ParseValue(str string) (float64, bool) {
	t := strings.TrimSpace(str)
	if t == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if strings.ContainsAny(t, "0123456789") {
				return f, true
			}
			return 0, false // "NaN", "Inf" as words are strings here
		}
		return f, true
	}
	if n, ok := strings.CutSuffix(t, "%"); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil {
			return f / 100, true
		}
		return 0, false
	}
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(n), 64); err == nil {
				return f * u.mult, true
			}
		}
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(t, " ", "")); err == nil {
		return d.Seconds(), true
	}
	return 0, false
}
