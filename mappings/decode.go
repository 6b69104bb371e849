package mappings

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	yaml2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/internal/errpos"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// decoder walks yaml.Nodes and collects every error with its position.
// While a rule is decoded, errors name the rule as well.
type decoder struct {
	file string
	errs []error
	// statsd decodes a statsd_exporter mapping file: its rule keys and
	// observer types (rules.go), and numbers, booleans and durations read
	// by its YAML library (yaml.v2) itself (peerDecode).
	statsd bool
	// java decodes a jmx_exporter config, which SnakeYAML reads into Java
	// objects: a key given twice takes the last value, booleans and
	// integers are YAML 1.1's (javaScalar).
	java bool
	// merged counts the keys peerFields took from merge keys: a file
	// that merges more than maxMerged (aliases of aliases) is refused,
	// as yaml.v2 refuses excessive aliasing.
	merged int
	// current rule, for messages
	ruleIndex int
	ruleMatch string
}

func (d *decoder) pos(n *yaml.Node) normalize.Pos {
	if n == nil {
		return normalize.Pos{File: d.file}
	}
	return normalize.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, &normalize.RuleError{
		Pos: d.pos(n), Index: d.ruleIndex, Match: d.ruleMatch, Err: fmt.Errorf(format, args...),
	})
}

func (d *decoder) err() error { return errors.Join(d.errs...) }

// parse parses data into a document root (nil for an empty document).
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// "yaml: line 3: message" -> "file:3: message"
		return nil, errpos.InFile(errpos.FromYAML(err), file)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	return root, nil
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// fields calls fn for each key of mapping n; it reports a non-mapping node
// and duplicate keys. fn returns false for an unknown key.
func (d *decoder) fields(n *yaml.Node, what string, fn func(key string, k, v *yaml.Node) bool) {
	d.fieldsIn(n, what, nil, fn)
}

// fieldsIn is fields where, in a statsd_exporter file, set holds the keys
// set so far into a map (see peerFields); it is nil for a struct.
func (d *decoder) fieldsIn(n *yaml.Node, what string, set map[string]bool, fn func(key string, k, v *yaml.Node) bool) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "%s: expected a mapping, got %s", what, kindName(n))
		return
	}
	if d.statsd {
		d.peerFields(n, what, fn, set)
		return
	}
	seen := map[string]bool{}
	var merges []*yaml.Node
	for k, v := range d.pairs(n, what) {
		if ms, ok := d.mergeKey(k, v, what); ok {
			// YAML merge keys (statsd_exporter's YAML library reads them):
			// the merged mappings' keys count unless given explicitly.
			merges = append(merges, ms...)
			continue
		}
		if seen[k.Value] && !d.java {
			d.errf(k, "%s: duplicate key %q", what, k.Value)
			continue
		}
		seen[k.Value] = true
		if !fn(k.Value, k, v) {
			d.errf(k, "%s: unknown key %q", what, k.Value)
		}
	}
	for _, m := range merges {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], resolve(m.Content[i+1])
			if k.Kind != yaml.ScalarNode || seen[k.Value] {
				continue
			}
			seen[k.Value] = true
			if !fn(k.Value, k, v) {
				d.errf(k, "%s: unknown key %q", what, k.Value)
			}
		}
	}
}

// peerFields is fields for a statsd_exporter file, whose mappings yaml.v2
// decodes key by key in the file's order: a merge key's mappings are
// decoded where it stands (of a list of them, the first wins), so a key
// merged after an explicit one overrides it. An explicit key given twice
// is an error. Into a map (labels, set != nil: the keys set so far) every
// key set twice is, merged ones too.
func (d *decoder) peerFields(n *yaml.Node, what string, fn func(key string, k, v *yaml.Node) bool, set map[string]bool) {
	seen := map[string]bool{}
	for k, v := range d.pairs(n, what) {
		if ms, ok := d.mergeKey(k, v, what); ok {
			// The last of a list first: what it sets, the ones before it
			// set again (the first wins).
			for _, m := range slices.Backward(ms) {
				if d.merged += len(m.Content) / 2; d.merged > maxMerged {
					if d.merged-len(m.Content)/2 <= maxMerged {
						d.errf(k, "%s: excessive aliasing in merge keys", what)
					}
					continue
				}
				d.peerFields(m, what, fn, set)
			}
			continue
		}
		if seen[k.Value] || set[k.Value] {
			d.errf(k, "%s: duplicate key %q", what, k.Value)
			continue
		}
		seen[k.Value] = true
		if set != nil {
			set[k.Value] = true
		}
		if !fn(k.Value, k, v) {
			d.errf(k, "%s: unknown key %q", what, k.Value)
		}
	}
}

// pairs yields the keys and values of mapping n (aliases resolved), and
// reports the keys that are not scalars.
func (d *decoder) pairs(n *yaml.Node, what string) iter.Seq2[*yaml.Node, *yaml.Node] {
	return func(yield func(k, v *yaml.Node) bool) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], resolve(n.Content[i+1])
			if k.Kind != yaml.ScalarNode {
				d.errf(k, "%s: keys must be strings", what)
				continue
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

// mergeKey reports whether k is a YAML merge key ("<<"), and returns the
// mappings its value v names ("<<: *a" or "<<: [*a, *b]") in the file's
// order; it reports a value or list item that is not a mapping.
func (d *decoder) mergeKey(k, v *yaml.Node, what string) (ms []*yaml.Node, ok bool) {
	if k.Value != "<<" || k.Tag != "!!merge" {
		return nil, false
	}
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}, true
	case yaml.SequenceNode:
		for _, m := range v.Content {
			if m = resolve(m); m.Kind != yaml.MappingNode {
				d.errf(m, "%s: a merge key needs a mapping", what)
				continue
			}
			ms = append(ms, m)
		}
	default:
		d.errf(k, "%s: a merge key needs a mapping", what)
	}
	return ms, true
}

// maxMerged bounds the keys merge keys bring into a statsd_exporter file.
const maxMerged = 1 << 20

// A field decodes the value v of a mapping's key into its destination.
type field func(v *yaml.Node, key string)

// into is the field that decodes with dec into *p.
func into[T any](p *T, dec func(*yaml.Node, string) T) field {
	return func(v *yaml.Node, key string) { *p = dec(v, key) }
}

// bind decodes mapping n by its keys: each key's field decodes its value,
// a key with no field is an error (fields reports it).
func (d *decoder) bind(n *yaml.Node, what string, fields map[string]field) {
	d.fields(n, what, func(key string, _, v *yaml.Node) bool {
		f, ok := fields[key]
		if ok {
			f(v, key)
		}
		return ok
	})
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

func (d *decoder) scalar(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errf(n, "%s: expected a value, got %s", key, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(n *yaml.Node, key string) string {
	if isNull(n) {
		return ""
	}
	s, _ := d.scalar(n, key)
	return s
}

// enum decodes n, the value of key, as the name (String) of one of choices.
// Any other value, the empty one included, is an "invalid <what>" error
// that lists the choices; the result is then the zero value and false.
func enum[T fmt.Stringer](d *decoder, n *yaml.Node, key, what string, choices ...T) (T, bool) {
	return choose(d, n, key, what, d.str(n, key), choices)
}

// enumOr is enum where an empty value (or none) means empty.
func enumOr[T fmt.Stringer](d *decoder, n *yaml.Node, key, what string, empty T, choices ...T) T {
	s := d.str(n, key)
	if s == "" {
		return empty
	}
	v, _ := choose(d, n, key, what, s, choices)
	return v
}

func choose[T fmt.Stringer](d *decoder, n *yaml.Node, key, what, s string, choices []T) (T, bool) {
	for _, c := range choices {
		if c.String() == s {
			return c, true
		}
	}
	names := make([]string, len(choices))
	for i, c := range choices {
		names[i] = c.String()
	}
	want := names[len(names)-1]
	if len(names) > 1 {
		want = strings.Join(names[:len(names)-1], ", ") + " or " + want
	}
	d.errf(n, "%s: invalid %s %q (want %s)", key, what, s, want)
	var zero T
	return zero, false
}

func (d *decoder) boolean(n *yaml.Node, key string) bool {
	if isNull(n) && !d.java {
		return false
	}
	s, ok := d.scalar(n, key)
	if !ok {
		return false
	}
	if d.java {
		// jmx_exporter casts to Boolean: null fails to unbox
		if kind, text, _ := javaScalar(n); kind == javaBool {
			return text == "true"
		}
		d.errf(n, "%s: invalid boolean %q", key, s)
		return false
	}
	var b bool
	if d.statsd { // a quoted value too: yaml.v2 refuses it
		if err := peerDecode(n, &b); err != nil {
			d.errf(n, "%s: invalid boolean %q", key, s)
		}
		return b
	}
	if err := n.Decode(&b); err != nil {
		d.errf(n, "%s: invalid boolean %q", key, s)
	}
	return b
}

func (d *decoder) float(n *yaml.Node, key string) float64 {
	s, ok := d.scalar(n, key)
	if !ok {
		return 0
	}
	if d.statsd && peerReads(n) {
		var f float64
		if err := peerDecode(n, &f); err != nil {
			d.errf(n, "%s: invalid number %q", key, s)
		}
		return f
	}
	f, err := parseFloat(s)
	if err != nil {
		d.errf(n, "%s: invalid number %q", key, s)
	}
	return f
}

func parseFloat(s string) (float64, error) {
	switch strings.ToLower(s) {
	case ".inf", "+.inf":
		return math.Inf(1), nil
	case "-.inf":
		return math.Inf(-1), nil
	case ".nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

func (d *decoder) integer(n *yaml.Node, key string, max int64) int64 {
	s, ok := d.scalar(n, key)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil || v < 0 || v > max {
		d.errf(n, "%s: invalid count %q (want 0 to %d)", key, s, max)
		return 0
	}
	return v
}

// count32 is integer for a uint32 count. In a statsd_exporter file a
// plain or tagged value is what yaml.v2 reads into a uint32 (peerDecode:
// 010 is 8, 1_000 is 1000, a float is truncated when the truncation fits,
// 10.9 is 10 and -0.5 is 0, null is 0); a quoted one is read as if plain
// (yaml.v2 refuses it; see TestDifferentialStatsdAccepts' laxer).
func (d *decoder) count32(n *yaml.Node, key string) uint32 {
	if d.statsd && n.Kind == yaml.ScalarNode {
		if peerReads(n) {
			var v uint32
			if err := peerDecode(n, &v); err != nil {
				d.errf(n, "%s: invalid count %q (want 0 to %d)", key, n.Value, math.MaxUint32)
			}
			return v
		}
		if _, err := strconv.ParseInt(n.Value, 0, 64); err != nil {
			if f, err := parseFloat(n.Value); err == nil && f > -1 && f < math.MaxUint32+1 {
				return uint32(f)
			}
		}
	}
	return uint32(d.integer(n, key, math.MaxUint32))
}

// quotedStyles are the styles of a scalar yaml.v2 resolves as a string.
const quotedStyles = yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle

// peerReads reports whether peerDecode reads scalar n: a plain or a
// tagged one. A quoted, untagged one, a string to yaml.v2 that it will
// not read into a number, is left to Rosetta's own (laxer) readers.
func peerReads(n *yaml.Node) bool {
	return n.Style&quotedStyles == 0 || n.Style&yaml.TaggedStyle != 0
}

// peerDecode decodes scalar n of a statsd_exporter file into *out as
// statsd_exporter's YAML library, yaml.v2, decodes it into a config field
// of out's type: it is yaml.v2 that reads n's text, given back as the
// plain scalar it was (quoted if it was quoted) with its tag. yaml.v2
// reads YAML 1.1 numbers and booleans: 010 is octal 8, 0b11 and 1_000 are
// numbers, yes/no/on/off/y/n are booleans, a float into an integer field
// is truncated, null leaves the zero value.
func peerDecode(n *yaml.Node, out any) error {
	text := n.Value
	if n.Style&quotedStyles != 0 {
		text = strconv.Quote(text)
	}
	if n.Style&yaml.TaggedStyle != 0 {
		text = n.Tag + " " + text
	}
	return yaml2.Unmarshal([]byte(text), out)
}

// duration accepts Go durations ("1m30s"), Prometheus durations ("1d") and
// plain integers (nanoseconds, as statsd_exporter's YAML library does).
func (d *decoder) duration(n *yaml.Node, key string) time.Duration {
	s, ok := d.scalar(n, key)
	if !ok || s == "" {
		return 0
	}
	v, ok := parseDuration(s)
	switch {
	case !ok:
		d.errf(n, "%s: invalid duration %q", key, s)
	case v < 0:
		d.errf(n, "%s: invalid duration %q: must not be negative", key, s)
	}
	return v
}

// parseDuration reads s as a Go duration, a Prometheus duration or an
// integer (nanoseconds), of either sign.
func parseDuration(s string) (time.Duration, bool) {
	if v, err := time.ParseDuration(s); err == nil {
		return v, true
	}
	if v, err := model.ParseDuration(s); err == nil {
		return time.Duration(v), true
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(v), true
	}
	return 0, false
}

// statsdDuration reads a duration of a statsd_exporter file (ttl,
// max_age) as yaml.v2 reads it into a time.Duration (peerDecode): a Go
// duration or an integer (nanoseconds; 010 is octal 8), negative ones too,
// or a float, truncated to nanoseconds (1.5 is 1ns; a float int64 cannot
// hold, -.inf included, is math.MinInt64 as on amd64; +.inf and .nan are
// refused); null is 0. Rosetta's own durations ("1d") are read too, and a
// quoted value as if it were plain (yaml.v2 takes only Go durations
// quoted).
func (d *decoder) statsdDuration(n *yaml.Node, key string) time.Duration {
	s, ok := d.scalar(n, key)
	if !ok {
		return 0
	}
	if peerReads(n) {
		var v time.Duration
		if err := peerDecode(n, &v); err == nil {
			return v
		}
	} else if s == "" {
		return 0
	}
	if v, ok := parseDuration(s); ok {
		return v
	}
	if f, err := parseFloat(s); err == nil && f <= math.MaxInt64 && !peerReads(n) {
		if f < math.MinInt64 || f == math.MaxInt64 { // float64(MaxInt64) is 2^63
			return math.MinInt64
		}
		return time.Duration(f)
	}
	d.errf(n, "%s: invalid duration %q", key, s)
	return 0
}

func (d *decoder) floats(n *yaml.Node, key string) []float64 {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "%s: expected a list of numbers, got %s", key, kindName(n))
		return nil
	}
	out := make([]float64, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, d.float(resolve(c), key))
	}
	return out
}

func (d *decoder) list(n *yaml.Node, key string) []*yaml.Node {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "%s: expected a list, got %s", key, kindName(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out
}
