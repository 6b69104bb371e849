package jsonoracle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Rosetta's series for each of the project's json_exporter configs
// (testdata/app/json/jsonexporter/CASE.yml, one module per construct)
// equal what the real json_exporter served for CASE.json: the goldens
// CASE.MODULE.prom are its /probe output, recorded by `make
// record-json-golden` (json_exporter is built outside the repository; CI
// has no network, so its output travels as data).
func TestGoldens(t *testing.T) {
	const dir = "../../../testdata/app/json/jsonexporter"
	goldens, err := filepath.Glob(filepath.Join(dir, "*.prom"))
	if err != nil {
		t.Fatal(err)
	}
	if len(goldens) < 6 {
		t.Fatalf("%d goldens in %s, want one per module of shop.yml", len(goldens), dir)
	}
	for _, g := range goldens {
		base := filepath.Base(g)
		parts := strings.Split(strings.TrimSuffix(base, ".prom"), ".")
		if len(parts) != 2 {
			t.Fatalf("%s: not CASE.MODULE.prom", base)
		}
		t.Run(base, func(t *testing.T) {
			text, err := os.ReadFile(g)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Exposition(text)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("empty golden")
			}
			doc, err := os.ReadFile(filepath.Join(dir, parts[0]+".json"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Rosetta(filepath.Join(dir, parts[0]+".yml"), parts[1], doc)
			if err != nil {
				t.Fatal(err)
			}
			if d := Diff(want, got); d != "" {
				t.Errorf("Rosetta differs from json_exporter (-json_exporter +rosetta):\n%s", d)
			}
		})
	}
}

// The request Rosetta sends for each module equals the one the real
// json_exporter sent for a probe of that module (CASE.MODULE.request:
// method, newline, body; none for a plain GET): a module's body, with
// templatize a template with Sprig's functions and the probe's query
// values, rendered as json_exporter renders it.
func TestRequestGoldens(t *testing.T) {
	const dir = "../../../testdata/app/json/jsonexporter"
	goldens, err := filepath.Glob(filepath.Join(dir, "*.prom"))
	if err != nil {
		t.Fatal(err)
	}
	posts := 0
	for _, g := range goldens {
		base := strings.TrimSuffix(filepath.Base(g), ".prom")
		parts := strings.Split(base, ".")
		t.Run(base, func(t *testing.T) {
			wantMethod, wantBody := "GET", ""
			b, err := os.ReadFile(filepath.Join(dir, base+".request"))
			switch {
			case err == nil:
				m, body, ok := strings.Cut(string(b), "\n")
				if !ok {
					t.Fatalf("%s.request: no newline after the method", base)
				}
				wantMethod, wantBody = m, body
				posts++
			case !os.IsNotExist(err):
				t.Fatal(err)
			}
			target := DocTarget("127.0.0.1:9", parts[0]+".json")
			method, body, err := RosettaRequest(filepath.Join(dir, parts[0]+".yml"), parts[1], target)
			if err != nil {
				t.Fatal(err)
			}
			if method != wantMethod || body != wantBody {
				t.Errorf("Rosetta sends %s %q\njson_exporter sent %s %q", method, body, wantMethod, wantBody)
			}
		})
	}
	if posts < 5 {
		t.Errorf("%d .request goldens, want one per module of bodies.yml", posts)
	}
}
