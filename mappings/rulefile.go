package mappings

import (
	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Rosetta's own rule files (format: rosetta): the rule-set keys of an
// input block (ruleSetKey), alone in a file.

var rosettaFileKeys = []string{"defaults", "rules", "unmatched", "lowercase_output_name", "lowercase_output_label_names", "name_escaping", "duplicate_label", "client_java_names", "infer_counter_type_from_name"}

func detectRosetta(root *yaml.Node) bool {
	return onlyKeys(root, rosettaFileKeys...)
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
		d.defaults(&cfg.Defaults, v)
	case "rules":
		cfg.Rules = d.rules(v, k)
	case "unmatched":
		cfg.Unmatched = enumOr(d, v, k, "value", normalize.UnmatchedKeep, normalize.UnmatchedKeep, normalize.UnmatchedDrop)
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
	case "client_java_names":
		cfg.ClientJavaNames = d.boolean(v, k)
	case "infer_counter_type_from_name":
		cfg.InferCounterTypeFromName = d.boolean(v, k)
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
