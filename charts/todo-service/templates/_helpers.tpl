{{/*
Chart name, overridable with nameOverride; truncated to 63 chars (the DNS label limit).
*/}}
{{- define "todo-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full resource name: fullnameOverride, else the release name (one service per release), truncated to 63.
*/}}
{{- define "todo-service.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version for the helm.sh/chart label.
*/}}
{{- define "todo-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels shared by every object, without the component (the migration Job sets its own).
*/}}
{{- define "todo-service.baseLabels" -}}
helm.sh/chart: {{ include "todo-service.chart" . }}
app.kubernetes.io/name: {{ include "todo-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo-platform
{{- end }}

{{/*
Common labels on the service's objects.
*/}}
{{- define "todo-service.labels" -}}
{{ include "todo-service.baseLabels" . }}
app.kubernetes.io/component: {{ .Values.component }}
{{- end }}

{{/*
Selector labels: stable for the life of the release (Deployment selectors are immutable).
*/}}
{{- define "todo-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.component }}
{{- end }}

{{/*
ServiceAccount the pods run as.
*/}}
{{- define "todo-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "todo-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Pod-level security context of Pod Security "restricted": non-root uid 1000, RuntimeDefault seccomp.
*/}}
{{- define "todo-service.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Container-level security context of Pod Security "restricted": read-only root, no capabilities.
*/}}
{{- define "todo-service.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Environment read from Secrets by name: the values themselves never pass through Helm.
*/}}
{{- define "todo-service.secretEnv" -}}
{{- range .Values.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}
{{- end }}
