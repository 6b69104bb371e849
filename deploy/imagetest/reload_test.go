package imagetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// configMapDir writes a directory the way the kubelet writes a ConfigMap
// volume (pkg/volume/util/atomic_writer.go): files in a timestamped hidden
// directory, ..data a symlink to it, each key a symlink through ..data; an
// update writes a new timestamped directory and renames a fresh symlink
// over ..data, so readers see the old or the new files, never a mix.
type configMapDir struct {
	t   testing.TB
	dir string
	gen int
}

func newConfigMapDir(t testing.TB, files map[string]string) *configMapDir {
	c := &configMapDir{t: t, dir: t.TempDir()}
	// The container's user (65532) must be able to read the files.
	if err := os.Chmod(c.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c.update(files)
	return c
}

func (c *configMapDir) update(files map[string]string) {
	c.t.Helper()
	c.gen++
	ts := fmt.Sprintf("..2026_11_22_10_%02d_00.%09d", c.gen, c.gen)
	if err := os.Mkdir(filepath.Join(c.dir, ts), 0o755); err != nil {
		c.t.Fatal(err)
	}
	for k, v := range files {
		writeFile(c.t, filepath.Join(c.dir, ts, k), v)
	}
	old, _ := os.Readlink(filepath.Join(c.dir, "..data"))
	tmp := filepath.Join(c.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		c.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, "..data")); err != nil {
		c.t.Fatal(err)
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
	if old != "" {
		if err := os.RemoveAll(filepath.Join(c.dir, old)); err != nil {
			c.t.Fatal(err)
		}
	}
}

// TestContainerConfigMapReload mounts a ConfigMap-style directory into the
// container, swaps the mapping file in it the way the kubelet does, and
// checks that the new rules serve without a restart; then swaps in a broken
// file and checks that it is rejected while the previous rules keep serving;
// then recovers with a good file.
//
// It runs twice: with the mapping file given as statsd_exporter's
// --statsd.mapping-config flag, and named (relative to the config file) in
// a rosetta.yml given as --config.file, which lives in the same ConfigMap.
func TestContainerConfigMapReload(t *testing.T) {
	const config = "inputs:\n  - name: statsd\n    type: statsd\n    mapping_files: [mapping.yml]\n"
	for _, tc := range []struct {
		name  string
		files map[string]string // besides mapping.yml
		args  []string
	}{
		{name: "statsd flag", args: []string{"--statsd.mapping-config=/etc/rosetta/mapping.yml"}},
		{name: "config file", files: map[string]string{"rosetta.yml": config}, args: []string{"--config.file=/etc/rosetta/rosetta.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := func(mapping string) map[string]string {
				m := map[string]string{"mapping.yml": mapping}
				for k, v := range tc.files {
					m[k] = v
				}
				return m
			}
			testConfigMapReload(t, strings.ReplaceAll(tc.name, " ", "-"), files, tc.args)
		})
	}
}

func testConfigMapReload(t *testing.T, name string, files func(mapping string) map[string]string, args []string) {
	ctx := testContext(t)
	img := image(ctx, t)
	cm := newConfigMapDir(t, files(mappingV(1)))
	c := runContainer(ctx, t, eng, img, "rosetta-reload-"+name,
		[]string{"-v", cm.dir + ":/etc/rosetta:ro"}, args)
	c.waitReady(ctx, t, time.Now())
	pid := c.pid(ctx, t)

	// seen waits until reload_v<v>_total{key="<key>"} is served, resending
	// the StatsD line (UDP) until then.
	seen := func(what string, v int, key string) {
		t.Helper()
		series := fmt.Sprintf("reload_v%d_total", v)
		eventually(t, what, func() { sendUDP(t, c.udp, "reload."+key+":1|c") }, func() string {
			if _, ok := sample(c.metrics(ctx, t), series, `key="`+key+`"`); !ok {
				return fmt.Sprintf("%s{key=%q} not served", series, key)
			}
			return ""
		})
	}
	reloadState := func() (successful float64, ok bool, failures float64) {
		body := c.metrics(ctx, t)
		successful, ok = sample(body, "rosetta_config_last_reload_successful", "")
		failures, _ = sample(body, "rosetta_config_reloads_total", `result="failure"`)
		return successful, ok, failures
	}

	seen("rules of the first mapping file serve", 1, "a")

	cm.update(files(mappingV(2)))
	seen("rules of the swapped-in mapping file serve without a restart", 2, "b")

	_, _, failuresBefore := reloadState()
	cm.update(files("mappings:\n  - match: \"reload.*\"\n    name: [broken\n"))
	eventually(t, "the broken mapping file is rejected", nil, func() string {
		if s, ok, f := reloadState(); !ok || s != 0 || f <= failuresBefore {
			return fmt.Sprintf("rosetta_config_last_reload_successful %v (present %v), failures %v (before %v)", s, ok, f, failuresBefore)
		}
		return ""
	})
	seen("the previous rules keep serving after a broken file", 2, "c")
	if code, _, err := httpGet(ctx, "http://"+c.web+"/-/ready"); err != nil || code != 200 {
		t.Errorf("/-/ready after a rejected reload: status %d, err %v", code, err)
	}

	cm.update(files(mappingV(3)))
	seen("a fixed mapping file is picked up", 3, "d")
	if s, ok, _ := reloadState(); !ok || s != 1 {
		t.Errorf("rosetta_config_last_reload_successful %v (present %v) after the fix, want 1", s, ok)
	}

	if now := c.pid(ctx, t); now != pid {
		t.Errorf("the container's process changed from pid %d to %d: it restarted", pid, now)
	}
}
