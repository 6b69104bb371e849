package main

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rosetta-adapter/rosetta/mappings/mappingtest"
	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/outputs"
	"github.com/rosetta-adapter/rosetta/outputs/mappingspage"
)

// mappingsPage serves /mappings and /api/v1/mappings over the running
// inputs and the store.
func mappingsPage(mgr *manager, store *outputs.Store) http.Handler {
	h := mappingspage.Handler(func() mappingspage.Status {
		return mappingsStatus(mgr.inputStates(), store, time.Now())
	})
	return limitRequests(h, maxMappingsRequests)
}

// maxMappingsRequests bounds the /mappings and /api/v1/mappings requests
// served at once; more get 503 at once instead of queueing CPU work.
const maxMappingsRequests = 2

// limitRequests serves at most n requests of h at a time.
func limitRequests(h http.Handler, n int) http.Handler {
	sem := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			h.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests for the mappings page at once", http.StatusServiceUnavailable)
		}
	})
}

// suggestions caches the suggestions per unmatched-name tracker: they
// depend only on the set of names and the rule set (whose unmatched
// records' settings they keep), which change far less often than the page
// is asked for (and computing them costs time linear in the names).
var suggestions suggestCache

type suggestCache struct {
	mu      sync.Mutex
	entries map[*normalize.TopK]suggestEntry
}

type suggestEntry struct {
	version uint64
	rules   *normalize.RuleSet
	ss      []mappingtest.Suggestion
	yaml    string
}

// get returns the suggestions for top's names under rules (computing them
// when the set or the rules changed since).
func (c *suggestCache) get(top *normalize.TopK, names []mappingtest.Name, version uint64, rules *normalize.RuleSet) ([]mappingtest.Suggestion, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[top]; ok && e.version == version && e.rules == rules {
		return e.ss, e.yaml
	}
	// Sorted by name, so that the result depends on the set only.
	names = slices.Clone(names)
	slices.SortFunc(names, func(a, b mappingtest.Name) int {
		if c := strings.Compare(a.Match, b.Match); c != 0 {
			return c
		}
		return int(a.Type) - int(b.Type)
	})
	ss := mappingtest.Suggest(names)
	mappingtest.KeepUnmatched(ss, rules)
	e := suggestEntry{version: version, rules: rules, ss: ss, yaml: mappingtest.YAML(ss)}
	if c.entries == nil {
		c.entries = map[*normalize.TopK]suggestEntry{}
	}
	c.entries[top] = e
	return e.ss, e.yaml
}

// prune forgets the trackers not in live (inputs gone after a reload).
func (c *suggestCache) prune(live map[*normalize.TopK]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if !live[k] {
			delete(c.entries, k)
		}
	}
}

func mappingsStatus(ins []runningInput, store *outputs.Store, now time.Time) mappingspage.Status {
	st := mappingspage.Status{Generated: now}
	series := store.SeriesPerRule()
	live := map[*normalize.TopK]bool{}
	defer suggestions.prune(live)
	for _, r := range ins {
		in := mappingspage.Input{Name: r.spec.name, Type: r.spec.typ, Counts: r.pipeline.Counts()}
		rules := r.pipeline.RuleSet()
		for _, rs := range rules.Stats() {
			rule := mappingspage.Rule{
				ID: rs.ID, Match: rs.Match, MatchType: rs.MatchType.String(), Name: rs.Name,
				Action: rs.Action.String(), Hits: rs.Hits, Series: series[rs.ID],
			}
			if !rs.LastMatch.IsZero() {
				t := rs.LastMatch
				rule.LastMatch = &t
			}
			in.Rules = append(in.Rules, rule)
		}
		if top := r.pipeline.Unmatched(); top != nil {
			live[top] = true
			version := top.Version()
			var names []mappingtest.Name
			for _, e := range top.Top() {
				in.Unmatched = append(in.Unmatched, mappingspage.Unmatched{Match: e.Match, Type: e.Type.String(), Count: e.Count, Error: e.Error, Last: e.Last})
				names = append(names, mappingtest.Name{Match: e.Match, Type: e.Type})
			}
			if len(names) > 0 {
				ss, yaml := suggestions.get(top, names, version, rules)
				for _, s := range ss {
					in.Suggestions = append(in.Suggestions, mappingspage.Suggestion{Match: s.Match, Name: s.Name, Labels: s.Labels, Covers: s.Covers, Examples: s.Examples})
				}
				in.SuggestYAML = yaml
			}
		}
		st.Inputs = append(st.Inputs, in)
	}
	for _, c := range store.RecentConflicts() {
		st.Conflicts = append(st.Conflicts, mappingspage.Conflict{Name: c.Name, Labels: c.Labels, Type: c.Type, Rule: c.Rule, Reason: c.Reason, Count: c.Count, Last: c.Last})
	}
	return st
}
