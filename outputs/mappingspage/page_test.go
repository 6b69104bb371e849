package mappingspage

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	last := now.Add(-3 * time.Second)
	st := Status{Generated: now, Inputs: []Input{{
		Name: "statsd", Type: "statsd",
		Rules:       []Rule{{ID: "m.yml:2", Match: "a.*", MatchType: "glob", Action: "map", Name: "a_total", Hits: 5, Series: 2, LastMatch: &last}},
		Unmatched:   []Unmatched{{Match: "b.<x>", Type: "counter", Count: 3, Last: last}},
		SuggestYAML: "rules:\n  - match: \"b.*\"\n",
		Counts:      map[string]float64{"mapped": 5, "unmapped": 3, "dropped/drop_rule": 1},
	}}, Conflicts: []Conflict{{Name: "a_total", Labels: `{x="1"}`, Type: "counter", Reason: "label_names", Rule: "m.yml:2", Count: 1, Last: last}}}
	srv := httptest.NewServer(Handler(func() Status { return st }))
	defer srv.Close()
	get := func(path string) string {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	html := get("/mappings")
	for _, want := range []string{
		"<td><code>m.yml:2</code></td><td><code>a.*</code></td><td>glob</td><td>map</td><td><code>a_total</code></td><td class=\"n\">5</td><td class=\"n\">2</td><td>3s ago</td>",
		"<code>b.&lt;x&gt;</code>", // escaped
		"dropped/drop_rule: 1",
		"label_names",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("the page has scripts or external assets")
	}
	if h := get("/mappings?input=other"); strings.Contains(h, `id="input-statsd"`) {
		t.Error("the input filter did not filter")
	}
	var back Status
	if err := json.Unmarshal([]byte(get("/api/v1/mappings")), &back); err != nil || back.Inputs[0].Rules[0].Hits != 5 {
		t.Errorf("JSON: %v %+v", err, back)
	}
}
