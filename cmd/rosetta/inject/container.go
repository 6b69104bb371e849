// Package inject is a Kubernetes mutating admission webhook that adds
// Rosetta to pods that ask for it by annotation: the same container the
// rosetta-sidecar Helm library renders (native sidecar, probes, security
// context, ConfigMap mount), idempotently; every other pod passes
// untouched.
package inject

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
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
	// PullPolicy is its pull policy.
	PullPolicy corev1.PullPolicy
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
	PullPolicy:    corev1.PullIfNotPresent,
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
func container(r request, o Options) corev1.Container {
	c := corev1.Container{
		Name:            containerName,
		Image:           o.Image,
		ImagePullPolicy: o.PullPolicy,
		Args: []string{
			fmt.Sprintf("--web.listen-address=:%d", r.web),
			"--log.level=" + o.LogLevel,
			"--log.format=" + o.LogFormat,
		},
		Ports: []corev1.ContainerPort{{Name: "rosetta-web", ContainerPort: r.web, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			{Name: "TMPDIR", Value: "/tmp"},
			{Name: "GOMEMLIMIT", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{
				Resource: "limits.memory", Divisor: resource.MustParse("1"),
			}}},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
		},
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             new(true),
			RunAsUser:                new(int64(65532)),
			RunAsGroup:               new(int64(65532)),
			ReadOnlyRootFilesystem:   new(true),
			AllowPrivilegeEscalation: new(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		LivenessProbe:  probe("/-/healthy", 10, 3, 3),
		ReadinessProbe: probe("/-/ready", 5, 3, 3),
		StartupProbe:   probe("/-/ready", 1, 3, 60),
		VolumeMounts: []corev1.VolumeMount{
			{Name: configVolume, MountPath: "/etc/rosetta", ReadOnly: true},
			{Name: tmpVolume, MountPath: "/tmp"},
		},
	}
	if o.NativeSidecar {
		c.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
	}
	switch {
	case r.configFile != "":
		c.Args = append(c.Args, "--config.file=/etc/rosetta/"+r.configFile)
	case r.statsdMapping != "":
		c.Args = append(c.Args, "--statsd.mapping-config=/etc/rosetta/"+r.statsdMapping)
	}
	if r.statsd != 0 {
		c.Ports = append(c.Ports,
			corev1.ContainerPort{Name: "statsd-udp", ContainerPort: r.statsd, Protocol: corev1.ProtocolUDP},
			corev1.ContainerPort{Name: "statsd-tcp", ContainerPort: r.statsd, Protocol: corev1.ProtocolTCP})
	}
	if r.configMap == "" {
		// The embedded default config: nothing to mount.
		c.VolumeMounts = c.VolumeMounts[1:]
	}
	return c
}

func probe(path string, period, timeout, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("rosetta-web")}},
		PeriodSeconds:    period,
		TimeoutSeconds:   timeout,
		FailureThreshold: failures,
	}
}

// volumes are the pod volumes the container needs.
func volumes(r request) []corev1.Volume {
	var vs []corev1.Volume
	if r.configMap != "" {
		vs = append(vs, corev1.Volume{Name: configVolume, VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: r.configMap}},
		}})
	}
	size := resource.MustParse("64Mi")
	return append(vs, corev1.Volume{Name: tmpVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &size}}})
}

// Mutate returns pod with Rosetta added, or nil when it is not to be
// changed: it does not ask, or has Rosetta already. err says why a pod
// that asks cannot get it (a bad annotation, a name or port taken).
func Mutate(pod *corev1.Pod, o Options) (*corev1.Pod, error) {
	r, ok, err := parseAnnotations(pod.Annotations, o)
	if err != nil || !ok {
		return nil, err
	}
	spec := &pod.Spec
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, c := range all {
		if c.Name == containerName {
			return nil, nil // injected already (or added by the chart)
		}
	}
	c := container(r, o)
	for _, other := range all {
		for _, p := range other.Ports {
			for _, mine := range c.Ports {
				if p.Name != "" && p.Name == mine.Name {
					return nil, fmt.Errorf("container %s already has a port named %s", other.Name, p.Name)
				}
				if p.ContainerPort == mine.ContainerPort && p.Protocol == mine.Protocol || p.ContainerPort == mine.ContainerPort && p.Protocol == "" && mine.Protocol == corev1.ProtocolTCP {
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
	out := pod.DeepCopy()
	if o.NativeSidecar {
		// First, so that it is up before the other init containers run.
		out.Spec.InitContainers = append([]corev1.Container{c}, out.Spec.InitContainers...)
	} else {
		out.Spec.Containers = append(out.Spec.Containers, c)
	}
	out.Spec.Volumes = append(out.Spec.Volumes, vs...)
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[AnnotationStatus] = "injected"
	return out, nil
}
