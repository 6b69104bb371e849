package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// configMapDir lays out a directory the way the kubelet lays out a
// ConfigMap volume (pkg/volume/util/atomic_writer.go): the files live in a
// timestamped hidden directory, ..data is a symlink to it, and every key is
// a symlink through ..data. update swaps the content atomically the same
// way: a new timestamped directory, a ..data_tmp symlink renamed over
// ..data, new and removed key symlinks, and the old directory removed.
type configMapDir struct {
	t   *testing.T
	dir string
	gen int
}

func newConfigMapDir(t *testing.T, files map[string]string) *configMapDir {
	t.Helper()
	c := &configMapDir{t: t, dir: t.TempDir()}
	c.update(files)
	return c
}

func (c *configMapDir) path(key string) string { return filepath.Join(c.dir, key) }

func (c *configMapDir) update(files map[string]string) {
	c.t.Helper()
	c.gen++
	ts := fmt.Sprintf("..2026_11_22_10_%02d_00.%09d", c.gen, c.gen)
	tsDir := filepath.Join(c.dir, ts)
	if err := os.Mkdir(tsDir, 0o755); err != nil {
		c.t.Fatal(err)
	}
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(tsDir, k), []byte(v), 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
	var oldTS string
	if target, err := os.Readlink(filepath.Join(c.dir, "..data")); err == nil {
		oldTS = target
	}
	tmp := filepath.Join(c.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		c.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, "..data")); err != nil {
		c.t.Fatal(err)
	}
	// Key symlinks: add new keys, remove vanished ones.
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if name[0] == '.' {
			continue
		}
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(c.dir, name)); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	for k := range files {
		link := filepath.Join(c.dir, k)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", k), link); err != nil {
			c.t.Fatal(err)
		}
	}
	if oldTS != "" {
		if err := os.RemoveAll(filepath.Join(c.dir, oldTS)); err != nil {
			c.t.Fatal(err)
		}
	}
}

func TestConfigMapLayoutIsWhatKubeletWrites(t *testing.T) {
	c := newConfigMapDir(t, map[string]string{"rosetta.yml": "a"})
	c.update(map[string]string{"rosetta.yml": "b"})
	target, err := os.Readlink(c.path("rosetta.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if target != filepath.Join("..data", "rosetta.yml") {
		t.Errorf("key symlink points at %q", target)
	}
	data, err := os.Readlink(c.path("..data"))
	if err != nil {
		t.Fatal(err)
	}
	if data != "..2026_11_22_10_02_00.000000002" {
		t.Errorf("..data points at %q", data)
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"..2026_11_22_10_02_00.000000002", "..data", "rosetta.yml"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
	if b, _ := os.ReadFile(c.path("rosetta.yml")); string(b) != "b" {
		t.Errorf("content %q, want b", b)
	}
}

func TestCheckConfigMap(t *testing.T) {
	type step struct {
		name    string
		apply   func(c *configMapDir)
		changed []string // keys
	}
	base := map[string]string{
		"rosetta.yml": "inputs: []\n",
		"mapping.yml": "mappings: []\n",
		"other.txt":   "not watched",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "nothing changes",
			steps: []step{
				{name: "idle", apply: func(*configMapDir) {}},
				{name: "resync with same content", apply: func(c *configMapDir) { c.update(base) }},
			},
		},
		{
			name: "mapping file swapped",
			steps: []step{
				{name: "swap", apply: func(c *configMapDir) { c.update(with("mapping.yml", "mappings: [x]\n")) }, changed: []string{"mapping.yml"}},
				{name: "reported once", apply: func(*configMapDir) {}},
			},
		},
		{
			name: "only an unwatched key changes",
			steps: []step{
				{name: "swap", apply: func(c *configMapDir) { c.update(with("other.txt", "changed")) }},
			},
		},
		{
			name: "both files in one swap",
			steps: []step{
				{name: "swap", apply: func(c *configMapDir) {
					c.update(with("mapping.yml", "m2", "rosetta.yml", "r2"))
				}, changed: []string{"mapping.yml", "rosetta.yml"}},
			},
		},
		{
			name: "key removed then restored",
			steps: []step{
				{name: "remove", apply: func(c *configMapDir) { c.update(with("mapping.yml", "")) }, changed: []string{"mapping.yml"}},
				{name: "still gone", apply: func(*configMapDir) {}},
				{name: "restore", apply: func(c *configMapDir) { c.update(base) }, changed: []string{"mapping.yml"}},
			},
		},
		{
			name: "two swaps between polls back to the start",
			steps: []step{
				{name: "ABA", apply: func(c *configMapDir) {
					c.update(with("mapping.yml", "other"))
					c.update(base)
				}},
			},
		},
		{
			name: "file written in place (not a ConfigMap)",
			steps: []step{
				{name: "write through the symlinks", apply: func(c *configMapDir) {
					if err := os.WriteFile(c.path("rosetta.yml"), []byte("edited"), 0o644); err != nil {
						t.Fatal(err)
					}
				}, changed: []string{"rosetta.yml"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfigMapDir(t, base)
			w := New(nil, []string{c.path("rosetta.yml"), c.path("mapping.yml")}, time.Second)
			for _, s := range tt.steps {
				s.apply(c)
				var want []string
				for _, k := range s.changed {
					want = append(want, c.path(k))
				}
				if diff := cmp.Diff(want, w.Check()); diff != "" {
					t.Errorf("step %q: changed (-want +got):\n%s", s.name, diff)
				}
			}
		})
	}
}

func TestUnreadableAndDanglingCountAsChanges(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "rosetta.yml")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	w := New(nil, []string{f}, 0)
	if w.Interval() != DefaultInterval {
		t.Errorf("interval %v, want default %v", w.Interval(), DefaultInterval)
	}
	// A directory where a file was: reading fails with an error that is not
	// "not exist".
	if err := os.Remove(f); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(f, 0o755); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{f}, w.Check()); diff != "" {
		t.Errorf("file replaced by a directory (-want +got):\n%s", diff)
	}
	if err := os.Remove(f); err != nil {
		t.Fatal(err)
	}
	// A dangling symlink reads as missing: a change from unreadable.
	if err := os.Symlink(filepath.Join(dir, "nowhere"), f); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{f}, w.Check()); diff != "" {
		t.Errorf("dangling symlink (-want +got):\n%s", diff)
	}
	if got := w.Check(); got != nil {
		t.Errorf("still dangling: changed %v", got)
	}
}

func TestSetPaths(t *testing.T) {
	c := newConfigMapDir(t, map[string]string{"rosetta.yml": "r", "a.yml": "a", "b.yml": "b"})
	w := New(nil, []string{c.path("rosetta.yml"), c.path("a.yml"), "", c.path("a.yml")}, time.Second)
	if diff := cmp.Diff([]string{c.path("a.yml"), c.path("rosetta.yml")}, w.Paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	// rosetta.yml changes, then the reload that reads it switches from
	// a.yml to b.yml before the watcher polls again.
	c.update(map[string]string{"rosetta.yml": "r2", "a.yml": "a", "b.yml": "b"})
	w.SetPaths([]string{c.path("rosetta.yml"), c.path("b.yml")})
	// The change to a path still watched is still reported; the newly
	// added path is not.
	if diff := cmp.Diff([]string{c.path("rosetta.yml")}, w.Check()); diff != "" {
		t.Errorf("after SetPaths (-want +got):\n%s", diff)
	}
	// The path no longer watched is ignored; the new one is watched.
	c.update(map[string]string{"rosetta.yml": "r2", "a.yml": "a2", "b.yml": "b2"})
	if diff := cmp.Diff([]string{c.path("b.yml")}, w.Check()); diff != "" {
		t.Errorf("after swap (-want +got):\n%s", diff)
	}
}

func TestRunCallsBackAndStops(t *testing.T) {
	c := newConfigMapDir(t, map[string]string{"mapping.yml": "v1"})
	w := New(nil, []string{c.path("mapping.yml")}, 5*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan string, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx, func() {
			b, err := os.ReadFile(c.path("mapping.yml"))
			if err != nil {
				calls <- "error: " + err.Error()
				return
			}
			calls <- string(b)
			// The reload path may change the watched set from the callback.
			w.SetPaths(w.Paths())
		})
	}()
	var got []string
	for _, v := range []string{"v2", "v3"} {
		c.update(map[string]string{"mapping.yml": v})
		select {
		case s := <-calls:
			got = append(got, s)
		case <-time.After(30 * time.Second):
			t.Fatalf("no callback within 30s after swapping in %s", v)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if diff := cmp.Diff([]string{"v2", "v3"}, got); diff != "" {
		t.Errorf("callbacks saw (-want +got):\n%s", diff)
	}
	select {
	case s := <-calls:
		t.Errorf("extra callback: %q", s)
	default:
	}
	if !slices.Equal(w.Paths(), []string{c.path("mapping.yml")}) {
		t.Errorf("paths changed: %v", w.Paths())
	}
}

func BenchmarkCheck(b *testing.B) {
	for _, size := range []int{4 << 10, 256 << 10} {
		b.Run(fmt.Sprintf("3files_%dKiB", size>>10), func(b *testing.B) {
			dir := b.TempDir()
			var paths []string
			for i := range 3 {
				p := filepath.Join(dir, fmt.Sprintf("f%d.yml", i))
				if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
					b.Fatal(err)
				}
				paths = append(paths, p)
			}
			w := New(nil, paths, time.Second)
			b.SetBytes(int64(3 * size))
			b.ReportAllocs()
			for b.Loop() {
				if ch := w.Check(); ch != nil {
					b.Fatalf("changed: %v", ch)
				}
			}
		})
	}
}
