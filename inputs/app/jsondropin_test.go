package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
)

// json_exporter is a drop-in peer of the json input: what it serves for a
// body, a json_exporter config loaded unchanged serves over HTTP too. The
// goldens of testdata/app/json/jsonexporter (jsonoracle) compare the
// series with the real json_exporter's.

// jeServe starts a server of body and a json input polling it with the
// json_exporter config text (module default); it returns the input's
// records and registry, and the target.
func jeServe(t *testing.T, config string, body []byte, extra string) (*recorder, *prometheus.Registry, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "je.yml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	f := factoryOf(t, "json")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 5s\ntimeout: 5s\njson_exporter_config: %s\n%s", srv.URL, file, extra))
	rec, reg := startDriver(t, f, cfg)
	return rec, reg, srv.URL
}

// A body whose strings hold bytes that are not UTF-8 is served as
// json_exporter serves it: encoding/json reads each such byte as U+FFFD,
// in keys, label values and string values, through the scanner (object
// metric) and the JSONPath evaluator (filter) alike. The poll succeeds
// (up 1) and the document is counted in
// rosetta_input_errors_total{reason="invalid_utf8"}.
func TestJSONExporterInvalidUTF8Served(t *testing.T) {
	const config = `modules:
  default:
    metrics:
    - {name: svc, type: object, path: '{.services[*]}', labels: {name: '{.name}'}, values: {up: '{.up}'}}
    - {name: busy, type: object, path: '{.services[?(@.load > 0.5)]}', labels: {name: '{.name}', zone: '{.zone}'}, values: {load: '{.load}'}}
    - {name: keyed, path: '{.counts.*}'}
`
	body := []byte("{\"services\": [{\"name\": \"a\xe2\x82b\", \"zone\": \"eu\xff\", \"up\": 1, \"load\": 0.9}, {\"name\": \"ok\", \"zone\": \"us\", \"up\": 0, \"load\": 0.1}],\n" +
		"  \"counts\": {\"x\xc0\": 5}}")
	rec, reg, target := jeServe(t, config, body, "")
	waitFor(t, "the series", func() bool { return len(rec.get("app/"+target)) > 0 })
	got := recordLinesJE(rec.get("app/" + target))
	want := []string{
		"busy_load{name=\"a\uFFFD\uFFFDb\", zone=\"eu\uFFFD\"} 0.9",
		"keyed{} 5",
		"svc_up{name=\"a\uFFFD\uFFFDb\"} 1",
		"svc_up{name=\"ok\"} 0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if up := testutil.ToFloat64(mustVec(t, reg, "rosetta_input_up", target)); up != 1 {
		t.Errorf("up %v, want 1", up)
	}
	if n := pollErrors(t, reg, target, "invalid_utf8"); n != 0 {
		t.Errorf("%v polls failed with invalid_utf8", n)
	}
	if n := rtestutil.Counter(t, reg, "rosetta_input_errors_total", map[string]string{"reason": "invalid_utf8"}); n < 1 {
		t.Errorf("rosetta_input_errors_total{reason=\"invalid_utf8\"} %v, want at least 1", n)
	}
}

// A document nested 10,000 deep (objects and arrays inside one another,
// encoding/json's limit) is served as json_exporter serves it, through
// the scanner (skipped, or read as an object's fields) and the JSONPath
// evaluator (the decoded member); one level more fails the poll
// (invalid_json) where json_exporter serves nothing of the document.
func TestJSONExporterDeepServed(t *testing.T) {
	const config = `modules:
  default:
    metrics:
    - {name: x, path: '{.x}'}
    - {name: item, type: object, path: '{.items[*]}', labels: {name: '{.name}'}, values: {v: '{.v}'}}
    - {name: big, type: object, path: '{.items[?(@.v > 1.0)]}', labels: {name: '{.name}'}, values: {v: '{.v}'}}
`
	// depth: the objects and arrays inside one another.
	doc := func(depth int) []byte {
		sub := strings.Repeat("[", depth-3) + "3" + strings.Repeat("]", depth-3)
		skipped := strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1)
		return []byte(`{"x": 1, "items": [{"name": "a", "v": 2, "sub": ` + sub + `}, {"name": "b", "v": 1}], "skipped": ` + skipped + `}`)
	}
	rec, reg, target := jeServe(t, config, doc(10000), "")
	waitFor(t, "the series", func() bool { return len(rec.get("app/"+target)) > 0 })
	want := []string{`big_v{name="a"} 2`, `item_v{name="a"} 2`, `item_v{name="b"} 1`, `x{} 1`}
	if got := recordLinesJE(rec.get("app/" + target)); !slices.Equal(got, want) {
		t.Errorf("10,000 levels: got\n%q\nwant\n%q", got, want)
	}
	if up := testutil.ToFloat64(mustVec(t, reg, "rosetta_input_up", target)); up != 1 {
		t.Errorf("10,000 levels: up %v, want 1", up)
	}

	rec, reg, target = jeServe(t, config, doc(10001), "")
	waitFor(t, "invalid_json", func() bool { return pollErrors(t, reg, target, "invalid_json") > 0 })
	if n := len(rec.get("app/" + target)); n != 0 {
		t.Errorf("10,001 levels: %d records, want none", n)
	}
}

// json_exporter reads a body of any size (io.ReadAll; a module has no size
// option): a json_exporter config loaded unchanged serves a body over the
// native inputs' 16 MiB default, and max_body_size, when set, still
// bounds it. A native json input keeps its default.
func TestJSONExporterBodyUnlimited(t *testing.T) {
	const config = "modules:\n  default:\n    metrics:\n    - {name: x, path: '{.x}'}\n"
	body := []byte(`{"pad": "` + strings.Repeat("p", 17<<20) + `", "x": 2}`)
	rec, reg, target := jeServe(t, config, body, "")
	waitFor(t, "the series", func() bool { return len(rec.get("app/"+target)) > 0 })
	if got := recordLinesJE(rec.get("app/" + target)); !slices.Equal(got, []string{"x{} 2"}) {
		t.Errorf("17 MiB body: got %q, want x 2", got)
	}
	if n := pollErrors(t, reg, target, "body_too_large"); n != 0 {
		t.Errorf("17 MiB body: %v polls failed with body_too_large", n)
	}

	_, reg, target = jeServe(t, config, body, "max_body_size: 1MiB\n")
	waitFor(t, "body_too_large with max_body_size 1MiB", func() bool { return pollErrors(t, reg, target, "body_too_large") > 0 })

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	f := factoryOf(t, "json")
	cfg := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 5s\nmetrics: [{path: x}]\n", srv.URL))
	if got := cfg.(*JSONConfig).MaxBodySize; got != 16<<20 {
		t.Errorf("native json input: max_body_size %v, want 16MiB", got)
	}
	_, reg = startDriver(t, f, cfg)
	waitFor(t, "body_too_large with the native default", func() bool { return pollErrors(t, reg, srv.URL, "body_too_large") > 0 })
}
