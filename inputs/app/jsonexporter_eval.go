package app

import (
	"bytes"
	"encoding/json"
	"strconv"

	"k8s.io/client-go/util/jsonpath"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// jeTmpl is a json_exporter template (a path, a label or a value: text
// and {…} JSONPath actions) parsed by k8s.io/client-go/util/jsonpath, the
// package json_exporter evaluates them with, set up as json_exporter sets
// it up for that use.
type jeTmpl struct {
	text         string
	root         *jsonpath.ListNode
	allowMissing bool
	jsonOut      bool
	// jp is reused across evaluations (it is read-only then) unless the
	// template has range/end, whose evaluation changes the parser.
	jp *jsonpath.JSONPath
}

func compileJE(text string, allowMissing, jsonOut bool) (*jeTmpl, error) {
	p, err := jsonpath.Parse("jp", text)
	if err != nil {
		return nil, err
	}
	t := &jeTmpl{text: text, root: p.Root, allowMissing: allowMissing, jsonOut: jsonOut}
	if !hasIdentifier(p.Root) {
		t.jp = t.newJP()
		if err := t.jp.Parse(text); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *jeTmpl) newJP() *jsonpath.JSONPath {
	j := jsonpath.New("jp")
	if t.jsonOut {
		j.EnableJSONOutput(true)
	}
	if t.allowMissing {
		j.AllowMissingKeys(true)
	}
	return j
}

func hasIdentifier(n jsonpath.Node) bool {
	switch n := n.(type) {
	case *jsonpath.IdentifierNode:
		return true
	case *jsonpath.ListNode:
		for _, c := range n.Nodes {
			if hasIdentifier(c) {
				return true
			}
		}
	case *jsonpath.UnionNode:
		for _, c := range n.Nodes {
			if hasIdentifier(c) {
				return true
			}
		}
	}
	return false
}

func (t *jeTmpl) jsonPath() *jsonpath.JSONPath {
	if t.jp != nil {
		return t.jp
	}
	j := t.newJP()
	_ = j.Parse(t.text) // parsed once at load already
	return j
}

// extract is json_exporter's extractValue over decoded data: the printed
// result, unquoted; missing when nothing was printed and missing keys are
// allowed.
func (t *jeTmpl) extract(data any, buf *bytes.Buffer) (string, bool, error) {
	buf.Reset()
	if err := t.jsonPath().Execute(buf, data); err != nil {
		return "", false, err
	}
	if buf.Len() == 0 && t.allowMissing {
		return "", true, nil
	}
	if res, err := jsonpath.UnquoteExtend(buf.String()); err == nil {
		return res, false, nil
	}
	return buf.String(), false, nil
}

// objects is what json_exporter reads an object metric's path as: the
// results printed as a JSON array, decoded. One JSONPath action is
// evaluated directly (the round trip through JSON changes no value);
// anything else goes through the JSON as json_exporter's does.
func (t *jeTmpl) objects(data any, buf *bytes.Buffer) ([]any, error) {
	if t.jp != nil && len(t.root.Nodes) == 1 {
		if _, ok := t.root.Nodes[0].(*jsonpath.ListNode); ok {
			res, err := t.jp.FindResults(data)
			if err != nil {
				return nil, err
			}
			var out []any
			for _, r := range res {
				for _, v := range r {
					out = append(out, v.Interface())
				}
			}
			return out, nil
		}
	}
	s, _, err := t.extract(data, buf)
	if err != nil {
		return nil, err
	}
	var out []any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	return out, nil
}

// constant returns the text of a template without actions (as jsonpath
// prints it, before json_exporter unquotes it).
func (t *jeTmpl) constant() (string, bool) {
	var b []byte
	for _, n := range t.root.Nodes {
		tn, ok := n.(*jsonpath.TextNode)
		if !ok {
			return "", false
		}
		b = append(b, tn.Text...)
	}
	return string(b), true
}

// action returns the nodes of a template that is exactly one action.
func (t *jeTmpl) action() ([]jsonpath.Node, bool) {
	if len(t.root.Nodes) != 1 {
		return nil, false
	}
	l, ok := t.root.Nodes[0].(*jsonpath.ListNode)
	if !ok {
		return nil, false
	}
	return l.Nodes, true
}

// field returns the key of a template that is {.key}.
func (t *jeTmpl) field() (string, bool) {
	nodes, ok := t.action()
	if !ok || len(nodes) != 1 {
		return "", false
	}
	f, ok := nodes[0].(*jsonpath.FieldNode)
	if !ok || f.Value == "" {
		return "", false
	}
	return f.Value, true
}

// plainPath returns the typed path of a template made of plain keys, and
// for an object metric [*] and .* wildcards too.
func (t *jeTmpl) plainPath(wildcards bool) ([]jsonsel.Seg, bool) {
	nodes, ok := t.action()
	if !ok || len(nodes) == 0 {
		return nil, false
	}
	var segs []jsonsel.Seg
	for _, n := range nodes {
		switch n := n.(type) {
		case *jsonpath.FieldNode:
			if n.Value == "" {
				return nil, false
			}
			segs = append(segs, jsonsel.Seg{Key: n.Value, Kind: jsonsel.SegKey})
		case *jsonpath.WildcardNode:
			if !wildcards {
				return nil, false
			}
			segs = append(segs, jsonsel.Seg{Kind: jsonsel.SegAny})
		case *jsonpath.ArrayNode:
			if !wildcards || n.Params[0].Known || n.Params[1].Known || n.Params[2].Known {
				return nil, false
			}
			segs = append(segs, jsonsel.Seg{Kind: jsonsel.SegAnyIndex})
		default:
			return nil, false
		}
	}
	return segs, true
}

// topKeys adds to keys the document's top-level members t reads, or
// reports that it may read any part of the document.
func (t *jeTmpl) topKeys(keys map[string]bool) bool {
	for _, n := range t.root.Nodes {
		switch n := n.(type) {
		case *jsonpath.TextNode:
		case *jsonpath.ListNode:
			if len(n.Nodes) == 0 {
				return false
			}
			f, ok := n.Nodes[0].(*jsonpath.FieldNode)
			if !ok {
				return false
			}
			keys[f.Value] = true
		default:
			return false
		}
	}
	return true
}

// jeMetric is a metric of a json_exporter module evaluated as
// json_exporter's collector does.
type jeMetric struct {
	spec *jeSpec
}

func newJEMetric(s *jeSpec) *jeMetric { return &jeMetric{spec: s} }

// topKeys adds the top-level members the metric reads, or reports it may
// read anything.
func (m *jeMetric) topKeys(keys map[string]bool) bool {
	s := m.spec
	if !s.path.topKeys(keys) {
		return false
	}
	if s.object { // the rest is read from the selected objects
		return true
	}
	for _, l := range s.labels {
		if !l.t.topKeys(keys) {
			return false
		}
	}
	return s.ts == nil || s.ts.topKeys(keys)
}

// eval emits the metric's records for the decoded document.
func (m *jeMetric) eval(doc any, buf *bytes.Buffer, emit func(normalize.Record)) {
	s := m.spec
	if !s.object {
		str, missing, err := s.path.extract(doc, buf)
		if err != nil || missing {
			return
		}
		v, ok := jsonsel.ExporterSanitize(str)
		if !ok {
			return
		}
		m.emit(s.name, v, doc, buf, emit)
		return
	}
	if len(s.values) == 0 {
		return
	}
	objs, err := s.path.objects(doc, buf)
	if err != nil {
		return
	}
	for _, obj := range objs {
		for _, val := range s.values {
			str, missing, err := val.t.extract(obj, buf)
			if err != nil || missing {
				continue
			}
			v, ok := jsonsel.ExporterSanitize(str)
			if !ok {
				continue
			}
			m.emit(s.name+"_"+val.name, v, obj, buf, emit)
		}
	}
}

// emit emits one sample of the metric: labels and timestamp read from
// data (the document, or the object of an object metric).
func (m *jeMetric) emit(name string, v float64, data any, buf *bytes.Buffer, emit func(normalize.Record)) {
	s := m.spec
	var ls normalize.Labels
	for _, l := range s.labels {
		// A label json_exporter cannot read is empty, not absent: every
		// series of a metric has the same label names.
		str, _, err := l.t.extract(data, buf)
		if err != nil {
			str = ""
		}
		ls = append(ls, normalize.Label{Name: l.name, Value: str})
	}
	name = normalize.EscapeMetricName(name)
	rec := normalize.Record{Match: name, DefaultName: name, Labels: ls, DefaultLabels: ls, Value: v, Type: s.typ, Help: s.help}
	if s.ts != nil {
		if str, missing, err := s.ts.extract(data, buf); err == nil && !missing {
			if ms, err := strconv.ParseInt(str, 10, 64); err == nil {
				rec.TimestampMs, rec.HasTimestamp = ms, true
			}
		}
	}
	emit(rec)
}

// jeParser reads a json input's body: the scanner for the input's own
// selectors and the json_exporter metrics it reads exactly, then, when
// some metrics need the whole of JSONPath, the document decoded as
// json_exporter decodes it (only its top-level members those metrics
// read) and those metrics evaluated over it.
type jeParser struct {
	scan *jsonsel.Parser
	slow []*jeMetric
	keys map[string]bool // top-level members the slow metrics read; nil: all
}

func newJEParser(scan *jsonsel.Parser, slow []*jeMetric) *jeParser {
	p := &jeParser{scan: scan, slow: slow, keys: map[string]bool{}}
	for _, m := range slow {
		if !m.topKeys(p.keys) {
			p.keys = nil
			break
		}
	}
	return p
}

// Parse implements parsing.Parser. The scanner runs first over the whole
// body: it checks the syntax and bounds the nesting, so that the decoding
// after it sees only documents that are valid and bounded.
func (p *jeParser) Parse(body []byte, emit func(normalize.Record)) error {
	if err := p.scan.Parse(body, emit); err != nil {
		return err
	}
	if len(p.slow) == 0 {
		return nil
	}
	doc, err := p.decode(body)
	if err != nil {
		// json_exporter serves no metric of a document it cannot decode.
		return parsing.Errorf("invalid_json", "decoding for JSONPath: %w", err)
	}
	var buf bytes.Buffer
	for _, m := range p.slow {
		m.eval(doc, &buf, emit)
	}
	return nil
}

// decode decodes the document as encoding/json does into an any, or, when
// it is an object and the metrics read only some of its members, those
// members only (the values they read are the same).
func (p *jeParser) decode(body []byte) (any, error) {
	var doc any
	if p.keys == nil {
		err := json.Unmarshal(body, &doc)
		return doc, err
	}
	members, ok := topMembers(body)
	if !ok {
		err := json.Unmarshal(body, &doc)
		return doc, err
	}
	m := make(map[string]any, len(p.keys))
	for _, mb := range members {
		key := string(mb.key)
		if mb.esc {
			if err := json.Unmarshal(mb.rawKey, &key); err != nil {
				return nil, err
			}
		}
		if !p.keys[key] {
			continue
		}
		var v any
		if err := json.Unmarshal(mb.val, &v); err != nil {
			return nil, err
		}
		m[key] = v // a repeated key: the last wins, as in encoding/json
	}
	return m, nil
}

type member struct {
	key, rawKey, val []byte
	esc              bool
}

// topMembers splits a document the scanner has checked into its
// top-level members; ok is false when it is not an object.
func topMembers(b []byte) ([]member, bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i++
	var out []member
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] == '}' {
			return out, true
		}
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
		ks := i
		var esc bool
		i, esc = skipString(b, i)
		mb := member{key: b[ks+1 : i-1], rawKey: b[ks:i], esc: esc}
		i = skipWS(b, i)
		i = skipWS(b, i+1) // ':'
		vs := i
		i = skipValue(b, i)
		mb.val = b[vs:i]
		out = append(out, mb)
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string at i and whether it has
// escapes.
func skipString(b []byte, i int) (int, bool) {
	esc := false
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			esc = true
			i++
		case '"':
			return i + 1, esc
		}
	}
	return i, esc
}

// skipValue returns the index after the (checked) value at i.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i, _ = skipString(b, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',':
			if depth == 0 {
				return i
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}
