package inject

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
)

// FuzzReview feeds arbitrary pod objects and annotation values to the
// webhook: it never panics, always admits, and a patch it returns applies
// to the object and leaves a pod with exactly one rosetta container.
func FuzzReview(f *testing.F) {
	f.Add([]byte(`{"metadata":{"annotations":{"rosetta.dev/inject":"true"}},"spec":{"containers":[{"name":"app"}]}}`), "web=9200,statsd=0", "cm", "")
	f.Add([]byte(`{"spec":{"containers":null,"volumes":[{"name":"rosetta-tmp"}]}}`), "", "", "x.yml")
	f.Add([]byte(`[]`), "web=1", "", "")
	h := NewHandler(DefaultOptions, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	f.Fuzz(func(t *testing.T, raw []byte, ports, cm, mapping string) {
		var obj map[string]any
		if json.Unmarshal(raw, &obj) == nil && obj != nil {
			meta, _ := obj["metadata"].(map[string]any)
			if meta == nil {
				meta = map[string]any{}
				obj["metadata"] = meta
			}
			meta["annotations"] = map[string]any{AnnotationInject: "true", AnnotationPorts: ports, AnnotationConfig: cm, AnnotationStatsdMapping: mapping}
			raw, _ = json.Marshal(obj)
		}
		resp := h.review(&admissionRequest{UID: "f", Kind: groupVersionKind{Version: "v1", Kind: "Pod"},
			Operation: opCreate, Object: raw})
		if !resp.Allowed {
			t.Fatal("not admitted")
		}
		if resp.Patch == nil {
			return
		}
		p, err := jsonpatch.DecodePatch(resp.Patch)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Apply(raw)
		if err != nil {
			t.Fatalf("patch does not apply: %v\n%s\n%s", err, raw, resp.Patch)
		}
		var pod corev1.Pod
		if err := json.Unmarshal(out, &pod); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
			if c.Name == containerName {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d rosetta containers after the patch", n)
		}
	})
}
