package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the check tests")

// TestCheckGolden runs `rosetta check FILE` on each bad file under
// testdata/check (a native config referring to a jmx_exporter config, a
// json_exporter config and a statsd_exporter mapping file, each with
// faults; those files alone; Rosetta rules; empty and syntax-error files)
// and compares exit code and output with FILE.golden: every error once,
// positioned in the file at fault.
func TestCheckGolden(t *testing.T) {
	dir := filepath.Join("testdata", "check")
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.Chdir(wd) }()
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main([]string{"check", name}, &stdout, &stderr)
			got := fmt.Sprintf("exit %d\n%s%s", code, stdout.String(), stderr.String())
			golden := strings.TrimSuffix(name, ".yml") + ".golden"
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -run TestCheckGolden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("rosetta check %s:\n%s\nwant:\n%s", name, got, want)
			}
			if code == 0 {
				t.Errorf("a bad file passed")
			}
			// One position per error: no line starts with two.
			for _, l := range strings.Split(stderr.String(), "\n") {
				if l != "" && !strings.HasPrefix(l, "warning:") && posTwice.MatchString(l) {
					t.Errorf("two positions: %s", l)
				}
			}
		})
	}
}

// posTwice matches a message that carries a second line:col after the
// first position.
var posTwice = regexp.MustCompile(`^[^ ]+:\d+(:\d+)?: .*(^|[ :])\d+:\d+: `)

// TestCheckJSONExporterWarnings: a json_exporter module json_exporter
// loads passes `rosetta check`, which points out, positioned, the paths
// jsonpath rejects and why json_exporter would serve nothing of the module.
func TestCheckJSONExporterWarnings(t *testing.T) {
	dir := t.TempDir()
	cfg := "inputs:\n  - name: app\n    type: json\n    config:\n      targets: [http://127.0.0.1:1/]\n      json_exporter_config: " +
		filepath.Join(wdAbs(t), "testdata", "check", "json_exporter.yml") + "\n"
	file := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"check", file}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{
		`json_exporter.yml:8:20: module default: metrics[0]: value healthy "{.healthy": unclosed action (json_exporter fails it at every probe: never served)`,
		`json_exporter.yml:9:15: module default: metrics[1]: name: a metric needs a name (json_exporter cannot serve one without) (json_exporter serves nothing of module default: every poll fails)`,
	} {
		if !strings.Contains(stderr.String(), "warning: ") || !strings.Contains(stderr.String(), want) {
			t.Errorf("no warning %q in:\n%s", want, stderr.String())
		}
	}
}

func wdAbs(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
