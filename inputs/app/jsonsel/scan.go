package jsonsel

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// The scan: one pass over a JSON body, each value read with the selector
// states still active for it and the selection it is under; what is not
// selected is skipped (syntax.go), what is becomes records (value.go,
// record.go).

// maxDepth bounds nesting as encoding/json (json_exporter's decoder)
// does: 10,000 objects and arrays inside one another are read, the
// 10,001st fails the document there ("exceeded max depth") and here
// (invalid_json). skip and Decode read any depth without recursing; the
// selected path recurses, a few hundred bytes of goroutine stack per
// level, so the values selectors read are bounded by Config.MaxDepth
// (DefaultMaxDepth): json_exporter's selectors read a fixed depth, the
// depth of their path.
const maxDepth = 10000

// DefaultMaxDepth is Config.MaxDepth's default: a selected object or array
// inside 512 others fails the document (too_deep). It bounds the goroutine
// stack a poll takes (0.25 MiB at 512 levels, 4 MiB at 10,000) and,
// with MaxMatchBytes, what selecting every value of a deep document costs:
// each value's match string is its whole path, so that the match strings
// of a document nested n deep grow as n squared (95 MiB for a 120 KB body
// of 10,000 levels).
const DefaultMaxDepth = 512

// The records one document may give to the selectors of a native (not
// json_exporter) selection; more fail it (too_many_records), as a scrape
// over Prometheus's sample_limit fails. MaxRecords is expo.MaxLines, the
// bound of an exposition body; MaxMatchBytes bounds their match strings
// together (a record's match string is its path: one 64 KiB key above an
// array of 2,000 numbers is 125 MiB of match strings in a 70 KB body).
const (
	MaxRecords    = 1 << 20
	MaxMatchBytes = 64 << 20
)

// ctxEvery is how many values the scanner reads between looks at the
// context of ParseContext.
const ctxEvery = 4096

// seg is one path segment: an object key (raw bytes, unescaped if it had
// escapes or bytes that are not UTF-8) or an array index.
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
	closes []byte  // skip's stack of the closing brackets of open containers
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
	// ctx is ParseContext's: tick looks at it whenever left, counted
	// down by every value read, reaches 0. records and matchBytes count
	// what native selectors recorded, against MaxRecords and
	// MaxMatchBytes.
	ctx                 context.Context
	left                int
	records, matchBytes int
}

func (s *scanner) errf(format string, args ...any) error {
	if s.i >= len(s.b) {
		return parsing.Errorf("invalid_json", "at byte %d (the end): %s", s.i, fmt.Sprintf(format, args...))
	}
	return parsing.Errorf("invalid_json", "at byte %d: %s", s.i, fmt.Sprintf(format, args...))
}

// tooDeep is the error of a container opened at depth maxDepth: the
// maxDepth+1st inside one another.
func (s *scanner) tooDeep() error {
	return s.errf("nested deeper than %d (encoding/json: exceeded max depth)", maxDepth)
}

// selectedTooDeep is the error of an object or array a native selector
// reads opened at depth Config.MaxDepth. Not inlined: value, which
// recurses, keeps a small frame.
//
//go:noinline
func (s *scanner) selectedTooDeep() error {
	return parsing.Errorf("too_deep", "at byte %d: a selected value is nested deeper than max_depth (%d objects and arrays)", s.i, s.p.depth)
}

// tick counts a value read and, every ctxEvery values, stops the scan
// when ctx has ended.
func (s *scanner) tick() error {
	if s.left--; s.left > 0 {
		return nil
	}
	return s.look()
}

// look looks at ctx for tick.
func (s *scanner) look() error {
	s.left = ctxEvery
	if s.ctx.Err() != nil {
		return parsing.Stopped(s.ctx, s.i, len(s.b))
	}
	return nil
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
	if s.i >= len(s.b) {
		return s.errf("expected a value")
	}
	if depth >= s.p.depth && (s.b[s.i] == '{' || s.b[s.i] == '[') {
		if depth >= maxDepth {
			return s.tooDeep()
		}
		if sel >= 0 && !s.p.sels[sel].exp {
			return s.selectedTooDeep()
		}
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

func typedMatch(kind byte, pat string, sg *seg) bool {
	switch kind {
	case SegKey:
		return !sg.isIdx && string(sg.key) == pat
	case SegAnyIndex:
		return sg.isIdx
	}
	return true
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

// member reads the value of one object member.
func (s *scanner) member(from, to, sel, depth int, key []byte) error {
	return s.descend(from, to, sel, depth, seg{key: key})
}

// descend reads the value of a member or element whose path segment is
// sg, with the states and selection it has there.
func (s *scanner) descend(from, to, sel, depth int, sg seg) error {
	if err := s.tick(); err != nil {
		return err
	}
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
