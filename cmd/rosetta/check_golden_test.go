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
