package mappings

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Convert reads a mapping file of any format (format "" detects it:
// statsd_exporter mapping files, jmx_exporter configs, Rosetta rule files)
// and writes it as a Rosetta rule file with the same behaviour. notes says
// what the conversion changed, for the user: rules that could never match
// in the original (statsd_exporter's glob quirks) are left out, as
// comments.
func Convert(file string, data []byte, format string) (out []byte, notes []string, err error) {
	rsc, err := TranslateFile(file, data, format)
	if err != nil {
		return nil, nil, err
	}
	if format == "" {
		root, err := parseYAML(file, data)
		if err != nil {
			return nil, nil, err
		}
		if f, ok := detectFormat(root); ok {
			format = f.Name
		}
	}
	rs, err := normalize.NewRuleSet(*rsc)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rsc.Rules {
		// statsd_exporter's scale and jmx_exporter's valueFactor may be
		// .inf or .nan, Rosetta's is finite
		if r.Scale != nil && (math.IsInf(*r.Scale, 0) || math.IsNaN(*r.Scale)) {
			return nil, nil, &normalize.RuleError{Pos: r.Pos, Index: r.Index, Match: r.Match,
				Err: fmt.Errorf("scale %v: a Rosetta rule's scale is finite; keep this file as it is (format: %s)", *r.Scale, format)}
		}
	}
	if err := foreignOnly(rsc, format); err != nil {
		return nil, nil, err
	}
	dead := map[int]string{}
	if rsc.StatsdGlobQuirks {
		for _, r := range rs.Shadowed() {
			dead[r.Index] = r.ID
		}
	}
	if format == FormatJMXExporter {
		notes = append(notes, jmxInputNotes(file, data, rsc)...)
	}
	if rs.GreedyGlobs() {
		notes = append(notes, fmt.Sprintf("%s: glob_disable_ordering: statsd_exporter's glob search does not backtrack with these rules and leaves some names a glob matches unmapped (as rules *.*.b, c.b, c.b.b, alone, leave c.a.b); the converted rules map them; keep this file as it is (format: %s) to keep those series unmapped", file, format))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Converted by `rosetta convert` from %s (%s).\n", file, format)
	if rsc.Unmatched == normalize.UnmatchedDrop {
		b.WriteString("unmatched: drop\n")
	}
	if rsc.LowercaseOutputName {
		b.WriteString("lowercase_output_name: true\n")
	}
	if rsc.LowercaseOutputLabelNames {
		b.WriteString("lowercase_output_label_names: true\n")
	}
	if rsc.Escape != nil {
		// jmx_exporter's configs, and rule files that say so: the only
		// escaping besides statsd_exporter's (the default)
		b.WriteString("name_escaping: jmx_exporter\n")
	}
	if rsc.ClientJavaNames {
		b.WriteString("client_java_names: true\n")
	}
	if rsc.InferCounterTypeFromName {
		b.WriteString("infer_counter_type_from_name: true\n")
	}
	if rsc.DuplicateLabel != "" {
		fmt.Fprintf(&b, "duplicate_label: %s\n", rsc.DuplicateLabel)
	}
	writeDefaults(&b, &rsc.Defaults)
	b.WriteString("rules:\n")
	for i, r := range rsc.Rules {
		idx := r.Index
		if idx == 0 {
			idx = i + 1
		}
		if id, ok := dead[idx]; ok {
			notes = append(notes, fmt.Sprintf("%s: rule %d (%q) left out: statsd_exporter never matches it (an earlier, longer glob passes through where it ends, or it repeats an earlier glob); reorder the rules if you want it to apply", id, idx, r.Match))
			fmt.Fprintf(&b, "  # %s (%q) left out: statsd_exporter never matches it.\n", id, r.Match)
			continue
		}
		if !r.HelpTemplate && strings.Contains(r.Help, "$") {
			notes = append(notes, fmt.Sprintf("%s: rule %d: help %q contains \"$\": Rosetta expands help like name; check it", file, idx, r.Help))
		}
		if r.StatsdTemplates && r.MatchType != normalize.MatchRegex && (r.MatchType == normalize.MatchGlob || rsc.Defaults.MatchType != normalize.MatchRegex) {
			// statsd_exporter expands a glob template with a reference
			// through Sprintf; a rule file expands it literally, so
			// the rule gets what Sprintf makes of it.
			r.Labels = slices.Clone(r.Labels)
			for j, l := range r.Labels {
				lit, ok := normalize.StatsdLiteralTemplate(l.Value, strings.Count(r.Match, "*"))
				if !ok {
					notes = append(notes, fmt.Sprintf("%s: rule %d: label %s: statsd_exporter passes %q to Sprintf, which formats a capture in a way no rule-file template can; check it", file, idx, l.Name, l.Value))
					continue
				}
				r.Labels[j].Value = lit
			}
		}
		writeRule(&b, &r)
	}
	if len(rsc.Rules) == 0 {
		b.Truncate(b.Len() - len("rules:\n"))
		b.WriteString("rules: []\n")
	}
	return b.Bytes(), notes, nil
}

// jmxInputNotes names what of a jmx_exporter config the jmx input reads
// and a rule file cannot hold: the connection and bean selection keys,
// and the reading of String attributes that a rule with a value turns on
// (emit_string_values), and that an input reading the file stands in for
// jmx_exporter (its own families) where one reading the rule file does
// not unless told. Without them the converted rules decide as the
// config's but the input serves other series.
func jmxInputNotes(file string, data []byte, rsc *normalize.RuleSetConfig) []string {
	var notes, keys []string
	if root, err := parseYAML(file, data); err == nil && root != nil && root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			switch k := root.Content[i].Value; k {
			case "rules", "lowercaseOutputName", "lowercaseOutputLabelNames", "inferCounterTypeFromName":
			default:
				if jmxExporterKeys[k] {
					keys = append(keys, k)
				}
			}
		}
	}
	if len(keys) > 0 {
		notes = append(notes, fmt.Sprintf("%s: %s: not rules, and not in the rule file; set them in the jmx input's config (docs/jmx.md; with jmx_exporter_drop_in: true for jmx_exporter's own jmx_scrape_* families), or keep this file as its jmx_exporter_config", file, strings.Join(keys, ", ")))
	}
	if slices.ContainsFunc(rsc.Rules, func(r normalize.RuleConfig) bool { return r.Value != "" }) {
		notes = append(notes, fmt.Sprintf("%s: rules with a value: the jmx input reads String and enum attributes only with emit_string_values: true, which a jmx_exporter_config with such a rule turns on and a rule file does not; set it", file))
	}
	return notes
}

// foreignOnly refuses what only statsd_exporter's or jmx_exporter's
// reader accepts and no rule file can say: a negative max_age, a quantile
// or an error outside [0, 1], a literal value that is not a number.
// rsc has loaded as it is.
func foreignOnly(rsc *normalize.RuleSetConfig, format string) error {
	keep := func(r *normalize.RuleConfig, format2 string, args ...any) error {
		err := fmt.Errorf(format2+"; keep this file as it is (format: "+format+")", args...)
		if r == nil {
			return fmt.Errorf("defaults: %w", err)
		}
		return &normalize.RuleError{Pos: r.Pos, Index: r.Index, Match: r.Match, Err: err}
	}
	summary := func(r *normalize.RuleConfig, s *normalize.SummaryOptions) error {
		if s.MaxAge < 0 {
			return keep(r, "max_age %v: a Rosetta rule's max_age is not negative", s.MaxAge)
		}
		for _, o := range s.Quantiles {
			if !(o.Quantile >= 0 && o.Quantile <= 1 && o.Error >= 0 && o.Error <= 1) {
				return keep(r, "quantile %v (error %v): a Rosetta rule's are between 0 and 1", o.Quantile, o.Error)
			}
		}
		return nil
	}
	if err := summary(nil, &rsc.Defaults.Summary); err != nil {
		return err
	}
	for i := range rsc.Rules {
		r := &rsc.Rules[i]
		if r.Summary != nil {
			if err := summary(r, r.Summary); err != nil {
				return err
			}
		}
	}
	// A jmx_exporter rule's value may be any text (JMXExporterValues); a
	// rule file's literal value is a number. The engine, which knows
	// which value is a literal ('12$' is), says so of the rules as a rule
	// file's.
	if !slices.ContainsFunc(rsc.Rules, func(r normalize.RuleConfig) bool { return r.JMXExporterValues }) {
		return nil
	}
	asFile := *rsc
	asFile.Rules = slices.Clone(rsc.Rules)
	for i := range asFile.Rules {
		asFile.Rules[i].JMXExporterValues = false
	}
	if _, err := normalize.NewRuleSet(asFile); err != nil {
		return fmt.Errorf("%w; keep this file as it is (format: %s)", err, format)
	}
	return nil
}

func q(s string) string { return strconv.Quote(s) }

func fl(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func dur(d time.Duration) string { return d.String() }

func writeDefaults(b *bytes.Buffer, d *normalize.Defaults) {
	var lines []string
	if d.Observer != normalize.ObserverDefault {
		lines = append(lines, "observer_type: "+d.Observer.String())
	}
	if d.MatchType == normalize.MatchRegex {
		lines = append(lines, "match_type: regex")
	}
	if d.JavaRegex {
		lines = append(lines, "regex_dialect: java")
	}
	if d.GlobDisableOrdering {
		lines = append(lines, "glob_disable_ordering: true")
	}
	if d.TTL != 0 {
		lines = append(lines, "ttl: "+dur(d.TTL))
	}
	if h := histogram(&d.Histogram); h != "" {
		lines = append(lines, "histogram_options: "+h)
	}
	if s := summary(&d.Summary); s != "" {
		lines = append(lines, "summary_options: "+s)
	}
	if len(lines) == 0 {
		return
	}
	b.WriteString("defaults:\n")
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
}

func histogram(h *normalize.HistogramOptions) string {
	var parts []string
	if len(h.Buckets) > 0 {
		bs := make([]string, len(h.Buckets))
		for i, v := range h.Buckets {
			bs[i] = fl(v)
		}
		parts = append(parts, "buckets: ["+strings.Join(bs, ", ")+"]")
	}
	if h.NativeBucketFactor != 0 {
		parts = append(parts, "native_histogram_bucket_factor: "+fl(h.NativeBucketFactor))
	}
	if h.NativeMaxBuckets != 0 {
		parts = append(parts, "native_histogram_max_buckets: "+strconv.FormatUint(uint64(h.NativeMaxBuckets), 10))
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func summary(s *normalize.SummaryOptions) string {
	var parts []string
	if len(s.Quantiles) > 0 {
		qs := make([]string, len(s.Quantiles))
		for i, o := range s.Quantiles {
			qs[i] = "{quantile: " + fl(o.Quantile) + ", error: " + fl(o.Error) + "}"
		}
		parts = append(parts, "quantiles: ["+strings.Join(qs, ", ")+"]")
	}
	if s.MaxAge != 0 {
		parts = append(parts, "max_age: "+dur(s.MaxAge))
	}
	if s.AgeBuckets != 0 {
		parts = append(parts, "age_buckets: "+strconv.FormatUint(uint64(s.AgeBuckets), 10))
	}
	if s.BufCap != 0 {
		parts = append(parts, "buf_cap: "+strconv.FormatUint(uint64(s.BufCap), 10))
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func writeRule(b *bytes.Buffer, r *normalize.RuleConfig) {
	fmt.Fprintf(b, "  - match: %s\n", q(r.Match))
	w := func(k, v string) { fmt.Fprintf(b, "    %s: %s\n", k, v) }
	if r.MatchType == normalize.MatchRegex {
		w("match_type", "regex")
	} else if r.MatchType == normalize.MatchGlob {
		w("match_type", "glob")
	}
	if r.JavaRegex {
		// a jmx_exporter pattern is java.util.regex's, whatever RE2
		// makes of it (lookbehind, possessive quantifiers, Java's
		// dot, \s and (?i))
		w("regex_dialect", "java")
	} else if r.RegexDialectSet {
		// re2 chosen beside a defaults' java
		w("regex_dialect", "re2")
	}
	switch r.MatchMetricType {
	case normalize.TypeCounter:
		w("match_metric_type", "counter")
	case normalize.TypeGauge:
		w("match_metric_type", "gauge")
	case normalize.TypeObserver:
		w("match_metric_type", "observer")
	}
	if r.Action == normalize.ActionDrop {
		w("action", "drop")
	}
	if r.Name != "" {
		w("name", q(r.Name))
	}
	if len(r.Labels) > 0 {
		b.WriteString("    labels:\n")
		for _, l := range r.Labels {
			fmt.Fprintf(b, "      %s: %s\n", q(l.Name), q(l.Value))
		}
	}
	if r.HonorLabels {
		w("honor_labels", "true")
	}
	if r.Help != "" {
		w("help", q(r.Help))
	}
	if r.TypeSet {
		w("type", r.Type.String())
	}
	if r.Value != "" {
		w("value", q(r.Value))
	}
	if r.Scale != nil {
		w("scale", fl(*r.Scale))
	}
	if r.AttrNameSnakeCase {
		w("attr_name_snake_case", "true")
	}
	if r.CacheMatch {
		w("jmx_cache", "true")
	}
	if r.JMXLabels {
		w("jmx_labels", "true")
	}
	if r.Observer != normalize.ObserverDefault {
		w("observer_type", r.Observer.String())
	}
	if r.Histogram != nil {
		if h := histogram(r.Histogram); h != "" {
			w("histogram_options", h)
		}
	}
	if r.Summary != nil {
		if s := summary(r.Summary); s != "" {
			w("summary_options", s)
		}
	}
	if r.TTL != 0 {
		w("ttl", dur(r.TTL))
	}
	if r.SeriesLimit != 0 {
		w("series_limit", strconv.Itoa(r.SeriesLimit))
	}
}
