package inject

import (
	"bytes"
	"encoding/json"
	"errors"
)

// The Kubernetes API objects the webhook reads and writes, as JSON, with
// the field names and omitempty of k8s.io/api (admission/v1, core/v1):
// only the fields it uses. The API types are not linked: they would add
// about 6 MiB to the binary of every subcommand and their init to every
// start (issue #15). The tests decode what these produce strictly against
// k8s.io/api, which they import.

// admissionReview is an admission.k8s.io/v1 AdmissionReview.
type admissionReview struct {
	APIVersion string             `json:"apiVersion,omitempty"`
	Kind       string             `json:"kind,omitempty"`
	Request    *admissionRequest  `json:"request,omitempty"`
	Response   *admissionResponse `json:"response,omitempty"`
}

// admissionRequest is what the webhook reads of a request.
type admissionRequest struct {
	UID       string           `json:"uid"`
	Kind      groupVersionKind `json:"kind"`
	Namespace string           `json:"namespace,omitempty"`
	Name      string           `json:"name,omitempty"`
	Operation string           `json:"operation"`
	Object    json.RawMessage  `json:"object,omitempty"`
}

type groupVersionKind struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// opCreate is admissionv1.Create.
const opCreate = "CREATE"

type admissionResponse struct {
	UID       string   `json:"uid"`
	Allowed   bool     `json:"allowed"`
	Patch     []byte   `json:"patch,omitempty"`
	PatchType *string  `json:"patchType,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

// patchTypeJSONPatch is admissionv1.PatchTypeJSONPatch.
const patchTypeJSONPatch = "JSONPatch"

// Pod is what the webhook reads of a v1 Pod: its annotations, and the
// names and ports of its containers and the names of its volumes, which
// Rosetta's must not take. Raw is the object as it came; the patch adds to
// it and changes nothing else.
type Pod struct {
	Raw      json.RawMessage `json:"-"`
	Metadata struct {
		Name         string            `json:"name,omitempty"`
		GenerateName string            `json:"generateName,omitempty"`
		Annotations  map[string]string `json:"annotations,omitempty"`
	} `json:"metadata"`
	Spec struct {
		InitContainers []containerView `json:"initContainers,omitempty"`
		Containers     []containerView `json:"containers,omitempty"`
		Volumes        []struct {
			Name string `json:"name"`
		} `json:"volumes,omitempty"`
	} `json:"spec"`
}

// containerView is what the webhook reads of a pod's own container.
type containerView struct {
	Name  string          `json:"name"`
	Ports []containerPort `json:"ports,omitempty"`
}

// ReadPod decodes a v1 Pod's JSON as the webhook reads it.
func ReadPod(raw []byte) (*Pod, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return nil, errors.New("the request has no object")
	}
	var p Pod
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	p.Raw = raw
	return &p, nil
}

// What the webhook adds, core/v1 types with the fields the library chart
// sets.

type container struct {
	Name            string           `json:"name"`
	Image           string           `json:"image,omitempty"`
	Args            []string         `json:"args,omitempty"`
	Ports           []containerPort  `json:"ports,omitempty"`
	Env             []envVar         `json:"env,omitempty"`
	Resources       resources        `json:"resources"`
	RestartPolicy   *string          `json:"restartPolicy,omitempty"`
	VolumeMounts    []volumeMount    `json:"volumeMounts,omitempty"`
	LivenessProbe   *probe           `json:"livenessProbe,omitempty"`
	ReadinessProbe  *probe           `json:"readinessProbe,omitempty"`
	StartupProbe    *probe           `json:"startupProbe,omitempty"`
	ImagePullPolicy string           `json:"imagePullPolicy,omitempty"`
	SecurityContext *securityContext `json:"securityContext,omitempty"`
}

type containerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol,omitempty"`
}

// Protocols of containerPort.
const (
	protocolTCP = "TCP"
	protocolUDP = "UDP"
)

type envVar struct {
	Name      string        `json:"name"`
	Value     string        `json:"value,omitempty"`
	ValueFrom *envVarSource `json:"valueFrom,omitempty"`
}

type envVarSource struct {
	ResourceFieldRef *resourceFieldSelector `json:"resourceFieldRef,omitempty"`
}

type resourceFieldSelector struct {
	Resource string `json:"resource"`
	Divisor  string `json:"divisor,omitempty"` // a resource.Quantity
}

// resources are core/v1 ResourceRequirements; the values are quantities
// in their canonical string form.
type resources struct {
	Limits   map[string]string `json:"limits,omitempty"`
	Requests map[string]string `json:"requests,omitempty"`
}

type volumeMount struct {
	Name      string `json:"name"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	MountPath string `json:"mountPath"`
}

type probe struct {
	HTTPGet          *httpGetAction `json:"httpGet,omitempty"`
	TimeoutSeconds   int32          `json:"timeoutSeconds,omitempty"`
	PeriodSeconds    int32          `json:"periodSeconds,omitempty"`
	FailureThreshold int32          `json:"failureThreshold,omitempty"`
}

type httpGetAction struct {
	Path string `json:"path,omitempty"`
	Port string `json:"port"` // an IntOrString: the port's name
}

type securityContext struct {
	Capabilities             *capabilities   `json:"capabilities,omitempty"`
	RunAsUser                *int64          `json:"runAsUser,omitempty"`
	RunAsGroup               *int64          `json:"runAsGroup,omitempty"`
	RunAsNonRoot             *bool           `json:"runAsNonRoot,omitempty"`
	ReadOnlyRootFilesystem   *bool           `json:"readOnlyRootFilesystem,omitempty"`
	AllowPrivilegeEscalation *bool           `json:"allowPrivilegeEscalation,omitempty"`
	SeccompProfile           *seccompProfile `json:"seccompProfile,omitempty"`
}

type capabilities struct {
	Drop []string `json:"drop,omitempty"`
}

type seccompProfile struct {
	Type string `json:"type"`
}

type volume struct {
	Name      string                 `json:"name"`
	EmptyDir  *emptyDirVolumeSource  `json:"emptyDir,omitempty"`
	ConfigMap *configMapVolumeSource `json:"configMap,omitempty"`
}

type emptyDirVolumeSource struct {
	SizeLimit string `json:"sizeLimit,omitempty"` // a resource.Quantity
}

type configMapVolumeSource struct {
	Name string `json:"name,omitempty"`
}
