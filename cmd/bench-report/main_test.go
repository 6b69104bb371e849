package main

import (
	"os"
	"testing"
)

func TestParseIdleTable(t *testing.T) {
	out := `| process | RSS MiB | PSS MiB | anon MiB | file MiB | touched in idle MiB | binary MiB | threads | ctx switches/s | CPU ms/s |
|---|---|---|---|---|---|---|---|---|---|
| rosetta | 14.2 | 13.9 | 3.1 | 11.1 | 0.40 | 15.6 | 6 | 2.5 | 0.10 |
| statsd_exporter | 13.5 | 13.1 | 2.1 | 11.4 | 0.30 | 11.2 | 7 | 4.0 | 0.12 |
| rosetta | 99 | 0 | 0 | 0 | 0 | 0 | 0 | 99 | 0 |
`
	ro, se, err := parseIdleTable(out)
	if err != nil {
		t.Fatal(err)
	}
	if ro != (idleResult{14.2, 2.5}) || se != (idleResult{13.5, 4.0}) {
		t.Errorf("got %+v and %+v, want the first row of each server", ro, se)
	}
	for _, bad := range []string{
		"",
		"| process | RSS MiB | ctx switches/s |\n|---|---|---|\n| rosetta | 1 | 2 |\n",
		"| process | RSS MiB | ctx switches/s |\n|---|---|---|\n| rosetta | x | 2 |\n| statsd_exporter | 1 | 2 |\n",
	} {
		if _, _, err := parseIdleTable(bad); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestParseResult(t *testing.T) {
	out := "| table |\nRESULT jmx rosetta_poll_s=0.500 load_start=\"1.0 2.0 3.0\"\nRESULT jmx rosetta_poll_s=0.400 jdk_poll_s=2.000 load_start=\"1.5\"\n"
	kv, err := parseResult(out, "jmx")
	if err != nil {
		t.Fatal(err)
	}
	if kv["rosetta_poll_s"] != "0.400" || kv["jdk_poll_s"] != "2.000" || kv["load_start"] != "1.5" {
		t.Errorf("got %v, want the last RESULT line's values", kv)
	}
	if _, err := parseResult(out, "ingest"); err == nil {
		t.Error("no error without a RESULT line of that kind")
	}
}

func TestRows(t *testing.T) {
	for _, tc := range []struct {
		r                  row
		ratio, target, met string
	}{
		{atMost("m", " B", 700, 10000, 0.07, "%.0f"), "0.070x", "≤ 0.07x", "yes"},
		{atMost("m", " B", 701, 10000, 0.07, "%.0f"), "0.070x", "≤ 0.07x", "no"},
		{atMost("m", " B", 1, 0, 0.07, "%.0f"), "n/a", "≤ 0.07x", "no"},
		{atLeast("m", "", 4e6, 1e6, 4, "%.0f"), "4.00x", "≥ 4x", "yes"},
		{atLeast("m", "", 3.9e6, 1e6, 4, "%.0f"), "3.90x", "≥ 4x", "no"},
		{atLeast("m", "", 3, 1, 0, "%.0f"), "3.00x", "", ""},
	} {
		if tc.r.ratio != tc.ratio || tc.r.target != tc.target || tc.r.met != tc.met {
			t.Errorf("%+v: want ratio %s, target %s, met %q", tc.r, tc.ratio, tc.target, tc.met)
		}
	}
}

// TestIdleParts checks the /proc readings of the fallback idle
// measurement on this very process.
func TestIdleParts(t *testing.T) {
	pid := os.Getpid()
	c0, err := contextSwitches(pid)
	if err != nil || c0 <= 0 {
		t.Fatalf("contextSwitches: %d, %v", c0, err)
	}
}

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{
		"a\nwhy it failed\n\nexit status 1\n": "why it failed",
		"":                                    "no message",
		"only\n":                              "only",
	} {
		if got := lastLine(in); got != want {
			t.Errorf("lastLine(%q) = %q, want %q", in, got, want)
		}
	}
}
