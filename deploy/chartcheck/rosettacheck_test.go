package chartcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestConfigFilesPassRosettaCheck runs `rosetta check` (built from the main
// module) on every config and mapping file that the chart and the plain
// manifests put in a ConfigMap, so the examples stay valid as the config
// format evolves.
func TestConfigFilesPassRosettaCheck(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "rosetta")
	build := exec.Command("go", "build", "-o", bin, "./cmd/rosetta")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building ./cmd/rosetta (needed for `rosetta check`): %v\n%s", err, out)
	}

	sources := map[string][]byte{}
	docs, err := render(t, demoChart, map[string]any{}, "1.31.0")
	if err != nil {
		t.Fatal(err)
	}
	sources["rosetta-demo"] = []byte(join(docs))
	nodeDocs, err := render(t, nodeChart, map[string]any{}, "1.31.0")
	if err != nil {
		t.Fatal(err)
	}
	sources["rosetta-node"] = []byte(join(nodeDocs))
	manifests, err := filepath.Glob("../kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range manifests {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources[filepath.Base(f)] = data
	}

	n := 0
	for source, data := range sources {
		for _, obj := range decodeAll(t, source, data) {
			cm, ok := obj.(*corev1.ConfigMap)
			if !ok {
				continue
			}
			// Write the whole ConfigMap first: a config names its mapping
			// files relative to itself, as in the mounted volume.
			dir := t.TempDir()
			for key, content := range cm.Data {
				if err := os.WriteFile(filepath.Join(dir, key), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for key := range cm.Data {
				out, err := exec.Command(bin, "check", filepath.Join(dir, key)).CombinedOutput()
				if err != nil {
					t.Errorf("%s: ConfigMap %s, key %s: rosetta check: %v\n%s", source, cm.Name, key, err, out)
				}
				n++
			}
		}
	}
	if n < 3 {
		t.Errorf("checked %d files, want at least the demo mapping, the JMX config and the StatsD mapping", n)
	}
}
