package imagetest

import (
	"os"
	"path/filepath"
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

// TestDockerfileTargetsAgree keeps the two final targets (the source build
// and the prebuilt one) identical but for where the binary and the CA
// bundle come from, so what the tests check of `prebuilt` holds for the
// default image.
func TestDockerfileTargetsAgree(t *testing.T) {
	stages := dockerfileStages(t)
	src, pre := stages["rosetta"], stages["prebuilt"]
	if src == nil || pre == nil {
		t.Fatalf("Dockerfile stages %v, want rosetta and prebuilt", stages)
	}
	norm := func(insts []string) []string {
		var out []string
		for _, in := range insts {
			switch {
			case strings.HasPrefix(in, "FROM "):
				in = strings.Fields(in)[0] + " " + strings.Fields(in)[1]
			case strings.HasPrefix(in, "COPY --from=build /out/rosetta "), strings.HasPrefix(in, "COPY rosetta "):
				in = "COPY <binary> /rosetta"
			case strings.HasPrefix(in, "COPY --from=build /out/ca-certificates.crt "), strings.HasPrefix(in, "COPY deploy/image/ca-certificates.crt "):
				in = "COPY <ca bundle> /etc/ssl/certs/ca-certificates.crt"
			}
			out = append(out, in)
		}
		return out
	}
	if diff := cmp.Diff(norm(pre), norm(src)); diff != "" {
		t.Errorf("the prebuilt and rosetta targets differ (-prebuilt +rosetta):\n%s", diff)
	}
	// The default target is the last stage.
	var last string
	data, _ := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "FROM" && f[2] == "AS" {
			last = f[3]
		}
	}
	if last != "rosetta" {
		t.Errorf("the last stage (the default target) is %q, want rosetta", last)
	}
	for _, want := range []string{"USER 65532:65532", `ENTRYPOINT ["/rosetta"]`, "EXPOSE 9102/tcp 9125/udp 9125/tcp"} {
		found := false
		for _, in := range src {
			found = found || in == want
		}
		if !found {
			t.Errorf("the rosetta target lacks %q", want)
		}
	}
}
