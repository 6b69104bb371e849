package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rosetta-adapter/rosetta/normalize"
	"github.com/rosetta-adapter/rosetta/plugins/sdk/sdktest"
)

func TestCollect(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pid")
	bad := filepath.Join(dir, "bad.pid")
	pid := strconv.Itoa(os.Getpid())
	if err := os.WriteFile(good, []byte(pid+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := sdktest.Start(t, &Driver{Version: "test"}, fmt.Sprintf("pids: [%s]\npid_files: [%s, %s]\n", pid, good, bad))
	if err != nil {
		t.Fatal(err)
	}
	if h.Info.Name != "procstat" || h.Info.Version != "test" {
		t.Errorf("info %v", h.Info)
	}
	recs, err := h.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]normalize.Record{}
	for _, r := range recs {
		byKey[r.Match+r.Labels.String()] = r
	}
	comm := byKey["process_up{pid=\""+pid+"\", comm=\"procstat.test\"}"]
	if comm.Value != 1 {
		var keys []string
		for k := range byKey {
			keys = append(keys, k)
		}
		t.Fatalf("no process_up=1 for pid %s with comm procstat.test; have %s", pid, strings.Join(keys, "\n"))
	}
	if r := byKey[`process_up{pid_file="`+bad+`"}`]; r.Match == "" || r.Value != 0 {
		t.Errorf("bad pid file: %+v, want process_up 0", r)
	}
	for _, m := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "process_threads", "process_open_fds"} {
		k := m + `{pid="` + pid + `", pid_file="` + good + `", comm="procstat.test"}`
		if r, ok := byKey[k]; !ok || r.Value < 0 {
			t.Errorf("missing %s", k)
		}
	}
	if r := byKey[`process_context_switches_total{pid="`+pid+`", comm="procstat.test", type="voluntary"}`]; r.Type != normalize.TypeCounter {
		t.Errorf("context switches: %+v", r)
	}
}

func TestConfigure(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"pids: [1]\n", ""},
		{"{}\n", "0:0: : set pids or pid_files"},
		{"pids: [-1]\npid_files: ['']\n", "0:0: pids[0]: -1 is not a process ID\n0:0: pid_files[0]: \"\" is not a file name"},
		{"pids: [1]\nproc_root: /nonexistent\n", `proc_root: "/nonexistent"`},
		{"pid: 1\n", "1:0: : field pid not found"},
	}
	for _, tc := range tests {
		t.Run(tc.yaml, func(t *testing.T) {
			_, err := sdktest.Start(t, &Driver{}, tc.yaml)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
