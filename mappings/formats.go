package mappings

import (
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Format is a mapping-file format: statsd_exporter's, Rosetta's own rule
// files, or another peer's translator (jmx_exporter's in jmxexporter.go).
type Format struct {
	// Name is what `format:` in a config names.
	Name string
	// Detect reports whether a parsed YAML document (a mapping node, never
	// nil) looks like this format; it is used when no format is given.
	Detect func(root *yaml.Node) bool
	// Translate turns a file into rules. Errors should be
	// *normalize.RuleError values (joined) with positions in file.
	Translate func(file string, data []byte) (*normalize.RuleSetConfig, error)
	// Warnings, when set, lists what a valid file has that is accepted but
	// not used, each as "file:line:col: message".
	Warnings func(file string, data []byte) []string
}

// formats are every mapping-file format, in one static table as the inputs
// registry is built in one place: a format is added here. Detection tries
// them in this order, first match wins (Rosetta's own format accepts the
// most, so it comes last).
var formats = []Format{
	{Name: FormatStatsd, Detect: detectStatsd, Translate: TranslateStatsd},
	{Name: FormatJMXExporter, Detect: detectJMXExporter, Translate: TranslateJMXExporter, Warnings: JMXExporterWarnings},
	{Name: FormatRosetta, Detect: detectRosetta, Translate: TranslateRosetta},
}

// Formats lists the format names, sorted.
func Formats() []string {
	out := make([]string, 0, len(formats))
	for _, f := range formats {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

func lookupFormat(name string) (Format, bool) {
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// detectFormat picks the format of a parsed document.
func detectFormat(root *yaml.Node) (Format, bool) {
	for _, f := range formats {
		if f.Detect(root) {
			return f, true
		}
	}
	return Format{}, false
}

// Format names.
const (
	FormatStatsd  = "statsd_exporter"
	FormatRosetta = "rosetta"
)

func onlyKeys(root *yaml.Node, allowed ...string) bool {
	if root == nil || root.Kind != yaml.MappingNode {
		return false
	}
	for _, k := range sortedKeys(root) {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return false
		}
	}
	return true
}

func hasKey(root *yaml.Node, key string) bool {
	for _, k := range sortedKeys(root) {
		if k == key {
			return true
		}
	}
	return false
}

func detectStatsd(root *yaml.Node) bool {
	return hasKey(root, "mappings") || onlyKeys(root, "defaults")
}

var rosettaFileKeys = []string{"defaults", "rules", "unmatched", "lowercase_output_name", "lowercase_output_label_names", "name_escaping", "duplicate_label"}

func detectRosetta(root *yaml.Node) bool {
	return onlyKeys(root, rosettaFileKeys...)
}

// TranslateStatsd reads a statsd_exporter mapping file (defaults and
// mappings), accepting every key statsd_exporter v0.31.0 accepts.
func TranslateStatsd(file string, data []byte) (*normalize.RuleSetConfig, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: file}
	cfg := &normalize.RuleSetConfig{Unmatched: normalize.UnmatchedKeep, StatsdGlobQuirks: true}
	d.fields(root, "statsd mapping file", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "defaults":
			cfg.Defaults = d.defaults(v, dialectStatsd)
		case "mappings":
			cfg.Rules = d.rules(v, k, dialectStatsd)
		default:
			return false
		}
		return true
	})
	return cfg, d.err()
}

// TranslateRosetta reads a Rosetta rule file: defaults, rules, unmatched
// and the lowercase options, as in an input block of the config.
func TranslateRosetta(file string, data []byte) (*normalize.RuleSetConfig, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: file}
	cfg := &normalize.RuleSetConfig{}
	d.fields(root, "rule file", func(k string, kn, v *yaml.Node) bool {
		return d.ruleSetKey(cfg, k, v)
	})
	return cfg, d.err()
}

// ruleSetKey decodes one rule-set key shared by rule files and inputs.
func (d *decoder) ruleSetKey(cfg *normalize.RuleSetConfig, k string, v *yaml.Node) bool {
	switch k {
	case "defaults":
		cfg.Defaults = d.defaults(v, dialectNative)
	case "rules":
		cfg.Rules = d.rules(v, k, dialectNative)
	case "unmatched":
		switch s := d.str(v, k); s {
		case "keep", "":
			cfg.Unmatched = normalize.UnmatchedKeep
		case "drop":
			cfg.Unmatched = normalize.UnmatchedDrop
		default:
			d.errf(v, "%s: invalid value %q (want keep or drop)", k, s)
		}
	case "lowercase_output_name":
		cfg.LowercaseOutputName = d.boolean(v, k)
	case "lowercase_output_label_names":
		cfg.LowercaseOutputLabelNames = d.boolean(v, k)
	case "name_escaping":
		switch s := d.str(v, k); s {
		case "statsd_exporter", "":
			cfg.Escape = nil
		case "jmx_exporter":
			cfg.Escape = normalize.EscapeJMXName
		default:
			d.errf(v, "%s: invalid value %q (want statsd_exporter or jmx_exporter)", k, s)
		}
	case "duplicate_label":
		s := d.str(v, k)
		if s != "" && !normalize.ValidLabelName(s) {
			d.errf(v, "%s: %q is not a valid label name", k, s)
		}
		cfg.DuplicateLabel = s
	default:
		return false
	}
	return true
}
