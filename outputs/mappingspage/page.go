// Package mappingspage serves the live mappings page of a running adapter:
// per input, every rule with its hits, series and last match; the most
// frequent unmatched names with rules that would cover them; drops by
// reason; and the store's recent conflicts. /mappings is server-rendered
// HTML without external assets; /api/v1/mappings is the same as JSON.
package mappingspage

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rule is one rule of an input's rule set.
type Rule struct {
	ID        string     `json:"id"` // file:line
	Match     string     `json:"match"`
	MatchType string     `json:"match_type"`
	Action    string     `json:"action"`
	Name      string     `json:"name"`
	Hits      uint64     `json:"hits"`
	Series    int        `json:"series"`
	LastMatch *time.Time `json:"last_match,omitempty"`
}

// Unmatched is a frequent name no rule matched.
type Unmatched struct {
	Match string    `json:"match"`
	Type  string    `json:"type"`
	Count uint64    `json:"count"`
	Error uint64    `json:"count_error"`
	Last  time.Time `json:"last_seen"`
}

// Suggestion is a rule that would cover unmatched names.
type Suggestion struct {
	Match    string            `json:"match"`
	Name     string            `json:"name"`
	Labels   map[string]string `json:"labels,omitempty"`
	Covers   int               `json:"covers"`
	Examples []string          `json:"examples"`
}

// Input is the mapping status of one input.
type Input struct {
	Name        string             `json:"name"`
	Type        string             `json:"type"`
	Rules       []Rule             `json:"rules"`
	Unmatched   []Unmatched        `json:"unmatched"`
	Suggestions []Suggestion       `json:"suggestions"`
	SuggestYAML string             `json:"suggested_rules_yaml"`
	Counts      map[string]float64 `json:"counts"` // unmapped, mapped, dropped/<reason>, invalid/<reason>
}

// Conflict is a sample the store refused.
type Conflict struct {
	Name   string    `json:"name"`
	Labels string    `json:"labels"`
	Type   string    `json:"type"`
	Rule   string    `json:"rule"`
	Reason string    `json:"reason"`
	Count  int       `json:"count"`
	Last   time.Time `json:"last"`
}

// Status is everything the page shows.
type Status struct {
	Generated time.Time  `json:"generated"`
	Inputs    []Input    `json:"inputs"`
	Conflicts []Conflict `json:"conflicts"`
}

// Source returns the current status.
type Source func() Status

//go:embed page.html
var pageHTML string

// page is parsed on the first request, not at start: most processes never
// serve it (issue #15).
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("mappings").Funcs(template.FuncMap{
		"ago": func(t *time.Time, now time.Time) string {
			if t == nil || t.IsZero() {
				return "never"
			}
			return now.Sub(*t).Truncate(time.Second).String() + " ago"
		},
		"agoT": func(t time.Time, now time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return now.Sub(t).Truncate(time.Second).String() + " ago"
		},
		"drops": func(c map[string]float64) []string {
			var out []string
			for k, v := range c {
				if v > 0 && (strings.HasPrefix(k, "dropped/") || strings.HasPrefix(k, "invalid/")) {
					out = append(out, k+": "+strconvF(v))
				}
			}
			sort.Strings(out)
			return out
		},
		"num": strconvF,
	}).Parse(pageHTML))
})

// Handler serves /mappings (HTML) and /api/v1/mappings (JSON) from src.
func Handler(src Source) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /mappings", func(w http.ResponseWriter, r *http.Request) {
		st := src()
		if f := r.URL.Query().Get("input"); f != "" {
			var keep []Input
			for _, in := range st.Inputs {
				if in.Name == f {
					keep = append(keep, in)
				}
			}
			st.Inputs = keep
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page().Execute(w, st)
	})
	mux.HandleFunc("GET /api/v1/mappings", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(src())
	})
	return mux
}

func strconvF(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
