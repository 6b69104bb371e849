package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
)

// deepValues is n objects inside one another with a value in each (120 KB
// at 10,000 levels): selecting every value gives match strings (each
// value's path) that grow as n squared, 95 MiB at 10,000 levels.
func deepValues(n int) []byte {
	return []byte(strings.Repeat(`{"v":1,"a":`, n-1) + `{"v":1}` + strings.Repeat("}", n-1))
}

// A native json or expvar input reads selected values at most max_depth
// (512 by default) deep and a bounded amount of records: the poll of a
// body that selects more fails, counted as too_deep or too_many_records
// (1.8-2.5 s of CPU and 100 MB of match strings per poll before, and a
// poll that succeeded). max_depth raises the depth. A json_exporter config
// serves the deep body as json_exporter does, 10,000 levels deep.
func TestJSONNativeBudgets(t *testing.T) {
	bodies := map[string][]byte{
		"/deep": deepValues(10000),
		"/600":  deepValues(600),
		// 2,000 match strings of 64 KiB from a 70 KB body: 125 MiB.
		"/longkey": []byte(`{"` + strings.Repeat("k", 64<<10) + `": [` + strings.Repeat("0,", 1999) + `0]}`),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(bodies[r.URL.Path]) }))
	defer srv.Close()
	for _, c := range []struct{ typ, path, extra, reason string }{
		{"json", "/deep", "", "too_deep"},
		{"expvar", "/deep", "", "too_deep"},
		{"json", "/600", "", "too_deep"},
		{"expvar", "/longkey", "", "too_many_records"},
		{"json", "/600", "max_depth: 600\n", ""},
	} {
		f := factoryOf(t, c.typ)
		target := srv.URL + c.path
		cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 5s\n%s", target, c.extra))
		rec, reg := startDriver(t, f, cfg)
		if c.reason == "" {
			waitFor(t, c.typ+" "+c.path+" served", func() bool { return len(rec.get("app/"+target)) == 600 })
			continue
		}
		waitFor(t, c.typ+" "+c.path+" "+c.reason, func() bool { return pollErrors(t, reg, target, c.reason) > 0 })
		if n := len(rec.get("app/" + target)); n != 0 {
			t.Errorf("%s %s: %d records stored, want none", c.typ, c.path, n)
		}
	}

	rec, reg, target := jeServe(t, "modules:\n  default:\n    metrics:\n    - {name: v, path: '{.v}'}\n    - {name: deep, path: '{.a.a.a.v}'}\n", bodies["/deep"], "")
	waitFor(t, "the json_exporter config's series", func() bool { return len(rec.get("app/"+target)) > 0 })
	if got := recordLinesJE(rec.get("app/" + target)); !slices.Equal(got, []string{"deep{} 1", "v{} 1"}) {
		t.Errorf("json_exporter config: got %q", got)
	}
	if up := testutil.ToFloat64(mustVec(t, reg, "rosetta_input_up", target)); up != 1 {
		t.Errorf("json_exporter config: up %v, want 1", up)
	}
}

// The poll's timeout stops a json parse (the scanner within a few
// thousand values, the JSONPath metrics between two of them) with reason
// timeout, before the end of the body: the driver's parse hands the
// parser the poll's context. Before, the json parsers ran to the end.
func TestJSONParseStopsAtTimeout(t *testing.T) {
	body := []byte(`{"items": [` + strings.Repeat(`{"name": "a", "v": 1},`, 100000) + `{"name": "b", "v": 2}], "x": 1}`)
	file := jeFile(t, t.TempDir(), map[string]any{"name": "x", "path": "{.x}"}, map[string]any{
		"name": "big", "type": "object", "path": "{.items[?(@.v > 1.0)]}", "labels": map[string]any{"name": "{.name}"}, "values": map[string]any{"v": "{.v}"},
	})
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	for name, cfg := range map[string]*JSONConfig{
		"native":          {},
		"json_exporter":   {JSONExporterConfig: file},
		"native selector": {Config: jsonsel.Config{Metrics: []jsonsel.Selector{{Path: "items.*.v"}}}},
	} {
		p, err := cfg.NewParser()
		if err != nil {
			t.Fatal(err)
		}
		recs, err := parse(expired, p, body, "application/json", "", "")
		if parsing.Reason(err, "") != "timeout" || !strings.Contains(err.Error(), "parse stopped after") {
			t.Errorf("%s: %d records, error %v; want reason timeout", name, len(recs), err)
		}
		if _, err := parse(context.Background(), p, body, "application/json", "", ""); err != nil {
			t.Errorf("%s, no deadline: %v", name, err)
		}
	}
}
