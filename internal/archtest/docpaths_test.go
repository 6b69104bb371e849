package archtest

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

var (
	// codeSpan is a backticked span of markdown.
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	// pathLike is what a repository path looks like: no spaces, flags,
	// calls or URLs.
	pathLike = regexp.MustCompile(`^\.?[A-Za-z0-9_][A-Za-z0-9_./<>-]*$`)
	// fileExt is how the names of files the docs point at end.
	fileExt = regexp.MustCompile(`\.(go|md|yml|yaml|proto|html|json|mod)$`)
)

// docPaths returns the repository paths a markdown line names in
// backticks, each with the directory its bare file names are relative to.
// A span is a path when it has a slash (`inputs/jmx`, `.ci/install-peers`,
// `outputs/...`) or ends like a file (`config.go`, `.golangci.yml`); a bare
// file name is in the directory of the last path before it on the same
// line (a table row names its package, then the package's files; a
// top-level directory named without a slash, `mappings`, counts), or at
// the root when none came before (a dotfile is always at the root). Paths with a placeholder
// (`inputs/<type>/`), and bare names after one, are skipped; so are URL
// paths (`/metrics`) and Go identifiers (`inputs.Schedule`).
func docPaths(line string) []string {
	var out []string
	dir, placeholder := "", false
	for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
		s := m[1]
		if !pathLike.MatchString(s) || strings.HasPrefix(s, "/") {
			continue
		}
		slash := strings.Contains(s, "/")
		s = strings.TrimSuffix(strings.TrimSuffix(s, "..."), "/")
		switch {
		case slash:
			placeholder = strings.Contains(s, "<")
			if placeholder {
				continue
			}
			out = append(out, s)
			dir = s
			if fileExt.MatchString(s) {
				dir = path.Dir(s)
			}
		case fileExt.MatchString(s) && !strings.Contains(s, "<"):
			if placeholder {
				continue
			}
			if strings.HasPrefix(s, ".") {
				out = append(out, s) // a dotfile of the root: .golangci.yml
				continue
			}
			out = append(out, path.Join(dir, s))
		case isRootDir(s):
			// A top-level package named in prose (`mappings`): the
			// directory of the bare file names after it.
			dir, placeholder = s, false
		}
	}
	return out
}

// isRootDir reports whether name is a directory at the repository root.
func isRootDir(name string) bool {
	fi, err := os.Stat(filepath.Join(root, name))
	return err == nil && fi.IsDir()
}

// TestArchitectureDocPathsExist fails when docs/architecture.md names a
// file or directory of the repository that does not exist (renamed,
// split, moved), so the newcomer's map cannot go stale silently.
func TestArchitectureDocPathsExist(t *testing.T) {
	checked := 0
	eachDocLine(t, func(pos, line string) {
		for _, p := range docPaths(line) {
			checked++
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
				t.Errorf("%s names `%s`, which does not exist in the repository", pos, p)
			}
		}
	})
	if checked < 50 {
		t.Fatalf("%s: only %d paths found; is the path extraction broken?", archDoc, checked)
	}
}

// archDoc is the newcomer's map the doc tests check.
const archDoc = "docs/architecture.md"

// eachDocLine calls f with each line of archDoc and its position
// ("docs/architecture.md:12").
func eachDocLine(t *testing.T, f func(pos, line string)) {
	t.Helper()
	file, err := os.Open(filepath.Join(root, archDoc))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for n := 1; sc.Scan(); n++ {
		f(fmt.Sprintf("%s:%d", archDoc, n), sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestDocPaths checks the extraction on the shapes the doc uses.
func TestDocPaths(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"| x | `inputs/statsd/parse.go` (parser), `template.go`; `diff_test.go` |", []string{"inputs/statsd/parse.go", "inputs/statsd/template.go", "inputs/statsd/diff_test.go"}},
		{"| x | `outputs/...` | `normalize`, `internal/tick` |", []string{"outputs", "internal/tick"}},
		{"see `inputs/jmx/internal/rmi` (`client.go`), `.golangci.yml`", []string{"inputs/jmx/internal/rmi", "inputs/jmx/internal/rmi/client.go", ".golangci.yml"}},
		{"`.golangci.yml` and `Makefile`", []string{".golangci.yml"}},
		{"one file per format in `mappings`: `formats.go`", []string{"mappings/formats.go"}},
		{"a new `inputs/<type>/` package with `config.go`; docs in `docs/<type>.md`", nil},
		{"`GET /metrics`, `/metrics`, `inputs.Schedule`, `--web.config.file`, `go test ./internal/archtest`", nil},
	} {
		got := docPaths(tc.line)
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("docPaths(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}
