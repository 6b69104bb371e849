package imagetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// TestInjectedPodRuns runs `rosetta inject` from the image (HTTPS with a
// certificate generated here), sends it a real AdmissionReview for the
// demo chart's application pod without Rosetta but with the rosetta.dev
// annotations, applies the JSON patch it answers, decodes the result
// strictly against the API types, and plays that pod with the chart's
// ConfigMap under `podman kube play`: Rosetta becomes ready and maps
// StatsD with the ConfigMap's mapping file, confined.
func TestInjectedPodRuns(t *testing.T) {
	ctx := testContext(t)
	img := image(ctx, t)

	// The webhook's certificate, readable by the image's user 65532.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pool := writeCert(t, dir)
	name := fmt.Sprintf("rosetta-inject-%d", time.Now().UnixNano())
	args := []string{"run", "-d", "--name", name, "--read-only", "-p", "127.0.0.1::8443/tcp", "-v", dir + ":/tls:ro"}
	args = append(args, ulimitArgs(t)...)
	args = append(args, img, "inject", "--tls.cert-file=/tls/tls.crt", "--tls.key-file=/tls/tls.key",
		"--inject.image="+img, "--inject.image-pull-policy=Never")
	if _, err := output(eng.podman(ctx, args...)); err != nil {
		t.Fatalf("podman run rosetta inject: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := eng.podman(context.Background(), "logs", name).CombinedOutput()
			t.Logf("injector logs:\n%s", logs)
		}
		_, _ = output(eng.podman(context.Background(), "rm", "-f", "-t", "5", name))
	})
	out, err := output(eng.podman(ctx, "port", name, "8443/tcp"))
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.Replace(lastLine(out), "0.0.0.0", "127.0.0.1", 1)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}}
	eventually(t, "the webhook answers over HTTPS", nil, func() string {
		resp, err := hc.Get("https://" + addr + "/healthz")
		if err != nil {
			return err.Error()
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Sprint(resp.StatusCode)
		}
		return ""
	})

	// The demo chart's pod without Rosetta, asking for it by annotation.
	golden, err := os.ReadFile(filepath.Join("..", "chartcheck", "testdata", "rosetta-demo-k8s-1.31.0.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	var dep appsv1.Deployment
	for _, doc := range bytes.Split(golden, []byte("\n---\n")) {
		switch {
		case bytes.Contains(doc, []byte("kind: ConfigMap")):
			if err := yaml.UnmarshalStrict(doc, &cm); err != nil {
				t.Fatal(err)
			}
		case bytes.Contains(doc, []byte("kind: Deployment")):
			if err := yaml.UnmarshalStrict(doc, &dep); err != nil {
				t.Fatal(err)
			}
		}
	}
	spec := dep.Spec.Template.Spec
	spec.InitContainers, spec.Volumes = nil, nil
	pod := corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{GenerateName: "shop-", Namespace: "demo", Labels: dep.Spec.Template.Labels, Annotations: map[string]string{
			"rosetta.dev/inject": "true", "rosetta.dev/config": cm.Name, "rosetta.dev/statsd-mapping": "mapping.yml",
		}},
		Spec: spec,
	}
	raw, err := json.Marshal(&pod)
	if err != nil {
		t.Fatal(err)
	}
	review, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "play-1", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"}, Namespace: "demo",
			Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Post("https://"+addr+"/mutate", "application/json", bytes.NewReader(review))
	if err != nil {
		t.Fatal(err)
	}
	var answer admissionv1.AdmissionReview
	err = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if err != nil || answer.Response == nil || !answer.Response.Allowed || answer.Response.UID != "play-1" || len(answer.Response.Patch) == 0 {
		t.Fatalf("review answer %+v (%v): want an allowed response with a patch", answer.Response, err)
	}
	patch, err := jsonpatch.DecodePatch(answer.Response.Patch)
	if err != nil {
		t.Fatal(err)
	}
	patched, err := patch.Apply(raw)
	if err != nil {
		t.Fatal(err)
	}
	var injected corev1.Pod
	if err := yaml.UnmarshalStrict(patched, &injected); err != nil {
		t.Fatalf("the patched pod does not decode strictly: %v\n%s", err, patched)
	}
	if len(injected.Spec.InitContainers) != 1 || injected.Spec.InitContainers[0].Name != "rosetta" || injected.Spec.InitContainers[0].Image != img {
		t.Fatalf("patched pod's init containers: %+v", injected.Spec.InitContainers)
	}

	// Played as the Deployment it would come from, with the ConfigMap.
	dep.Spec.Template.ObjectMeta.Annotations = injected.Annotations
	dep.Spec.Template.Spec = injected.Spec
	dep.Name = "shop-injected"
	var file bytes.Buffer
	for _, obj := range []any{&cm, &dep} {
		b, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		file.WriteString("---\n")
		file.Write(b)
	}
	play := filepath.Join(t.TempDir(), "injected.yaml")
	writeFile(t, play, strings.TrimPrefix(file.String(), "---\n"))
	start := time.Now()
	c := playPod(t, play, nil, publish(t))
	t.Logf("kube play to ready: %v", c.waitReady(ctx, t, start).Round(time.Millisecond))
	eventually(t, "the injected Rosetta maps StatsD", func() { sendUDP(t, c.udp, "demo.search.requests:1|c") }, func() string {
		if _, ok := sample(c.metrics(ctx, t), "demo_requests_total", `endpoint="search"`); !ok {
			return `demo_requests_total{endpoint="search"} not served`
		}
		return ""
	})
	checkConfined(ctx, t, c)
}

// writeCert writes a self-signed certificate for 127.0.0.1 to dir as
// tls.crt and tls.key and returns a pool that trusts it.
func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rosetta-inject"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "tls.crt"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, filepath.Join(dir, "tls.key"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
