# The cluster's Prometheus (Debian's `prometheus`), shared by scripts/lab and
# scripts/install: its service account and least-privilege ClusterRole, and
# a configuration that finds every target through the API server and
# scrapes it over HTTPS with the service account's token. Debian builds
# Prometheus without kubernetes_sd_configs (client-go is not packaged), so
# discovery goes through http_sd_configs to the API server's /metrics/sd/ROLE,
# which answers with the targets and __meta_kubernetes_* labels Kubernetes
# discovery would give (roles node, endpoints, endpointslice); the relabelling
# below is what one writes for kubernetes_sd_configs.
#
#   job apiserver            the API server's /metrics (the default/kubernetes endpoints)
#   job kube-state-metrics   the control plane's object-state metrics (/metrics/kube-state)
#   job kubelet              every node's kubelet: /metrics, /metrics/resource and
#                            /metrics/cadvisor (label metrics_path tells them apart)
#   job kube-proxy           every node's kube-proxy (:10249/metrics, plain HTTP as upstream's)
#   job coredns              cluster DNS: the `metrics` port of kube-system/kube-dns's endpoints
#   job ingress-nginx        ingress controllers: the `metrics` port of
#                            kube-system/ingress-controller-metrics's endpoints (ingress-nginx's names)
#
# Rules: deploy/monitoring/rules.yml. MONITORING_ALERT_FOR overrides every
# rule's `for:` (tests use 0s, so an alert fires at its first evaluation).

# monitoring_rbac: the namespace, service account and ClusterRole (what
# upstream's Prometheus chart grants: discovery reads, nodes/metrics, the
# metrics URLs), as YAML for kubectl apply.
monitoring_rbac() {
    cat <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: prometheus, namespace: monitoring}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "swiftkube:prometheus"}
rules:
- {apiGroups: [""], resources: [nodes, services, endpoints, pods], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [nodes/metrics], verbs: [get]}
- {nonResourceURLs: [/metrics, /metrics/kube-state, /metrics/sd/*], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "swiftkube:prometheus"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "swiftkube:prometheus"}
subjects:
- {kind: ServiceAccount, name: prometheus, namespace: monitoring}
YAML
}

# monitoring_config DIR APISERVER CA RULES: writes DIR/prometheus.yml and
# DIR/rules.yml; the token is read from DIR/token.
monitoring_config() {
    local dir=$1 apiserver=$2 ca=$3 rules=$4
    if [ -n "${MONITORING_ALERT_FOR:-}" ]; then
        sed -E "s/^( *)for: .*/\1for: $MONITORING_ALERT_FOR/" "$rules" >"$dir/rules.yml"
    else
        cp "$rules" "$dir/rules.yml"
    fi
    # (type spelled out: Prometheus 2.42 sends no "Bearer" in http_sd_configs without it)
    local auth="authorization: {type: Bearer, credentials_file: $dir/token}"
    local sd="http_sd_configs: [{url: \"$apiserver/metrics/sd/ROLE\", refresh_interval: 15s, tls_config: {ca_file: $ca}, $auth}]"
    cat >"$dir/prometheus.yml" <<YAML
global: {scrape_interval: ${MONITORING_SCRAPE_INTERVAL:-15s}, evaluation_interval: ${MONITORING_SCRAPE_INTERVAL:-15s}}
rule_files: [$dir/rules.yml]
scrape_configs:
- job_name: apiserver
  ${sd/ROLE/endpointslice}
  scheme: https
  tls_config: {ca_file: $ca}
  $auth
  relabel_configs:
  - {source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_service_name, __meta_kubernetes_endpointslice_port_name], action: keep, regex: default;kubernetes;https}
- job_name: kube-state-metrics
  ${sd/ROLE/endpointslice}
  scheme: https
  metrics_path: /metrics/kube-state
  honor_labels: true
  tls_config: {ca_file: $ca}
  $auth
  relabel_configs:
  - {source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_service_name, __meta_kubernetes_endpointslice_port_name], action: keep, regex: default;kubernetes;https}
YAML
    local path
    for path in /metrics /metrics/resource /metrics/cadvisor; do
        cat >>"$dir/prometheus.yml" <<YAML
- job_name: kubelet${path//\//-}
  ${sd/ROLE/node}
  scheme: https
  metrics_path: $path
  honor_labels: true
  tls_config: {ca_file: $ca}
  $auth
  relabel_configs:
  - {target_label: job, replacement: kubelet}
  - {target_label: metrics_path, replacement: $path}
  - {source_labels: [__meta_kubernetes_node_name], target_label: node}
YAML
    done
    cat >>"$dir/prometheus.yml" <<YAML
- job_name: kube-proxy
  ${sd/ROLE/node}
  relabel_configs:
  - {source_labels: [__meta_kubernetes_node_address_InternalIP], target_label: __address__, replacement: '\${1}:10249'}
  - {source_labels: [__meta_kubernetes_node_name], target_label: node}
- job_name: coredns
  ${sd/ROLE/endpointslice}
  relabel_configs:
  - {source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_service_name, __meta_kubernetes_endpointslice_port_name], action: keep, regex: kube-system;kube-dns;metrics}
- job_name: ingress-nginx
  ${sd/ROLE/endpointslice}
  relabel_configs:
  - {source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_service_name, __meta_kubernetes_endpointslice_port_name], action: keep, regex: kube-system;ingress-controller-metrics;metrics}
  - {source_labels: [__meta_kubernetes_endpointslice_endpoint_node_name], target_label: node}
YAML
}
