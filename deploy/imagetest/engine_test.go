package imagetest

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// engine runs buildah and podman on a private storage root (vfs, so no
// overlay or fuse is needed), leaving the machine's own image store alone.
type engine struct {
	root, runroot string
}

func newEngine(dir string) *engine {
	return &engine{root: filepath.Join(dir, "root"), runroot: filepath.Join(dir, "run")}
}

func (e *engine) storageArgs() []string {
	return []string{"--root", e.root, "--runroot", e.runroot, "--storage-driver", "vfs"}
}

func (e *engine) buildah(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "buildah", append(e.storageArgs(), args...)...)
}

func (e *engine) podman(ctx context.Context, args ...string) *exec.Cmd {
	base := append(e.storageArgs(), "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file")
	return exec.CommandContext(ctx, "podman", append(base, args...)...)
}

// output runs cmd and returns its trimmed stdout, or an error carrying
// stderr.
func output(cmd *exec.Cmd) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s%s", strings.Join(cmd.Args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// requirePeers fails the test when a tool the container tests need is
// missing.
func requirePeers(t testing.TB) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"buildah", "podman", "runc", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s not found: `make peers` installs buildah, podman and runc (Debian packages)", strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		t.Fatalf("the container tests run rootful podman with vfs storage and need root (euid %d)", os.Geteuid())
	}
}

// repoRoot is the main module's root, two levels above this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Dockerfile")); err != nil {
		t.Fatalf("no Dockerfile at the repository root %s: %v", dir, err)
	}
	return dir
}

// buildImage builds ./cmd/rosetta as a static binary, stages the build
// context the Dockerfile's prebuilt target expects (the binary, the rootfs
// skeleton, the CA bundle) and builds the image. The prebuilt target is used
// because no base image can be pulled on the machines this runs on; it
// needs none.
func buildImage(ctx context.Context, t testing.TB, e *engine, tag string) {
	t.Helper()
	root := repoRoot(t)
	stage := t.TempDir()
	bin := filepath.Join(stage, "rosetta")
	if prebuilt := os.Getenv("ROSETTA_BINARY"); prebuilt != "" {
		// A binary built beforehand (make build), to save a compile.
		if err := exec.CommandContext(ctx, "cp", prebuilt, bin).Run(); err != nil {
			t.Fatalf("copying ROSETTA_BINARY=%s: %v", prebuilt, err)
		}
		// The image has no libc: a dynamically linked binary cannot start.
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatalf("ROSETTA_BINARY=%s: %v", prebuilt, err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Fatalf("ROSETTA_BINARY=%s is dynamically linked; build it with CGO_ENABLED=0 (make build)", prebuilt)
			}
		}
	} else {
		build := exec.CommandContext(ctx, "go", "build", "-trimpath",
			"-ldflags", "-s -w -X github.com/prometheus/common/version.Version=imagetest",
			"-o", bin, "./cmd/rosetta")
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building ./cmd/rosetta failed, so there is no binary to put in the image: %v\n%s", err, out)
		}
	}
	img := filepath.Join(stage, "deploy", "image")
	if err := os.MkdirAll(img, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exec.CommandContext(ctx, "cp", "-a", filepath.Join(root, "deploy", "image", "rootfs"), img).Run(); err != nil {
		t.Fatalf("copying the rootfs skeleton: %v", err)
	}
	ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("the image carries the build machine's CA bundle (Debian package ca-certificates): %v", err)
	}
	if err := os.WriteFile(filepath.Join(img, "ca-certificates.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := output(e.buildah(ctx, "bud", "--isolation", "chroot", "--target", "prebuilt",
		"--build-arg", "VERSION=imagetest", "-f", filepath.Join(root, "Dockerfile"), "-t", tag, stage))
	if err != nil {
		t.Fatalf("buildah bud: %v", err)
	}
	t.Logf("built %s", lastLine(out))
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// ulimitArgs keeps the container's rlimits within the caller's: podman's
// defaults (1048576 open files, 4194304 processes) cannot be set where the
// caller lacks CAP_SYS_RESOURCE, as in many CI sandboxes.
func ulimitArgs(t testing.TB) []string {
	t.Helper()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	nofile := min(rl.Max, 65536)
	return []string{"--ulimit", fmt.Sprintf("nofile=%d:%d", nofile, nofile), "--ulimit", "nproc=4096:4096"}
}

// container is one running container with its published ports.
type container struct {
	e    *engine
	name string
	web  string // host:port of 9102/tcp
	udp  string // host:port of 9125/udp
	tcp  string // host:port of 9125/tcp
}

// runContainer starts the image with the web and StatsD ports published on
// random loopback ports, a read-only root filesystem and the given extra
// podman options and rosetta arguments.
func runContainer(ctx context.Context, t testing.TB, e *engine, image, name string, podmanOpts, args []string) *container {
	t.Helper()
	runArgs := []string{"run", "-d", "--name", name, "--read-only",
		"-p", "127.0.0.1::9102/tcp", "-p", "127.0.0.1::9125/udp", "-p", "127.0.0.1::9125/tcp"}
	runArgs = append(runArgs, ulimitArgs(t)...)
	runArgs = append(runArgs, podmanOpts...)
	runArgs = append(runArgs, image)
	runArgs = append(runArgs, args...)
	if _, err := output(e.podman(ctx, runArgs...)); err != nil {
		t.Fatalf("podman run: %v", err)
	}
	c := &container{e: e, name: name}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := e.podman(context.Background(), "logs", name).CombinedOutput()
			t.Logf("logs of %s:\n%s", name, logs)
		}
		_, _ = output(e.podman(context.Background(), "rm", "-f", "-t", "5", name))
	})
	for port, dst := range map[string]*string{"9102/tcp": &c.web, "9125/udp": &c.udp, "9125/tcp": &c.tcp} {
		out, err := output(e.podman(ctx, "port", name, port))
		if err != nil {
			t.Fatalf("podman port: %v", err)
		}
		*dst = strings.Replace(lastLine(out), "0.0.0.0", "127.0.0.1", 1)
	}
	return c
}

// pid is the host pid of the container's process.
func (c *container) pid(ctx context.Context, t testing.TB) int {
	t.Helper()
	out, err := output(c.e.podman(ctx, "inspect", "--format", "{{.State.Pid}}", c.name))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(out)
	if err != nil || pid <= 0 {
		t.Fatalf("container %s has no running process (pid %q)", c.name, out)
	}
	return pid
}

// waitReady polls /-/ready until it answers 200 and returns how long that
// took from start.
func (c *container) waitReady(ctx context.Context, t testing.TB, start time.Time) time.Duration {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		code, body, err := httpGet(ctx, "http://"+c.web+"/-/ready")
		if err == nil && code == http.StatusOK {
			return time.Since(start)
		}
		last = fmt.Sprintf("status %d, body %q, err %v", code, body, err)
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("/-/ready not 200 within 60s; last: %s", last)
	return 0
}

var client = &http.Client{Timeout: 5 * time.Second}

func httpGet(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// metrics fetches /metrics in the text format.
func (c *container) metrics(ctx context.Context, t testing.TB) string {
	t.Helper()
	code, body, err := httpGet(ctx, "http://"+c.web+"/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d, err %v, body %q", code, err, body)
	}
	return body
}

// sample finds the value of the series name{labels} in a text exposition;
// labels is the exact label set as exposed (`key="a"`), or "" for none.
func sample(body, name, labels string) (float64, bool) {
	want := name
	if labels != "" {
		want += "{" + labels + "}"
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		series, value, ok := strings.Cut(line, " ")
		if !ok || series != want {
			continue
		}
		value, _, _ = strings.Cut(value, " ")
		v, err := strconv.ParseFloat(value, 64)
		return v, err == nil
	}
	return 0, false
}

var metricLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+( \S+)?$`)

// checkExposition checks that every line of body is a comment or a sample
// line, so what the container serves parses as the text format.
func checkExposition(body string) error {
	var errs []error
	for i, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		if strings.HasPrefix(line, "#") || metricLine.MatchString(line) {
			continue
		}
		errs = append(errs, fmt.Errorf("line %d: %q", i+1, line))
		if len(errs) > 5 {
			break
		}
	}
	return errors.Join(errs...)
}

// sendUDP sends one StatsD datagram.
func sendUDP(t testing.TB, addr, payload string) {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(payload)); err != nil {
		t.Fatal(err)
	}
}

// sendTCP sends newline-terminated StatsD lines over one TCP connection.
func sendTCP(t testing.TB, addr string, lines ...string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		t.Fatal(err)
	}
}

// eventually calls check every interval until it returns "" or 60 seconds
// pass, then fails with the last message. before, if not nil, runs before
// each check (to resend a datagram that the first try may have lost).
func eventually(t testing.TB, what string, before func(), check func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for {
		if before != nil {
			before()
		}
		if last = check(); last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60s: %s", what, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// procStatus reads fields of /proc/<pid>/status.
func procStatus(t testing.TB, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return m
}

// mountOptions returns the per-mount options of the mount at target as the
// process pid sees it.
func mountOptions(t testing.TB, pid int, target string) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		t.Fatal(err)
	}
	var opts []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[4] == target {
			opts = strings.Split(f[5], ",") // the last mount on target wins
		}
	}
	if opts == nil {
		t.Fatalf("no mount on %s in /proc/%d/mountinfo", target, pid)
	}
	return opts
}
