package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rosetta-adapter/rosetta/internal/testutil"
)

// TestVersionFromGoBuild builds the binary the Go way — go build with VCS
// stamping and no ldflags — from a git repository holding this working
// tree, and checks that `rosetta version` and the landing page show the
// module version (the tag), the commit and its time; after an uncommitted
// change, the +dirty version and the -modified revision.
func TestVersionFromGoBuild(t *testing.T) {
	testutil.SkipShort(t, "two rosetta builds from a copy of the repository")
	git := testutil.Peer(t, "git", "git")
	gotool := testutil.GoTool(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// A fresh repository with the working tree as one commit: the build
	// sees the code under test, in a plain clone (go's VCS stamping does
	// not follow git worktrees).
	src := filepath.Join(t.TempDir(), "src")
	run := func(dir string, env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	files := run(root, nil, git, "ls-files", "-co", "--exclude-standard", "-z")
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		fi, err := os.Lstat(filepath.Join(root, f))
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the tree, or a symlink to installed peers
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, f), data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	const commitTime = "2026-01-02T03:04:05Z"
	gitEnv := []string{"GIT_AUTHOR_DATE=" + commitTime, "GIT_COMMITTER_DATE=" + commitTime,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1"}
	run(src, gitEnv, git, "init", "-q", ".")
	run(src, gitEnv, git, "add", "-A")
	run(src, gitEnv, git, "commit", "-q", "-m", "test")
	run(src, gitEnv, git, "tag", "v0.42.0")
	commit := strings.TrimSpace(run(src, gitEnv, git, "rev-parse", "HEAD"))

	bin := filepath.Join(t.TempDir(), "rosetta")
	build := func() {
		t.Helper()
		// GOFLAGS overrides a -buildvcs=false set in the go env.
		run(src, []string{"GOFLAGS=-buildvcs=true", "CGO_ENABLED=0"}, gotool, "build", "-o", bin, "./cmd/rosetta")
	}

	build()
	out := run(src, nil, bin, "version")
	for _, want := range []string{
		"rosetta, version v0.42.0 (branch: , revision: " + commit + ")",
		"build date:       " + commitTime,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rosetta version does not say %q:\n%s", want, out)
		}
	}
	web := testutil.FreeAddr(t)
	p := startProcess(t, bin, "--web.listen-address="+web, "--statsd.listen-udp="+testutil.FreeAddr(t), "--statsd.listen-tcp=", "--config.watch-interval=0")
	p.waitReady(t, "http://"+web+"/", 30*time.Second)
	resp, err := http.Get("http://" + web + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "(version=v0.42.0, branch=, revision=" + commit + ")"; !strings.Contains(string(page), want) {
		t.Errorf("landing page does not show %q:\n%s", want, page)
	}

	// An uncommitted change.
	f, err := os.OpenFile(filepath.Join(src, "README.md"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\nlocal change\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	build()
	out = run(src, nil, bin, "version")
	if want := regexp.MustCompile(`version v0\.42\.0\+dirty \(branch: , revision: ` + commit + `-modified\)`); !want.MatchString(out) {
		t.Errorf("after a local change, rosetta version does not match %s:\n%s", want, out)
	}
}
