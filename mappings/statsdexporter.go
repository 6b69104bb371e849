package mappings

import (
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// statsd_exporter's mapping files (format: statsd_exporter, and
// --statsd.mapping-config): a foreign format, translated to rules with the
// statsd dialect of the native rule keys (rules.go).

// detectStatsd: a file with `mappings:` is statsd_exporter's. A file with
// only `defaults:` is valid in Rosetta's format too: it is statsd_exporter's
// when statsd_exporter accepts it, so that it means what it means there
// (yaml.v2's booleans, a negative ttl), else Rosetta's (regex_dialect,
// observer_type native_histogram; Rosetta's messages when neither accepts
// it).
func detectStatsd(root *yaml.Node) bool {
	if hasKey(root, "mappings") {
		return true
	}
	if !onlyKeys(root, "defaults") {
		return false
	}
	_, err := translateStatsd("", root)
	return err == nil
}

// TranslateStatsd reads a statsd_exporter mapping file (defaults and
// mappings), accepting every key statsd_exporter v0.31.0 accepts.
func TranslateStatsd(file string, data []byte) (*normalize.RuleSetConfig, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, err
	}
	return translateStatsd(file, root)
}

func translateStatsd(file string, root *yaml.Node) (*normalize.RuleSetConfig, error) {
	d := &decoder{file: file, statsd: true}
	cfg := &normalize.RuleSetConfig{Unmatched: normalize.UnmatchedKeep, StatsdGlobQuirks: true}
	d.fields(root, "statsd mapping file", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "defaults":
			d.defaults(&cfg.Defaults, v)
		case "mappings":
			cfg.Rules = d.rules(v, k)
		default:
			return false
		}
		return true
	})
	negativeTTLs(cfg)
	return cfg, d.err()
}

// statsdNoTTL is the ttl of a rule that keeps its series forever although
// the defaults' ttl is set: 2^62 ns, 146 years (now + ttl must fit an int64
// of Unix nanoseconds).
const statsdNoTTL = time.Duration(1 << 62)

// negativeTTLs gives negative ttls statsd_exporter's meaning in Rosetta's
// terms. statsd_exporter's registry removes a series when its last update
// plus its ttl is before the time of its sweep (every second): a negative
// ttl removes it at the next sweep, as a 1ns ttl does. A rule without a ttl
// takes the defaults' only when it is positive (mapper.go), an unmatched
// metric takes any non-zero one (exporter.go): under a negative default the
// rules keep their series, unmatched series expire at once.
func negativeTTLs(cfg *normalize.RuleSetConfig) {
	negDefault := cfg.Defaults.TTL < 0
	if negDefault {
		cfg.Defaults.TTL = time.Nanosecond
	}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		switch {
		case r.TTL < 0:
			r.TTL = time.Nanosecond
		case r.TTL == 0 && negDefault:
			r.TTL = statsdNoTTL
		}
	}
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
