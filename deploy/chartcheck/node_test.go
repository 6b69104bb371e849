package chartcheck

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const nodeChart = "../helm/rosetta-node"

// nodeValueSets are the value combinations of the node chart's tests.
var nodeValueSets = []struct {
	name     string
	values   map[string]any
	hostPort int32
	service  bool
	example  bool
	monitors []string
}{
	{name: "defaults", values: map[string]any{}, hostPort: 9125, service: true, example: true},
	{name: "service only", values: map[string]any{"exampleApp": map[string]any{"enabled": false},
		"rosetta": map[string]any{"ports": map[string]any{"statsdHostPort": 0}}}, service: true},
	{name: "hostPort only, monitored, forced native ignored", values: map[string]any{"service": map[string]any{"enabled": false},
		"rosetta": map[string]any{"nativeSidecar": true, "ports": map[string]any{"statsdHostPort": 8125}, "podMonitor": map[string]any{"enabled": true}}},
		hostPort: 8125, example: true, monitors: []string{"PodMonitor"}},
}

// TestNodeRenderGolden renders the node chart with default values at
// Kubernetes 1.28 and 1.31 (the same: no native sidecar in a DaemonSet)
// and compares with the golden files; imagetest plays the 1.31 one.
func TestNodeRenderGolden(t *testing.T) {
	for _, kv := range []string{"1.28.0", "1.31.0"} {
		t.Run(kv, func(t *testing.T) {
			docs, err := render(t, nodeChart, map[string]any{}, kv)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "rosetta-node-k8s-"+kv+".yaml", join(docs))
		})
	}
}

// TestNodeObjects decodes every rendering strictly against the API types,
// runs the common checks (security context, probes, mounts, Service
// targets) and checks node mode's wiring: Rosetta is the DaemonSet's main
// container with the StatsD hostPort, the Service keeps traffic on the
// node, and the example app sends to its node's IP and that port.
func TestNodeObjects(t *testing.T) {
	for _, vs := range nodeValueSets {
		for _, kv := range []string{"1.28.0", "1.31.0"} {
			t.Run(vs.name+"@"+kv, func(t *testing.T) {
				docs, err := render(t, nodeChart, vs.values, kv)
				if err != nil {
					t.Fatal(err)
				}
				objs := decodeAll(t, "rosetta-node", []byte(join(docs)))
				want := expect{monitors: vs.monitors, plainPods: []string{"Deployment shop-rosetta-node-example-app"}}
				checkObjects(t, objs, want)
				checkNode(t, objs, vs.hostPort, vs.service, vs.example)
			})
		}
	}
}

func checkNode(t reporter, objs []runtime.Object, hostPort int32, service, example bool) {
	t.Helper()
	var ds *appsv1.DaemonSet
	var svc *corev1.Service
	var app *appsv1.Deployment
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.DaemonSet:
			ds = o
		case *corev1.Service:
			svc = o
		case *appsv1.Deployment:
			app = o
		}
	}
	if ds == nil {
		t.Errorf("no DaemonSet")
		return
	}
	spec := ds.Spec.Template.Spec
	if len(spec.InitContainers) > 0 || len(spec.Containers) != 1 || spec.Containers[0].Name != "rosetta" {
		t.Errorf("DaemonSet: want rosetta as its one container, got init %d, containers %d", len(spec.InitContainers), len(spec.Containers))
		return
	}
	for _, p := range spec.Containers[0].Ports {
		if strings.HasPrefix(p.Name, "statsd-") && p.HostPort != hostPort {
			t.Errorf("DaemonSet: port %s hostPort %d, want %d", p.Name, p.HostPort, hostPort)
		}
		if p.Name == "rosetta-web" && p.HostPort != 0 {
			t.Errorf("DaemonSet: the web port has a hostPort")
		}
	}
	switch {
	case service && svc == nil:
		t.Errorf("no Service")
	case !service && svc != nil:
		t.Errorf("Service %s rendered", svc.Name)
	case svc != nil:
		if svc.Spec.InternalTrafficPolicy == nil || *svc.Spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyLocal {
			t.Errorf("Service %s: internalTrafficPolicy %v, want Local", svc.Name, svc.Spec.InternalTrafficPolicy)
		}
		protos := map[corev1.Protocol]bool{}
		for _, p := range svc.Spec.Ports {
			if strings.HasPrefix(p.Name, "statsd-") {
				protos[p.Protocol] = true
			}
		}
		if !protos[corev1.ProtocolUDP] || !protos[corev1.ProtocolTCP] {
			t.Errorf("Service %s: StatsD ports %v, want UDP and TCP", svc.Name, protos)
		}
	}
	if example != (app != nil) {
		t.Errorf("example app rendered %v, want %v", app != nil, example)
	}
	if app == nil {
		return
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range app.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e
	}
	if h := env["STATSD_HOST"]; h.ValueFrom == nil || h.ValueFrom.FieldRef == nil || h.ValueFrom.FieldRef.FieldPath != "status.hostIP" {
		t.Errorf("example app: STATSD_HOST %+v, want the downward API's status.hostIP", h)
	}
	if p := env["STATSD_PORT"]; p.Value != fmt.Sprint(hostPort) {
		t.Errorf("example app: STATSD_PORT %q, want the hostPort %d", p.Value, hostPort)
	}
	if sel := app.Spec.Selector.MatchLabels; sel["app.kubernetes.io/component"] == ds.Spec.Selector.MatchLabels["app.kubernetes.io/component"] {
		t.Errorf("the example app's selector %v overlaps the DaemonSet's %v", sel, ds.Spec.Selector.MatchLabels)
	}
}

// TestNodeValuesRejected: the schema and the templates refuse values
// that cannot work, naming them.
func TestNodeValuesRejected(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"typo", map[string]any{"exampleapp": map[string]any{}}, "exampleapp"},
		{"bad traffic policy", map[string]any{"service": map[string]any{"internalTrafficPolicy": "Node"}}, "internalTrafficPolicy"},
		{"example app without hostPort", map[string]any{"rosetta": map[string]any{"ports": map[string]any{"statsdHostPort": 0}}}, "statsdHostPort"},
		{"hostPort out of range", map[string]any{"rosetta": map[string]any{"ports": map[string]any{"statsdHostPort": 70000}}}, "statsdHostPort"},
		{"service without StatsD", map[string]any{"exampleApp": map[string]any{"enabled": false}, "rosetta": map[string]any{"ports": map[string]any{"statsd": 0, "statsdHostPort": 0}}}, "rosetta.ports.statsd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, nodeChart, tc.values, "1.31.0")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
