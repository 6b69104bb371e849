package mappingtest

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// Name is an unmatched match string and its type hint.
type Name struct {
	Match string
	Type  normalize.Type
}

// Suggestion is a glob rule that covers a group of unmatched names.
type Suggestion struct {
	Match  string // glob
	Type   normalize.Type
	Name   string            // output name, Prometheus style
	Labels map[string]string // label name -> "$N"
	Covers int               // names it covers
	// Examples are up to three of the names.
	Examples []string
	// Keep are the settings the rule must set, added as an inline rule, to
	// keep what the names get now, unmatched (KeepUnmatched): zero when
	// an inline rule would get the same.
	Keep Settings
	// SayGlob: added as an inline rule, the rule would be read as a regex
	// (the input's defaults say match_type: regex), so it must say
	// match_type: glob (KeepUnmatched).
	SayGlob bool
}

// Settings are a suggested rule's observer_type, ttl and observer options.
// Zero fields are unset.
type Settings struct {
	Observer  normalize.ObserverType
	TTL       time.Duration
	Histogram normalize.HistogramOptions
	Summary   normalize.SummaryOptions
}

// KeepUnmatched sets each suggestion's Keep: what its rule, added to the
// input's inline rules, must set to keep the series options the names get
// now as unmatched records. They differ when unmatched records take the
// first mapping file's defaults (an input without a defaults: block),
// which inline rules do not. It also sets SayGlob when an inline rule
// would be read as a regex.
func KeepUnmatched(ss []Suggestion, rs *normalize.RuleSet) {
	if rs.InlineMatchType() == normalize.MatchRegex {
		for i := range ss {
			ss[i].SayGlob = true
		}
	}
	u := rs.UnmatchedOptions()
	if u == nil {
		return
	}
	for i := range ss {
		ss[i].Keep = keep(u, ss[i].Type, rs)
	}
}

func keep(u *normalize.SeriesOptions, t normalize.Type, rs *normalize.RuleSet) Settings {
	var k Settings
	c := normalize.RuleConfig{}
	o, err := rs.InlineOptions(c)
	if err != nil {
		return k
	}
	if o.TTL != u.TTL && u.TTL > 0 {
		k.TTL = u.TTL
	}
	if t != normalize.TypeObserver {
		return k
	}
	if o.Observer != u.Observer {
		k.Observer = u.Observer
		c.Observer = u.Observer
		if o, err = rs.InlineOptions(c); err != nil {
			return Settings{TTL: k.TTL}
		}
	}
	switch u.Observer {
	case normalize.ObserverHistogram, normalize.ObserverNativeHistogram:
		if !slices.Equal(o.Buckets, u.Buckets) && len(u.Buckets) > 0 {
			k.Histogram.Buckets = u.Buckets
		}
		if o.NativeBucketFactor != u.NativeBucketFactor && u.NativeBucketFactor > 0 {
			k.Histogram.NativeBucketFactor = u.NativeBucketFactor
		}
		if o.NativeMaxBuckets != u.NativeMaxBuckets && u.NativeMaxBuckets > 0 {
			k.Histogram.NativeMaxBuckets = u.NativeMaxBuckets
		}
	case normalize.ObserverSummary:
		if !slices.Equal(o.Objectives, u.Objectives) && len(u.Objectives) > 0 {
			k.Summary.Quantiles = u.Objectives
		}
		if o.MaxAge != u.MaxAge && u.MaxAge != 0 {
			k.Summary.MaxAge = u.MaxAge
		}
		if o.AgeBuckets != u.AgeBuckets && u.AgeBuckets > 0 {
			k.Summary.AgeBuckets = u.AgeBuckets
		}
		if o.BufCap != u.BufCap && u.BufCap > 0 {
			k.Summary.BufCap = u.BufCap
		}
	}
	return k
}

func (k *Settings) histogram() bool {
	return len(k.Histogram.Buckets) > 0 || k.Histogram.NativeBucketFactor > 0 || k.Histogram.NativeMaxBuckets > 0
}

func (k *Settings) summary() bool {
	return len(k.Summary.Quantiles) > 0 || k.Summary.MaxAge != 0 || k.Summary.AgeBuckets > 0 || k.Summary.BufCap > 0
}

func (k *Settings) set() bool {
	return k.Observer != normalize.ObserverDefault || k.TTL != 0 || k.histogram() || k.summary()
}

// MaxSuggestLabels is the most "*" segments (labels) a suggestion has.
const MaxSuggestLabels = 64

var (
	literalFirst = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	literalNext  = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)
	nonName      = regexp.MustCompile(`[^a-zA-Z0-9_]+`)
)

// Suggest proposes glob rules that cover names: names are grouped by
// their number of '.'-separated segments, their first segment and their
// type; a segment that varies within a group becomes "*" (and a label), one
// that is the same everywhere stays. The output name joins the literal
// segments, with _total for counters and _seconds for observations
// (StatsD timers, which Rosetta records in seconds). Applying every
// suggestion leaves none of the names unmatched, except names whose group
// varies in more than MaxSuggestLabels segments: a rule with that many
// labels helps nobody, and such names are more often an attack than a
// metric.
func Suggest(names []Name) []Suggestion {
	type key struct {
		n     int
		first string
		typ   normalize.Type
	}
	groups := map[key][][]string{}
	var order []key
	for _, nm := range names {
		segs := strings.Split(nm.Match, ".")
		k := key{len(segs), segs[0], nm.Type}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], segs)
	}
	var out []Suggestion
	seen := map[string]int{}
	for _, k := range order {
		g := groups[k]
		glob := make([]string, k.n)
		var lit []string
		labels := map[string]string{}
		// next is the next free suffix per label base: a name of thousands
		// of varying segments must not search the used suffixes again for
		// every segment (that was quadratic).
		next := map[string]int{}
		star := 0
		for i := range k.n {
			same := true
			for _, segs := range g[1:] {
				if segs[i] != g[0][i] {
					same = false
					break
				}
			}
			re := literalNext
			if i == 0 {
				re = literalFirst
			}
			if same && re.MatchString(g[0][i]) {
				glob[i] = g[0][i]
				lit = append(lit, g[0][i])
				continue
			}
			glob[i] = "*"
			star++
			ln := "label"
			if len(lit) > 0 {
				ln = strings.TrimSuffix(strings.ToLower(lit[len(lit)-1]), "s")
			}
			if ln == "" || !literalFirst.MatchString(ln) {
				ln = "label"
			}
			base := ln
			for {
				if _, dup := labels[ln]; !dup {
					break
				}
				n := max(next[base], 2)
				next[base] = n + 1
				ln = base + strconv.Itoa(n)
			}
			labels[ln] = "$" + strconv.Itoa(star)
		}
		name := nonName.ReplaceAllString(strings.ToLower(strings.Join(lit, "_")), "_")
		if name == "" || name[0] >= '0' && name[0] <= '9' {
			name = "metric_" + name
		}
		switch k.typ {
		case normalize.TypeCounter:
			if !strings.HasSuffix(name, "_total") {
				name += "_total"
			}
		case normalize.TypeObserver:
			if !strings.HasSuffix(name, "_seconds") {
				name += "_seconds"
			}
		}
		if star > MaxSuggestLabels {
			continue
		}
		m := strings.Join(glob, ".")
		if i, ok := seen[m+"\x00"+k.typ.String()]; ok {
			out[i].Covers += len(g)
			continue
		}
		s := Suggestion{Match: m, Type: k.typ, Name: name, Labels: labels, Covers: len(g)}
		for _, segs := range g[:min(3, len(g))] {
			s.Examples = append(s.Examples, strings.Join(segs, "."))
		}
		seen[m+"\x00"+k.typ.String()] = len(out)
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Covers > out[j].Covers })
	return out
}

// YAML renders suggestions as rules to paste into a mapping file. Types
// get match_metric_type when one glob is suggested for several types.
func YAML(ss []Suggestion) string {
	globs := map[string]int{}
	for _, s := range ss {
		globs[s.Match]++
	}
	var b strings.Builder
	b.WriteString("rules:\n")
	for _, s := range ss {
		fmt.Fprintf(&b, "  # covers %d name(s), e.g. %s\n", s.Covers, strings.Join(s.Examples, ", "))
		if s.Keep.set() {
			b.WriteString("  # as an inline rule, with the settings these names get now, unmatched (the first mapping file's defaults)\n")
		}
		fmt.Fprintf(&b, "  - match: %q\n", s.Match)
		if s.SayGlob {
			b.WriteString("    match_type: glob\n")
		}
		if globs[s.Match] > 1 {
			if t := metricTypeName(s.Type); t != "" {
				fmt.Fprintf(&b, "    match_metric_type: %s\n", t)
			}
		}
		fmt.Fprintf(&b, "    name: %q\n", s.Name)
		if len(s.Labels) > 0 {
			names := make([]string, 0, len(s.Labels))
			for n := range s.Labels {
				names = append(names, n)
			}
			sort.Strings(names)
			b.WriteString("    labels:\n")
			for _, n := range names {
				fmt.Fprintf(&b, "      %s: %q\n", n, s.Labels[n])
			}
		}
		writeSettings(&b, &s.Keep)
	}
	return b.String()
}

func writeSettings(b *strings.Builder, k *Settings) {
	if k.Observer != normalize.ObserverDefault {
		fmt.Fprintf(b, "    observer_type: %s\n", k.Observer)
	}
	if k.TTL != 0 {
		fmt.Fprintf(b, "    ttl: %s\n", k.TTL)
	}
	if h := &k.Histogram; k.histogram() {
		b.WriteString("    histogram_options:\n")
		if len(h.Buckets) > 0 {
			fmt.Fprintf(b, "      buckets: %s\n", flowList(h.Buckets, num))
		}
		if h.NativeBucketFactor > 0 {
			fmt.Fprintf(b, "      native_histogram_bucket_factor: %s\n", num(h.NativeBucketFactor))
		}
		if h.NativeMaxBuckets > 0 {
			fmt.Fprintf(b, "      native_histogram_max_buckets: %d\n", h.NativeMaxBuckets)
		}
	}
	if s := &k.Summary; k.summary() {
		b.WriteString("    summary_options:\n")
		if len(s.Quantiles) > 0 {
			fmt.Fprintf(b, "      quantiles: %s\n", flowList(s.Quantiles, func(q normalize.Objective) string {
				return fmt.Sprintf("{quantile: %s, error: %s}", num(q.Quantile), num(q.Error))
			}))
		}
		if s.MaxAge != 0 {
			fmt.Fprintf(b, "      max_age: %s\n", s.MaxAge)
		}
		if s.AgeBuckets > 0 {
			fmt.Fprintf(b, "      age_buckets: %d\n", s.AgeBuckets)
		}
		if s.BufCap > 0 {
			fmt.Fprintf(b, "      buf_cap: %d\n", s.BufCap)
		}
	}
}

// flowList renders l as a YAML flow sequence of f's strings.
func flowList[E any](l []E, f func(E) string) string {
	ss := make([]string, len(l))
	for i, e := range l {
		ss[i] = f(e)
	}
	return "[" + strings.Join(ss, ", ") + "]"
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func metricTypeName(t normalize.Type) string {
	switch t {
	case normalize.TypeCounter:
		return "counter"
	case normalize.TypeGauge:
		return "gauge"
	case normalize.TypeObserver:
		return "observer"
	}
	return ""
}

// Rules turns suggestions into rule configs (for checking them).
func Rules(ss []Suggestion) []normalize.RuleConfig {
	globs := map[string]int{}
	for _, s := range ss {
		globs[s.Match]++
	}
	var out []normalize.RuleConfig
	for _, s := range ss {
		r := normalize.RuleConfig{Match: s.Match, MatchType: normalize.MatchGlob, Name: s.Name, Observer: s.Keep.Observer, TTL: s.Keep.TTL}
		if s.Keep.histogram() {
			h := s.Keep.Histogram
			r.Histogram = &h
		}
		if s.Keep.summary() {
			sm := s.Keep.Summary
			r.Summary = &sm
		}
		if globs[s.Match] > 1 {
			r.MatchMetricType = s.Type
			if s.Type == normalize.TypeUntyped || s.Type > normalize.TypeObserver {
				r.MatchMetricType = normalize.TypeUntyped
			}
		}
		names := make([]string, 0, len(s.Labels))
		for n := range s.Labels {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			r.Labels = append(r.Labels, normalize.LabelConfig{Name: n, Value: s.Labels[n]})
		}
		out = append(out, r)
	}
	return out
}
