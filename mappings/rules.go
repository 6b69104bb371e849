package mappings

import (
	"math"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// nativeOnly lists the rule keys statsd_exporter v0.31.0 does not accept.
var nativeOnly = map[string]bool{"type": true, "value": true, "series_limit": true, "attr_name_snake_case": true, "regex_dialect": true, "jmx_cache": true, "jmx_labels": true}

func (d *decoder) matchType(n *yaml.Node, key string) normalize.MatchType {
	return enumOr(d, n, key, "match type", normalize.MatchGlob, normalize.MatchGlob, normalize.MatchRegex)
}

func (d *decoder) observerType(n *yaml.Node, key string) normalize.ObserverType {
	choices := []normalize.ObserverType{normalize.ObserverHistogram, normalize.ObserverSummary}
	if !d.statsd {
		choices = append(choices, normalize.ObserverNativeHistogram)
	}
	// statsd_exporter: an empty observer_type means summary
	return enumOr(d, n, key, "observer type", normalize.ObserverSummary, choices...)
}

// histogramOptions decodes histogram options into h, or into new ones
// when h is nil, and returns them. yaml.v2 decodes a statsd_exporter
// file's options given twice (a merge key and the key) into the same
// struct: what the second leaves out keeps the first's value.
func (d *decoder) histogramOptions(h *normalize.HistogramOptions, n *yaml.Node, key string) *normalize.HistogramOptions {
	if h == nil {
		h = &normalize.HistogramOptions{}
	}
	d.bind(n, key, map[string]field{
		"buckets":                        into(&h.Buckets, d.floats),
		"native_histogram_bucket_factor": into(&h.NativeBucketFactor, d.float),
		"native_histogram_max_buckets":   into(&h.NativeMaxBuckets, d.count32),
	})
	return h
}

// summaryOptions is histogramOptions for summary options.
func (d *decoder) summaryOptions(s *normalize.SummaryOptions, n *yaml.Node, key string) *normalize.SummaryOptions {
	if s == nil {
		s = &normalize.SummaryOptions{}
	}
	d.bind(n, key, map[string]field{
		"quantiles": func(v *yaml.Node, k string) {
			s.Quantiles = nil // a merge key may set them again
			for _, q := range d.list(v, k) {
				var o normalize.Objective
				d.bind(q, "quantiles", map[string]field{
					"quantile": func(v *yaml.Node, k string) {
						o.Quantile = d.float(v, k)
						if !d.statsd && !(o.Quantile >= 0 && o.Quantile <= 1) {
							d.errf(v, "%s: invalid quantile %v: must be between 0 and 1", k, o.Quantile)
						}
					},
					"error": func(v *yaml.Node, k string) {
						o.Error = d.float(v, k)
						if !d.statsd && !(o.Error >= 0 && o.Error <= 1) {
							d.errf(v, "%s: invalid quantile error %v: must be between 0 and 1", k, o.Error)
						}
					},
				})
				s.Quantiles = append(s.Quantiles, o)
			}
		},
		"max_age":     into(&s.MaxAge, d.ttl),
		"age_buckets": into(&s.AgeBuckets, d.count32),
		"buf_cap":     into(&s.BufCap, d.count32),
	})
	return s
}

// ttl decodes a ttl or a max_age: statsdDuration in a statsd_exporter
// file, else duration.
func (d *decoder) ttl(n *yaml.Node, key string) time.Duration {
	if d.statsd {
		return d.statsdDuration(n, key)
	}
	return d.duration(n, key)
}

// regexDialect decodes a regex_dialect: whether it is java.
func (d *decoder) regexDialect(n *yaml.Node, key string) bool {
	switch s := d.str(n, key); s {
	case "re2":
		return false
	case "java":
		return true
	default:
		d.errf(n, "%s: invalid value %q (want re2 or java)", key, s)
		return false
	}
}

// defaults decodes a defaults block into def (see histogramOptions). It
// reports whether the block sets glob_disable_ordering, whose false is
// otherwise also what the block leaves unset (the other keys' unset is
// their zero: no ttl, observer type or match type).
func (d *decoder) defaults(def *normalize.Defaults, n *yaml.Node) (orderingSet bool) {
	fields := map[string]field{
		"observer_type":         func(v *yaml.Node, k string) { def.Observer = d.observerType(v, k) },
		"match_type":            into(&def.MatchType, d.matchType),
		"glob_disable_ordering": func(v *yaml.Node, k string) { def.GlobDisableOrdering, orderingSet = d.boolean(v, k), true },
		"ttl":                   into(&def.TTL, d.ttl),
		"summary_options":       func(v *yaml.Node, k string) { d.summaryOptions(&def.Summary, v, k) },
		"histogram_options":     func(v *yaml.Node, k string) { d.histogramOptions(&def.Histogram, v, k) },
	}
	if !d.statsd {
		fields["regex_dialect"] = into(&def.JavaRegex, d.regexDialect)
	}
	d.bind(n, "defaults", fields)
	return orderingSet
}

// rules decodes a list of rules.
func (d *decoder) rules(n *yaml.Node, key string) []normalize.RuleConfig {
	items := d.list(n, key)
	out := make([]normalize.RuleConfig, 0, len(items))
	for i, item := range items {
		out = append(out, d.rule(item, i+1))
	}
	d.ruleIndex, d.ruleMatch = 0, ""
	return out
}

func (d *decoder) rule(n *yaml.Node, index int) normalize.RuleConfig {
	r := normalize.RuleConfig{Pos: d.pos(n), Index: index, StatsdTemplates: d.statsd}
	d.startRule(n, index, "match")
	hasName := false
	labelSet := map[string]bool{}
	observer := func(v *yaml.Node, k string) { r.Observer = d.observerType(v, k) }
	fields := map[string]field{
		"match":      into(&r.Match, d.str),
		"match_type": into(&r.MatchType, d.matchType),
		"match_metric_type": func(v *yaml.Node, k string) {
			if d.statsd && isNull(v) {
				return // yaml.v2 leaves it unset: any type
			}
			r.MatchMetricType, _ = enum(d, v, k, "metric type", normalize.TypeCounter, normalize.TypeGauge, normalize.TypeObserver)
		},
		"name": func(v *yaml.Node, k string) { r.Name, hasName = d.str(v, k), true },
		"labels": func(v *yaml.Node, _ string) {
			if d.statsd {
				// a map to yaml.v2: labels given twice (a merge key
				// and the key) add up, a repeated name is an error
				r.Labels = append(r.Labels, d.labels(v, labelSet)...)
				return
			}
			r.Labels = d.labels(v, nil)
		},
		"honor_labels": into(&r.HonorLabels, d.boolean),
		"action": func(v *yaml.Node, k string) {
			r.Action = enumOr(d, v, k, "action", normalize.ActionMap, normalize.ActionMap, normalize.ActionDrop)
		},
		"help": func(v *yaml.Node, k string) { r.Help, r.HelpTemplate = d.str(v, k), !d.statsd },
		"type": func(v *yaml.Node, k string) {
			r.Type, r.TypeSet = enum(d, v, k, "type", normalize.TypeCounter, normalize.TypeGauge, normalize.TypeUntyped)
		},
		"value": into(&r.Value, d.str),
		"scale": func(v *yaml.Node, k string) {
			if d.statsd && isNull(v) {
				return // yaml.v2 leaves statsd_exporter's scale unset
			}
			f := d.float(v, k)
			r.Scale = &f
		},
		"observer_type": observer,
		"timer_type":    observer,
		"histogram_options": func(v *yaml.Node, k string) {
			// null in a statsd_exporter file: not given (yaml.v2 leaves
			// the pointer nil); in Rosetta's own files, empty options
			if !(d.statsd && isNull(v)) {
				r.Histogram = d.histogramOptions(r.Histogram, v, k)
			}
		},
		"summary_options": func(v *yaml.Node, k string) {
			if !(d.statsd && isNull(v)) {
				r.Summary = d.summaryOptions(r.Summary, v, k)
			}
		},
		"ttl":                  into(&r.TTL, d.ttl),
		"series_limit":         func(v *yaml.Node, k string) { r.SeriesLimit = int(d.integer(v, k, math.MaxInt32)) },
		"attr_name_snake_case": into(&r.AttrNameSnakeCase, d.boolean),
		"jmx_cache":            into(&r.CacheMatch, d.boolean),
		"jmx_labels":           into(&r.JMXLabels, d.boolean),
		"regex_dialect":        func(v *yaml.Node, k string) { r.JavaRegex, r.RegexDialectSet = d.regexDialect(v, k), true },
	}
	if d.statsd {
		for k := range nativeOnly {
			delete(fields, k)
		}
	}
	d.bind(n, "rule", fields)
	if d.statsd && (!hasName || r.Name == "") && n.Kind == yaml.MappingNode {
		// statsd_exporter requires a name on every mapping, drop ones too
		// (null and "" are no name).
		d.errf(n, "metric mapping didn't set a metric name")
	}
	if r.Match == "" && n.Kind == yaml.MappingNode {
		d.errf(n, "match is missing")
	}
	return r
}

// startRule makes the messages that follow name rule n, the index-th, by
// its number and its match (the value of matchKey), which it looks up
// before any other key is decoded.
func (d *decoder) startRule(n *yaml.Node, index int, matchKey string) {
	d.ruleIndex, d.ruleMatch = index, ""
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if v := resolve(n.Content[i+1]); n.Content[i].Value == matchKey && v.Kind == yaml.ScalarNode {
			d.ruleMatch = v.Value
		}
	}
}

// labels decodes a labels mapping, keeping the file's order. In a
// statsd_exporter file, set holds the names set so far: yaml.v2 refuses
// a name set twice in a map, merged ones too.
func (d *decoder) labels(n *yaml.Node, set map[string]bool) []normalize.LabelConfig {
	var out []normalize.LabelConfig
	d.fieldsIn(n, "labels", set, func(k string, kn, v *yaml.Node) bool {
		if d.statsd && isNull(kn) {
			d.errf(kn, "invalid label key %q", "") // yaml.v2 reads a null key as ""
		}
		val := d.str(v, "labels."+k)
		out = append(out, normalize.LabelConfig{Name: k, Value: val, Pos: d.pos(kn)})
		return true
	})
	return out
}

// sortedKeys returns the keys of a mapping node.
func sortedKeys(n *yaml.Node) []string {
	var ks []string
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			ks = append(ks, n.Content[i].Value)
		}
	}
	sort.Strings(ks)
	return ks
}
