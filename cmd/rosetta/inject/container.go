// Package inject is a Kubernetes mutating admission webhook that adds
// Rosetta to pods that ask for it by annotation: the same container the
// rosetta-sidecar Helm library renders (native sidecar, probes, security
// context, ConfigMap mount), idempotently; every other pod passes
// untouched.
package inject

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Annotations a pod sets.
const (
	// AnnotationInject "true" asks for Rosetta; "false" or none: nothing.
	AnnotationInject = "rosetta.dev/inject"
	// AnnotationConfig names the ConfigMap mounted on /etc/rosetta.
	AnnotationConfig = "rosetta.dev/config"
	// AnnotationConfigFile is the ConfigMap key passed as --config.file
	// (default rosetta.yml when the ConfigMap is set and no StatsD mapping
	// is named).
	AnnotationConfigFile = "rosetta.dev/config-file"
	// AnnotationStatsdMapping is the ConfigMap key passed as
	// --statsd.mapping-config instead (the embedded StatsD input).
	AnnotationStatsdMapping = "rosetta.dev/statsd-mapping"
	// AnnotationPorts overrides the ports: "web=9102,statsd=9125"
	// (statsd=0: no StatsD ports).
	AnnotationPorts = "rosetta.dev/ports"
	// AnnotationStatus is set on injected pods.
	AnnotationStatus = "rosetta.dev/status"
)

// Names of what is added, as the library chart names them.
const (
	containerName = "rosetta"
	configVolume  = "rosetta-config"
	tmpVolume     = "rosetta-tmp"
)

// Options are the injector's settings (its command-line flags).
type Options struct {
	// Image is Rosetta's image.
	Image string
	// PullPolicy is its pull policy: Always, IfNotPresent or Never.
	PullPolicy string
	// NativeSidecar puts Rosetta in initContainers with restartPolicy
	// Always (Kubernetes 1.29 and later), else in containers.
	NativeSidecar bool
	// Web and Statsd are the default ports.
	Web, Statsd int32
	// LogLevel and LogFormat are passed on.
	LogLevel, LogFormat string
}

// DefaultOptions are the library chart's defaults.
var DefaultOptions = Options{
	Image:         "ghcr.io/rosetta-adapter/rosetta:latest",
	PullPolicy:    "IfNotPresent",
	NativeSidecar: true,
	Web:           9102,
	Statsd:        9125,
	LogLevel:      "info",
	LogFormat:     "logfmt",
}

// request is what a pod's annotations ask for.
type request struct {
	configMap, configFile, statsdMapping string
	web, statsd                          int32
}

// parseAnnotations reads the rosetta.dev/* annotations; ok is false when
// the pod does not ask for Rosetta; err names a bad annotation.
func parseAnnotations(ann map[string]string, o Options) (r request, ok bool, err error) {
	switch v := ann[AnnotationInject]; v {
	case "":
		return r, false, nil
	case "true":
	case "false":
		return r, false, nil
	default:
		return r, false, fmt.Errorf("%s: %q is not \"true\" or \"false\"", AnnotationInject, v)
	}
	r = request{configMap: ann[AnnotationConfig], configFile: ann[AnnotationConfigFile], statsdMapping: ann[AnnotationStatsdMapping], web: o.Web, statsd: o.Statsd}
	for _, k := range []string{AnnotationConfigFile, AnnotationStatsdMapping} {
		v := ann[k]
		if v == "" {
			continue
		}
		if r.configMap == "" {
			return r, false, fmt.Errorf("%s needs %s (the ConfigMap that holds %q)", k, AnnotationConfig, v)
		}
		if strings.ContainsAny(v, "/\\") || v == "." || v == ".." {
			return r, false, fmt.Errorf("%s: %q is not a ConfigMap key", k, v)
		}
	}
	if r.configFile != "" && r.statsdMapping != "" {
		return r, false, fmt.Errorf("%s and %s: set one", AnnotationConfigFile, AnnotationStatsdMapping)
	}
	if r.configMap != "" && r.configFile == "" && r.statsdMapping == "" {
		r.configFile = "rosetta.yml"
	}
	if p := ann[AnnotationPorts]; p != "" {
		for _, kv := range strings.Split(p, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			n, perr := strconv.ParseUint(v, 10, 16)
			switch {
			case perr != nil || k == "web" && n == 0:
				return r, false, fmt.Errorf("%s: %q: want web=PORT,statsd=PORT", AnnotationPorts, kv)
			case k == "web":
				r.web = int32(n)
			case k == "statsd":
				r.statsd = int32(n)
			default:
				return r, false, fmt.Errorf("%s: unknown port %q (web, statsd)", AnnotationPorts, k)
			}
		}
		if r.web == r.statsd {
			return r, false, fmt.Errorf("%s: web and statsd on the same port %d", AnnotationPorts, r.web)
		}
	}
	return r, true, nil
}

// container is Rosetta's container as the rosetta-sidecar library renders
// it with its default values.
func newContainer(r request, o Options) container {
	c := container{
		Name:            containerName,
		Image:           o.Image,
		ImagePullPolicy: o.PullPolicy,
		Args: []string{
			fmt.Sprintf("--web.listen-address=:%d", r.web),
			"--log.level=" + o.LogLevel,
			"--log.format=" + o.LogFormat,
		},
		Ports: []containerPort{{Name: "rosetta-web", ContainerPort: r.web, Protocol: protocolTCP}},
		Env: []envVar{
			{Name: "TMPDIR", Value: "/tmp"},
			{Name: "GOMEMLIMIT", ValueFrom: &envVarSource{ResourceFieldRef: &resourceFieldSelector{
				Resource: "limits.memory", Divisor: "1",
			}}},
		},
		Resources: resources{
			Requests: map[string]string{"cpu": "10m", "memory": "32Mi"},
			Limits:   map[string]string{"memory": "128Mi"},
		},
		SecurityContext: &securityContext{
			RunAsNonRoot:             new(true),
			RunAsUser:                new(int64(65532)),
			RunAsGroup:               new(int64(65532)),
			ReadOnlyRootFilesystem:   new(true),
			AllowPrivilegeEscalation: new(false),
			Capabilities:             &capabilities{Drop: []string{"ALL"}},
			SeccompProfile:           &seccompProfile{Type: "RuntimeDefault"},
		},
		LivenessProbe:  newProbe("/-/healthy", 10, 3, 3),
		ReadinessProbe: newProbe("/-/ready", 5, 3, 3),
		StartupProbe:   newProbe("/-/ready", 1, 3, 60),
		VolumeMounts: []volumeMount{
			{Name: configVolume, MountPath: "/etc/rosetta", ReadOnly: true},
			{Name: tmpVolume, MountPath: "/tmp"},
		},
	}
	if o.NativeSidecar {
		c.RestartPolicy = new("Always")
	}
	switch {
	case r.configFile != "":
		c.Args = append(c.Args, "--config.file=/etc/rosetta/"+r.configFile)
	case r.statsdMapping != "":
		c.Args = append(c.Args, "--statsd.mapping-config=/etc/rosetta/"+r.statsdMapping)
	}
	if r.statsd != 0 {
		c.Ports = append(c.Ports,
			containerPort{Name: "statsd-udp", ContainerPort: r.statsd, Protocol: protocolUDP},
			containerPort{Name: "statsd-tcp", ContainerPort: r.statsd, Protocol: protocolTCP})
	}
	if r.configMap == "" {
		// The embedded default config: nothing to mount.
		c.VolumeMounts = c.VolumeMounts[1:]
	}
	return c
}

func newProbe(path string, period, timeout, failures int32) *probe {
	return &probe{
		HTTPGet:          &httpGetAction{Path: path, Port: "rosetta-web"},
		PeriodSeconds:    period,
		TimeoutSeconds:   timeout,
		FailureThreshold: failures,
	}
}

// volumes are the pod volumes the container needs.
func volumes(r request) []volume {
	var vs []volume
	if r.configMap != "" {
		vs = append(vs, volume{Name: configVolume, ConfigMap: &configMapVolumeSource{Name: r.configMap}})
	}
	return append(vs, volume{Name: tmpVolume, EmptyDir: &emptyDirVolumeSource{SizeLimit: "64Mi"}})
}

// Mutate returns pod's object (pod.Raw) with Rosetta added, or nil when it
// is not to be changed: it does not ask, or has Rosetta already. err says
// why a pod that asks cannot get it (a bad annotation, a name or port
// taken). What the object has besides what is added stays as it came,
// fields the webhook does not know included.
func Mutate(pod *Pod, o Options) ([]byte, error) {
	r, ok, err := parseAnnotations(pod.Metadata.Annotations, o)
	if err != nil || !ok {
		return nil, err
	}
	spec := &pod.Spec
	all := append(append([]containerView{}, spec.InitContainers...), spec.Containers...)
	for _, c := range all {
		if c.Name == containerName {
			return nil, nil // injected already (or added by the chart)
		}
	}
	c := newContainer(r, o)
	for _, other := range all {
		for _, p := range other.Ports {
			for _, mine := range c.Ports {
				if p.Name != "" && p.Name == mine.Name {
					return nil, fmt.Errorf("container %s already has a port named %s", other.Name, p.Name)
				}
				if p.ContainerPort == mine.ContainerPort && p.Protocol == mine.Protocol || p.ContainerPort == mine.ContainerPort && p.Protocol == "" && mine.Protocol == protocolTCP {
					return nil, fmt.Errorf("container %s already uses port %d/%s; set %s", other.Name, p.ContainerPort, mine.Protocol, AnnotationPorts)
				}
			}
		}
	}
	vs := volumes(r)
	for _, v := range spec.Volumes {
		for _, mine := range vs {
			if v.Name == mine.Name {
				return nil, fmt.Errorf("the pod already has a volume named %s", v.Name)
			}
		}
	}
	return addTo(pod.Raw, c, vs, o.NativeSidecar)
}

// addTo adds c (first of spec.initContainers when native, else last of
// spec.containers), the volumes vs and the status annotation to the pod
// object raw, and leaves everything else as it came.
func addTo(raw []byte, c container, vs []volume, native bool) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	spec, ok := obj["spec"].(map[string]any)
	if !ok {
		spec = map[string]any{}
		obj["spec"] = spec
	}
	list := func(k string) []any {
		l, _ := spec[k].([]any)
		return l
	}
	if native {
		// First, so that it is up before the other init containers run.
		spec["initContainers"] = append([]any{c}, list("initContainers")...)
	} else {
		spec["containers"] = append(list("containers"), c)
	}
	vl := list("volumes")
	for _, v := range vs {
		vl = append(vl, v)
	}
	spec["volumes"] = vl
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	ann, ok := meta["annotations"].(map[string]any)
	if !ok {
		ann = map[string]any{}
		meta["annotations"] = ann
	}
	ann[AnnotationStatus] = "injected"
	return json.Marshal(obj)
}
