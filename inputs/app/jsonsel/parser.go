package jsonsel

import (
	"cmp"
	"context"

	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// The parser: the compiled selectors and the entry points Parse and
// ParseTop; scan.go walks the body.

var _ parsing.Parser = (*Parser)(nil)

// Parser selects values from JSON bodies.
type Parser struct {
	sels  []selector
	root  []state // the states at the document's root
	all   int     // index of the select-everything selector, or -1
	depth int     // Config.MaxDepth or DefaultMaxDepth
	// MaxRecords and MaxMatchBytes (smaller in tests)
	maxRecords, maxMatchBytes int
}

type state struct{ sel, pos int32 }

// New compiles cfg into a parser.
func New(cfg Config) (*Parser, error) {
	sels, err := compile(&cfg)
	if err != nil {
		return nil, err
	}
	p := &Parser{sels: sels, all: -1, depth: cmp.Or(cfg.MaxDepth, DefaultMaxDepth), maxRecords: MaxRecords, maxMatchBytes: MaxMatchBytes}
	for i, s := range sels {
		if len(s.segs) == 0 {
			p.all = i
			continue
		}
		p.root = append(p.root, state{int32(i), 0})
	}
	return p, nil
}

var _ parsing.UTF8Replacer = (*Parser)(nil)

// ReplacesInvalidUTF8 implements parsing.UTF8Replacer: a string's bytes
// that are not UTF-8 are read as encoding/json reads them, each as U+FFFD
// (keys, label values, string values alike; see str).
func (p *Parser) ReplacesInvalidUTF8() {}

// Parse implements parsing.Parser.
func (p *Parser) Parse(body []byte, emit func(normalize.Record)) error {
	return p.ParseTop(context.Background(), body, emit, nil)
}

var _ parsing.ContextParser = (*Parser)(nil)

// ParseContext implements parsing.ContextParser: the parse stops when ctx
// ends (the poll's timeout), within a few thousand values, with reason
// "timeout". The content type is not used.
func (p *Parser) ParseContext(ctx context.Context, body []byte, _ string, emit func(normalize.Record)) error {
	return p.ParseTop(ctx, body, emit, nil)
}

// ParseTop is ParseContext that also calls top, when not nil, with each
// member of a document that is an object: its key (unescaped) and its
// value's bytes, valid during the call.
func (p *Parser) ParseTop(ctx context.Context, body []byte, emit func(normalize.Record), top func(key, value []byte)) error {
	s := scanner{p: p, cursor: cursor{b: body}, emit: emit, top: top, ctx: ctx, left: ctxEvery}
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
