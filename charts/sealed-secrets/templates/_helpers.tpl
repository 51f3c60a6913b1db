{{/* Chart name, or nameOverride. */}}
{{- define "sealed-secrets.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name: fullnameOverride, else the release name when it already contains the chart name, else
<release>-<name>; truncated to 63 characters because some resource names are DNS labels.
*/}}
{{- define "sealed-secrets.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "sealed-secrets.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sealed-secrets.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Namespace of the controller and of its namespaced resources. */}}
{{- define "sealed-secrets.namespace" -}}
{{- default .Release.Namespace .Values.namespace -}}
{{- end -}}

{{- define "sealed-secrets.matchLabels" -}}
app.kubernetes.io/name: {{ include "sealed-secrets.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Standard labels plus commonLabels (commonLabels cannot override the standard ones). */}}
{{- define "sealed-secrets.labels" -}}
{{- $std := dict
  "app.kubernetes.io/name" (include "sealed-secrets.name" .)
  "app.kubernetes.io/instance" .Release.Name
  "app.kubernetes.io/managed-by" .Release.Service
  "app.kubernetes.io/version" .Chart.AppVersion
  "app.kubernetes.io/part-of" "sealed-secrets"
  "helm.sh/chart" (include "sealed-secrets.chart" .) -}}
{{- toYaml (merge $std (.Values.commonLabels | default dict)) -}}
{{- end -}}

{{/*
metadata.labels and metadata.annotations for a resource.
Usage: include "sealed-secrets.metadata" (dict "ctx" $ "labels" <map or nil> "annotations" <map or nil>)
*/}}
{{- define "sealed-secrets.metadata" -}}
{{- $labels := merge (fromYaml (include "sealed-secrets.labels" .ctx)) (.labels | default dict) -}}
labels: {{- toYaml $labels | nindent 2 }}
{{- $ann := merge (deepCopy (.annotations | default dict)) (.ctx.Values.commonAnnotations | default dict) -}}
{{- if $ann }}
annotations: {{- toYaml $ann | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "sealed-secrets.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sealed-secrets.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sealed-secrets.image" -}}
{{- $repo := printf "%s/%s" .Values.image.registry .Values.image.repository | trimPrefix "/" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Render a value that may contain templates (strings are rendered, other values go through toYaml first). */}}
{{- define "sealed-secrets.render" -}}
{{- if typeIs "string" .value -}}
{{- tpl .value .context -}}
{{- else -}}
{{- tpl (toYaml .value) .context -}}
{{- end -}}
{{- end -}}

{{/* "k1=v1,k2=v2" from a map, keys sorted, for --privatekey-labels/--privatekey-annotations. */}}
{{- define "sealed-secrets.kvList" -}}
{{- $pairs := list -}}
{{- range $k, $v := . -}}
{{- $pairs = append $pairs (printf "%s=%v" $k $v) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/*
Namespaces that get the namespaced unsealer Role: the controller namespace (the controller always watches it when
additional namespaces are set) plus additionalNamespaces, without duplicates.
*/}}
{{- define "sealed-secrets.unsealerNamespaces" -}}
{{- $all := prepend (.Values.additionalNamespaces | default list) (include "sealed-secrets.namespace" .) -}}
{{- toJson (uniq $all) -}}
{{- end -}}

{{/* Rules of the unsealer (ClusterRole or namespaced Roles). Usage: include ... (dict "ctx" $ "namespaces" <list>) */}}
{{- define "sealed-secrets.unsealerRules" -}}
- apiGroups:
    - bitnami.com
  resources:
    - sealedsecrets
  verbs:
    - get
    - list
    - watch
- apiGroups:
    - bitnami.com
  resources:
    - sealedsecrets/status
  verbs:
    - update
- apiGroups:
    - ""
  resources:
    - secrets
  verbs:
    - get
    - list
    - create
    - update
    - delete
    - watch
- apiGroups:
    - ""
  resources:
    - events
  verbs:
    - create
    - patch
{{- if .namespaces }}
- apiGroups:
    - ""
  resources:
    - namespaces
  resourceNames: {{- toYaml .namespaces | nindent 4 }}
  verbs:
    - get
{{- end }}
{{- end -}}

{{/* The admission webhook's Service and ValidatingWebhookConfiguration name (docs/admission.md, section 2). */}}
{{- define "sealed-secrets.webhookName" -}}
{{- printf "%s-webhook" (include "sealed-secrets.fullname" . | trunc 55 | trimSuffix "-") -}}
{{- end -}}

{{- define "sealed-secrets.webhookCaSecret" -}}
{{- default (printf "%s-ca" (include "sealed-secrets.webhookName" .)) .Values.admission.webhook.caSecretName -}}
{{- end -}}

{{/*
"true" when the controller runs with --leader-elect: leaderElection.enabled when it is a boolean, else whether
replicaCount > 1. More than one replica without leader election is refused: every replica would write (and
create keys), the failure upstream's single-replica rule exists for.
*/}}
{{- define "sealed-secrets.leaderElection" -}}
{{- $enabled := .Values.leaderElection.enabled -}}
{{- $several := gt (int .Values.replicaCount) 1 -}}
{{- if and $several (kindIs "bool" $enabled) (not $enabled) -}}
{{- fail "replicaCount > 1 needs leader election: leave leaderElection.enabled unset (null) or set it to true" -}}
{{- end -}}
{{- if kindIs "bool" $enabled -}}
{{- if $enabled }}true{{ end -}}
{{- else if $several -}}
true
{{- end -}}
{{- end -}}

{{/* Name of the leader-election Lease in the controller namespace. */}}
{{- define "sealed-secrets.leaseName" -}}
{{- default (include "sealed-secrets.fullname" .) .Values.leaderElection.leaseName -}}
{{- end -}}

{{/* The leader-election flags (also appended to a custom `args`: the Lease name must match the RBAC and the Lease). */}}
{{- define "sealed-secrets.leaderElectionArgs" -}}
{{- $le := .Values.leaderElection -}}
- --leader-elect
- --leader-elect-resource-name
- {{ include "sealed-secrets.leaseName" . | quote }}
{{- if $le.leaseDuration }}
- --leader-elect-lease-duration
- {{ $le.leaseDuration | quote }}
{{- end }}
{{- if $le.renewDeadline }}
- --leader-elect-renew-deadline
- {{ $le.renewDeadline | quote }}
{{- end }}
{{- if $le.retryPeriod }}
- --leader-elect-retry-period
- {{ $le.retryPeriod | quote }}
{{- end }}
{{- end -}}
