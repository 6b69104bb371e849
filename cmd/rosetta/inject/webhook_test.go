package inject

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	rtestutil "github.com/rosetta-adapter/rosetta/internal/testutil"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// server is the webhook on a real HTTPS listener, with a client that
// trusts its certificate.
type server struct {
	url    string
	client *http.Client
	reg    *prometheus.Registry
	logs   *rtestutil.Buffer
}

// certFiles writes a self-signed certificate for 127.0.0.1 and the
// webhook's service name.
func certFiles(t testing.TB, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	return rtestutil.SelfSigned(t, dir, "tls.crt", "tls.key", "rosetta-inject.demo.svc")
}

func startServer(t *testing.T, o Options) *server {
	t.Helper()
	certFile, keyFile, pool := certFiles(t, t.TempDir())
	tlsCfg, err := TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{reg: prometheus.NewRegistry(), logs: &rtestutil.Buffer{}}
	h := NewHandler(o, slog.New(slog.NewTextHandler(s.logs, nil)), s.reg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: tlsCfg, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	s.url = "https://" + l.Addr().String() + "/mutate"
	s.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return s
}

// send posts an AdmissionReview for a pod CREATE of raw and returns the
// response.
func (s *server) send(t *testing.T, kind metav1.GroupVersionKind, op admissionv1.Operation, raw []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID("uid-1"), Kind: kind, Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: "demo", Operation: op, Object: runtime.RawExtension{Raw: raw},
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.client.Post(s.url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var out admissionv1.AdmissionReview
	dec := json.NewDecoder(resp.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Kind != "AdmissionReview" || out.APIVersion != "admission.k8s.io/v1" || out.Response == nil || out.Response.UID != "uid-1" || !out.Response.Allowed {
		t.Fatalf("response %+v: want an allowed AdmissionReview v1 answering uid-1", out)
	}
	return out.Response
}

var podKind = metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}

// apply applies resp's JSON patch to raw (with evanphx/json-patch, not the
// library that made it) and decodes the result strictly into a Pod.
func apply(t *testing.T, raw []byte, resp *admissionv1.AdmissionResponse) (*corev1.Pod, []byte) {
	t.Helper()
	if resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
		t.Fatalf("patch type %v", resp.PatchType)
	}
	p, err := jsonpatch.DecodePatch(resp.Patch)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Apply(raw)
	if err != nil {
		t.Fatal(err)
	}
	return strictPod(t, out), out
}

func strictPod(t *testing.T, data []byte) *corev1.Pod {
	t.Helper()
	var pod corev1.Pod
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pod); err != nil {
		t.Fatalf("the patched pod does not decode strictly: %v\n%s", err, data)
	}
	return &pod
}

func appPod(ann map[string]string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{GenerateName: "shop-", Namespace: "demo", Annotations: ann},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "migrate", Image: "busybox"}},
			Containers:     []corev1.Container{{Name: "app", Image: "busybox", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}},
			Volumes:        []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chartPod is the rosetta-demo chart's rendering for Kubernetes 1.31 (the
// golden file deploy/chartcheck keeps equal to the chart): the container
// and volumes the library renders.
func chartPod(t *testing.T) corev1.PodSpec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "deploy", "chartcheck", "testdata", "rosetta-demo-k8s-1.31.0.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if !strings.Contains(doc, "kind: Deployment") {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.UnmarshalStrict([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		return d.Spec.Template.Spec
	}
	t.Fatal("no Deployment in the chart's rendering")
	return corev1.PodSpec{}
}

// TestWebhook sends real AdmissionReview requests over HTTPS.
func TestWebhook(t *testing.T) {
	o := DefaultOptions
	o.Image = "ghcr.io/rosetta-adapter/rosetta:0.1.0" // the chart's appVersion
	s := startServer(t, o)
	chart := chartPod(t)
	demoAnn := map[string]string{AnnotationInject: "true", AnnotationConfig: "shop-rosetta-demo-rosetta", AnnotationStatsdMapping: "mapping.yml"}

	var injected []byte
	t.Run("plain pod gets the chart's container", func(t *testing.T) {
		raw := marshal(t, appPod(demoAnn))
		resp := s.send(t, podKind, admissionv1.Create, raw)
		pod, out := apply(t, raw, resp)
		injected = out
		if len(pod.Spec.InitContainers) != 2 || pod.Spec.InitContainers[0].Name != "rosetta" || pod.Spec.InitContainers[1].Name != "migrate" {
			t.Fatalf("init containers %v: want rosetta first, then the pod's own", names(pod.Spec.InitContainers))
		}
		if d := cmp.Diff(chart.InitContainers[0], pod.Spec.InitContainers[0]); d != "" {
			t.Errorf("injected container differs from the chart's (-chart +injected):\n%s", d)
		}
		if d := cmp.Diff(chart.Volumes, pod.Spec.Volumes[1:]); d != "" {
			t.Errorf("injected volumes differ from the chart's (-chart +injected):\n%s", d)
		}
		if pod.Spec.Volumes[0].Name != "data" || len(pod.Spec.Containers) != 1 || pod.Annotations[AnnotationStatus] != "injected" {
			t.Errorf("the pod's own parts changed: %+v", pod.Spec)
		}
	})
	t.Run("already injected: untouched", func(t *testing.T) {
		resp := s.send(t, podKind, admissionv1.Create, injected)
		if resp.Patch != nil || len(resp.Warnings) > 0 {
			t.Errorf("patch %s, warnings %v", resp.Patch, resp.Warnings)
		}
	})
	t.Run("fields the types do not know survive", func(t *testing.T) {
		raw := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","annotations":{"rosetta.dev/inject":"true"}},"spec":{"futureField":{"a":1},"containers":[{"name":"app","image":"busybox","futureContainerField":true}]}}`)
		resp := s.send(t, podKind, admissionv1.Create, raw)
		p, err := jsonpatch.DecodePatch(resp.Patch)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Apply(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out, []byte(`"futureField":{"a":1}`)) || !bytes.Contains(out, []byte(`"futureContainerField":true`)) {
			t.Errorf("unknown fields lost: %s", out)
		}
		for _, op := range strings.Split(string(resp.Patch), "},{") {
			if strings.Contains(op, `"remove"`) || strings.Contains(op, "future") {
				t.Errorf("the patch touches what it should not: %s", op)
			}
		}
	})

	for _, tc := range []struct {
		name   string
		ann    map[string]string
		edit   func(*corev1.Pod)
		reason string // "" : skipped silently
	}{
		{name: "no annotation", ann: nil},
		{name: "opted out", ann: map[string]string{AnnotationInject: "false", AnnotationConfig: "x"}},
		{name: "bad inject value", ann: map[string]string{AnnotationInject: "yes"}, reason: `rosetta.dev/inject: \"yes\" is not`},
		{name: "bad ports", ann: map[string]string{AnnotationInject: "true", AnnotationPorts: "web=abc"}, reason: "rosetta.dev/ports"},
		{name: "unknown port", ann: map[string]string{AnnotationInject: "true", AnnotationPorts: "jmx=9999"}, reason: `unknown port \"jmx\"`},
		{name: "mapping without ConfigMap", ann: map[string]string{AnnotationInject: "true", AnnotationStatsdMapping: "m.yml"}, reason: "needs rosetta.dev/config"},
		{name: "key with a slash", ann: map[string]string{AnnotationInject: "true", AnnotationConfig: "c", AnnotationConfigFile: "../etc/passwd"}, reason: "is not a ConfigMap key"},
		{name: "port taken", ann: map[string]string{AnnotationInject: "true"}, edit: func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 9102 }, reason: "already uses port 9102"},
		{name: "volume name taken", ann: map[string]string{AnnotationInject: "true"}, edit: func(p *corev1.Pod) { p.Spec.Volumes[0].Name = "rosetta-tmp" }, reason: "volume named rosetta-tmp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := appPod(tc.ann)
			if tc.edit != nil {
				tc.edit(pod)
			}
			before := s.logs.String()
			resp := s.send(t, podKind, admissionv1.Create, marshal(t, pod))
			if resp.Patch != nil {
				t.Errorf("patched: %s", resp.Patch)
			}
			logged := strings.TrimPrefix(s.logs.String(), before)
			if tc.reason == "" {
				if len(resp.Warnings) > 0 || logged != "" {
					t.Errorf("warnings %v, log %q for a pod that did not ask", resp.Warnings, logged)
				}
				return
			}
			if !strings.Contains(logged, "pod admitted without Rosetta") || !strings.Contains(logged, tc.reason) {
				t.Errorf("log %q does not give the reason %q", logged, tc.reason)
			}
			if len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], strings.ReplaceAll(tc.reason, `\"`, `"`)) {
				t.Errorf("warnings %v", resp.Warnings)
			}
		})
	}
	t.Run("not a pod CREATE", func(t *testing.T) {
		raw := marshal(t, appPod(demoAnn))
		for _, resp := range []*admissionv1.AdmissionResponse{
			s.send(t, podKind, admissionv1.Update, raw),
			s.send(t, metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, admissionv1.Create, raw),
		} {
			if resp.Patch != nil {
				t.Errorf("patched: %s", resp.Patch)
			}
		}
	})
	t.Run("not an AdmissionReview", func(t *testing.T) {
		resp, err := s.client.Post(s.url, "application/json", strings.NewReader(`{"kind":`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	for result, want := range map[string]float64{resultInjected: 2, resultSkipped: 5, resultRefused: 7, resultInvalid: 1} {
		if got := testutil.ToFloat64(mustCounter(t, s.reg, result)); got != want {
			t.Errorf("reviews{result=%q} = %v, want %v", result, got, want)
		}
	}
}

func mustCounter(t *testing.T, reg *prometheus.Registry, result string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			if mf.GetName() == "rosetta_inject_reviews_total" && m.Label[0].GetValue() == result {
				c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x", Help: "x"})
				c.Add(m.GetCounter().GetValue())
				return c
			}
		}
	}
	t.Fatalf("no reviews{result=%q}", result)
	return nil
}

func names(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// TestPlainContainer: without native sidecars (before Kubernetes 1.29)
// Rosetta is the last of the containers, without restartPolicy, as the
// chart renders it for 1.28; with no ConfigMap it runs the embedded
// default and mounts only /tmp.
func TestPlainContainer(t *testing.T) {
	o := DefaultOptions
	o.NativeSidecar = false
	pod, err := mutate(t, appPod(map[string]string{AnnotationInject: "true", AnnotationPorts: "web=9200, statsd=0"}), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(pod.Spec.InitContainers) != 1 || len(pod.Spec.Containers) != 2 {
		t.Fatalf("containers %v / %v", names(pod.Spec.InitContainers), names(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[1]
	if c.Name != "rosetta" || c.RestartPolicy != nil || c.Args[0] != "--web.listen-address=:9200" || len(c.Ports) != 1 || len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/tmp" {
		t.Errorf("container %+v", c)
	}
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--config.file") || strings.HasPrefix(a, "--statsd.mapping-config") {
			t.Errorf("arg %s without a ConfigMap", a)
		}
	}
	if n := len(pod.Spec.Volumes); n != 2 || pod.Spec.Volumes[1].Name != "rosetta-tmp" {
		t.Errorf("volumes %+v", pod.Spec.Volumes)
	}
	// Against the chart at 1.28.
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "deploy", "chartcheck", "testdata", "rosetta-demo-k8s-1.28.0.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("        - name: rosetta\n")) {
		t.Fatal("the 1.28 rendering has no rosetta container")
	}
	o.Image = "ghcr.io/rosetta-adapter/rosetta:0.1.0"
	pod, err = mutate(t, appPod(map[string]string{AnnotationInject: "true", AnnotationConfig: "shop-rosetta-demo-rosetta", AnnotationStatsdMapping: "mapping.yml"}), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if !strings.Contains(doc, "kind: Deployment") {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.UnmarshalStrict([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		want := d.Spec.Template.Spec.Containers[len(d.Spec.Template.Spec.Containers)-1]
		if d := cmp.Diff(want, pod.Spec.Containers[1]); d != "" {
			t.Errorf("differs from the chart's 1.28 container (-chart +injected):\n%s", d)
		}
	}
}

// mutate runs Mutate on pod's JSON and decodes the result strictly
// against the API types.
func mutate(t *testing.T, pod *corev1.Pod, o Options) (*corev1.Pod, error) {
	t.Helper()
	p, err := ReadPod(marshal(t, pod))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Mutate(p, o)
	if err != nil || out == nil {
		return nil, err
	}
	return strictPod(t, out), nil
}

// TestPodRead: the webhook reads only what it needs of a pod (annotations,
// container names and ports, volume names), so a pod with fields of every
// kind around them (an integer probe port, numeric quantities, env from a
// secret, fields of future versions) gets Rosetta, and what it had comes
// through the patch unchanged; a request without an object is invalid.
func TestPodRead(t *testing.T) {
	s := startServer(t, DefaultOptions)
	raw := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"shop"},"annotations":{"rosetta.dev/inject":"true","other":"x"}},
		"spec":{"containers":[{"name":"app","image":"busybox","ports":[{"containerPort":8080}],
		"livenessProbe":{"httpGet":{"path":"/","port":8080}},"resources":{"limits":{"cpu":1,"memory":"1Gi"}},
		"env":[{"name":"PW","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]}],
		"volumes":[{"name":"data","hostPath":{"path":"/data"}}],"nodeSelector":{"disk":"ssd"}}}`)
	resp := s.send(t, podKind, admissionv1.Create, raw)
	pod, out := apply(t, raw, resp)
	if len(pod.Spec.InitContainers) != 1 || pod.Spec.InitContainers[0].Name != containerName || pod.Annotations[AnnotationStatus] != "injected" || pod.Annotations["other"] != "x" {
		t.Fatalf("not injected: %s", out)
	}
	var before, after map[string]any
	if err := json.Unmarshal(raw, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &after); err != nil {
		t.Fatal(err)
	}
	// Take out what was added: the rest equals what came.
	spec := after["spec"].(map[string]any)
	delete(spec, "initContainers")
	vols := spec["volumes"].([]any)
	spec["volumes"] = vols[:1]
	delete(after["metadata"].(map[string]any)["annotations"].(map[string]any), AnnotationStatus)
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("the pod's own fields changed (-before +after):\n%s", d)
	}

	for _, obj := range []string{`null`, ``} {
		body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE"` +
			map[bool]string{true: `,"object":` + obj, false: ``}[obj != ""] + `}}`
		r, err := s.client.Post(s.url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var review admissionv1.AdmissionReview
		err = json.NewDecoder(r.Body).Decode(&review)
		r.Body.Close()
		if err != nil || review.Response == nil || !review.Response.Allowed || review.Response.Patch != nil || len(review.Response.Warnings) != 1 {
			t.Errorf("object %q: response %+v (%v): want allowed, no patch, a warning", obj, review.Response, err)
		}
	}
	if got := testutil.ToFloat64(mustCounter(t, s.reg, resultInvalid)); got != 2 {
		t.Errorf("reviews{result=\"invalid\"} = %v, want 2", got)
	}
}

// The webhook's port serves /mutate, /metrics (its reviews with the
// runtime's and the process's metrics) and /healthz.
func TestServeMux(t *testing.T) {
	mux := NewServeMux(DefaultOptions, slog.New(slog.DiscardHandler))
	for _, c := range []struct{ path, want string }{
		{"/healthz", "ok\n"},
		{"/metrics", `rosetta_inject_reviews_total{result="injected"} 0`},
		{"/metrics", "go_goroutines "},
		{"/metrics", "process_cpu_seconds_total "},
		{"/mutate", "POST an AdmissionReview"},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if body := rec.Body.String(); !strings.Contains(body, c.want) {
			t.Errorf("GET %s: %d %q, want %q in it", c.path, rec.Code, body, c.want)
		}
	}
}
