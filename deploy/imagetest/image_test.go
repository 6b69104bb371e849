package imagetest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	imageTag = "localhost/rosetta:imagetest"
	// maxImageBytes is the limit on the image size: the image is 21.0 MiB
	// (the stripped binary 20.8) since the injector's Kubernetes types and
	// Remote-Write 1.0's prompb are our own (issue #15; 26.8 MiB with
	// k8s.io/api, which had raised the limit from 25 to 30 MiB); about 2
	// MiB of headroom.
	maxImageBytes = 23 << 20
)

var keepStorage = flag.Bool("keep-storage", false, "keep the private buildah/podman storage directory (its path is logged)")

var (
	storageDir string
	eng        *engine

	buildOnce sync.Once
	built     bool
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "rosetta-imagetest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	storageDir = dir
	eng = newEngine(dir)
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	_ = eng.podman(ctx, "rm", "-a", "-f", "-t", "2").Run()
	cancel()
	if *keepStorage {
		fmt.Fprintln(os.Stderr, "storage kept in", dir)
	} else if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "removing the test storage:", err)
	}
	os.Exit(code)
}

// image builds the image once for all tests of the package.
func image(ctx context.Context, t *testing.T) string {
	t.Helper()
	requirePeers(t)
	buildOnce.Do(func() {
		buildImage(ctx, t, eng, imageTag)
		built = true
	})
	if !built {
		t.Fatal("the image could not be built (see the first test's failure)")
	}
	return imageTag
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestImageMetadataAndSize(t *testing.T) {
	ctx := testContext(t)
	img := image(ctx, t)
	out, err := output(eng.podman(ctx, "image", "inspect", "--format",
		"{{.Size}}|{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.ExposedPorts}}|{{index .Config.Labels \"org.opencontainers.image.source\"}}", img))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(out, "|")
	if len(f) != 5 {
		t.Fatalf("inspect output %q", out)
	}
	size, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("image size: %d bytes (%.1f MiB)", size, float64(size)/(1<<20))
	if size > maxImageBytes {
		t.Errorf("image is %d bytes, over the %d limit", size, maxImageBytes)
	}
	if f[1] != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", f[1])
	}
	if f[2] != `["/rosetta"]` {
		t.Errorf("entrypoint %s, want exec form [\"/rosetta\"]", f[2])
	}
	for _, p := range []string{`"9102/tcp"`, `"9125/udp"`, `"9125/tcp"`} {
		if !strings.Contains(f[3], p) {
			t.Errorf("exposed ports %s lack %s", f[3], p)
		}
	}
	if f[4] == "" {
		t.Error("OCI label org.opencontainers.image.source missing")
	}
}

func TestContainerSmoke(t *testing.T) {
	ctx := testContext(t)
	img := image(ctx, t)
	start := time.Now()
	c := runContainer(ctx, t, eng, img, "rosetta-smoke", nil, nil)
	started := time.Since(start)
	ready := c.waitReady(ctx, t, start)
	t.Logf("start to ready: podman run returned after %v, /-/ready answered 200 after %v",
		started.Round(time.Millisecond), ready.Round(time.Millisecond))

	if code, body, err := httpGet(ctx, "http://"+c.web+"/-/healthy"); err != nil || code != 200 {
		t.Errorf("/-/healthy: status %d, err %v, body %q", code, err, body)
	}
	body := c.metrics(ctx, t)
	if err := checkExposition(body); err != nil {
		t.Errorf("/metrics is not the text format:\n%v", err)
	}
	if !strings.Contains(body, "rosetta_build_info") {
		t.Errorf("/metrics lacks rosetta_build_info:\n%s", body)
	}

	// StatsD over the published UDP port. UDP may lose the first datagram
	// while the port forwarding settles, so it is resent until it shows;
	// the value is then a whole number of sends.
	eventually(t, "StatsD over UDP arrives", func() { sendUDP(t, c.udp, "smoke.udp:3|c") }, func() string {
		// Unmapped StatsD names are named as statsd_exporter names them:
		// dots become underscores, no suffix added.
		if v, ok := sample(c.metrics(ctx, t), "smoke_udp", ""); !ok || v < 3 || v != float64(int(v/3)*3) {
			return fmt.Sprintf("smoke_udp = %v (present %v)", v, ok)
		}
		return ""
	})
	sendTCP(t, c.tcp, "smoke.tcp:2|c", "smoke.tcp:5|c")
	eventually(t, "StatsD over TCP arrives", nil, func() string {
		if v, ok := sample(c.metrics(ctx, t), "smoke_tcp", ""); v != 7 {
			return fmt.Sprintf("smoke_tcp = %v (present %v), want 7", v, ok)
		}
		return ""
	})

	pid := c.pid(ctx, t)
	st := procStatus(t, pid)
	for _, k := range []string{"Uid", "Gid"} {
		if st[k] != "65532 65532 65532 65532" {
			t.Errorf("process %s: %q, want 65532 (real, effective, saved, fs)", k, st[k])
		}
	}
	if st["CapEff"] != "0000000000000000" {
		t.Errorf("process has effective capabilities %s", st["CapEff"])
	}
	if opts := mountOptions(t, pid, "/"); !slices.Contains(opts, "ro") {
		t.Errorf("root filesystem mounted %v, want ro", opts)
	}
	if opts := mountOptions(t, pid, "/tmp"); !slices.Contains(opts, "rw") {
		t.Errorf("/tmp mounted %v, want rw (go-plugin sockets)", opts)
	}

	// SIGTERM ends the process cleanly.
	if _, err := output(eng.podman(ctx, "stop", "-t", "20", c.name)); err != nil {
		t.Fatal(err)
	}
	code, err := output(eng.podman(ctx, "inspect", "--format", "{{.State.ExitCode}}", c.name))
	if err != nil {
		t.Fatal(err)
	}
	if code != "0" {
		t.Errorf("exit code after SIGTERM %s, want 0", code)
	}
}

func TestContainerSubcommands(t *testing.T) {
	ctx := testContext(t)
	img := image(ctx, t)
	base := []string{"run", "--rm", "--read-only", "--network", "none"}
	base = append(base, ulimitArgs(t)...)
	out, err := output(eng.podman(ctx, append(base, img, "version")...))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "rosetta") || !strings.Contains(out, "version") {
		t.Errorf("rosetta version printed %q", out)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	bad := filepath.Join(dir, "bad.yml")
	writeFile(t, good, mappingV(1))
	writeFile(t, bad, "mappings:\n  - match: a.*\n    name: [oops\n")
	mount := []string{"-v", dir + ":/etc/rosetta:ro"}
	if _, err := output(eng.podman(ctx, append(append(slices.Clone(base), mount...), img, "check", "/etc/rosetta/good.yml")...)); err != nil {
		t.Errorf("rosetta check on a good mapping file: %v", err)
	}
	_, err = output(eng.podman(ctx, append(append(slices.Clone(base), mount...), img, "check", "/etc/rosetta/bad.yml")...))
	if err == nil {
		t.Error("rosetta check accepted a broken mapping file")
	} else if !regexp.MustCompile(`/etc/rosetta/bad\.yml:\d+`).MatchString(err.Error()) {
		t.Errorf("rosetta check error has no file:line position: %v", err)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mappingV is a statsd_exporter mapping file whose one rule names its
// series after version v, so the test can tell which rules are serving.
func mappingV(v int) string {
	return fmt.Sprintf(`mappings:
  - match: "reload.*"
    name: "reload_v%d_total"
    labels:
      key: "$1"
`, v)
}
