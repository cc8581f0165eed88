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

{{/*
NetworkPolicy egress rules shared by the service's pods and its migration Job: the cluster DNS,
then the pods and the addresses in networkPolicy.egressToPods / egressToCidrs, each on its port.
*/}}
{{- define "todo-service.networkPolicyEgress" -}}
{{- $np := .Values.networkPolicy -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ $np.dns.namespace }}
      podSelector:
        matchLabels:
          {{- toYaml $np.dns.podLabels | nindent 10 }}
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- range $np.egressToPods }}
- to:
    - podSelector:
        matchLabels:
          {{- toYaml .podLabels | nindent 10 }}
  ports:
    - protocol: TCP
      port: {{ .port }}
{{- end }}
{{- range $np.egressToCidrs }}
- to:
    - ipBlock:
        cidr: {{ .cidr }}
  ports:
    - protocol: TCP
      port: {{ .port }}
{{- end }}
{{- end }}

{{/*
Timing fields of one probe (values.probes.readiness / liveness / startup).
*/}}
{{- define "todo-service.probeTiming" -}}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}

{{/*
Refuses shutdown values that would cut requests off: the grace period (counted from the deletion,
preStop included) must outlast preStop + the app's shutdown timeout, and the drain must end
before that timeout (both count from SIGTERM). JSON Schema cannot compare two fields.
*/}}
{{- define "todo-service.checkShutdown" -}}
{{- $s := .Values.shutdown -}}
{{- if le (int $s.terminationGracePeriodSeconds) (add (int $s.preStopSeconds) (int $s.timeoutSeconds) | int) -}}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) must be greater than shutdown.preStopSeconds + shutdown.timeoutSeconds (%d + %d): the kubelet would kill the pod before the app finished" (int $s.terminationGracePeriodSeconds) (int $s.preStopSeconds) (int $s.timeoutSeconds)) -}}
{{- end -}}
{{- if ge (int $s.drainSeconds) (int $s.timeoutSeconds) -}}
{{- fail (printf "shutdown.drainSeconds (%d) must be less than shutdown.timeoutSeconds (%d): both count from SIGTERM" (int $s.drainSeconds) (int $s.timeoutSeconds)) -}}
{{- end -}}
{{- end }}

{{/*
Name of the ConfigMap that records migration.key once a release with it is deployed.
*/}}
{{- define "todo-service.migrationRecordName" -}}
{{ include "todo-service.fullname" . | trunc 54 | trimSuffix "-" }}-migrated
{{- end }}

{{/*
"true" when the hook would apply nothing new: migration.key is set and the live record (lookup:
empty under `helm template` and dry runs, so they always render the hook) holds the same key.
An atomic rollback restores the previous record, so a failed upgrade runs the hook again next time.
*/}}
{{- define "todo-service.migrationApplied" -}}
{{- $key := .Values.migration.key | default "" -}}
{{- if $key -}}
{{- $record := lookup "v1" "ConfigMap" .Release.Namespace (include "todo-service.migrationRecordName" .) -}}
{{- if eq (dig "data" "key" "" $record) $key -}}true{{- end -}}
{{- end -}}
{{- end }}
