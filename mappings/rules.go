package mappings

import (
	"math"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// dialect selects the keys a rule may have.
type dialect uint8

const (
	dialectNative dialect = iota // Rosetta's own rules
	dialectStatsd                // statsd_exporter's mapping entries
)

// nativeOnly lists the rule keys statsd_exporter v0.31.0 does not accept.
var nativeOnly = map[string]bool{"type": true, "value": true, "series_limit": true, "attr_name_snake_case": true}

func (d *decoder) matchType(n *yaml.Node, key string) normalize.MatchType {
	return enumOr(d, n, key, "match type", normalize.MatchGlob, normalize.MatchGlob, normalize.MatchRegex)
}

func (d *decoder) observerType(n *yaml.Node, key string, dl dialect) normalize.ObserverType {
	choices := []normalize.ObserverType{normalize.ObserverHistogram, normalize.ObserverSummary}
	if dl == dialectNative {
		choices = append(choices, normalize.ObserverNativeHistogram)
	}
	// statsd_exporter: an empty observer_type means summary
	return enumOr(d, n, key, "observer type", normalize.ObserverSummary, choices...)
}

func (d *decoder) histogramOptions(n *yaml.Node, key string) *normalize.HistogramOptions {
	h := &normalize.HistogramOptions{}
	d.fields(n, key, func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "buckets":
			h.Buckets = d.floats(v, k)
		case "native_histogram_bucket_factor":
			h.NativeBucketFactor = d.float(v, k)
		case "native_histogram_max_buckets":
			h.NativeMaxBuckets = uint32(d.integer(v, k, math.MaxUint32))
		default:
			return false
		}
		return true
	})
	return h
}

func (d *decoder) summaryOptions(n *yaml.Node, key string) *normalize.SummaryOptions {
	s := &normalize.SummaryOptions{}
	d.fields(n, key, func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "quantiles":
			for _, q := range d.list(v, k) {
				var o normalize.Objective
				d.fields(q, "quantiles", func(qk string, _, qv *yaml.Node) bool {
					switch qk {
					case "quantile":
						o.Quantile = d.float(qv, qk)
					case "error":
						o.Error = d.float(qv, qk)
					default:
						return false
					}
					return true
				})
				s.Quantiles = append(s.Quantiles, o)
			}
		case "max_age":
			s.MaxAge = d.duration(v, k)
		case "age_buckets":
			s.AgeBuckets = uint32(d.integer(v, k, math.MaxUint32))
		case "buf_cap":
			s.BufCap = uint32(d.integer(v, k, math.MaxUint32))
		default:
			return false
		}
		return true
	})
	return s
}

// defaults decodes a defaults block.
func (d *decoder) defaults(n *yaml.Node, dl dialect) normalize.Defaults {
	var def normalize.Defaults
	d.fields(n, "defaults", func(k string, kn, v *yaml.Node) bool {
		switch k {
		case "observer_type":
			def.Observer = d.observerType(v, k, dl)
		case "match_type":
			def.MatchType = d.matchType(v, k)
		case "glob_disable_ordering":
			def.GlobDisableOrdering = d.boolean(v, k)
		case "ttl":
			def.TTL = d.duration(v, k)
		case "summary_options":
			def.Summary = *d.summaryOptions(v, k)
		case "histogram_options":
			def.Histogram = *d.histogramOptions(v, k)
		default:
			return false
		}
		return true
	})
	return def
}

// rules decodes a list of rules.
func (d *decoder) rules(n *yaml.Node, key string, dl dialect) []normalize.RuleConfig {
	items := d.list(n, key)
	out := make([]normalize.RuleConfig, 0, len(items))
	for i, item := range items {
		out = append(out, d.rule(item, i+1, dl))
	}
	d.ruleIndex, d.ruleMatch = 0, ""
	return out
}

func (d *decoder) rule(n *yaml.Node, index int, dl dialect) normalize.RuleConfig {
	r := normalize.RuleConfig{Pos: d.pos(n), Index: index}
	d.startRule(n, index, "match")
	hasName, hasAction := false, false
	d.fields(n, "rule", func(k string, kn, v *yaml.Node) bool {
		if dl == dialectStatsd && nativeOnly[k] {
			return false
		}
		switch k {
		case "match":
			r.Match = d.str(v, k)
		case "match_type":
			r.MatchType = d.matchType(v, k)
		case "match_metric_type":
			r.MatchMetricType, _ = enum(d, v, k, "metric type", normalize.TypeCounter, normalize.TypeGauge, normalize.TypeObserver)
		case "name":
			r.Name = d.str(v, k)
			hasName = true
		case "labels":
			r.Labels = d.labels(v)
		case "honor_labels":
			r.HonorLabels = d.boolean(v, k)
		case "action":
			hasAction = true
			r.Action = enumOr(d, v, k, "action", normalize.ActionMap, normalize.ActionMap, normalize.ActionDrop)
		case "help":
			r.Help = d.str(v, k)
			r.HelpTemplate = dl != dialectStatsd
		case "type":
			r.Type, r.TypeSet = enum(d, v, k, "type", normalize.TypeCounter, normalize.TypeGauge, normalize.TypeUntyped)
		case "value":
			r.Value = d.str(v, k)
		case "scale":
			f := d.float(v, k)
			r.Scale = &f
		case "observer_type", "timer_type":
			r.Observer = d.observerType(v, k, dl)
		case "histogram_options":
			r.Histogram = d.histogramOptions(v, k)
		case "summary_options":
			r.Summary = d.summaryOptions(v, k)
		case "ttl":
			r.TTL = d.duration(v, k)
		case "series_limit":
			r.SeriesLimit = int(d.integer(v, k, math.MaxInt32))
		case "attr_name_snake_case":
			r.AttrNameSnakeCase = d.boolean(v, k)
		default:
			return false
		}
		return true
	})
	_ = hasAction
	if dl == dialectStatsd && !hasName && n.Kind == yaml.MappingNode {
		// statsd_exporter requires a name on every mapping, drop ones too.
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

// labels decodes a labels mapping, keeping the file's order.
func (d *decoder) labels(n *yaml.Node) []normalize.LabelConfig {
	var out []normalize.LabelConfig
	d.fields(n, "labels", func(k string, kn, v *yaml.Node) bool {
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
