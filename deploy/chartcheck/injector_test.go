package chartcheck

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

const injectorChart = "../helm/rosetta-injector"

// certData hides the generated certificate material, which differs on
// every rendering, for the golden files.
var certData = regexp.MustCompile(`(?m)^(\s*(?:tls\.crt|tls\.key|ca\.crt|caBundle)): \S+$`)

// TestInjectorRenderGolden renders the injector chart (generated
// certificate, certificate material masked; and cert-manager) and compares
// with the golden files.
func TestInjectorRenderGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]any
	}{
		{"generated", map[string]any{}},
		{"cert-manager", map[string]any{"certManager": map[string]any{"enabled": true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := render(t, injectorChart, tc.values, "1.31.0")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "rosetta-injector-"+tc.name+".yaml", certData.ReplaceAllString(join(docs), "$1: <generated>"))
		})
	}
}

// TestInjectorObjects decodes the injector's objects strictly against the
// API types and checks what makes the webhook work: the Service reaches
// the Deployment's HTTPS port, the webhook calls that Service on /mutate
// for pod CREATEs only, never for its own namespace, with failurePolicy
// Ignore; the generated caBundle verifies the Secret's certificate for the
// Service's DNS name; the container runs `rosetta inject` confined, with
// the native-sidecar flag the Kubernetes version calls for.
func TestInjectorObjects(t *testing.T) {
	for _, tc := range []struct {
		kube        string
		values      map[string]any
		certManager bool
		native      bool
	}{
		{kube: "1.31.0", values: map[string]any{}, native: true},
		{kube: "1.28.0", values: map[string]any{}, native: false},
		{kube: "1.31.0", values: map[string]any{"inject": map[string]any{"nativeSidecar": false}}, native: false},
		{kube: "1.31.0", values: map[string]any{"certManager": map[string]any{"enabled": true}, "webhook": map[string]any{"objectSelector": map[string]any{"rosetta.dev/inject": "enabled"}}}, certManager: true, native: true},
	} {
		name := fmt.Sprintf("%s/cert-manager=%v/native=%v", tc.kube, tc.certManager, tc.native)
		t.Run(name, func(t *testing.T) {
			docs, err := render(t, injectorChart, tc.values, tc.kube)
			if err != nil {
				t.Fatal(err)
			}
			var typed []byte
			var certManagerKinds []string
			for _, doc := range splitDocs([]byte(join(docs))) {
				var meta struct{ APIVersion, Kind string }
				if err := yaml.Unmarshal(doc, &meta); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(meta.APIVersion, "cert-manager.io/") {
					// Not in the scheme: checked as data below.
					certManagerKinds = append(certManagerKinds, meta.Kind)
					continue
				}
				typed = append(append(typed, "---\n"...), doc...)
			}
			objs := decodeAll(t, "rosetta-injector", typed)
			checkInjector(t, objs, tc.certManager, tc.native)
			slices.Sort(certManagerKinds)
			if want := map[bool][]string{true: {"Certificate", "Issuer"}}[tc.certManager]; !slices.Equal(certManagerKinds, want) {
				t.Errorf("cert-manager objects %v, want %v", certManagerKinds, want)
			}
		})
	}
}

func checkInjector(t *testing.T, objs []runtime.Object, certManager, native bool) {
	t.Helper()
	var (
		dep    *appsv1.Deployment
		svc    *corev1.Service
		secret *corev1.Secret
		hook   *admissionregistrationv1.MutatingWebhookConfiguration
	)
	for _, o := range objs {
		checkMeta(t, o)
		switch o := o.(type) {
		case *appsv1.Deployment:
			dep = o
		case *corev1.Service:
			svc = o
		case *corev1.Secret:
			secret = o
		case *admissionregistrationv1.MutatingWebhookConfiguration:
			hook = o
		default:
			t.Errorf("unexpected %T", o)
		}
	}
	if dep == nil || svc == nil || hook == nil || (secret == nil) != certManager {
		t.Fatalf("objects: deployment %v service %v webhook %v secret %v", dep != nil, svc != nil, hook != nil, secret != nil)
	}
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	if c.Args[0] != "inject" || !slices.Contains(c.Args, map[bool]string{true: "--inject.native-sidecar", false: "--no-inject.native-sidecar"}[native]) {
		t.Errorf("args %v: want inject with native sidecar %v", c.Args, native)
	}
	sc := c.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("container security context %+v", sc)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Scheme != corev1.URISchemeHTTPS || c.ReadinessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("readiness probe %+v", c.ReadinessProbe)
	}
	if len(pod.Volumes) != 1 || pod.Volumes[0].Secret == nil || pod.Volumes[0].Secret.SecretName != dep.Name+"-tls" {
		t.Errorf("volumes %+v: want the TLS Secret %s-tls", pod.Volumes, dep.Name)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) || svc.Spec.Ports[0].TargetPort.StrVal != c.Ports[0].Name {
		t.Errorf("Service %s does not reach the Deployment's port %s", svc.Name, c.Ports[0].Name)
	}
	if len(hook.Webhooks) != 1 {
		t.Fatalf("%d webhooks", len(hook.Webhooks))
	}
	w := hook.Webhooks[0]
	ref := w.ClientConfig.Service
	if ref == nil || ref.Name != svc.Name || ref.Namespace != svc.Namespace || ref.Path == nil || *ref.Path != "/mutate" || ref.Port == nil || *ref.Port != svc.Spec.Ports[0].Port {
		t.Errorf("webhook client config %+v does not name the Service's /mutate", ref)
	}
	if w.FailurePolicy == nil || *w.FailurePolicy != admissionregistrationv1.Ignore || w.SideEffects == nil || *w.SideEffects != admissionregistrationv1.SideEffectClassNone ||
		!slices.Equal(w.AdmissionReviewVersions, []string{"v1"}) {
		t.Errorf("webhook policy %v, side effects %v, versions %v", w.FailurePolicy, w.SideEffects, w.AdmissionReviewVersions)
	}
	if len(w.Rules) != 1 || !slices.Equal(w.Rules[0].Resources, []string{"pods"}) || !slices.Equal(w.Rules[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}) {
		t.Errorf("rules %+v: want pod CREATE only", w.Rules)
	}
	sel, err := metaSelector(w)
	if err != nil || sel.Matches(labels.Set{"kubernetes.io/metadata.name": dep.Namespace}) || sel.Matches(labels.Set{"kubernetes.io/metadata.name": "kube-system"}) ||
		!sel.Matches(labels.Set{"kubernetes.io/metadata.name": "shop"}) {
		t.Errorf("namespace selector %v (%v): the webhook's own and kube-system excluded, others in", w.NamespaceSelector, err)
	}
	if certManager {
		if hook.Annotations["cert-manager.io/inject-ca-from"] != dep.Namespace+"/"+dep.Name || len(w.ClientConfig.CABundle) != 0 {
			t.Errorf("cert-manager: annotations %v, caBundle %d bytes", hook.Annotations, len(w.ClientConfig.CABundle))
		}
		return
	}
	// The generated pair: the caBundle verifies the Secret's certificate
	// for the name the API server calls.
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(w.ClientConfig.CABundle) {
		t.Fatalf("caBundle holds no PEM certificate")
	}
	block, _ := pem.Decode(secret.Data["tls.crt"])
	if block == nil || secret.Type != corev1.SecretTypeTLS || len(secret.Data["tls.key"]) == 0 {
		t.Fatalf("Secret %s: type %s, no certificate or key", secret.Name, secret.Type)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: svc.Name + "." + svc.Namespace + ".svc"}); err != nil {
		t.Errorf("the Secret's certificate does not verify against the caBundle for the Service: %v", err)
	}
}

func metaSelector(w admissionregistrationv1.MutatingWebhook) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(w.NamespaceSelector)
}
