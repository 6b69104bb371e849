package mappings

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// statsd_exporter's mapping files (format: statsd_exporter, and
// --statsd.mapping-config): a foreign format, translated to rules with the
// statsd dialect of the native rule keys (rules.go).

func detectStatsd(root *yaml.Node) bool {
	return hasKey(root, "mappings") || onlyKeys(root, "defaults")
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

// LoadStatsdMapping reads a statsd_exporter mapping file
// (--statsd.mapping-config) into a rule-set config.
func LoadStatsdMapping(file string) (*normalize.RuleSetConfig, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read statsd mapping: %w", err)
	}
	return TranslateStatsd(file, data)
}
