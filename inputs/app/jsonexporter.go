package app

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	promcfg "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// jeModule is one module of a json_exporter config as the json input uses
// it: its metrics, split into selectors the one-pass scanner reads exactly
// as json_exporter would (fast) and metrics evaluated with json_exporter's
// own JSONPath package over the decoded document (slow); and its HTTP
// settings.
type jeModule struct {
	fast      []jsonsel.Selector
	fastSpecs []*jeSpec // fast[i] comes from fastSpecs[i]
	slow      []*jeMetric
	headers   map[string]string
	body      *jeBody // sent with POST when set

	client      *promcfg.HTTPClientConfig
	validStatus []int

	// unservable is why json_exporter serves no metric of this module
	// (a metric without a name, of a type other than value and object, or
	// with an invalid label name): it loads the config, then its probes
	// of the module serve nothing. Every poll fails with it.
	unservable error
	// warnings are what `rosetta check` points out: the paths jsonpath
	// rejects, and why the module is unservable.
	warnings []string
}

// jePos positions errors inside the json_exporter file.
type jePos struct{ file, where string }

func (p jePos) errf(n *yaml.Node, format string, args ...any) error {
	return &jeFileError{errpos.New(p.file, n.Line, n.Column, fmt.Errorf("%s%s", p.where, fmt.Sprintf(format, args...)))}
}

// jeFileError is an error positioned in the json_exporter file: the input
// config's position is not added to it.
type jeFileError struct{ error }

func (e *jeFileError) Unwrap() error { return e.error }

// mapping returns the value nodes of a mapping node by key (the last of a
// repeated key, as json_exporter's YAML decoder keeps).
func mapping(n *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

// loadJSONExporter reads module of the json_exporter config file as
// json_exporter does: the keys json_exporter reads (exactly as it spells
// them: epochtimestamp, allow_missing_key; others, such as the
// epochTimestamp of its own example, are ignored as json_exporter ignores
// them), JSONPath as k8s.io/client-go/util/jsonpath parses it. What
// json_exporter loads but cannot use is loaded as it uses it: a metric
// whose path jsonpath rejects is never served, nor an object metric's
// value whose path it rejects; a label whose path it rejects is empty; an
// epochtimestamp it rejects gives no timestamp (json_exporter fails to
// parse them at every probe and goes on). A metric without a name, of a
// type other than value and object, or with an invalid label name makes
// json_exporter serve nothing of the module: the module loads with no
// metric and its polls fail (unservable).
func loadJSONExporter(file, module string) (*jeModule, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pos := jePos{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml's message names the line in file: the only position.
		return nil, &jeFileError{errpos.InFile(errpos.FromYAML(err), file)}
	}
	root, err := v2Tree(&doc)
	if err != nil {
		return nil, &jeFileError{fmt.Errorf("%s: %w", file, err)}
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	modsNode := mapping(root)["modules"]
	queryModule := module // what a probe's ?module= would say
	if module == "" {
		module = "default"
	}
	mods := mapping(modsNode)
	m, ok := mods[module]
	if !ok {
		names := make([]string, 0, len(mods))
		for n := range mods {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%s: no module %q (modules: %s)", file, module, strings.Join(names, ", "))
	}
	if m.Kind != yaml.MappingNode && !(m.Kind == yaml.ScalarNode && m.Tag == "!!null") {
		return nil, pos.errf(m, "module %s: not a mapping", module)
	}
	keys := mapping(m)
	out := &jeModule{}
	var errs []error
	if n := keys["headers"]; n != nil {
		if err := v2Decode(n, &out.headers); err != nil {
			errs = append(errs, pos.errf(n, "headers: %s", v2Msg(err)))
		}
	}
	if n := keys["http_client_config"]; n != nil && n.Tag != "!!null" {
		var c promcfg.HTTPClientConfig
		if err := v2Decode(n, &c); err != nil {
			errs = append(errs, pos.errf(n, "http_client_config: %s", v2Msg(err)))
		} else {
			out.client = &c
		}
	}
	if n := keys["valid_status_codes"]; n != nil {
		if err := v2Decode(n, &out.validStatus); err != nil {
			errs = append(errs, pos.errf(n, "valid_status_codes: %s", v2Msg(err)))
		}
	}
	if n := keys["body"]; n != nil && n.Tag != "!!null" {
		body, err := newJEBody(pos, n, queryModule)
		if err != nil {
			errs = append(errs, err)
		}
		out.body = body
	}
	var metrics []*jeSpec
	if n := keys["metrics"]; n != nil && n.Tag != "!!null" {
		if n.Kind != yaml.SequenceNode {
			errs = append(errs, pos.errf(n, "metrics: not a list"))
		}
		for i, mn := range n.Content {
			mpos := jePos{file, fmt.Sprintf("module %s: metrics[%d]: ", module, i)}
			spec, err := decodeJESpec(mpos, mn)
			var ue *jeUnservable
			switch {
			case errors.As(err, &ue):
				out.unservable = cmp.Or(out.unservable, error(ue))
				out.warnings = append(out.warnings, fmt.Sprintf("%v (json_exporter serves nothing of module %s: every poll fails)", ue, module))
			case err != nil:
				errs = append(errs, err)
			default:
				for _, n := range spec.notes {
					out.warnings = append(out.warnings, n.Error())
				}
				if spec.path != nil { // nil: json_exporter never serves it
					metrics = append(metrics, spec)
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if out.unservable != nil {
		metrics = nil
	}
	out.fast, out.fastSpecs, out.slow = splitJE(metrics)
	return out, nil
}

// jeUnservable is a metric json_exporter loads but whose module it then
// cannot serve.
type jeUnservable struct{ err error }

func (e *jeUnservable) Error() string { return e.err.Error() }
func (e *jeUnservable) Unwrap() error { return e.err }

// jeBody is a module's body, sent with POST: json_exporter's body.content,
// with templatize a Go template with Sprig's functions (sprig.TxtFuncMap,
// json_exporter's own), rendered for every request, as json_exporter
// renders it for every probe (so that now, uuidv4 and env mean there what
// they mean here), with the probe's query values: target, and module when
// the input names one (a Prometheus scrape of json_exporter passes them as
// ?module=...&target=...). A template that does not parse or fails to
// execute is sent as written, as json_exporter sends it (it logs the
// error).
type jeBody struct {
	content string
	tpl     *template.Template // nil: content as written
	module  string             // the input's module, "" when it names none
}

func newJEBody(pos jePos, n *yaml.Node, module string) (*jeBody, error) {
	var b struct {
		Content    string `yaml:"content"`
		Templatize bool   `yaml:"templatize"`
	}
	if err := v2Decode(n, &b); err != nil {
		return nil, pos.errf(n, "body: %s", v2Msg(err))
	}
	if b.Content == "" {
		return nil, nil // json_exporter: GET without a body
	}
	out := &jeBody{content: b.Content, module: module}
	if b.Templatize {
		if tpl, err := template.New("base").Funcs(sprigFuncs()).Parse(b.Content); err == nil {
			out.tpl = tpl.Option("missingkey=zero")
		}
	}
	return out, nil
}

// sprigFuncs is Sprig's text function map, built once (it is a fresh map
// of about 200 entries on every call).
var sprigFuncs = sync.OnceValue(sprig.TxtFuncMap)

// render returns the body of a request to target.
func (b *jeBody) render(target string) string {
	if b.tpl == nil {
		return b.content
	}
	values := url.Values{"target": {target}}
	if b.module != "" {
		values.Set("module", b.module)
	}
	var sb strings.Builder
	if err := b.tpl.Execute(&sb, values); err != nil {
		return b.content
	}
	return sb.String()
}

// jeSpec is one metric of a module, its templates parsed.
type jeSpec struct {
	name, help   string
	object       bool
	typ          normalize.Type
	allowMissing bool
	path         *jeTmpl
	labels       []jeLabel // sorted by name
	values       []jeValue // sorted by name (object)
	ts           *jeTmpl   // epochtimestamp, or nil
	notes        []error   // the paths jsonpath rejects, positioned
}

type jeLabel struct {
	name string
	t    *jeTmpl
}

type jeValue struct {
	name string
	t    *jeTmpl
}

// decodeJESpec reads one metric with the keys json_exporter reads.
func decodeJESpec(pos jePos, n *yaml.Node) (*jeSpec, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		// yaml.v2 reads it as a metric with no name.
		return nil, &jeUnservable{pos.errf(n, "name: a metric needs a name (json_exporter cannot serve one without)")}
	}
	if n.Kind != yaml.MappingNode {
		return nil, pos.errf(n, "a metric is a mapping")
	}
	k := mapping(n)
	var errs []error
	str := func(key string) string {
		v := k[key]
		if v == nil {
			return ""
		}
		var s string
		if err := v2Decode(v, &s); err != nil {
			errs = append(errs, pos.errf(v, "%s: %s", key, v2Msg(err)))
		}
		return s
	}
	strMap := func(key string) (map[string]string, map[string]*yaml.Node) {
		v := k[key]
		if v == nil || v.Tag == "!!null" {
			return nil, nil
		}
		var m map[string]string
		if err := v2Decode(v, &m); err != nil {
			errs = append(errs, pos.errf(v, "%s: %s", key, v2Msg(err)))
			return nil, nil
		}
		return m, mapping(v)
	}
	s := &jeSpec{}
	s.name = str("name")
	pathText := str("path")
	typ := str("type")
	valueType := str("valuetype")
	tsText := str("epochtimestamp")
	s.help = str("help")
	labels, labelNodes := strMap("labels")
	values, valueNodes := strMap("values")
	if v := k["allow_missing_key"]; v != nil {
		if err := v2Decode(v, &s.allowMissing); err != nil {
			errs = append(errs, pos.errf(v, "allow_missing_key: %s", v2Msg(err)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	at := func(key string) *yaml.Node {
		if v := k[key]; v != nil {
			return v
		}
		return n
	}
	if s.help == "" {
		s.help = s.name
	}
	var unservable []error
	if s.name == "" {
		unservable = append(unservable, pos.errf(at("name"), "name: a metric needs a name (json_exporter cannot serve one without)"))
	}
	switch typ {
	case "", "value":
	case "object":
		s.object = true
	default:
		unservable = append(unservable, pos.errf(at("type"), "type: %q is not value or object (json_exporter serves no metric of this module then)", typ))
	}
	switch valueType { // json_exporter reads anything else as untyped
	case "gauge":
		s.typ = normalize.TypeGauge
	case "counter":
		s.typ = normalize.TypeCounter
	default:
		s.typ = normalize.TypeUntyped
	}
	// A path jsonpath rejects: json_exporter fails to parse it at every
	// probe and goes on without it (nil s.path: never served; no
	// timestamp; an empty label; no such value).
	var err error
	if s.path, err = compileJE(pathText, s.allowMissing, s.object); err != nil { // the path of an object metric is printed as JSON
		s.notes = append(s.notes, pos.errf(at("path"), "path %q: %v (json_exporter fails it at every probe: the metric is never served)", pathText, err))
	}
	if tsText != "" {
		if s.ts, err = compileJE(tsText, s.allowMissing, false); err != nil {
			s.notes = append(s.notes, pos.errf(at("epochtimestamp"), "epochtimestamp %q: %v (json_exporter fails it at every probe: no timestamp)", tsText, err))
		}
	}
	for _, name := range slices.Sorted(mapsKeys(labels)) {
		if !normalize.ValidLabelName(name) {
			unservable = append(unservable, pos.errf(labelNodes[name], "labels: %q is not a valid label name (json_exporter cannot serve it)", name))
			continue
		}
		// Labels never allow missing keys in json_exporter.
		t, err := compileJE(labels[name], false, false)
		if err != nil {
			s.notes = append(s.notes, pos.errf(labelNodes[name], "label %s %q: %v (json_exporter fails it at every probe: the label is empty)", name, labels[name], err))
			t, _ = compileJE("", false, false)
		}
		s.labels = append(s.labels, jeLabel{name, t})
	}
	if s.object {
		for _, name := range slices.Sorted(mapsKeys(values)) {
			t, err := compileJE(values[name], s.allowMissing, false)
			if err != nil {
				s.notes = append(s.notes, pos.errf(valueNodes[name], "value %s %q: %v (json_exporter fails it at every probe: never served)", name, values[name], err))
				continue
			}
			s.values = append(s.values, jeValue{name, t})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := errors.Join(unservable...); err != nil {
		return nil, &jeUnservable{err}
	}
	return s, nil
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// splitJE turns the metrics the scanner reads exactly as json_exporter
// would into selectors and leaves the rest for jsonpath: a value metric
// whose path is plain keys and whose labels are text; an object metric
// whose path is plain keys and wildcards, whose labels are text or one
// plain key of the object, and whose values are one plain key or a
// constant; none with epochtimestamp; no two selecting the same nodes.
func splitJE(specs []*jeSpec) (fast []jsonsel.Selector, fastSpecs []*jeSpec, slow []*jeMetric) {
	type cand struct {
		spec *jeSpec
		sel  jsonsel.Selector
	}
	var cands []cand
	for _, s := range specs {
		if sel, ok := fastSelector(s); ok {
			cands = append(cands, cand{s, sel})
			continue
		}
		slow = append(slow, newJEMetric(s))
	}
	for i, c := range cands {
		overlap := false
		for j, o := range cands {
			if i != j && segsOverlap(c.sel.Segs, o.sel.Segs) {
				overlap = true
			}
		}
		if overlap {
			slow = append(slow, newJEMetric(c.spec))
			continue
		}
		fast = append(fast, c.sel)
		fastSpecs = append(fastSpecs, c.spec)
	}
	return fast, fastSpecs, slow
}

// segsOverlap reports whether one typed path can select a node the other
// selects or one of its ancestors or descendants.
func segsOverlap(a, b []jsonsel.Seg) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x.Kind == jsonsel.SegKey && y.Kind == jsonsel.SegKey && x.Key != y.Key {
			return false
		}
		if x.Kind == jsonsel.SegKey && y.Kind == jsonsel.SegAnyIndex || x.Kind == jsonsel.SegAnyIndex && y.Kind == jsonsel.SegKey {
			return false
		}
	}
	return true
}

// fastSelector returns the scanner selector of s when the scanner reads
// it exactly as json_exporter would.
func fastSelector(s *jeSpec) (jsonsel.Selector, bool) {
	sel := jsonsel.Selector{DefaultName: s.name, Help: s.help, Exporter: true}
	switch s.typ {
	case normalize.TypeCounter:
		sel.Type = "counter"
	case normalize.TypeGauge:
		sel.Type = "gauge"
	}
	if s.ts != nil {
		return sel, false
	}
	segs, ok := s.path.plainPath(s.object)
	if !ok {
		return sel, false
	}
	sel.Segs = segs
	used := map[string]bool{}
	for _, l := range s.labels {
		if text, ok := l.t.constant(); ok {
			if sel.ConstLabels == nil {
				sel.ConstLabels = map[string]string{}
			}
			sel.ConstLabels[l.name] = jsonsel.ExporterUnquote(text)
			continue
		}
		key, ok := l.t.field()
		if !ok || !s.object || used[key] {
			return sel, false
		}
		used[key] = true
		if sel.LabelsFrom == nil {
			sel.LabelsFrom = map[string]string{}
		}
		sel.LabelsFrom[l.name] = key
	}
	if !s.object {
		return sel, true
	}
	if len(s.values) == 0 {
		return sel, false // no series at all: left to the evaluator, which makes none
	}
	for _, v := range s.values {
		if text, ok := v.t.constant(); ok {
			f, ok := jsonsel.ExporterValue(text)
			if !ok {
				continue // json_exporter fails to convert it for every object
			}
			if sel.Constants == nil {
				sel.Constants = map[string]float64{}
			}
			sel.Constants[v.name] = f
			continue
		}
		key, ok := v.t.field()
		if !ok || used[key] {
			return sel, false
		}
		used[key] = true
		if sel.Fields == nil {
			sel.Fields = map[string]string{}
		}
		sel.Fields[v.name] = key
	}
	// Without fields or constants the scanner would not read the objects
	// as a whole.
	return sel, len(sel.Fields) > 0 || len(sel.Constants) > 0
}
