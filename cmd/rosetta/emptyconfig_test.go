package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyConfigRefused: a config that runs nothing is an error for run,
// --check-config and check, not a silent adapter with no inputs.
func TestEmptyConfigRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.yml", "")
	comments := write("comments.yml", "# nothing rendered\n")
	noInputs := write("global.yml", "global:\n  ttl: 5m\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"run, empty file", []string{"--config.file", empty, "--web.listen-address", "127.0.0.1:0"}, "the config is empty"},
		{"run subcommand, comments only", []string{"run", "--config.file", comments, "--web.listen-address", "127.0.0.1:0"}, "the config is empty"},
		{"check-config, no inputs", []string{"--config.file", noInputs, "--check-config"}, "global.yml:1:1: config: no inputs"},
		{"check, empty file", []string{"check", empty}, "empty.yml: the file is empty: neither a Rosetta config nor a mapping file"},
		{"check, no inputs", []string{"check", noInputs}, "global.yml:1:1: config: no inputs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tc.args, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code %d, want 1\nstdout: %s\nstderr: %s", code, &stdout, &stderr)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, &stderr)
			}
			if strings.Contains(stdout.String(), "OK") {
				t.Errorf("stdout says OK: %s", &stdout)
			}
		})
	}
}
