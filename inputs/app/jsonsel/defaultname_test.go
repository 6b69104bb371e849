package jsonsel

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosetta-adapter/rosetta/normalize"
)

// name and labels a record gets when no rule matches (as normalize does).
func unmatchedSeries(r normalize.Record) string {
	name, labels := normalize.EscapeMetricName(r.Match), r.Labels
	if r.DefaultName != "" {
		name, labels = r.DefaultName, r.DefaultLabels
	}
	var ls []string
	for _, l := range labels {
		ls = append(ls, l.Name+"="+l.Value)
	}
	sort.Strings(ls)
	return name + "{" + strings.Join(ls, ",") + "}"
}

// TestDefaultNamesLabelIndexes: without rules, a document with a 4,200
// element array gives one family per leaf path shape; indexes and the keys
// a "*" matched are labels.
func TestDefaultNamesLabelIndexes(t *testing.T) {
	type disk struct {
		Free int `json:"free"`
	}
	type server struct {
		Name    string  `json:"name"`
		Healthy bool    `json:"healthy"`
		Load    float64 `json:"load"`
		Disks   []disk  `json:"disks"`
	}
	doc := struct {
		Servers []server       `json:"servers"`
		Stats   map[string]int `json:"stats"`
		Paths   map[string]int `json:"paths"` // an expvar.Map's keys
	}{Stats: map[string]int{"get": 3, "post": 5}, Paths: map[string]int{"/api/users": 7, "/": 1}}
	for i := range 4200 {
		doc.Servers = append(doc.Servers, server{Name: fmt.Sprint("s", i), Healthy: true, Load: 0.5, Disks: []disk{{1}, {2}}})
	}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		cfg      Config
		families []string
		samples  map[string]bool // some series that must be there
	}{
		{"everything", Config{},
			[]string{"paths", "servers_disks_free", "servers_healthy", "servers_load", "stats_get", "stats_post"},
			map[string]bool{
				"paths{key=/api/users}":                  true,
				"servers_healthy{index=4199}":            true,
				"servers_disks_free{index=17,index_2=1}": true,
				"stats_get{}":                            true,
			}},
		{"named captures", Config{Metrics: []Selector{{Path: "servers.*.disks.*.free", Labels: []string{"server"}}, {Path: "stats.*", Labels: []string{"method"}}}},
			[]string{"servers_disks_free", "stats"},
			map[string]bool{
				"servers_disks_free{index=1,server=42}": true,
				"stats{method=post}":                    true,
			}},
		{"labels from a field", Config{Metrics: []Selector{{Path: "servers.*", LabelsFrom: map[string]string{"server": "name"}}}},
			[]string{"servers_disks_free", "servers_healthy", "servers_load"},
			map[string]bool{"servers_load{index=7,server=s7}": true, "servers_disks_free{index=7,index_2=0,server=s7}": true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			families := map[string]bool{}
			series := map[string]bool{}
			if err := p.Parse(body, func(r normalize.Record) {
				s := unmatchedSeries(r)
				series[s] = true
				families[s[:strings.IndexByte(s, '{')]] = true
			}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for f := range families {
				got = append(got, f)
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.families, got); diff != "" {
				t.Errorf("families (-want +got):\n%s", diff)
			}
			for s := range tc.samples {
				if !series[s] {
					t.Errorf("no series %s", s)
				}
			}
		})
	}
}
