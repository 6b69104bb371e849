package mappingtest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

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
		fmt.Fprintf(&b, "  - match: %q\n", s.Match)
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
	}
	return b.String()
}

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
		r := normalize.RuleConfig{Match: s.Match, MatchType: normalize.MatchGlob, Name: s.Name}
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
