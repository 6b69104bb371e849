package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"

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
		str, missing, err := s.path.extract(doc, buf)
		if err != nil || missing {
			return
		}
		v, ok := jsonsel.ExporterSanitize(str)
		if !ok {
			return
		}
		m.emit(m.name, v, m.context(doc, buf), emit)
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
			str, missing, err := val.t.extract(obj, buf)
			if err != nil || missing {
				continue
			}
			v, ok := jsonsel.ExporterSanitize(str)
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
	if err := p.scan.ParseTop(body, emit, top); err != nil {
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
		return decodeJSON(body)
	}
	m := make(map[string]any, len(p.keys))
	for _, mb := range members {
		v, err := decodeJSON(mb.val)
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

// decodeJSON decodes a value the scanner has checked (syntax, nesting)
// into what encoding/json.Unmarshal gives an any: map[string]any (a
// repeated key: the last), []any, float64, string, bool, nil. It is
// several times faster than Unmarshal, which checks the syntax first and
// decodes through reflection; FuzzDecodeJSON holds it to Unmarshal.
func decodeJSON(b []byte) (any, error) {
	d := decoder{b: b}
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
	b []byte
	i int
	// keys interns object keys: the objects of one array mostly repeat
	// the same few.
	keys map[string]string
}

func (d *decoder) ws() {
	for d.i < len(d.b) && (d.b[d.i] == ' ' || d.b[d.i] == '\t' || d.b[d.i] == '\n' || d.b[d.i] == '\r') {
		d.i++
	}
}

// open reads the '{' or '[' that starts an object or array and says
// whether a member follows: false for an empty one, whose end it reads.
func (d *decoder) open(end byte) bool {
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == end {
		d.i++
		return false
	}
	return true
}

// next reads what follows a member of an object or array: ',' (true:
// another member follows) or its end (false).
func (d *decoder) next(end byte, what string) (bool, error) {
	d.ws()
	if d.i >= len(d.b) {
		return false, fmt.Errorf("at byte %d: unterminated %s", d.i, what)
	}
	d.i++
	switch d.b[d.i-1] {
	case ',':
		return true, nil
	case end:
		return false, nil
	}
	return false, fmt.Errorf("at byte %d: expected ',' or '%c'", d.i-1, end)
}

func (d *decoder) value() (any, error) {
	d.ws()
	if d.i >= len(d.b) {
		return nil, fmt.Errorf("at byte %d: expected a value", d.i)
	}
	switch c := d.b[d.i]; {
	case c == '{':
		m := map[string]any{}
		for more := d.open('}'); more; {
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return nil, fmt.Errorf("at byte %d: expected a key", d.i)
			}
			k, err := d.key()
			if err != nil {
				return nil, err
			}
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, fmt.Errorf("at byte %d: expected ':'", d.i)
			}
			d.i++
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			m[k] = v
			if more, err = d.next('}', "object"); err != nil {
				return nil, err
			}
		}
		return m, nil
	case c == '[':
		a := make([]any, 0, 4)
		for more := d.open(']'); more; {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			if more, err = d.next(']', "array"); err != nil {
				return nil, err
			}
		}
		return a, nil
	case c == '"':
		return d.str()
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
