package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestReadMemoryMax(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]int64{
		"536870912\n": 536870912,
		"max\n":       0,
		"":            0,
		"garbage":     0,
		"-1":          0,
	} {
		f := filepath.Join(dir, "memory.max")
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, ok := readMemoryMax(f)
		if got != want || ok != (want > 0) {
			t.Errorf("readMemoryMax(%q) = %d, %v; want %d", content, got, ok, want)
		}
	}
	if _, ok := readMemoryMax(filepath.Join(dir, "missing")); ok {
		t.Error("a missing file gave a limit")
	}
}

// TestTuneRuntimeProcs: input workers get Go's default GOMAXPROCS and the
// process one more (for socket readers), unless GOMAXPROCS is set.
func TestTuneRuntimeProcs(t *testing.T) {
	orig := runtime.GOMAXPROCS(0)
	gc := debug.SetGCPercent(100)
	t.Cleanup(func() {
		runtime.GOMAXPROCS(orig)
		debug.SetGCPercent(gc)
	})
	logger := slog.New(slog.DiscardHandler)
	t.Setenv("GOMEMLIMIT", "1GiB") // leave the memory limit alone
	t.Setenv("GOMAXPROCS", "")
	runtime.GOMAXPROCS(3)
	if w := tuneRuntime(logger); w != 3 || runtime.GOMAXPROCS(0) != 4 {
		t.Errorf("default: %d workers, GOMAXPROCS %d; want 3 and 4", w, runtime.GOMAXPROCS(0))
	}
	t.Setenv("GOMAXPROCS", "3")
	runtime.GOMAXPROCS(3)
	if w := tuneRuntime(logger); w != 3 || runtime.GOMAXPROCS(0) != 3 {
		t.Errorf("GOMAXPROCS=3: %d workers, GOMAXPROCS %d; want 3 and 3", w, runtime.GOMAXPROCS(0))
	}
}
