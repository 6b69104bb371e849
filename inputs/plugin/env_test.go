package plugin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosetta-adapter/rosetta/inputs"
)

// TestPluginEnvironment: a plugin gets only the variables its env: lists
// (and go-plugin's handshake variables), not Rosetta's environment, where
// secrets such as a password_env live, unless inherit_env is set. The
// "plugin" is a shell script that prints its environment to stderr and
// exits; the failed handshake's error quotes its stderr.
func TestPluginEnvironment(t *testing.T) {
	t.Setenv("ROSETTA_TEST_SECRET", "hunter2")
	script := filepath.Join(t.TempDir(), "envdump")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n/usr/bin/env | /bin/grep -E '^(LISTED|ROSETTA_TEST_SECRET)=' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		inherit    bool
		wantSecret bool
	}{{false, false}, {true, true}} {
		cfg := DefaultConfig
		cfg.Path = script
		cfg.Env = map[string]string{"LISTED": "yes"}
		cfg.InheritEnv = tc.inherit
		cfg.StartTimeout = 5 * time.Second
		d, err := New(inputs.Settings{Name: "env", Registerer: prometheus.NewRegistry()}, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.launch(context.Background())
		if err == nil {
			t.Fatal("the script passed the handshake")
		}
		msg := err.Error()
		if !strings.Contains(msg, "LISTED=yes") {
			t.Fatalf("inherit_env %v: the listed variable is missing: %v", tc.inherit, msg)
		}
		if got := strings.Contains(msg, "ROSETTA_TEST_SECRET"); got != tc.wantSecret {
			t.Errorf("inherit_env %v: Rosetta's environment passed: %v (%v)", tc.inherit, got, msg)
		}
	}
	if DefaultConfig.InheritEnv {
		t.Error("inherit_env is on by default")
	}
}

// TestLineWriterLinear: one write of 100,000 lines is logged line by line
// in time linear in its size (each line used to copy the whole rest).
func TestLineWriterLinear(t *testing.T) {
	n := 0
	w := &lineWriter{log: func(string) { n++ }}
	chunk := strings.Repeat("a log line\n", 100000)
	start := time.Now()
	if _, err := w.Write([]byte(chunk + "partial")); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("%v for one 1.1 MB write", el)
	}
	if n != 100000 || string(w.buf) != "partial" {
		t.Errorf("%d lines, %q left", n, w.buf)
	}
	_, _ = w.Write([]byte(" end\n"))
	if n != 100001 || len(w.buf) != 0 {
		t.Errorf("%d lines, %q left", n, w.buf)
	}
}
