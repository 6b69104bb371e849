package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
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
	// chain, for a template that is one action of plain keys ({.a.b}),
	// lets extract look the keys up in the decoded maps directly, as the
	// package's field evaluation does for them (FuzzJSONExporterPaths
	// holds the two equal); everything else goes through the package.
	chain []string
}

func compileJE(text string, allowMissing, jsonOut bool) (*jeTmpl, error) {
	p, err := jsonpath.Parse("jp", text)
	if err != nil {
		return nil, err
	}
	t := &jeTmpl{text: text, root: p.Root, allowMissing: allowMissing, jsonOut: jsonOut}
	if nodes, ok := t.action(); ok && len(nodes) > 0 && !jsonOut {
		for _, n := range nodes {
			f, ok := n.(*jsonpath.FieldNode)
			if !ok || f.Value == "" {
				t.chain = nil
				break
			}
			t.chain = append(t.chain, f.Value)
		}
	}
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

// number is the value t reads from data as json_exporter sanitizes it;
// false when t reads nothing or not a number.
func (t *jeTmpl) number(data any, buf *bytes.Buffer) (float64, bool) {
	str, missing, err := t.extract(data, buf)
	if err != nil || missing {
		return 0, false
	}
	return jsonsel.ExporterSanitize(str)
}

// extract is json_exporter's extractValue over decoded data: the printed
// result, unquoted; missing when nothing was printed and missing keys are
// allowed.
func (t *jeTmpl) extract(data any, buf *bytes.Buffer) (string, bool, error) {
	buf.Reset()
	var err error
	if t.chain != nil {
		err = t.lookup(buf, data)
	} else {
		err = t.execute(buf, data)
	}
	if err != nil {
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

// execute is JSONPath.Execute: the results found by the package, printed
// as its PrintResults prints them (without JSON output) but without going
// through fmt for the types a decoded document holds.
func (t *jeTmpl) execute(buf *bytes.Buffer, data any) error {
	if t.jp == nil || t.jsonOut {
		return t.jsonPath().Execute(buf, data)
	}
	res, err := t.jp.FindResults(data)
	if err != nil {
		return err
	}
	for _, rs := range res {
		if err := printResults(buf, rs); err != nil {
			return err
		}
	}
	return nil
}

// lookup evaluates a chain of keys: each key of a map (a JSON object)
// that has it; anything else (null, a list, a scalar, a missing key) ends
// with no result, an error unless missing keys are allowed.
func (t *jeTmpl) lookup(buf *bytes.Buffer, data any) error {
	cur := data
	for _, k := range t.chain {
		m, ok := cur.(map[string]any)
		if ok {
			cur, ok = m[k]
		}
		if !ok {
			if t.allowMissing {
				return nil
			}
			return fmt.Errorf("%s is not found", k)
		}
	}
	switch v := cur.(type) { // as printResults prints them
	case nil:
		buf.WriteString("null")
	case string:
		buf.WriteString(v)
	case float64:
		buf.Write(strconv.AppendFloat(buf.AvailableBuffer(), v, 'g', -1, 64))
	case bool:
		buf.Write(strconv.AppendBool(buf.AvailableBuffer(), v))
	default:
		return printResults(buf, []reflect.Value{reflect.ValueOf(&cur).Elem()})
	}
	return nil
}

// printResults writes results as jsonpath's PrintResults does: maps,
// slices and structs as JSON, other values as fmt.Fprint prints them
// (a nil interface as null), separated by spaces.
func printResults(buf *bytes.Buffer, results []reflect.Value) error {
	for i, r := range results {
		kind := r.Kind()
		if kind == reflect.Interface {
			kind = r.Elem().Kind()
		}
		switch kind {
		case reflect.Map, reflect.Array, reflect.Slice, reflect.Struct:
			b, err := json.Marshal(r.Interface())
			if err != nil {
				return err
			}
			buf.Write(b)
		default:
			if !r.IsValid() {
				buf.WriteString("<no value>")
				break
			}
			switch v := r.Interface().(type) {
			case nil:
				buf.WriteString("null")
			case string:
				buf.WriteString(v)
			case float64: // fmt's %v of a float64 is strconv's shortest 'g'
				buf.Write(strconv.AppendFloat(buf.AvailableBuffer(), v, 'g', -1, 64))
			case bool:
				buf.Write(strconv.AppendBool(buf.AvailableBuffer(), v))
			default:
				fmt.Fprint(buf, v)
			}
		}
		if i != len(results)-1 {
			buf.WriteByte(' ')
		}
	}
	return nil
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
	// name of a value metric; names[i] of an object metric's values[i]
	name  string
	names []string
}

func newJEMetric(s *jeSpec) *jeMetric {
	m := &jeMetric{spec: s, name: normalize.EscapeMetricName(s.name)}
	for _, v := range s.values {
		m.names = append(m.names, normalize.EscapeMetricName(s.name+"_"+v.name))
	}
	return m
}

// sampleContext is what the samples read from one data share: labels and
// timestamp (json_exporter reads them for each sample; the results are
// the same).
type sampleContext struct {
	labels normalize.Labels
	ts     int64
	hasTS  bool
}

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
		if v, ok := s.path.number(doc, buf); ok {
			m.emit(m.name, v, m.context(doc, buf), emit)
		}
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
		var ctx *sampleContext
		for i, val := range s.values {
			v, ok := val.t.number(obj, buf)
			if !ok {
				continue
			}
			if ctx == nil {
				ctx = m.context(obj, buf)
			}
			m.emit(m.names[i], v, ctx, emit)
		}
	}
}

// context reads the labels and timestamp of the samples from data (the
// document, or the object of an object metric).
func (m *jeMetric) context(data any, buf *bytes.Buffer) *sampleContext {
	s := m.spec
	c := &sampleContext{labels: make(normalize.Labels, 0, len(s.labels))}
	for _, l := range s.labels {
		// A label json_exporter cannot read is empty, not absent: every
		// series of a metric has the same label names.
		str, _, err := l.t.extract(data, buf)
		if err != nil {
			str = ""
		}
		c.labels = append(c.labels, normalize.Label{Name: l.name, Value: str})
	}
	if s.ts != nil {
		if str, missing, err := s.ts.extract(data, buf); err == nil && !missing {
			if ms, err := strconv.ParseInt(str, 10, 64); err == nil {
				c.ts, c.hasTS = ms, true
			}
		}
	}
	return c
}

// emit emits one sample of the metric. Its labels are shared with the
// other samples of the same data and never written.
func (m *jeMetric) emit(name string, v float64, c *sampleContext, emit func(normalize.Record)) {
	s := m.spec
	ls := c.labels[:len(c.labels):len(c.labels)]
	emit(normalize.Record{Match: name, DefaultName: name, Labels: ls, DefaultLabels: ls, Value: v, Type: s.typ, Help: s.help,
		TimestampMs: c.ts, HasTimestamp: c.hasTS})
}

// jeParser reads a json input's body: the scanner for the input's own
// selectors and the json_exporter metrics it reads exactly, then, when
// some metrics need the whole of JSONPath, the document decoded as
// json_exporter decodes it (only its top-level members those metrics
// read) and those metrics evaluated over it.
type jeParser struct {
	scan       *jsonsel.Parser
	slow       []*jeMetric
	keys       map[string]bool // top-level members the slow metrics read; nil: all
	unservable error           // jeModule.unservable
}

func newJEParser(scan *jsonsel.Parser, mod *jeModule) *jeParser {
	p := &jeParser{scan: scan, slow: mod.slow, keys: map[string]bool{}, unservable: mod.unservable}
	for _, m := range p.slow {
		if !m.topKeys(p.keys) {
			p.keys = nil
			break
		}
	}
	return p
}

// ReplacesInvalidUTF8 implements parsing.UTF8Replacer: the scanner and
// Decode read a string's bytes that are not UTF-8 as encoding/json does.
func (p *jeParser) ReplacesInvalidUTF8() {}

// Parse implements parsing.Parser. The scanner runs first over the whole
// body: it checks the syntax and bounds the nesting, so that the decoding
// after it sees only documents that are valid and bounded.
func (p *jeParser) Parse(body []byte, emit func(normalize.Record)) error {
	return p.ParseContext(context.Background(), body, "", emit)
}

var _ parsing.ContextParser = (*jeParser)(nil)

// ParseContext implements parsing.ContextParser: Parse that stops when ctx
// ends (the poll's timeout), in the scanner within a few thousand values
// and between the metrics JSONPath evaluates.
func (p *jeParser) ParseContext(ctx context.Context, body []byte, _ string, emit func(normalize.Record)) error {
	if p.unservable != nil {
		return parsing.Errorf("unservable_module", "json_exporter serves no metric of this module: %w", p.unservable)
	}
	// The scanner hands over the top-level members the metrics read.
	var members []member
	var top func(key, value []byte)
	if p.keys != nil {
		top = func(key, value []byte) {
			if p.keys[string(key)] {
				members = append(members, member{key: string(key), val: value})
			}
		}
	}
	if err := p.scan.ParseTop(ctx, body, emit, top); err != nil {
		return err
	}
	if len(p.slow) == 0 {
		return nil
	}
	doc, err := p.decode(body, members)
	if err != nil {
		// json_exporter serves no metric of a document it cannot decode.
		return parsing.Errorf("invalid_json", "decoding for JSONPath: %w", err)
	}
	var buf bytes.Buffer
	for _, m := range p.slow {
		if ctx.Err() != nil {
			return parsing.Stopped(ctx, len(body), len(body))
		}
		m.eval(doc, &buf, emit)
	}
	return nil
}

// decode decodes the document as encoding/json would into an any, or, when
// it is an object and the metrics read only some of its members, those
// members only (the values they read are the same).
func (p *jeParser) decode(body []byte, members []member) (any, error) {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	if p.keys == nil || i >= len(body) || body[i] != '{' {
		return jsonsel.Decode(body)
	}
	m := make(map[string]any, len(p.keys))
	for _, mb := range members {
		v, err := jsonsel.Decode(mb.val)
		if err != nil {
			return nil, err
		}
		m[mb.key] = v // a repeated key: the last wins, as in encoding/json
	}
	return m, nil
}

// member is a top-level member of the document the metrics read.
type member struct {
	key string
	val []byte
}
