// Package jsonsel selects values from JSON documents and turns them into
// records, in one pass over the bytes: unselected subtrees are skipped
// without being decoded.
//
// A selector is a dotted path; "*" matches any object key or array index
// and captures it as a label. The record's match string is the concrete
// path of the value ("servers.web1.requests"), so that rules rename and
// relabel what was selected. A selector that ends on an object or an array
// selects every value under it. Without selectors, every value is
// selected. A '.' inside a key becomes '_' in the match string.
//
// Values: numbers; true and false as 1 and 0; numeric strings ("12.5");
// strings with a unit ("12ms", "1.5GB", "512KiB", "30%", "2h") in base
// units (seconds, bytes, ratio); strings looked up in the selector's
// state table (values: {running: 1}). null and other strings are skipped.
//
// Decode is the other reader: a whole document, checked by the scanner,
// into Go values for json_exporter's JSONPath templates.
package jsonsel

import (
	"cmp"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Config is the selection of a json input.
type Config struct {
	// Metrics are the selectors; none selects every value.
	Metrics []Selector `yaml:"metrics"`
	// Skip lists paths never read (with "*" for any key or index), for
	// large subtrees that are not wanted when everything else is.
	Skip []string `yaml:"skip"`

	// MaxDepth bounds how deep the values the selectors (and "every
	// value") read may be nested: a selected object or array inside
	// MaxDepth others fails the document (too_deep). 0 is DefaultMaxDepth;
	// at most 10,000 (encoding/json's bound, which every document has).
	// json_exporter selectors (Exporter) read a fixed depth and ignore it.
	MaxDepth int `yaml:"max_depth"`

	// SelectNone, set by code (not YAML), makes no Metrics select nothing
	// instead of every value: the document is still read and checked.
	SelectNone bool `yaml:"-"`
}

// Segment kinds of an Exporter selector's typed path.
const (
	SegKey      = 'k' // an object member only (json_exporter's .name)
	SegAnyIndex = 'a' // any array element only ([*])
	SegAny      = '*' // any member or element (.*)
)

// Seg is one segment of a typed path.
type Seg struct {
	Key  string
	Kind byte
}

// Selector selects values by path.
type Selector struct {
	// Path is dotted, "*" for any key or index ("servers.*.requests").
	Path string `yaml:"path"`
	// Labels name the "*" captures, in order; a capture without a name
	// gets none.
	Labels []string `yaml:"labels"`
	// Type is the records' hint: counter, gauge or untyped (default).
	Type string `yaml:"type"`
	// Help is the records' HELP text.
	Help string `yaml:"help"`
	// Values maps strings to numbers (states: {running: 1, stopped: 0}).
	Values map[string]float64 `yaml:"values"`
	// LabelsFrom, for a selector that selects objects, adds to every
	// value read from an object a label taken from one of the object's
	// own string (or number) fields: {queue: name} labels the values of
	// {"name": "orders", "depth": 17} with queue="orders". The fields
	// used as labels are not read as values.
	LabelsFrom map[string]string `yaml:"labels_from"`

	// Set when the selection comes from a json_exporter config (not from
	// YAML): the records' default name (json_exporter's metric name),
	// and for selectors of objects, the fields read (value name → field,
	// named DefaultName_<value name>) and constant values per object;
	// ConstLabels are added to every record.
	DefaultName string             `yaml:"-"`
	Fields      map[string]string  `yaml:"-"`
	Constants   map[string]float64 `yaml:"-"`
	ConstLabels map[string]string  `yaml:"-"`

	// Exporter, set by code, gives the selector json_exporter's semantics
	// (what k8s.io/client-go/util/jsonpath prints, then json_exporter's
	// conversion): Segs is its typed path (Path is ignored); only the
	// node the path ends on is read — a scalar for a value metric, an
	// object (whose direct fields are read) for an object metric;
	// strings are unquoted and read as numbers or booleans only; number
	// labels are formatted as Go prints a float64. The selector must not
	// overlap another one (the caller checks).
	Exporter bool  `yaml:"-"`
	Segs     []Seg `yaml:"-"`
}

type labelFrom struct{ label, field string }

type constValue struct {
	name string
	v    float64
}

// objectMode says the selector's objects are read as a whole: their
// records wait for the object's end (labels from fields, constants).
func (s *selector) objectMode() bool {
	return len(s.from) > 0 || len(s.fields) > 0 || len(s.consts) > 0
}

// compiled selector.
type selector struct {
	segs    []string // "*" = any
	stars   []int    // positions of "*" in segs
	labels  []string
	typ     normalize.Type
	help    string
	values  map[string]float64
	from    []labelFrom // LabelsFrom, sorted by label
	skip    bool        // a Skip path
	defName string
	fields  map[string]string // field -> value name
	consts  []constValue
	cl      normalize.Labels // ConstLabels, sorted
	exp     bool             // Exporter
	kinds   []byte           // Exporter: kind per seg
}

// Validate checks c, naming the selector and field of each problem.
func (c *Config) Validate() error {
	_, err := compile(c)
	return err
}

func compile(c *Config) ([]selector, error) {
	var errs []error
	var out []selector
	if c.MaxDepth < 0 || c.MaxDepth > maxDepth {
		errs = append(errs, fmt.Errorf("max_depth: %d is not between 1 and %d", c.MaxDepth, maxDepth))
	}
	for i, m := range c.Metrics {
		s, err := compileSelector(m.Path)
		if m.Exporter {
			s, err = compileTyped(m.Segs)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("metrics[%d]: path: %w", i, err))
			continue
		}
		if len(m.Labels) > len(s.stars) {
			errs = append(errs, fmt.Errorf("metrics[%d]: labels: %d names for %d \"*\" in %q", i, len(m.Labels), len(s.stars), m.Path))
		}
		for _, l := range m.Labels {
			if l != "" && !normalize.ValidLabelName(l) {
				errs = append(errs, fmt.Errorf("metrics[%d]: labels: %q is not a valid label name", i, l))
			}
		}
		if s.typ, err = normalize.ParseType(cmp.Or(m.Type, "untyped")); err != nil {
			errs = append(errs, fmt.Errorf("metrics[%d]: type: %w", i, err))
		}
		s.labels, s.help, s.values = m.Labels, m.Help, m.Values
		for l, f := range m.LabelsFrom {
			if !normalize.ValidLabelName(l) {
				errs = append(errs, fmt.Errorf("metrics[%d]: labels_from: %q is not a valid label name", i, l))
			}
			if f == "" {
				errs = append(errs, fmt.Errorf("metrics[%d]: labels_from: %q has no field", i, l))
			}
			s.from = append(s.from, labelFrom{label: l, field: f})
		}
		sort.Slice(s.from, func(a, b int) bool { return s.from[a].label < s.from[b].label })
		s.defName = m.DefaultName
		s.exp = m.Exporter
		if len(m.Fields) > 0 {
			s.fields = map[string]string{}
			for name, field := range m.Fields {
				s.fields[field] = name
			}
		}
		for name, v := range m.Constants {
			s.consts = append(s.consts, constValue{name, v})
		}
		sort.Slice(s.consts, func(a, b int) bool { return s.consts[a].name < s.consts[b].name })
		for k, v := range m.ConstLabels {
			s.cl = append(s.cl, normalize.Label{Name: k, Value: v})
		}
		s.cl = s.cl.Sort()
		out = append(out, s)
	}
	for i, p := range c.Skip {
		s, err := compileSelector(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("skip[%d]: %w", i, err))
			continue
		}
		s.skip = true
		out = append(out, s)
	}
	if len(c.Metrics) == 0 && !c.SelectNone {
		out = append(out, selector{typ: normalize.TypeUntyped}) // everything
	}
	return out, errors.Join(errs...)
}

func compileSelector(path string) (selector, error) {
	var s selector
	if path == "" {
		return s, errors.New("empty path")
	}
	path = strings.TrimPrefix(path, "$.")
	for i, seg := range strings.Split(path, ".") {
		if seg == "" {
			return s, fmt.Errorf("%q has an empty segment", path)
		}
		if seg == "*" {
			s.stars = append(s.stars, i)
		}
		s.segs = append(s.segs, seg)
	}
	return s, nil
}

func compileTyped(segs []Seg) (selector, error) {
	var s selector
	if len(segs) == 0 {
		return s, errors.New("empty path")
	}
	for _, sg := range segs {
		switch sg.Kind {
		case SegKey:
			s.segs = append(s.segs, sg.Key)
		case SegAny, SegAnyIndex:
			s.segs = append(s.segs, "*")
		default:
			return s, fmt.Errorf("segment kind %q", sg.Kind)
		}
		s.kinds = append(s.kinds, sg.Kind)
	}
	return s, nil
}
