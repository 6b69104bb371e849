package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rosetta-adapter/rosetta/inputs/app/jsonsel"
	"github.com/rosetta-adapter/rosetta/inputs/app/parsing"
	"github.com/rosetta-adapter/rosetta/normalize"
)

// jeFile writes a json_exporter config with the metrics (YAML flow
// mappings, built with yaml.Marshal so any text is quoted right).
func jeFile(t testing.TB, dir string, metrics ...map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(map[string]any{"modules": map[string]any{"default": map[string]any{"metrics": metrics}}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "je.yml")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// recordLinesJE is records as sorted "name{labels} value @ts" lines.
func recordLinesJE(recs []normalize.Record) []string {
	var out []string
	for _, r := range recs {
		ls := slices.Clone(r.DefaultLabels)
		ls = ls.Sort()
		v := fmt.Sprint(r.Value)
		if math.IsNaN(r.Value) {
			v = "NaN"
		}
		line := fmt.Sprintf("%s%s %s", r.DefaultName, ls, v)
		if r.HasTimestamp {
			line += fmt.Sprintf(" @%d", r.TimestampMs)
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// A filter that matches nothing gives no series and no error; so does a
// path to nothing with allow_missing_key.
func TestJSONExporterNoMatch(t *testing.T) {
	dir := t.TempDir()
	file := jeFile(t, dir,
		map[string]any{"name": "closed", "type": "object", "path": `{.items[?(@.state == "CLOSED")]}`, "values": map[string]any{"n": "{.n}"}},
		map[string]any{"name": "gone", "path": "{.gone}", "allow_missing_key": true},
		map[string]any{"name": "deep", "path": "{..nowhere}"},
	)
	recs, err := ParseBody(&JSONConfig{JSONExporterConfig: file}, []byte(`{"items": [{"state": "OPEN", "n": 1}]}`), "")
	if err != nil || len(recs) != 0 {
		t.Fatalf("records %v, error %v; want none and none", recordLinesJE(recs), err)
	}
}

// Bad documents stay bounded with the JSONPath evaluator too: a body over
// max_body_size fails the poll before it is read on; nesting deeper than
// the scanner's limit fails the parse before anything decodes it; nesting
// within it is evaluated (recursive descent through all of it).
func TestJSONExporterBounded(t *testing.T) {
	dir := t.TempDir()
	file := jeFile(t, dir,
		map[string]any{"name": "deep_x", "path": "{..x}"},
		map[string]any{"name": "filtered", "type": "object", "path": `{.a[?(@.x > 0)]}`, "values": map[string]any{"x": "{.x}"}},
	)
	cfg := &JSONConfig{JSONExporterConfig: file}

	deep := func(n int) []byte {
		return []byte(`{"a": ` + strings.Repeat(`[`, n) + `{"x": 7}` + strings.Repeat(`]`, n) + `}`)
	}
	_, err := ParseBody(cfg, deep(100000), "")
	if parsing.Reason(err, "") != "invalid_json" || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("100000 levels: %v, want invalid_json nested deeper", err)
	}
	recs, err := ParseBody(cfg, deep(500), "")
	if err != nil || !slices.Equal(recordLinesJE(recs), []string{"deep_x{} 7"}) {
		t.Errorf("500 levels: %v, %v; want deep_x 7", recordLinesJE(recs), err)
	}

	// 50 MB through a real server and the driver: body_too_large with
	// max_body_size 16MiB (a json_exporter config has no limit unless it
	// sets one, as json_exporter has none), nothing decoded.
	big := bytes.Repeat([]byte(`{"x": 1, "pad": "`+strings.Repeat("p", 1000)+`"},`), 50<<20/1020)
	body := append(append([]byte(`{"a": [`), big...), []byte(`{"x": 2}]}`)...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, bytes.NewReader(body)) // no Content-Length: read until the limit
	}))
	defer srv.Close()
	f := factoryOf(t, "json")
	c := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 5s\ntimeout: 5s\njson_exporter_config: %s\nmax_body_size: 16MiB\n", srv.URL, file))
	rec, reg := startDriver(t, f, c)
	waitFor(t, "body_too_large", func() bool { return pollErrors(t, reg, srv.URL, "body_too_large") > 0 })
	if n := len(rec.get("app/" + srv.URL)); n != 0 {
		t.Errorf("%d records from a body over the limit", n)
	}
}

// The scanner's fast path and json_exporter's JSONPath evaluated over the
// decoded document give the same records for every metric the fast path
// takes.
func FuzzJSONExporterPaths(f *testing.F) {
	for _, seed := range []struct{ path, label, value, doc string }{
		{"{.a}", "{.n}", "{.v}", `{"a": 1.50, "n": "x"}`},
		{"{.a[*]}", "{.n}", "{.v}", `{"a": [{"n": 1e21, "v": "2"}, {"n": null, "v": true}, 3, null, [1]]}`},
		{"{.a.*}", "{.n}", "{.v}", `{"a": {"k": {"n": "\"q\"", "v": "'7'"}, "l": {"n": {"b": [1, "<"]}, "v": "<nil>"}}}`},
		{"{.a.b}", "x-{.n}", "1", `{"a": {"b": "NaN"}}`},
		{"{[*]}", "{.n}", "{.v}", `[{"n": "a", "v": 1}, {"n": "b", "v": "12ms"}]`},
		{"{.a[?(@.v > 1)]}", "{.n}", "{.v}", `{"a": [{"n": "a", "v": 1}, {"n": "b", "v": 2}]}`},
		{"{..v}", "{.n}", "{.v}", `{"a": {"v": 3}}`},
		{"{.a['b']}", "{.n}", "{.w}", `{"a": {"b": {"w": -0, "n": 100000000}}}`},
		{"{.a[*]}", "{.n}", "{.v}", "{\"a\": [{\"n\": \"x\xe2\x82\", \"v\": \"1\xff\"}, {\"n\xc0\": 1, \"v\": 2}]}"},
	} {
		f.Add(seed.path, seed.label, seed.value, seed.doc)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, path, label, value, doc string) {
		if len(doc) > 1<<16 { // bytes that are not UTF-8 too: both read them as encoding/json does
			return
		}
		for _, object := range []bool{false, true} {
			m := map[string]any{"name": "m", "path": path, "labels": map[string]any{"l": label}}
			if object {
				m["type"] = "object"
				m["values"] = map[string]any{"v": value}
			}
			file := jeFile(t, dir, m)
			mod, err := loadJSONExporter(file, "")
			if err != nil {
				continue // json_exporter cannot parse it either
			}
			// The key-chain lookup prints what the package prints.
			if docV, err := jsonsel.Decode([]byte(doc)); err == nil && plainJSON(doc) {
				for _, spec := range append(slices.Clone(mod.fastSpecs), specsOf(mod.slow)...) {
					tmpls := []*jeTmpl{spec.path}
					for _, l := range spec.labels {
						tmpls = append(tmpls, l.t)
					}
					for _, v := range spec.values {
						tmpls = append(tmpls, v.t)
					}
					for _, tm := range tmpls {
						if tm.chain == nil {
							continue
						}
						var b1, b2 bytes.Buffer
						e1 := tm.lookup(&b1, docV)
						e2 := tm.jsonPath().Execute(&b2, docV)
						if (e1 == nil) != (e2 == nil) || b1.String() != b2.String() {
							t.Fatalf("%s on %s: lookup %q %v, jsonpath %q %v", tm.text, doc, b1.String(), e1, b2.String(), e2)
						}
					}
				}
			}
			// Whatever the module, parsing never panics.
			full, err := (&JSONConfig{JSONExporterConfig: file}).NewParser()
			if err != nil {
				t.Fatal(err)
			}
			_ = full.Parse([]byte(doc), func(normalize.Record) {})
			if len(mod.fast) == 0 || !plainJSON(doc) {
				continue
			}
			scan, err := jsonsel.New(jsonsel.Config{Metrics: mod.fast, SelectNone: true})
			if err != nil {
				t.Fatal(err)
			}
			none, _ := jsonsel.New(jsonsel.Config{SelectNone: true})
			slow := newJEParser(none, &jeModule{slow: []*jeMetric{newJEMetric(mod.fastSpecs[0])}})
			var a, b []normalize.Record
			errA := scan.Parse([]byte(doc), func(r normalize.Record) { a = append(a, r) })
			errB := slow.Parse([]byte(doc), func(r normalize.Record) { b = append(b, r) })
			if (errA == nil) != (errB == nil) {
				t.Fatalf("%s on %s: scanner error %v, JSONPath error %v", path, doc, errA, errB)
			}
			if la, lb := recordLinesJE(a), recordLinesJE(b); !slices.Equal(la, lb) {
				t.Fatalf("object=%v path %s label %s value %s on %s:\nscanner  %q\njsonpath %q", object, path, label, value, doc, la, lb)
			}
		}
	})
}

// plainJSON reports whether doc decodes with encoding/json and has no
// repeated keys (the scanner reads each; encoding/json keeps the last).
func plainJSON(doc string) bool {
	d := json.NewDecoder(strings.NewReader(doc))
	d.UseNumber()
	var walk func() bool
	walk = func() bool {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for d.More() {
				k, err := d.Token()
				if err != nil || seen[k.(string)] {
					return false
				}
				seen[k.(string)] = true
				if !walk() {
					return false
				}
			}
			_, err = d.Token()
			return err == nil
		case json.Delim('['):
			for d.More() {
				if !walk() {
					return false
				}
			}
			_, err = d.Token()
			return err == nil
		case nil:
			return true
		}
		if n, ok := tok.(json.Number); ok {
			if _, err := n.Float64(); err != nil {
				return false // out of float64's range: encoding/json refuses the document
			}
		}
		return true
	}
	if !walk() {
		return false
	}
	_, err := d.Token()
	return err == io.EOF
}

// benchDoc is shaped like cmd/json-bench's document: servers with a
// nested details object, and a large unselected log array.
func benchDoc(servers, logs int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version": "1.0", "servers": [`)
	for i := range servers {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name": "web-%04d", "requests": %d, "errors": %d, "details": {"zone": "eu-west-1", "tags": ["a", "b"], "load": 0.%d}}`, i, i*7919%1000000, i*31%100, i*13%1000)
	}
	b.WriteString(`], "logs": [`)
	for i := range logs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"ts": %d, "level": "info", "msg": "%s", "fields": {"a": %d, "b": "c"}}`, 1700000000+i, strings.Repeat("x", 60+i%60), i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// The json_exporter config of cmd/json-bench's filtered case: a filter,
// nested value paths and nested labels, all evaluated with JSONPath.
func BenchmarkJSONExporterFiltered(b *testing.B) {
	file := jeFile(b, b.TempDir(), map[string]any{
		"name": "bench_busy", "type": "object", "path": "{ .servers[?(@.errors >= 50.0)] }",
		"labels": map[string]any{"name": "{ .name }", "zone": "{ .details.zone }", "first_tag": "{ .details.tags[0] }"},
		"values": map[string]any{"requests": "{ .requests }", "load": "{ .details.load }"},
	})
	p, err := (&JSONConfig{JSONExporterConfig: file}).NewParser()
	if err != nil {
		b.Fatal(err)
	}
	if n := benchParse(b, p, benchDoc(2000, 4700)); n != 2000 {
		b.Fatalf("%d records, want 2000", n)
	}
}

func specsOf(ms []*jeMetric) []*jeSpec {
	var out []*jeSpec
	for _, m := range ms {
		out = append(out, m.spec)
	}
	return out
}

// A module's headers, body, http_client_config and valid_status_codes
// apply as in json_exporter: a POST with the body (a template with Sprig's
// functions and the probe's target, rendered for every request), basic
// auth from the module, the module's header, and only the listed statuses
// accepted.
func TestJSONExporterModuleHTTP(t *testing.T) {
	var (
		status = http.StatusAccepted
		mu     = make(chan struct{}, 1)
		nonces = map[string]bool{}
		srvURL string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu <- struct{}{}
		defer func() { <-mu }()
		body, _ := io.ReadAll(r.Body)
		u, p, ok := r.BasicAuth()
		query, nonce, _ := strings.Cut(string(body), " ")
		if nonces[nonce] {
			http.Error(w, "body rendered once, not for every request", http.StatusConflict)
			return
		}
		nonces[nonce] = true
		if r.Method != "POST" || query != `{"query":"STATS","target":"`+srvURL+`"}` || len(nonce) != 16 || !ok || u != "mon" || p != "pw" || r.Header.Get("X-Team") != "core" {
			http.Error(w, fmt.Sprintf("no: %s %q %v", r.Method, body, r.Header), http.StatusForbidden)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"n": 5}`))
	}))
	defer srv.Close()
	srvURL = srv.URL
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/pw", []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`modules:
  default:
    headers: {X-Team: core}
    body:
      content: '{{ dict "query" ("stats" | upper) "target" (index .target 0) | toJson }} {{ randAlphaNum 16 }}'
      templatize: true
    http_client_config:
      basic_auth: {username: mon, password_file: %s/pw}
    valid_status_codes: [202]
    metrics:
    - {name: n, path: '{.n}'}
`, dir)
	if err := os.WriteFile(dir+"/je.yml", []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	f := factoryOf(t, "json")
	c := decodeTest(t, f, fmt.Sprintf("targets: [%q]\ninterval: 100ms\njson_exporter_config: %s/je.yml\n", srv.URL, dir))
	rec, reg := startDriver(t, f, c)
	source := "app/" + srv.URL
	waitFor(t, "n from the module's request", func() bool {
		recs := rec.get(source)
		return len(recs) == 1 && recs[0].DefaultName == "n" && recs[0].Value == 5
	})
	// The body is rendered for every request, as json_exporter renders it
	// for every probe: each poll sends a new nonce.
	waitFor(t, "three polls with three bodies", func() bool {
		mu <- struct{}{}
		defer func() { <-mu }()
		return len(nonces) >= 3
	})
	if n := pollErrors(t, reg, srv.URL, "http_status"); n != 0 {
		t.Fatalf("%v polls refused before the status changed", n)
	}
	// 200 is not in valid_status_codes: the poll fails.
	mu <- struct{}{}
	status = http.StatusOK
	<-mu
	waitFor(t, "200 refused", func() bool { return pollErrors(t, reg, srv.URL, "http_status") > 0 })

	// The module's client and the input's own client settings conflict.
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(fmt.Sprintf("targets: [%q]\njson_exporter_config: %s/je.yml\nbasic_auth: {username: x, password: y}\n", srv.URL, dir)), &n); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Decode(n.Content[0]); err == nil || !strings.Contains(err.Error(), "set them in one place") {
		t.Errorf("client settings in module and input: %v", err)
	}
}
