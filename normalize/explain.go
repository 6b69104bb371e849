package normalize

import (
	"fmt"
	"strings"
)

// Explain tooling: what `rosetta explain` and the mappings page show about
// one record (which rule matched, its captures, the rules that nearly
// did). It reads a RuleSet without touching its cache or statistics, so
// it lives apart from the matching hot path in ruleset.go.

// Result explains what the rule set does with one record.
type Result struct {
	// Rule is the rule that matched, nil if none did.
	Rule *RuleInfo
	// Captures are the rule's captures; Captures[0] is $0.
	Captures []string
	Outcome  Outcome
	// Reason says why a record was dropped or is invalid.
	Reason string
	// Sample is the output when Outcome is mapped or unmatched.
	Sample Sample
	// Other lists the other rules whose match accepts the string, in file
	// order, each with why it did not apply (a rule before it won, its
	// match_metric_type differs, or it is shadowed).
	Other []NearMiss
}

// NearMiss is a rule that matches a string but did not apply to a record.
type NearMiss struct {
	Rule RuleInfo
	Why  string
}

// globMatches reports whether glob pattern p matches s (the definition,
// for explanations; matching itself uses the trie).
func globMatches(p, s string) bool {
	for {
		pi, si := strings.IndexByte(p, '.'), strings.IndexByte(s, '.')
		if (pi < 0) != (si < 0) {
			return false
		}
		pseg, sseg := p, s
		if pi >= 0 {
			pseg, sseg = p[:pi], s[:si]
		}
		if pseg != "*" && pseg != sseg {
			return false
		}
		if pi < 0 {
			return true
		}
		p, s = p[pi+1:], s[si+1:]
	}
}

func (rs *RuleSet) nearMisses(rec *Record, matched *rule) []NearMiss {
	var out []NearMiss
	shadowed := map[*rule]bool{}
	for _, r := range rs.shadowed {
		shadowed[r] = true
	}
	for _, r := range rs.rules {
		if r == matched {
			continue
		}
		var ok bool
		switch {
		case r.re != nil:
			ok = r.re.MatchString(rec.Match)
		case r.cfg.MatchType == MatchGlob:
			ok = validGlob(r.cfg.Match) == nil && globMatches(r.cfg.Match, rec.Match)
		}
		if !ok {
			continue
		}
		var why string
		switch mt := r.cfg.MatchMetricType; {
		case mt != TypeUntyped && mt != rec.Type:
			why = fmt.Sprintf("only applies to %s records, this one is %s", mt, rec.Type)
		case shadowed[r]:
			why = "can never match (shadowed by an earlier glob)"
		case r.re == nil && (matched == nil || matched.re != nil) && rs.GreedyGlobs():
			why = "glob_disable_ordering: statsd_exporter's glob search does not backtrack with these rules and misses this name; a statsd_exporter file keeps the miss"
		case matched != nil && r.re != nil && matched.re == nil:
			why = "regex rules are tried after all glob rules; " + matched.id + " matched first"
		case matched != nil:
			why = matched.id + " matched first"
		default:
			why = "did not apply"
		}
		out = append(out, NearMiss{Rule: r.info(), Why: why})
	}
	return out
}

// Explain maps rec without touching the cache or the statistics and says
// which rule matched, with its captures, and what came out or why nothing
// did.
func (rs *RuleSet) Explain(rec Record) Result {
	e := rs.compute(rec.Match, rec.Type)
	var res Result
	if e.rule != nil {
		info := e.rule.info()
		res.Rule = &info
		_, res.Captures = rs.find(rec.Match, rec.Type, nil)
	}
	var s Sample
	res.Outcome, res.Reason, _ = rs.mapRecord(&rec, e, &s, nil)
	switch res.Outcome {
	case OutcomeMapped, OutcomeUnmatched:
		res.Sample = s
	case OutcomeDropped:
		switch res.Reason {
		case "drop_rule":
			res.Reason = "dropped by rule " + e.rule.id
		case "no_value":
			res.Reason = "the reading has no number and no value template gives one"
		default:
			res.Reason = "no rule matched and unmatched records are dropped"
		}
	}
	if e.rule == nil && res.Reason == "" {
		res.Reason = "no rule matched"
	}
	res.Other = rs.nearMisses(&rec, e.rule)
	return res
}
