package imagetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// playPod runs the ConfigMap and Deployment of a manifest file under
// `podman kube play` and returns the Rosetta container, ready. It keeps
// what the file says (ConfigMap, args, security context, probes, volumes)
// and changes only what cannot work here: the image becomes the one just
// built (never pulled), a native sidecar becomes a plain container (podman
// runs init containers to completion), the application containers go
// (their images cannot be pulled), and editConfigMap/editRosetta adjust
// the rest (ports to reach the pod, say).
func playPod(t *testing.T, file string, editConfigMap func(*corev1.ConfigMap), editPod func(*corev1.PodSpec, *corev1.Container)) *container {
	t.Helper()
	ctx := testContext(t)
	img := image(ctx, t)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	var podName string
	add := func(obj any) {
		b, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := yaml.UnmarshalStrict(doc, &cm); err != nil {
				t.Fatal(err)
			}
			if editConfigMap != nil {
				editConfigMap(&cm)
			}
			add(&cm)
		case "Deployment", "DaemonSet":
			var d appsv1.Deployment
			if meta.Kind == "DaemonSet" {
				// podman 4.3's kube play has no DaemonSets: one node, one
				// pod, as a Deployment of the same pod template.
				var ds appsv1.DaemonSet
				if err := yaml.UnmarshalStrict(doc, &ds); err != nil {
					t.Fatal(err)
				}
				d.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
				d.ObjectMeta = ds.ObjectMeta
				d.Spec.Selector, d.Spec.Template = ds.Spec.Selector, ds.Spec.Template
			} else if err := yaml.UnmarshalStrict(doc, &d); err != nil {
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
				// An application without Rosetta (node mode's example
				// app): its image cannot be pulled here.
				continue
			}
			if podName != "" {
				t.Fatalf("%s: more than one workload with Rosetta", file)
			}
			c := &spec.Containers[0]
			c.Image, c.ImagePullPolicy = img, corev1.PullNever
			editPod(spec, c)
			podName = d.Name + "-pod-0"
			add(&d)
		}
	}
	if len(out) != 2 || podName == "" {
		t.Fatalf("want a ConfigMap and a workload with Rosetta in %s, got %d documents", file, len(out))
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
	if _, err := kube(ctx, "play", play); err != nil {
		t.Fatalf("podman kube play of %s: %v", file, err)
	}
	ps := spec(t, out[1])
	c := &container{e: eng, name: podName + "-rosetta", web: webAddr(t, ps), udp: statsdAddr(ps)}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := eng.podman(context.Background(), "logs", c.name).CombinedOutput()
			t.Logf("logs:\n%s", logs)
		}
		_, _ = kube(context.Background(), "down", play)
	})
	return c
}

func spec(t *testing.T, deployment []byte) *corev1.PodSpec {
	t.Helper()
	var d appsv1.Deployment
	if err := yaml.Unmarshal(deployment, &d); err != nil {
		t.Fatal(err)
	}
	return &d.Spec.Template.Spec
}

// webAddr is where the played pod's web endpoint is reached from here: the
// published host port, or with host networking the listen address.
func webAddr(t *testing.T, s *corev1.PodSpec) string {
	t.Helper()
	c := s.Containers[0]
	for _, p := range c.Ports {
		if p.Name == "rosetta-web" && p.HostPort != 0 {
			return fmt.Sprintf("127.0.0.1:%d", p.HostPort)
		}
	}
	for _, a := range c.Args {
		if addr, ok := strings.CutPrefix(a, "--web.listen-address="); ok && s.HostNetwork {
			return addr
		}
	}
	t.Fatal("the played pod's web endpoint cannot be reached from the host")
	return ""
}

func statsdAddr(s *corev1.PodSpec) string {
	for _, p := range s.Containers[0].Ports {
		if p.Name == "statsd-udp" && p.HostPort != 0 {
			return fmt.Sprintf("127.0.0.1:%d", p.HostPort)
		}
	}
	return ""
}

// publish maps the pod's web and StatsD ports to free loopback ports.
func publish(t *testing.T) func(*corev1.PodSpec, *corev1.Container) {
	return func(_ *corev1.PodSpec, c *corev1.Container) {
		for i := range c.Ports {
			switch c.Ports[i].Name {
			case "rosetta-web":
				c.Ports[i].HostPort, c.Ports[i].HostIP = int32(freePort(t, "tcp")), "127.0.0.1"
			case "statsd-udp":
				c.Ports[i].HostPort, c.Ports[i].HostIP = int32(freePort(t, "udp")), "127.0.0.1"
			case "statsd-tcp":
				// podman's kube play publishes a container port without a
				// hostPort on the same host port: never a fixed one here.
				c.Ports[i].HostPort, c.Ports[i].HostIP = int32(freePort(t, "tcp")), "127.0.0.1"
			}
		}
	}
}

// checkConfined checks the played container's process: uid 65532, no
// capabilities, read-only root and config, writable /tmp.
func checkConfined(ctx context.Context, t *testing.T, c *container) {
	t.Helper()
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

// TestStatsDPodsRun plays the Helm chart's rendering (for Kubernetes 1.28,
// Rosetta as a plain container; the golden file chartcheck keeps equal to
// the chart) and the StatsD example manifest: each becomes ready, maps
// StatsD with its own mapping file, and runs confined.
func TestStatsDPodsRun(t *testing.T) {
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
			ctx := testContext(t)
			start := time.Now()
			c := playPod(t, tc.file, nil, publish(t))
			t.Logf("kube play to ready: %v", c.waitReady(ctx, t, start).Round(time.Millisecond))
			eventually(t, "the mapping file maps StatsD", func() { sendUDP(t, c.udp, tc.line) }, func() string {
				if _, ok := sample(c.metrics(ctx, t), tc.series, tc.labels); !ok {
					return fmt.Sprintf("%s{%s} not served", tc.series, tc.labels)
				}
				return ""
			})
			checkConfined(ctx, t, c)
		})
	}
}

// TestNodeModePodRuns plays the node chart's rendering: the DaemonSet's
// pod (as a Deployment: podman has no DaemonSets) with Rosetta as its main
// container and the StatsD hostPort, which is where applications on the
// node send (their node's IP, from the downward API); here the hostPort is
// moved to a free loopback port and StatsD is sent to it from the host, as
// from a pod through the node's IP. The example app's image cannot be
// pulled here; chartcheck checks its wiring.
func TestNodeModePodRuns(t *testing.T) {
	ctx := testContext(t)
	start := time.Now()
	file := filepath.Join("..", "chartcheck", "testdata", "rosetta-node-k8s-1.31.0.yaml")
	var hostPort int32
	c := playPod(t, file, nil, func(s *corev1.PodSpec, rc *corev1.Container) {
		for _, p := range rc.Ports {
			if p.Name == "statsd-udp" {
				hostPort = p.HostPort
			}
		}
		publish(t)(s, rc)
	})
	if hostPort != 9125 {
		t.Errorf("the chart's StatsD hostPort is %d, want 9125", hostPort)
	}
	t.Logf("kube play to ready: %v", c.waitReady(ctx, t, start).Round(time.Millisecond))
	eventually(t, "StatsD through the hostPort is mapped", func() { sendUDP(t, c.udp, "demo.checkout.requests:2|c") }, func() string {
		if _, ok := sample(c.metrics(ctx, t), "demo_requests_total", `endpoint="checkout"`); !ok {
			return "demo_requests_total{endpoint=\"checkout\"} not served"
		}
		return ""
	})
	checkConfined(ctx, t, c)
}

// TestJVMPodRuns plays the JVM example: a real JVM (java from the JDK,
// remote JMX on loopback as the manifest's CATALINA_OPTS set it up) stands
// in for Tomcat, and Rosetta, with the manifest's config and jmx_exporter
// rules, reads it over localhost. The pod uses host networking so that its
// localhost is the JVM's, as a pod's containers share theirs; the JMX and
// web ports are moved to free ones.
func TestJVMPodRuns(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal("java not found: `make peers` installs openjdk-17-jdk-headless")
	}
	ctx := testContext(t)
	jmxPort, webPort := freePort(t, "tcp"), freePort(t, "tcp")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Idle.java"),
		"public class Idle { public static void main(String[] a) throws Exception { Thread.sleep(Long.MAX_VALUE); } }\n")
	jvm := exec.Command(java,
		fmt.Sprintf("-Dcom.sun.management.jmxremote.port=%d", jmxPort),
		fmt.Sprintf("-Dcom.sun.management.jmxremote.rmi.port=%d", jmxPort),
		"-Dcom.sun.management.jmxremote.host=127.0.0.1",
		"-Djava.rmi.server.hostname=127.0.0.1",
		"-Dcom.sun.management.jmxremote.authenticate=false",
		"-Dcom.sun.management.jmxremote.ssl=false",
		"-Xmx64m", filepath.Join(dir, "Idle.java"))
	var jvmOut bytes.Buffer
	jvm.Stdout, jvm.Stderr = &jvmOut, &jvmOut
	if err := jvm.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = jvm.Process.Kill()
		_ = jvm.Wait()
	})
	eventually(t, "the JVM's JMX port listens", nil, func() string {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", jmxPort), time.Second)
		if err != nil {
			return fmt.Sprintf("%v; JVM output: %s", err, jvmOut.String())
		}
		conn.Close()
		return ""
	})

	start := time.Now()
	c := playPod(t, filepath.Join("..", "kubernetes", "jvm-jmx.yaml"),
		func(cm *corev1.ConfigMap) {
			cfg := cm.Data["rosetta.yml"]
			if !strings.Contains(cfg, "127.0.0.1:9999") {
				t.Fatalf("rosetta.yml of the JVM example no longer reads 127.0.0.1:9999:\n%s", cfg)
			}
			cm.Data["rosetta.yml"] = strings.ReplaceAll(cfg, "127.0.0.1:9999", fmt.Sprintf("127.0.0.1:%d", jmxPort))
		},
		func(s *corev1.PodSpec, c *corev1.Container) {
			s.HostNetwork = true
			// podman allows no port mappings with host networking; the
			// probes then name the port by number.
			c.Ports = nil
			for i, a := range c.Args {
				if strings.HasPrefix(a, "--web.listen-address=") {
					c.Args[i] = fmt.Sprintf("--web.listen-address=127.0.0.1:%d", webPort)
				}
			}
			for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
				if p != nil && p.HTTPGet != nil {
					p.HTTPGet.Port = intstr.FromInt32(int32(webPort))
				}
			}
		})
	t.Logf("kube play to ready: %v", c.waitReady(ctx, t, start).Round(time.Millisecond))
	target := fmt.Sprintf(`input="tomcat",target="127.0.0.1:%d"`, jmxPort)
	eventually(t, "the JVM's heap is read through the jmx_exporter rules", nil, func() string {
		body := c.metrics(ctx, t)
		if up, _ := sample(body, "rosetta_input_up", target); up != 1 {
			return fmt.Sprintf("rosetta_input_up{%s} = %v", target, up)
		}
		for _, s := range []string{"jvm_memory_heap_used_bytes", "jvm_memory_heap_committed_bytes"} {
			if v, ok := sample(body, s, ""); !ok || v <= 0 {
				return fmt.Sprintf("%s = %v (present %v)", s, v, ok)
			}
		}
		return ""
	})
	checkConfined(ctx, t, c)
}
