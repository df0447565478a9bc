{{/*
What every service's template shares: names, labels, the Deployment, its ServiceAccount and
ClusterRoleBinding, the HorizontalPodAutoscaler and the PodDisruptionBudget. Each service's
own template (api.yaml, admin.yaml, scheduler.yaml, reconciler.yaml) holds what differs: its
ClusterRole rules, environment, ports and probes.

Helpers for one service take a dict: root (the chart's top-level context), component (api,
admin, scheduler, reconciler) and values (that service's values).
*/}}

{{- define "sumo-k8.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sumo-k8.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* <fullname>-<component>: the name of a service's Deployment, ServiceAccount, ClusterRole, ... */}}
{{- define "sumo-k8.componentName" -}}
{{- printf "%s-%s" (include "sumo-k8.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sumo-k8.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "sumo-k8.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: sumo-k8
{{- /* Helm, never the platform's own "sumo-k8": the reconciler selects on that value. */}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sumo-k8.componentLabels" -}}
{{ include "sumo-k8.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "sumo-k8.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sumo-k8.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "sumo-k8.image" -}}
{{- $tag := .values.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" .values.image.repository $tag }}
{{- end }}

{{/* The pod-level security context of every pod the chart makes (Pod Security "restricted"). */}}
{{- define "sumo-k8.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "sumo-k8.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Environment every service gets: the database URL from its Secret, whether to migrate at boot,
the metrics port, then the service's config (camelCase keys become the service's variables:
databasePoolSize -> DATABASE_POOL_SIZE) and its extraEnv.
*/}}
{{- define "sumo-k8.commonEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.database.existingSecret }}
      key: {{ .root.Values.database.urlKey }}
- name: MIGRATE_ON_START
  value: {{ not .root.Values.migrations.enabled | quote }}
{{- if .root.Values.metrics.enabled }}
- name: METRICS_PORT
  value: {{ .root.Values.metrics.port | quote }}
{{- end }}
{{- range $key, $value := .values.config }}
- name: {{ regexReplaceAll "([a-z0-9])([A-Z])" $key "${1}_${2}" | upper }}
  value: {{ include "sumo-k8.envValue" $value | quote }}
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
A value as an environment variable's text. Helm reads numbers from YAML as float64, which
print as 1.048576e+06; whole numbers print as integers.
*/}}
{{- define "sumo-k8.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) }}
{{- int64 . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{- define "sumo-k8.metricsPort" -}}
{{- if .Values.metrics.enabled }}
- name: metrics
  containerPort: {{ .Values.metrics.port }}
  protocol: TCP
{{- end }}
{{- end }}

{{/*
A service's Deployment. Besides root/component/values the dict carries the container's
service-specific parts as YAML text: env (after the common env), ports and probes.
*/}}
{{- define "sumo-k8.deployment" -}}
{{- $root := .root }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "sumo-k8.componentName" . }}
  labels:
    {{- include "sumo-k8.componentLabels" . | nindent 4 }}
spec:
  {{- if not .values.autoscaling.enabled }}
  replicas: {{ .values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "sumo-k8.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "sumo-k8.componentLabels" . | nindent 8 }}
      {{- $annotations := dict }}
      {{- if and $root.Values.metrics.enabled $root.Values.metrics.scrapeAnnotations }}
      {{- $_ := set $annotations "prometheus.io/scrape" "true" }}
      {{- $_ := set $annotations "prometheus.io/port" (toString $root.Values.metrics.port) }}
      {{- $_ := set $annotations "prometheus.io/path" $root.Values.metrics.path }}
      {{- end }}
      {{- $annotations = merge (deepCopy (.values.podAnnotations | default dict)) $annotations }}
      {{- with $annotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "sumo-k8.componentName" . }}
      # Every service talks to the Kubernetes API as its own ServiceAccount.
      automountServiceAccountToken: true
      # No <SERVICE>_PORT variables from the namespace's Services: the services read PORT.
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "sumo-k8.podSecurityContext" $root | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "sumo-k8.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          env:
            {{- include "sumo-k8.commonEnv" . | nindent 12 }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- with .ports }}
          ports:
            {{- . | nindent 12 }}
          {{- end }}
          {{- with .probes }}
          {{- . | nindent 10 }}
          {{- end }}
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- include "sumo-k8.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        # The root filesystem is read-only; anything that needs a scratch file gets /tmp.
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      {{- with .values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/*
A service's ServiceAccount. Its token is mounted only where asked for: the service's own pods
do (automountServiceAccountToken in the Deployment); anything else run as it gets none.
*/}}
{{- define "sumo-k8.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "sumo-k8.componentName" . }}
  labels:
    {{- include "sumo-k8.componentLabels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end }}

{{/* Binds the service's ClusterRole (same name) to its ServiceAccount. */}}
{{- define "sumo-k8.clusterRoleBinding" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ include "sumo-k8.componentName" . }}
  labels:
    {{- include "sumo-k8.componentLabels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ include "sumo-k8.componentName" . }}
subjects:
  - kind: ServiceAccount
    name: {{ include "sumo-k8.componentName" . }}
    namespace: {{ .root.Release.Namespace }}
{{- end }}

{{- define "sumo-k8.horizontalPodAutoscaler" -}}
{{- if .values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "sumo-k8.componentName" . }}
  labels:
    {{- include "sumo-k8.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "sumo-k8.componentName" . }}
  minReplicas: {{ .values.autoscaling.minReplicas }}
  maxReplicas: {{ .values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .values.autoscaling.targetCPUUtilizationPercentage }}
    {{- with .values.autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
{{- end }}
{{- end }}

{{- define "sumo-k8.podDisruptionBudget" -}}
{{- if .values.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "sumo-k8.componentName" . }}
  labels:
    {{- include "sumo-k8.componentLabels" . | nindent 4 }}
spec:
  {{- if hasKey .values.podDisruptionBudget "minAvailable" }}
  minAvailable: {{ .values.podDisruptionBudget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .values.podDisruptionBudget.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "sumo-k8.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
Probes of the services that serve no other HTTP (scheduler, reconciler): their metrics
listener (packages/metrics) also answers /healthz (the process and its event loop answer) and
/readyz (the service's own readiness check), so no exec probe, no shell in the image.
*/}}
{{- define "sumo-k8.metricsProbes" -}}
{{- if .Values.metrics.enabled }}
startupProbe:
  httpGet:
    path: /healthz
    port: metrics
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /healthz
    port: metrics
  periodSeconds: 15
  timeoutSeconds: 5
  failureThreshold: 4
readinessProbe:
  httpGet:
    path: /readyz
    port: metrics
  periodSeconds: 10
  timeoutSeconds: 5
{{- end }}
{{- end }}

{{/* The container ports of an HTTP service: http on .port, and metrics. */}}
{{- define "sumo-k8.httpPorts" -}}
- name: http
  containerPort: {{ .port }}
  protocol: TCP
{{- include "sumo-k8.metricsPort" .root }}
{{- end }}

{{/*
Probes of an HTTP service (packages/http's health routes): /healthz says the process serves,
/readyz that the database answers and the service is not shutting down. Liveness never
depends on the database, so a database outage makes pods unready, not restarted.
*/}}
{{- define "sumo-k8.httpProbes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 15
  timeoutSeconds: 5
  failureThreshold: 4
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end }}

{{/* The ClusterIP Service of an HTTP service (api, admin). */}}
{{- define "sumo-k8.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "sumo-k8.componentName" . }}
  labels:
    {{- include "sumo-k8.componentLabels" . | nindent 4 }}
spec:
  type: {{ .values.service.type }}
  selector:
    {{- include "sumo-k8.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .values.service.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{/*
The ClusterRole a service holds in every tenant namespace and nowhere else (api, reconciler):
the scheduler binds it there (TENANT_ROLE_BINDINGS) as it creates the namespace.
*/}}
{{- define "sumo-k8.tenantRoleName" -}}
{{- printf "%s-tenant" (include "sumo-k8.componentName" .) }}
{{- end }}

{{/*
What the scheduler binds in every tenant namespace: a dict from each tenant ClusterRole's name
to the name of the ServiceAccount (in the release namespace) it is bound to, as JSON.
*/}}
{{- define "sumo-k8.tenantRoleBindings" -}}
{{- $bindings := dict }}
{{- range $component := list "api" "reconciler" }}
{{- $service := dict "root" $ "component" $component }}
{{- $_ := set $bindings (include "sumo-k8.tenantRoleName" $service) (include "sumo-k8.componentName" $service) }}
{{- end }}
{{- toJson $bindings }}
{{- end }}

{{/* A label selector's text (key=value,..., as clusterDns holds them) as matchLabels, in JSON. */}}
{{- define "sumo-k8.matchLabels" -}}
{{- $labels := dict }}
{{- range $term := splitList "," . }}
{{- $parts := splitList "=" $term }}
{{- $_ := set $labels (first $parts) (last $parts) }}
{{- end }}
{{- toJson $labels }}
{{- end }}

{{/*
A service's NetworkPolicy (networkPolicy.enabled): ingress to its http port (api, admin: .http
says which of networkPolicy.ingress) and to its metrics port from networkPolicy.ingress.metrics;
egress only to the cluster's DNS, the Kubernetes API server and PostgreSQL. The kubelet's probes
come from the node, which network plugins let through whatever the policy says.
*/}}
{{- define "sumo-k8.networkPolicy" -}}
{{- $np := .root.Values.networkPolicy }}
{{- if $np.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "sumo-k8.componentName" . }}
  labels:
    {{- include "sumo-k8.componentLabels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "sumo-k8.selectorLabels" . | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  ingress:
    {{- if .http }}
    - ports:
        - port: http
          protocol: TCP
      {{- with index $np.ingress .http }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- if .root.Values.metrics.enabled }}
    - ports:
        - port: metrics
          protocol: TCP
      {{- with $np.ingress.metrics }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              {{- include "sumo-k8.matchLabels" .root.Values.clusterDns.namespaceSelector | fromJson | toYaml | nindent 14 }}
          podSelector:
            matchLabels:
              {{- include "sumo-k8.matchLabels" .root.Values.clusterDns.podSelector | fromJson | toYaml | nindent 14 }}
      ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- range $name := list "apiServer" "database" }}
    {{- $rule := index $np.egress $name }}
    - ports:
        {{- range $rule.ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
      {{- with $rule.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
{{- end }}
{{- end }}
