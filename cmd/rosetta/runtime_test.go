package main

import (
	"os"
	"path/filepath"
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
