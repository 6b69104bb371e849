{{/*
Rosetta sidecar library. Every template takes one dict:

  root            the calling chart's top-level context ($)
  values          the sidecar's values (.Values.rosetta with `alias: rosetta`)
  name            base name for the objects it renders (e.g. the caller's fullname)
  selectorLabels  (for serviceMonitor/podMonitor) labels that select the
                  Service or the pods
  labels          (optional) labels to put on the objects it renders

Use in a pod spec:

  {{- with include "rosetta-sidecar.initContainers" $ctx }}
  initContainers:
    {{- . | nindent 4 }}
  {{- end }}
  containers:
    - name: app
      ...
    {{- include "rosetta-sidecar.containers" $ctx | nindent 4 }}
  volumes:
    {{- include "rosetta-sidecar.volumes" $ctx | nindent 4 }}
*/}}

{{/* "true" when Rosetta runs as a native sidecar, else "". */}}
{{- define "rosetta-sidecar.native" -}}
{{- $mode := .values.nativeSidecar -}}
{{- if kindIs "bool" $mode -}}
{{- if $mode }}true{{ end -}}
{{- else if eq (toString $mode) "auto" -}}
{{- if semverCompare ">=1.29.0-0" .root.Capabilities.KubeVersion.Version }}true{{ end -}}
{{- else -}}
{{- fail (printf "rosetta.nativeSidecar: want auto, true or false, got %q" (toString $mode)) -}}
{{- end -}}
{{- end -}}

{{- define "rosetta-sidecar.configMapName" -}}
{{- if .values.existingConfigMap -}}
{{- .values.existingConfigMap -}}
{{- else -}}
{{- printf "%s-rosetta" .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "rosetta-sidecar.image" -}}
{{- $tag := .values.image.tag | default .root.Chart.AppVersion -}}
{{- if .values.image.digest -}}
{{- printf "%s@%s" .values.image.repository .values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The container, as one list item, for containers or initContainers. */}}
{{- define "rosetta-sidecar.container" -}}
{{- $v := .values -}}
- name: {{ $v.name }}
  image: {{ include "rosetta-sidecar.image" . | quote }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  {{- if include "rosetta-sidecar.native" . }}
  restartPolicy: Always
  {{- end }}
  args:
    - --web.listen-address=:{{ $v.ports.web }}
    - --log.level={{ $v.logLevel }}
    - --log.format={{ $v.logFormat }}
    {{- if $v.config }}
    - --config.file=/etc/rosetta/rosetta.yml
    {{- end }}
    {{- if $v.statsdMappingFile }}
    {{- if not (or $v.existingConfigMap (hasKey $v.files $v.statsdMappingFile)) }}
    {{- fail (printf "rosetta.statsdMappingFile: %q is not a key of rosetta.files" $v.statsdMappingFile) }}
    {{- end }}
    - --statsd.mapping-config=/etc/rosetta/{{ $v.statsdMappingFile }}
    {{- end }}
    {{- range $v.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  ports:
    - name: rosetta-web
      containerPort: {{ $v.ports.web }}
      protocol: TCP
    {{- if $v.ports.statsd }}
    - name: statsd-udp
      containerPort: {{ $v.ports.statsd }}
      {{- with $v.ports.statsdHostPort }}
      hostPort: {{ . }}
      {{- end }}
      protocol: UDP
    - name: statsd-tcp
      containerPort: {{ $v.ports.statsd }}
      {{- with $v.ports.statsdHostPort }}
      hostPort: {{ . }}
      {{- end }}
      protocol: TCP
    {{- end }}
  env:
    - name: TMPDIR
      value: /tmp
    {{- if and $v.resources $v.resources.limits $v.resources.limits.memory }}
    - name: GOMEMLIMIT
      valueFrom:
        resourceFieldRef:
          resource: limits.memory
          divisor: "1"
    {{- end }}
    {{- with $v.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $v.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.livenessProbe }}
  livenessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.readinessProbe }}
  readinessProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.startupProbe }}
  startupProbe:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: rosetta-config
      mountPath: /etc/rosetta
      readOnly: true
    - name: rosetta-tmp
      mountPath: /tmp
{{- end -}}

{{/* List items for the pod's initContainers: the sidecar when native. */}}
{{- define "rosetta-sidecar.initContainers" -}}
{{- if include "rosetta-sidecar.native" . -}}
{{- include "rosetta-sidecar.container" . -}}
{{- end -}}
{{- end -}}

{{/* List items for the pod's containers: the sidecar when not native. */}}
{{- define "rosetta-sidecar.containers" -}}
{{- if not (include "rosetta-sidecar.native" .) -}}
{{- include "rosetta-sidecar.container" . -}}
{{- end -}}
{{- end -}}

{{/* List items for the pod's volumes. */}}
{{- define "rosetta-sidecar.volumes" -}}
- name: rosetta-config
  configMap:
    name: {{ include "rosetta-sidecar.configMapName" . }}
- name: rosetta-tmp
  emptyDir:
    {{- with .values.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end -}}

{{/* The ConfigMap with rosetta.yml and the files; nothing with existingConfigMap. */}}
{{- define "rosetta-sidecar.configMap" -}}
{{- if not .values.existingConfigMap -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "rosetta-sidecar.configMapName" . }}
  namespace: {{ .root.Release.Namespace }}
  {{- with .labels }}
  labels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
data:
  {{- with .values.config }}
  rosetta.yml: |
    {{- (kindIs "string" .) | ternary . (toYaml .) | trim | nindent 4 }}
  {{- end }}
  {{- range $file, $content := .values.files }}
  {{- if eq $file "rosetta.yml" }}
  {{- fail "rosetta.files: rosetta.yml is reserved for rosetta.config" }}
  {{- end }}
  {{ $file }}: |
    {{- (kindIs "string" $content) | ternary $content (toYaml $content) | trim | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/* Pod annotations for annotation-based Prometheus scraping
(prometheus.io/scrape, port, path), when scrapeAnnotations is true; put
them under the pod template's metadata.annotations. */}}
{{- define "rosetta-sidecar.podAnnotations" -}}
{{- if .values.scrapeAnnotations -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .values.ports.web | quote }}
prometheus.io/path: /metrics
{{- end -}}
{{- end -}}

{{/* A Service port item for Rosetta's web port. */}}
{{- define "rosetta-sidecar.servicePort" -}}
- name: rosetta-web
  port: {{ .values.ports.web }}
  targetPort: rosetta-web
  protocol: TCP
{{- end -}}

{{- define "rosetta-sidecar.endpoint" -}}
port: rosetta-web
path: /metrics
{{- with .interval }}
interval: {{ . }}
{{- end }}
{{- with .scrapeTimeout }}
scrapeTimeout: {{ . }}
{{- end }}
honorLabels: {{ .honorLabels }}
{{- with .metricRelabelings }}
metricRelabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .relabelings }}
relabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A ServiceMonitor for the Service that carries rosetta-sidecar.servicePort. */}}
{{- define "rosetta-sidecar.serviceMonitor" -}}
{{- $m := .values.serviceMonitor -}}
{{- if $m.enabled -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ printf "%s-rosetta" .name | trunc 63 | trimSuffix "-" }}
  namespace: {{ .root.Release.Namespace }}
  {{- with (merge (dict) ($m.labels | default dict) (.labels | default dict)) }}
  labels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  selector:
    matchLabels:
      {{- required "rosetta-sidecar.serviceMonitor needs selectorLabels" .selectorLabels | toYaml | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .root.Release.Namespace }}
  endpoints:
    - {{- include "rosetta-sidecar.endpoint" $m | nindent 6 }}
{{- end -}}
{{- end -}}

{{/* A PodMonitor for the pods that carry the sidecar. */}}
{{- define "rosetta-sidecar.podMonitor" -}}
{{- $m := .values.podMonitor -}}
{{- if $m.enabled -}}
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: {{ printf "%s-rosetta" .name | trunc 63 | trimSuffix "-" }}
  namespace: {{ .root.Release.Namespace }}
  {{- with (merge (dict) ($m.labels | default dict) (.labels | default dict)) }}
  labels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  selector:
    matchLabels:
      {{- required "rosetta-sidecar.podMonitor needs selectorLabels" .selectorLabels | toYaml | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .root.Release.Namespace }}
  podMetricsEndpoints:
    - {{- include "rosetta-sidecar.endpoint" $m | nindent 6 }}
{{- end -}}
{{- end -}}
