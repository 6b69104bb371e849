package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every test file in the repository passes.
func TestRosettaTestRepositoryFiles(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runMappingTests([]string{"../../mappings/library", "../../testdata/mappingtests"}, false, &out, &errb); code != 0 {
		t.Fatalf("rosetta test exited %d:\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "0 failed") {
		t.Errorf("output:\n%s", out.String())
	}
}

// A deliberately broken mapping fails with a diff that names the rule that
// made the wrong series, and --update writes a golden file.
func TestRosettaTestBrokenMapping(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mapping.yml", `mappings:
  - match: "app.*.latency"
    name: "app_latency_ms"
    observer_type: histogram
    histogram_options: {buckets: [1]}
    labels: {route: "$1"}
`)
	write("broken.test.yml", `config: mapping.yml
tests:
  - name: latency in seconds
    input_type: statsd
    input: "app.home.latency:250|ms\n"
    expect: |
      app_latency_seconds_bucket{route="home",le="1"} 1
      app_latency_seconds_bucket{route="home",le="+Inf"} 1
      app_latency_seconds_sum{route="home"} 0.25
      app_latency_seconds_count{route="home"} 1
`)
	var out, errb bytes.Buffer
	code := runMappingTests([]string{filepath.Join(dir, "broken.test.yml")}, false, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{
		"FAIL",
		`- app_latency_seconds_count{route="home"} 1    (expected, not produced)`,
		`+ app_latency_ms_count{route="home"} 1    (not expected; rule mapping.yml:2 (match "app.*.latency") from "app.home.latency")`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// --update with an expect_file writes what came out, and then passes.
	write("golden.test.yml", `config: mapping.yml
tests:
  - name: golden
    input_type: statsd
    input: "app.home.latency:250|ms\n"
    expect_file: golden.prom
`)
	out.Reset()
	if code := runMappingTests([]string{filepath.Join(dir, "golden.test.yml")}, true, &out, &errb); code != 0 {
		t.Fatalf("--update exited %d:\n%s", code, out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "golden.prom"))
	if err != nil || !bytes.Contains(b, []byte(`app_latency_ms_count{route="home"} 1`)) {
		t.Fatalf("golden file: %v\n%s", err, b)
	}
	out.Reset()
	if code := runMappingTests([]string{filepath.Join(dir, "golden.test.yml")}, false, &out, &errb); code != 0 {
		t.Fatalf("after --update exited %d:\n%s", code, out.String())
	}
}
