package imagetest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dockerfileStages splits the Dockerfile into its stages by name, each a
// list of instructions with continuation lines joined and comments dropped.
func dockerfileStages(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string][]string{}
	var cur string
	var inst strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if inst.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, "\\"); ok {
			inst.WriteString(cont + " ")
			continue
		}
		inst.WriteString(trimmed)
		full := strings.Join(strings.Fields(inst.String()), " ")
		inst.Reset()
		if f := strings.Fields(full); strings.EqualFold(f[0], "FROM") {
			cur = ""
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				cur = f[3]
			}
		}
		stages[cur] = append(stages[cur], full)
	}
	return stages
}

// TestDockerfileTargets keeps the two final targets (the source build and
// the prebuilt one) the shared runtime stage plus the CA bundle and the
// binary, so what the tests check of `prebuilt` holds for the default
// image; and the golang stage after prebuilt, so that a builder that builds
// every stage before the target pulls nothing for --target prebuilt.
func TestDockerfileTargets(t *testing.T) {
	stages := dockerfileStages(t)
	for name, want := range map[string][]string{
		"prebuilt": {
			"FROM runtime AS prebuilt",
			"COPY deploy/image/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
			"COPY rosetta /rosetta",
		},
		"rosetta": {
			"FROM runtime AS rosetta",
			"COPY --from=build /out/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
			"COPY --from=build /out/rosetta /rosetta",
		},
	} {
		if diff := cmp.Diff(want, stages[name]); diff != "" {
			t.Errorf("stage %s (-want +got):\n%s", name, diff)
		}
	}
	for _, want := range []string{"FROM scratch AS runtime", "USER 65532:65532", `ENTRYPOINT ["/rosetta"]`, "EXPOSE 9102/tcp 9125/udp 9125/tcp"} {
		if !slices.Contains(stages["runtime"], want) {
			t.Errorf("the runtime stage lacks %q", want)
		}
	}
	// The stages in order: the default target is the last.
	var order []string
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "FROM" && f[2] == "AS" {
			order = append(order, f[3])
		}
	}
	if want := []string{"runtime", "prebuilt", "build", "rosetta"}; !slices.Equal(order, want) {
		t.Errorf("stages in the order %v, want %v", order, want)
	}
}
