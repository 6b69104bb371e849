package imagetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T, network string) int {
	t.Helper()
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	default:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
}

// TestPodsRun runs what the Helm chart renders and the StatsD example
// manifest under `podman kube play`, with their ConfigMaps, args, security
// contexts, probes and volumes as they are. The chart's rendering is the
// one for Kubernetes 1.28 (Rosetta as a plain container; the golden file
// chartcheck keeps equal to the chart); the manifest's native sidecar is
// moved to the containers, since podman runs init containers to completion.
// Only the image (the one just built), the pull policy, host ports to reach
// it, and the application containers (their images cannot be pulled here)
// are changed. Each pod must become ready, map StatsD with its own mapping
// file, and run as 65532 with a read-only root, a read-only /etc/rosetta
// and a writable /tmp.
func TestPodsRun(t *testing.T) {
	for _, tc := range []struct {
		name, file     string
		line           string // a StatsD line to send
		series, labels string // what it must become
	}{
		{"chart", filepath.Join("..", "chartcheck", "testdata", "rosetta-demo-k8s-1.28.0.yaml"),
			"demo.home.requests:1|c", "demo_requests_total", `endpoint="home"`},
		{"statsd-app manifest", filepath.Join("..", "kubernetes", "statsd-app.yaml"),
			"shop.cart.requests:1|c|#region:eu", "shop_requests_total", `endpoint="cart",region="eu"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testPodRuns(t, tc.file, tc.line, tc.series, tc.labels)
		})
	}
}

func testPodRuns(t *testing.T, file, line, series, labels string) {
	ctx := testContext(t)
	img := image(ctx, t)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	webPort, statsdPort := freePort(t, "tcp"), freePort(t, "udp")
	var out [][]byte
	var podName string
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "ConfigMap":
			out = append(out, doc)
		case "Deployment":
			var d appsv1.Deployment
			if err := yaml.UnmarshalStrict(doc, &d); err != nil {
				t.Fatal(err)
			}
			spec := &d.Spec.Template.Spec
			for _, ic := range spec.InitContainers {
				if ic.Name == "rosetta" {
					ic.RestartPolicy = nil
					spec.Containers = append(spec.Containers, ic)
				}
			}
			spec.InitContainers = slices.DeleteFunc(spec.InitContainers, func(c corev1.Container) bool { return c.Name == "rosetta" })
			spec.Containers = slices.DeleteFunc(spec.Containers, func(c corev1.Container) bool { return c.Name != "rosetta" })
			if len(spec.Containers) != 1 {
				t.Fatalf("rendered Deployment has no rosetta container: %s", doc)
			}
			c := &spec.Containers[0]
			c.Image, c.ImagePullPolicy = img, corev1.PullNever
			for i := range c.Ports {
				switch c.Ports[i].Name {
				case "rosetta-web":
					c.Ports[i].HostPort, c.Ports[i].HostIP = int32(webPort), "127.0.0.1"
				case "statsd-udp":
					c.Ports[i].HostPort, c.Ports[i].HostIP = int32(statsdPort), "127.0.0.1"
				}
			}
			podName = d.Name + "-pod-0"
			b, err := yaml.Marshal(&d)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	if len(out) != 2 || podName == "" {
		t.Fatalf("want a ConfigMap and a Deployment in %s, got %d documents", file, len(out))
	}
	dir := t.TempDir()
	play := filepath.Join(dir, "play.yaml")
	writeFile(t, play, string(bytes.Join(out, []byte("\n---\n"))))
	// kube play has no --ulimit: the same limits as ulimitArgs, through a
	// containers.conf of the test's own.
	conf := filepath.Join(dir, "containers.conf")
	var limits []string
	for _, a := range ulimitArgs(t) {
		if a != "--ulimit" {
			limits = append(limits, fmt.Sprintf("%q", a))
		}
	}
	writeFile(t, conf, "[containers]\ndefault_ulimits = ["+strings.Join(limits, ", ")+"]\n")
	kube := func(ctx context.Context, args ...string) (string, error) {
		cmd := eng.podman(ctx, append([]string{"kube"}, args...)...)
		cmd.Dir = dir // kube play looks for build contexts named after images in its working directory
		cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+conf)
		return output(cmd)
	}
	start := time.Now()
	if _, err := kube(ctx, "play", play); err != nil {
		t.Fatalf("podman kube play of %s: %v", file, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := eng.podman(context.Background(), "logs", podName+"-rosetta").CombinedOutput()
			t.Logf("logs:\n%s", logs)
		}
		_, _ = kube(context.Background(), "down", play)
	})
	c := &container{e: eng, name: podName + "-rosetta", web: fmt.Sprintf("127.0.0.1:%d", webPort), udp: fmt.Sprintf("127.0.0.1:%d", statsdPort)}
	t.Logf("kube play to ready: %v", c.waitReady(ctx, t, start).Round(time.Millisecond))

	eventually(t, "the mapping file maps StatsD", func() { sendUDP(t, c.udp, line) }, func() string {
		if _, ok := sample(c.metrics(ctx, t), series, labels); !ok {
			return fmt.Sprintf("%s{%s} not served", series, labels)
		}
		return ""
	})

	pid := c.pid(ctx, t)
	if st := procStatus(t, pid); st["Uid"] != "65532 65532 65532 65532" || st["CapEff"] != "0000000000000000" {
		t.Errorf("process Uid %q CapEff %q, want 65532 and no capabilities", st["Uid"], st["CapEff"])
	}
	for mount, want := range map[string]string{"/": "ro", "/etc/rosetta": "ro", "/tmp": "rw"} {
		if opts := mountOptions(t, pid, mount); !slices.Contains(opts, want) {
			t.Errorf("%s mounted %v, want %s", mount, opts, want)
		}
	}
}
