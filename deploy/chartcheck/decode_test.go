package chartcheck

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// strict decodes YAML into the registered Go types of the Kubernetes API
// and of the Prometheus operator's CRDs, rejecting unknown and duplicate
// fields and unknown kinds: what `kubectl apply --validate=strict` and the
// API server's strict field validation would refuse.
var strict = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}()

// decodeAll strictly decodes every document of a YAML stream.
func decodeAll(t testing.TB, source string, data []byte) []runtime.Object {
	t.Helper()
	var objs []runtime.Object
	for i, doc := range splitDocs(data) {
		obj, gvk, err := strict.Decode(doc, nil, nil)
		if err != nil {
			t.Errorf("%s: document %d: %v", source, i+1, err)
			continue
		}
		if gvk.Kind == "" || gvk.Version == "" {
			t.Errorf("%s: document %d: no apiVersion/kind", source, i+1)
			continue
		}
		objs = append(objs, obj)
	}
	return objs
}

// reporter is the part of testing.TB the checks use, so a test can
// collect what they report.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// expect says what a set of objects must contain.
type expect struct {
	native bool // rosetta in initContainers with restartPolicy Always
	// externalConfigMaps may be referenced without being in the set.
	externalConfigMaps []string
	monitors           []string // kinds of monitors expected
	// plainPods are workloads ("DaemonSet x", "Deployment y") that are
	// applications without Rosetta (node mode's example app).
	plainPods []string
}

// pod is a workload's pod template with where it came from.
type pod struct {
	where  string
	labels map[string]string
	spec   corev1.PodSpec
}

func checkObjects(t reporter, objs []runtime.Object, want expect) {
	t.Helper()
	var pods []pod
	configMaps := map[string]*corev1.ConfigMap{}
	var services []*corev1.Service
	var monitorKinds []string
	for _, o := range objs {
		checkMeta(t, o)
		switch o := o.(type) {
		case *appsv1.Deployment:
			pods = append(pods, pod{"Deployment " + o.Name, o.Spec.Template.Labels, o.Spec.Template.Spec})
			sel, err := labels.ValidatedSelectorFromSet(o.Spec.Selector.MatchLabels)
			if err != nil || !sel.Matches(labels.Set(o.Spec.Template.Labels)) {
				t.Errorf("Deployment %s: selector %v does not match its pod labels %v (%v)", o.Name, o.Spec.Selector.MatchLabels, o.Spec.Template.Labels, err)
			}
		case *appsv1.StatefulSet:
			pods = append(pods, pod{"StatefulSet " + o.Name, o.Spec.Template.Labels, o.Spec.Template.Spec})
		case *appsv1.DaemonSet:
			pods = append(pods, pod{"DaemonSet " + o.Name, o.Spec.Template.Labels, o.Spec.Template.Spec})
		case *corev1.Pod:
			pods = append(pods, pod{"Pod " + o.Name, o.Labels, o.Spec})
		case *corev1.ConfigMap:
			configMaps[o.Name] = o
		case *corev1.Service:
			services = append(services, o)
		case *monitoringv1.ServiceMonitor:
			monitorKinds = append(monitorKinds, "ServiceMonitor")
			checkServiceMonitor(t, o, services, objs)
		case *monitoringv1.PodMonitor:
			monitorKinds = append(monitorKinds, "PodMonitor")
			checkPodMonitor(t, o, objs)
		default:
			t.Errorf("unexpected object %T", o)
		}
	}
	if len(pods) == 0 {
		t.Errorf("no workload rendered")
	}
	for _, p := range pods {
		checkPod(t, p, configMaps, want)
	}
	for _, s := range services {
		checkService(t, s, pods)
	}
	slices.Sort(monitorKinds)
	if !slices.Equal(monitorKinds, want.monitors) {
		t.Errorf("monitors rendered %v, want %v", monitorKinds, want.monitors)
	}
}

func checkMeta(t reporter, o runtime.Object) {
	t.Helper()
	m, ok := o.(interface {
		GetName() string
		GetLabels() map[string]string
	})
	if !ok {
		t.Errorf("%T has no object meta", o)
		return
	}
	for _, msg := range validation.IsDNS1123Subdomain(m.GetName()) {
		t.Errorf("%T name %q: %s", o, m.GetName(), msg)
	}
	for k, v := range m.GetLabels() {
		for _, msg := range validation.IsQualifiedName(k) {
			t.Errorf("%T %s: label key %q: %s", o, m.GetName(), k, msg)
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			t.Errorf("%T %s: label %s value %q: %s", o, m.GetName(), k, v, msg)
		}
	}
}

func checkPod(t reporter, p pod, configMaps map[string]*corev1.ConfigMap, want expect) {
	t.Helper()
	var rosetta *corev1.Container
	inInit := false
	for i := range p.spec.InitContainers {
		if p.spec.InitContainers[i].Name == "rosetta" {
			rosetta, inInit = &p.spec.InitContainers[i], true
		}
	}
	for i := range p.spec.Containers {
		if p.spec.Containers[i].Name == "rosetta" {
			if rosetta != nil {
				t.Errorf("%s: rosetta both an init container and a container", p.where)
			}
			rosetta = &p.spec.Containers[i]
		}
	}
	if rosetta == nil {
		if !slices.Contains(want.plainPods, p.where) {
			t.Errorf("%s: no rosetta container", p.where)
		}
		return
	}
	if inInit != want.native {
		t.Errorf("%s: rosetta in initContainers = %v, want native sidecar = %v", p.where, inInit, want.native)
	}
	switch {
	case inInit && (rosetta.RestartPolicy == nil || *rosetta.RestartPolicy != corev1.ContainerRestartPolicyAlways):
		t.Errorf("%s: native sidecar without restartPolicy: Always", p.where)
	case !inInit && rosetta.RestartPolicy != nil:
		t.Errorf("%s: a regular container may not set restartPolicy", p.where)
	}
	where := p.where + " rosetta"

	sc := rosetta.SecurityContext
	switch {
	case sc == nil:
		t.Errorf("%s: no securityContext", where)
	default:
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("%s: runAsNonRoot not true", where)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			t.Errorf("%s: runAsUser 0", where)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem not true", where)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation not false", where)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: capabilities %+v, want drop [ALL] and nothing added", where, sc.Capabilities)
		}
	}
	if len(rosetta.Resources.Requests) == 0 {
		t.Errorf("%s: no resource requests", where)
	}

	ports := map[string]corev1.ContainerPort{}
	for _, c := range append(slices.Clone(p.spec.InitContainers), p.spec.Containers...) {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			t.Errorf("%s: container name %q: %s", p.where, c.Name, msg)
		}
		if c.Image == "" {
			t.Errorf("%s: container %s has no image", p.where, c.Name)
		}
		for _, cp := range c.Ports {
			if cp.Name == "" {
				continue
			}
			for _, msg := range validation.IsValidPortName(cp.Name) {
				t.Errorf("%s: port name %q: %s", p.where, cp.Name, msg)
			}
			if _, dup := ports[cp.Name]; dup {
				t.Errorf("%s: port name %q used twice", p.where, cp.Name)
			}
			ports[cp.Name] = cp
		}
	}
	probe := func(kind string, pr *corev1.Probe, path string) {
		if pr == nil || pr.HTTPGet == nil {
			t.Errorf("%s: no HTTP %s probe", where, kind)
			return
		}
		if pr.HTTPGet.Path != path {
			t.Errorf("%s: %s probe path %q, want %q", where, kind, pr.HTTPGet.Path, path)
		}
		if name := pr.HTTPGet.Port.StrVal; name != "" {
			if cp, ok := ports[name]; !ok || cp.Protocol == corev1.ProtocolUDP {
				t.Errorf("%s: %s probe port %q is not a TCP port of the pod", where, kind, name)
			}
		}
	}
	probe("liveness", rosetta.LivenessProbe, "/-/healthy")
	probe("readiness", rosetta.ReadinessProbe, "/-/ready")
	if rosetta.StartupProbe != nil {
		probe("startup", rosetta.StartupProbe, "/-/ready")
	}
	if _, ok := ports["rosetta-web"]; !ok {
		t.Errorf("%s: no rosetta-web port", where)
	}

	volumes := map[string]corev1.Volume{}
	for _, v := range p.spec.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, c := range append(slices.Clone(p.spec.InitContainers), p.spec.Containers...) {
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				t.Errorf("%s: container %s mounts volume %q that the pod lacks", p.where, c.Name, m.Name)
			}
		}
	}
	for _, m := range rosetta.VolumeMounts {
		mounts[m.MountPath] = m
	}
	tmp, ok := mounts["/tmp"]
	if !ok || volumes[tmp.Name].EmptyDir == nil {
		t.Errorf("%s: /tmp is not an emptyDir mount", where)
	}
	cfg, ok := mounts["/etc/rosetta"]
	if !ok {
		t.Errorf("%s: nothing mounted on /etc/rosetta", where)
		return
	}
	if cfg.SubPath != "" || !cfg.ReadOnly {
		t.Errorf("%s: /etc/rosetta mount %+v: want the whole volume read-only (a subPath mount never sees ConfigMap updates)", where, cfg)
	}
	vol := volumes[cfg.Name]
	if vol.ConfigMap == nil {
		t.Errorf("%s: /etc/rosetta is not a ConfigMap volume", where)
		return
	}
	cm, ok := configMaps[vol.ConfigMap.Name]
	if !ok {
		if !slices.Contains(want.externalConfigMaps, vol.ConfigMap.Name) {
			t.Errorf("%s: ConfigMap %q is neither rendered nor expected to exist", where, vol.ConfigMap.Name)
		}
		return
	}
	// Every file the arguments name must be in the ConfigMap.
	for _, arg := range rosetta.Args {
		_, file, ok := strings.Cut(arg, "=/etc/rosetta/")
		if !ok {
			continue
		}
		if _, ok := cm.Data[file]; !ok {
			t.Errorf("%s: argument %q names a file the ConfigMap %s lacks (it has %v)", where, arg, cm.Name, keys(cm.Data))
		}
	}
}

func checkService(t reporter, s *corev1.Service, pods []pod) {
	t.Helper()
	sel := labels.SelectorFromSet(s.Spec.Selector)
	var matched []pod
	for _, p := range pods {
		if sel.Matches(labels.Set(p.labels)) {
			matched = append(matched, p)
		}
	}
	if len(matched) == 0 {
		t.Errorf("Service %s: selector %v matches no pod", s.Name, s.Spec.Selector)
		return
	}
	for _, sp := range s.Spec.Ports {
		for _, msg := range validation.IsValidPortName(sp.Name) {
			t.Errorf("Service %s: port name %q: %s", s.Name, sp.Name, msg)
		}
		name := sp.TargetPort.StrVal
		if name == "" {
			continue
		}
		for _, p := range matched {
			// As the EndpointSlice controller resolves a named targetPort
			// (FindPort in k8s.io/kubernetes/pkg/api/v1/pod): ports of the
			// containers and of native sidecars, with the same protocol.
			found := false
			proto := sp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			for _, c := range append(slices.Clone(p.spec.InitContainers), p.spec.Containers...) {
				restartable := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
				if slices.ContainsFunc(p.spec.InitContainers, func(ic corev1.Container) bool { return ic.Name == c.Name }) && !restartable {
					continue
				}
				for _, cp := range c.Ports {
					cproto := cp.Protocol
					if cproto == "" {
						cproto = corev1.ProtocolTCP
					}
					found = found || (cp.Name == name && cproto == proto)
				}
			}
			if !found {
				t.Errorf("Service %s: targetPort %q is no port of %s", s.Name, name, p.where)
			}
		}
	}
}

func checkServiceMonitor(t reporter, m *monitoringv1.ServiceMonitor, services []*corev1.Service, objs []runtime.Object) {
	t.Helper()
	sel := labels.SelectorFromSet(m.Spec.Selector.MatchLabels)
	// Services may come after the monitor in the stream.
	for _, o := range objs {
		if s, ok := o.(*corev1.Service); ok && !slices.Contains(services, s) {
			services = append(services, s)
		}
	}
	n := 0
	for _, s := range services {
		if !sel.Matches(labels.Set(s.Labels)) {
			continue
		}
		n++
		for _, ep := range m.Spec.Endpoints {
			if !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) {
				t.Errorf("ServiceMonitor %s: endpoint port %q is no port of Service %s", m.Name, ep.Port, s.Name)
			}
			if ep.Path != "/metrics" {
				t.Errorf("ServiceMonitor %s: path %q", m.Name, ep.Path)
			}
		}
	}
	if n == 0 {
		t.Errorf("ServiceMonitor %s: selector %v matches no Service", m.Name, m.Spec.Selector.MatchLabels)
	}
}

func checkPodMonitor(t reporter, m *monitoringv1.PodMonitor, objs []runtime.Object) {
	t.Helper()
	sel := labels.SelectorFromSet(m.Spec.Selector.MatchLabels)
	n := 0
	for _, o := range objs {
		var where string
		var tmpl corev1.PodTemplateSpec
		switch d := o.(type) {
		case *appsv1.Deployment:
			where, tmpl = "Deployment "+d.Name, d.Spec.Template
		case *appsv1.DaemonSet:
			where, tmpl = "DaemonSet "+d.Name, d.Spec.Template
		default:
			continue
		}
		if !sel.Matches(labels.Set(tmpl.Labels)) {
			continue
		}
		n++
		for _, ep := range m.Spec.PodMetricsEndpoints {
			found := false
			for _, c := range append(slices.Clone(tmpl.Spec.InitContainers), tmpl.Spec.Containers...) {
				for _, cp := range c.Ports {
					found = found || (ep.Port != nil && cp.Name == *ep.Port)
				}
			}
			if !found {
				t.Errorf("PodMonitor %s: port %v is no port of %s", m.Name, ep.Port, where)
			}
		}
	}
	if n == 0 {
		t.Errorf("PodMonitor %s: selector %v matches no pod template", m.Name, m.Spec.Selector.MatchLabels)
	}
}

// TestChartDecodesStrictly renders the demo chart for every value set at
// Kubernetes 1.28 and 1.31, decodes every object strictly against the API
// types and checks what the sidecar must look like.
func TestChartDecodesStrictly(t *testing.T) {
	for _, vs := range valueSets {
		for _, kv := range []string{"1.28.0", "1.29.0", "1.31.0"} {
			t.Run(vs.name+"@"+kv, func(t *testing.T) {
				docs, err := render(t, demoChart, vs.values, kv)
				if err != nil {
					t.Fatal(err)
				}
				objs := decodeAll(t, "rosetta-demo", []byte(join(docs)))
				want := expect{native: kv != "1.28.0"}
				if r, ok := vs.values["rosetta"].(map[string]any); ok {
					if n, ok := r["nativeSidecar"].(bool); ok {
						want.native = n
					}
					if name, ok := r["existingConfigMap"].(string); ok {
						want.externalConfigMaps = []string{name}
					}
					for _, kind := range []string{"podMonitor", "serviceMonitor"} {
						if m, ok := r[kind].(map[string]any); ok && m["enabled"] == true {
							want.monitors = append(want.monitors, strings.ToUpper(kind[:1])+kind[1:])
						}
					}
				}
				checkObjects(t, objs, want)
			})
		}
	}
}

// TestPlainManifestsDecodeStrictly decodes every manifest under
// deploy/kubernetes strictly and checks the Rosetta sidecar in it.
func TestPlainManifestsDecodeStrictly(t *testing.T) {
	files, err := filepath.Glob("../kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("want the two example pods under deploy/kubernetes, found %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkObjects(t, decodeAll(t, f, data), expect{native: true})
		})
	}
}

// TestStrictDecoderRejects makes sure the decoder used above is strict: an
// unknown field, a misspelt field in a CRD and an unknown kind all fail.
func TestStrictDecoderRejects(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndatta: {}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: b\n          readOnlyRootFileSystem: true\n",
		"apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: x\nspec:\n  endpoints:\n    - port: web\n      intervall: 30s\n",
		"apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitorr\nmetadata:\n  name: x\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
	} {
		if _, _, err := strict.Decode([]byte(doc), nil, nil); err == nil {
			t.Errorf("accepted:\n%s", doc)
		}
	}
}

// TestScrapeAnnotations checks that scrapeAnnotations puts the
// prometheus.io annotations on the pod template beside the chart's own.
func TestScrapeAnnotations(t *testing.T) {
	for _, on := range []bool{false, true} {
		docs, err := render(t, demoChart, map[string]any{
			"podAnnotations": map[string]any{"team": "shop"},
			"rosetta":        map[string]any{"scrapeAnnotations": on, "ports": map[string]any{"web": 9200}},
		}, "1.31.0")
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		for _, o := range decodeAll(t, "rosetta-demo", []byte(join(docs))) {
			if d, ok := o.(*appsv1.Deployment); ok {
				got = d.Spec.Template.Annotations
			}
		}
		want := map[string]string{"team": "shop"}
		if on {
			want["prometheus.io/scrape"] = "true"
			want["prometheus.io/port"] = "9200"
			want["prometheus.io/path"] = "/metrics"
		}
		if !maps.Equal(got, want) {
			t.Errorf("scrapeAnnotations %v: pod annotations %v, want %v", on, got, want)
		}
	}
}
