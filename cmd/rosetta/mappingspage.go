package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/rosetta-adapter/rosetta/mappings/mappingtest"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
	"github.com/rosetta-adapter/rosetta/outputs/mappingspage"
)

// mappingsPage serves /mappings and /api/v1/mappings over the running
// inputs and the store.
func mappingsPage(mgr *manager, store *outputs.Store) http.Handler {
	return mappingspage.Handler(func() mappingspage.Status {
		return mappingsStatus(mgr.inputStates(), store, time.Now())
	})
}

func mappingsStatus(ins []runningInput, store *outputs.Store, now time.Time) mappingspage.Status {
	st := mappingspage.Status{Generated: now}
	series := store.SeriesPerRule()
	for _, r := range ins {
		in := mappingspage.Input{Name: r.spec.name, Type: r.spec.typ, Counts: r.pipeline.Counts()}
		for _, rs := range r.pipeline.RuleSet().Stats() {
			rule := mappingspage.Rule{
				ID: rs.ID, Match: rs.Match, MatchType: matchTypeName(rs.MatchType), Name: rs.Name,
				Action: "map", Hits: rs.Hits, Series: series[rs.ID],
			}
			if rs.Action == normalize.ActionDrop {
				rule.Action = "drop"
			}
			if !rs.LastMatch.IsZero() {
				t := rs.LastMatch
				rule.LastMatch = &t
			}
			in.Rules = append(in.Rules, rule)
		}
		if top := r.pipeline.Unmatched(); top != nil {
			var names []mappingtest.Name
			for _, e := range top.Top() {
				in.Unmatched = append(in.Unmatched, mappingspage.Unmatched{Match: e.Match, Type: e.Type.String(), Count: e.Count, Error: e.Error, Last: e.Last})
				names = append(names, mappingtest.Name{Match: e.Match, Type: e.Type})
			}
			if len(names) > 0 {
				ss := mappingtest.Suggest(names)
				for _, s := range ss {
					in.Suggestions = append(in.Suggestions, mappingspage.Suggestion{Match: s.Match, Name: s.Name, Labels: s.Labels, Covers: s.Covers, Examples: s.Examples})
				}
				in.SuggestYAML = mappingtest.YAML(ss)
			}
		}
		st.Inputs = append(st.Inputs, in)
	}
	for _, c := range store.RecentConflicts() {
		st.Conflicts = append(st.Conflicts, mappingspage.Conflict{Name: c.Name, Labels: c.Labels, Type: c.Type, Rule: c.Rule, Reason: c.Reason, Count: c.Count, Last: c.Last})
	}
	return st
}

func matchTypeName(t normalize.MatchType) string {
	if t == normalize.MatchRegex {
		return "regex"
	}
	return strings.ToLower("glob")
}
