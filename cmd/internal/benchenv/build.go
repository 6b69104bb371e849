package benchenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// BuildRosetta builds ./cmd/rosetta (the harness runs from the
// repository's root) to out; release builds it as releases are, static
// (CGO_ENABLED=0) and stripped.
func BuildRosetta(out string, release bool) error {
	if err := goBuild("", out, release, "./cmd/rosetta"); err != nil {
		return fmt.Errorf("building rosetta: %w", err)
	}
	return nil
}

// BuildStatsdExporter builds statsd_exporter from the module cache, at the
// version go.mod requires, to out; release as for BuildRosetta.
func BuildStatsdExporter(out string, release bool) error {
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/statsd_exporter").Output()
	if err != nil {
		return fmt.Errorf("locating statsd_exporter: %w", err)
	}
	if err := goBuild(strings.TrimSpace(string(dir)), out, release, ".", "GOFLAGS=-mod=mod"); err != nil {
		return fmt.Errorf("building statsd_exporter: %w", err)
	}
	return nil
}

// goBuild runs go build -trimpath of pkg in dir ("": the current one) to
// out, with env added; the go command's output is in the error.
func goBuild(dir, out string, release bool, pkg string, env ...string) error {
	args := []string{"build", "-trimpath"}
	if release {
		args = append(args, "-ldflags", "-s -w")
		env = append(env, "CGO_ENABLED=0")
	}
	cmd := exec.Command("go", append(args, "-o", out, pkg)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w\n%s", err, b)
	}
	return nil
}
