import Synchronization
import Foundation
import HTTPServing
import KubeAPI

/// Object-state metrics as kube-state-metrics v2 exports them (its names,
/// labels and value conventions, so kube-prometheus' rules and Grafana's
/// dashboards work unchanged), computed from the objects themselves at
/// scrape time. The control plane serves them at `/metrics/kube-state`
/// (RBAC: `get` on that non-resource URL). Only what kube-state-metrics
/// exports by default: no `label_*` labels on `kube_*_labels`.
struct KubeStateMetrics {
    /// The objects, as the API serves them (JSON), by resource.
    struct Snapshot {
        var pods: [JSONValue] = []
        var nodes: [JSONValue] = []
        var namespaces: [JSONValue] = []
        var services: [JSONValue] = []
        var deployments: [JSONValue] = []
        var replicaSets: [JSONValue] = []
        var statefulSets: [JSONValue] = []
        var daemonSets: [JSONValue] = []
        var jobs: [JSONValue] = []
        var cronJobs: [JSONValue] = []
        var persistentVolumeClaims: [JSONValue] = []
        var persistentVolumes: [JSONValue] = []

        /// Where each field is read from: group, resource, field.
        static var sources: [(String, String, WritableKeyPath<Snapshot, [JSONValue]>)] { [
            ("", "pods", \.pods), ("", "nodes", \.nodes), ("", "namespaces", \.namespaces), ("", "services", \.services),
            ("", "persistentvolumeclaims", \.persistentVolumeClaims), ("", "persistentvolumes", \.persistentVolumes),
            ("apps", "deployments", \.deployments), ("apps", "replicasets", \.replicaSets), ("apps", "statefulsets", \.statefulSets),
            ("apps", "daemonsets", \.daemonSets), ("batch", "jobs", \.jobs), ("batch", "cronjobs", \.cronJobs),
        ] }
    }

    /// `kube_state_metrics_list_total`: lists by resource and result since the start, as kube-state-metrics counts them.
    final class ListCounts: Sendable {
        private let counts = Mutex<[String: Int]>([:])

        /// Adds one scrape's outcomes (resource, succeeded); the totals, by resource then result.
        func record(_ outcomes: [(String, Bool)]) -> [(resource: String, result: String, count: Int)] {
            counts.withLock { counts in
                for (resource, ok) in outcomes { counts[resource + "|" + (ok ? "success" : "error"), default: 0] += 1 }
                return counts.sorted { $0.key < $1.key }.map { key, count in
                    let parts = key.split(separator: "|")
                    return (String(parts[0]), String(parts[1]), count)
                }
            }
        }
    }

    typealias Sample = PrometheusExposition.Sample
    typealias Labels = [(String, String)]

    private var out = PrometheusExposition()

    static func render(_ s: Snapshot) -> String {
        var m = KubeStateMetrics()
        m.pods(s.pods)
        m.nodes(s.nodes)
        m.namespaces(s.namespaces)
        m.services(s.services)
        m.deployments(s.deployments)
        m.replicaSets(s.replicaSets)
        m.statefulSets(s.statefulSets)
        m.daemonSets(s.daemonSets)
        m.jobs(s.jobs)
        m.cronJobs(s.cronJobs)
        m.claims(s.persistentVolumeClaims)
        m.volumes(s.persistentVolumes)
        return m.out.text
    }

    // MARK: helpers

    private mutating func gauge(_ name: String, _ help: String, _ samples: [Sample]) {
        out.family(name, .gauge, help, samples)
    }

    private mutating func counter(_ name: String, _ help: String, _ samples: [Sample]) {
        out.family(name, .counter, help, samples)
    }

    /// A family with one sample per object and per value of `f`.
    private mutating func each(_ objects: [JSONValue], _ name: String, _ help: String, counter isCounter: Bool = false,
                               _ f: (JSONValue) -> [(Labels, Double)]) {
        let samples = objects.flatMap { o in f(o).map { Sample($0.0, $0.1) } }
        if isCounter { counter(name, help, samples) } else { gauge(name, help, samples) }
    }

    static func string(_ o: JSONValue, _ path: String...) -> String { o[path: path]?.stringValue ?? "" }
    static func number(_ o: JSONValue, _ path: String...) -> Double? { o[path: path]?.numberValue }
    static func time(_ o: JSONValue, _ path: String...) -> Double? {
        guard let text = o[path: path]?.stringValue else { return nil }
        return (try? Date(text, strategy: .iso8601))?.timeIntervalSince1970
    }

    /// `true`, `false`, `unknown` with 1 on the one the status names, as kube-state-metrics' condition families.
    static func conditionStatus(_ status: String) -> [(String, Double)] {
        ["true", "false", "unknown"].map { ($0, status.lowercased() == $0 ? 1 : 0) }
    }

    /// Each resource of a resource list with its unit: cpu in cores, memory and storage in bytes.
    static func resources(_ list: JSONValue?) -> [(resource: String, unit: String, value: Double)] {
        guard let map = list?.objectValue else { return [] }
        return map.keys.sorted().compactMap { key in
            guard let text = map[key]?.stringValue, Quantity(text).decimal != nil else { return nil }
            let q = Quantity(text)
            let name = key.replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "-", with: "_")
            switch key {
            case "cpu": return ("cpu", "core", q.doubleValue)
            case "memory", "ephemeral-storage", "storage": return (name, "byte", q.doubleValue)
            case "pods": return ("pods", "integer", q.doubleValue)
            default: return (name, key.hasPrefix("hugepages-") ? "byte" : "integer", q.doubleValue)
            }
        }
    }

    /// `kube_KIND_owner`'s samples: one per owner reference, or one with empty labels when there is none.
    static func owners(_ o: JSONValue, id: Labels) -> [(Labels, Double)] {
        let refs = o[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        if refs.isEmpty { return [(id + [("owner_kind", ""), ("owner_name", ""), ("owner_is_controller", "")], 1)] }
        return refs.map { r in
            (id + [("owner_kind", string(r, "kind")), ("owner_name", string(r, "name")),
                   ("owner_is_controller", r["controller"]?.boolValue == true ? "true" : "false")], 1)
        }
    }

    // MARK: pods

    private mutating func pods(_ pods: [JSONValue]) {
        func id(_ p: JSONValue) -> Labels {
            [("namespace", Self.string(p, "metadata", "namespace")), ("pod", Self.string(p, "metadata", "name")), ("uid", Self.string(p, "metadata", "uid"))]
        }
        func owner(_ p: JSONValue) -> JSONValue? {
            p[path: ["metadata", "ownerReferences"]]?.arrayValue?.first { $0["controller"]?.boolValue == true }
                ?? p[path: ["metadata", "ownerReferences"]]?.arrayValue?.first
        }
        each(pods, "kube_pod_info", "Information about pod.") { p in
            [(id(p) + [("host_ip", Self.string(p, "status", "hostIP")), ("pod_ip", Self.string(p, "status", "podIP")),
                       ("node", Self.string(p, "spec", "nodeName")), ("created_by_kind", owner(p).map { Self.string($0, "kind") } ?? ""),
                       ("created_by_name", owner(p).map { Self.string($0, "name") } ?? ""),
                       ("priority_class", Self.string(p, "spec", "priorityClassName")),
                       ("host_network", p[path: ["spec", "hostNetwork"]]?.boolValue == true ? "true" : "false")], 1)]
        }
        each(pods, "kube_pod_owner", "Information about the Pod's owner.") { Self.owners($0, id: id($0)) }
        each(pods, "kube_pod_labels", "Kubernetes labels converted to Prometheus labels.") { [(id($0), 1)] }
        each(pods, "kube_pod_created", "Unix creation timestamp") { p in Self.time(p, "metadata", "creationTimestamp").map { [(id(p), $0)] } ?? [] }
        each(pods, "kube_pod_start_time", "Start time in unix timestamp for a pod.") { p in Self.time(p, "status", "startTime").map { [(id(p), $0)] } ?? [] }
        each(pods, "kube_pod_deletion_timestamp", "Unix deletion timestamp") { p in
            Self.time(p, "metadata", "deletionTimestamp").map { [(id(p), $0)] } ?? []
        }
        each(pods, "kube_pod_status_phase", "The pods current phase.") { p in
            let phase = Self.string(p, "status", "phase")
            return ["Pending", "Succeeded", "Failed", "Unknown", "Running"].map { (id(p) + [("phase", $0)], phase == $0 ? 1 : 0) }
        }
        func condition(_ p: JSONValue, _ type: String) -> String? {
            p[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
        }
        each(pods, "kube_pod_status_ready", "Describes whether the pod is ready to serve requests.") { p in
            guard let status = condition(p, "Ready") else { return [] }
            return Self.conditionStatus(status).map { (id(p) + [("condition", $0.0)], $0.1) }
        }
        each(pods, "kube_pod_status_scheduled", "Describes the status of the scheduling process for the pod.") { p in
            guard let status = condition(p, "PodScheduled") else { return [] }
            return Self.conditionStatus(status).map { (id(p) + [("condition", $0.0)], $0.1) }
        }
        each(pods, "kube_pod_status_reason", "The pod status reasons") { p in
            let reason = Self.string(p, "status", "reason")
            return ["Evicted", "NodeAffinity", "NodeLost", "Shutdown", "UnexpectedAdmissionError"].map { (id(p) + [("reason", $0)], reason == $0 ? 1 : 0) }
        }
        podContainers(pods, id: id)
    }

    private mutating func podContainers(_ pods: [JSONValue], id: (JSONValue) -> Labels) {
        func statuses(_ p: JSONValue, _ field: String = "containerStatuses") -> [(Labels, JSONValue)] {
            (p[path: ["status", field]]?.arrayValue ?? []).map { (id(p) + [("container", Self.string($0, "name"))], $0) }
        }
        each(pods, "kube_pod_container_info", "Information about a container in a pod.") { p in
            statuses(p).map { labels, s in
                (labels + [("image_spec", (p[path: ["spec", "containers"]]?.arrayValue ?? []).first { $0["name"] == s["name"] }.map { Self.string($0, "image") } ?? ""),
                           ("image", Self.string(s, "image")), ("image_id", Self.string(s, "imageID")), ("container_id", Self.string(s, "containerID"))], 1)
            }
        }
        for (prefix, field, kind) in [("kube_pod_container", "containerStatuses", "container"),
                                      ("kube_pod_init_container", "initContainerStatuses", "init container")] {
            each(pods, "\(prefix)_status_restarts_total", "The number of restarts for the \(kind).", counter: true) { p in
                statuses(p, field).map { ($0.0, Self.number($0.1, "restartCount") ?? 0) }
            }
            each(pods, "\(prefix)_status_ready", "Describes whether the \(kind)'s readiness check succeeded.") { p in
                statuses(p, field).map { ($0.0, $0.1["ready"]?.boolValue == true ? 1 : 0) }
            }
            for state in ["running", "waiting", "terminated"] {
                each(pods, "\(prefix)_status_\(state)", "Describes whether the \(kind) is currently in \(state) state.") { p in
                    statuses(p, field).map { ($0.0, $0.1[path: ["state", state]] != nil ? 1 : 0) }
                }
            }
            each(pods, "\(prefix)_status_waiting_reason", "Describes the reason the \(kind) is currently in waiting state.") { p in
                statuses(p, field).compactMap { labels, s in
                    s[path: ["state", "waiting", "reason"]]?.stringValue.map { (labels + [("reason", $0)], 1) }
                }
            }
            each(pods, "\(prefix)_status_terminated_reason", "Describes the reason the \(kind) is currently in terminated state.") { p in
                statuses(p, field).compactMap { labels, s in
                    s[path: ["state", "terminated", "reason"]]?.stringValue.map { (labels + [("reason", $0)], 1) }
                }
            }
            each(pods, "\(prefix)_status_last_terminated_reason", "Describes the last reason the \(kind) was in terminated state.") { p in
                statuses(p, field).compactMap { labels, s in
                    s[path: ["lastState", "terminated", "reason"]]?.stringValue.map { (labels + [("reason", $0)], 1) }
                }
            }
            each(pods, "\(prefix)_status_last_terminated_exitcode", "Describes the exit code for the last \(kind) in terminated state.") { p in
                statuses(p, field).compactMap { labels, s in
                    Self.number(s, "lastState", "terminated", "exitCode").map { (labels, $0) }
                }
            }
        }
        for (name, field, help) in [("kube_pod_container_resource_requests", "requests", "The number of requested request resource by a container."),
                                    ("kube_pod_container_resource_limits", "limits", "The number of requested limit resource by a container.")] {
            each(pods, name, help) { p in
                (p[path: ["spec", "containers"]]?.arrayValue ?? []).flatMap { c in
                    Self.resources(c[path: ["resources", field]]).map { r in
                        (id(p) + [("container", Self.string(c, "name")), ("node", Self.string(p, "spec", "nodeName")),
                                  ("resource", r.resource), ("unit", r.unit)], r.value)
                    }
                }
            }
        }
    }

    // MARK: nodes, namespaces, services

    private mutating func nodes(_ nodes: [JSONValue]) {
        func id(_ n: JSONValue) -> Labels { [("node", Self.string(n, "metadata", "name"))] }
        each(nodes, "kube_node_info", "Information about a cluster node.") { n in
            let internalIP = (n[path: ["status", "addresses"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == "InternalIP" }
            return [(id(n) + [("kernel_version", Self.string(n, "status", "nodeInfo", "kernelVersion")),
                              ("os_image", Self.string(n, "status", "nodeInfo", "osImage")),
                              ("container_runtime_version", Self.string(n, "status", "nodeInfo", "containerRuntimeVersion")),
                              ("kubelet_version", Self.string(n, "status", "nodeInfo", "kubeletVersion")),
                              ("kubeproxy_version", Self.string(n, "status", "nodeInfo", "kubeProxyVersion")),
                              ("provider_id", Self.string(n, "spec", "providerID")), ("pod_cidr", Self.string(n, "spec", "podCIDR")),
                              ("system_uuid", Self.string(n, "status", "nodeInfo", "systemUUID")),
                              ("internal_ip", internalIP.map { Self.string($0, "address") } ?? "")], 1)]
        }
        each(nodes, "kube_node_labels", "Kubernetes labels converted to Prometheus labels.") { [(id($0), 1)] }
        each(nodes, "kube_node_created", "Unix creation timestamp") { n in Self.time(n, "metadata", "creationTimestamp").map { [(id(n), $0)] } ?? [] }
        each(nodes, "kube_node_spec_unschedulable", "Whether a node can schedule new pods.") { n in
            [(id(n), n[path: ["spec", "unschedulable"]]?.boolValue == true ? 1 : 0)]
        }
        each(nodes, "kube_node_spec_taint", "The taint of a cluster node.") { n in
            (n[path: ["spec", "taints"]]?.arrayValue ?? []).map { t in
                (id(n) + [("key", Self.string(t, "key")), ("value", Self.string(t, "value")), ("effect", Self.string(t, "effect"))], 1)
            }
        }
        each(nodes, "kube_node_status_condition", "The condition of a cluster node.") { n in
            (n[path: ["status", "conditions"]]?.arrayValue ?? []).flatMap { c in
                Self.conditionStatus(Self.string(c, "status")).map { (id(n) + [("condition", Self.string(c, "type")), ("status", $0.0)], $0.1) }
            }
        }
        for (name, field, help) in [("kube_node_status_capacity", "capacity", "The capacity for different resources of a node."),
                                    ("kube_node_status_allocatable", "allocatable", "The allocatable for different resources of a node that are available for scheduling.")] {
            each(nodes, name, help) { n in Self.resources(n[path: ["status", field]]).map { (id(n) + [("resource", $0.resource), ("unit", $0.unit)], $0.value) } }
        }
    }

    private mutating func namespaces(_ namespaces: [JSONValue]) {
        func id(_ n: JSONValue) -> Labels { [("namespace", Self.string(n, "metadata", "name"))] }
        each(namespaces, "kube_namespace_created", "Unix creation timestamp") { n in Self.time(n, "metadata", "creationTimestamp").map { [(id(n), $0)] } ?? [] }
        each(namespaces, "kube_namespace_status_phase", "kubernetes namespace status phase.") { n in
            let phase = Self.string(n, "status", "phase")
            return ["Active", "Terminating"].map { (id(n) + [("phase", $0)], phase == $0 ? 1 : 0) }
        }
    }

    private mutating func services(_ services: [JSONValue]) {
        func id(_ s: JSONValue) -> Labels {
            [("namespace", Self.string(s, "metadata", "namespace")), ("service", Self.string(s, "metadata", "name")), ("uid", Self.string(s, "metadata", "uid"))]
        }
        each(services, "kube_service_info", "Information about service.") { s in
            [(id(s) + [("cluster_ip", Self.string(s, "spec", "clusterIP")), ("external_name", Self.string(s, "spec", "externalName")),
                       ("load_balancer_ip", Self.string(s, "spec", "loadBalancerIP"))], 1)]
        }
        each(services, "kube_service_spec_type", "Type about service.") { s in [(id(s) + [("type", Self.string(s, "spec", "type"))], 1)] }
        each(services, "kube_service_created", "Unix creation timestamp") { s in Self.time(s, "metadata", "creationTimestamp").map { [(id(s), $0)] } ?? [] }
    }

    // MARK: workloads

    /// `kube_KIND_status_condition{condition,status}` for each of an object's conditions.
    private mutating func conditions(_ objects: [JSONValue], _ kind: String, id: (JSONValue) -> Labels) {
        each(objects, "kube_\(kind)_status_condition", "The current status conditions of a \(kind).") { o in
            (o[path: ["status", "conditions"]]?.arrayValue ?? []).flatMap { c in
                Self.conditionStatus(Self.string(c, "status")).map { (id(o) + [("condition", Self.string(c, "type")), ("status", $0.0)], $0.1) }
            }
        }
    }

    /// Families of numeric fields, one sample per object (absent fields count 0, as the Go structs' zero values).
    private mutating func fields(_ objects: [JSONValue], id: (JSONValue) -> Labels, _ table: [(String, [String], String)]) {
        for (name, path, help) in table {
            each(objects, name, help) { o in [(id(o), o[path: path]?.numberValue ?? 0)] }
        }
    }

    private mutating func deployments(_ ds: [JSONValue]) {
        func id(_ d: JSONValue) -> Labels { [("namespace", Self.string(d, "metadata", "namespace")), ("deployment", Self.string(d, "metadata", "name"))] }
        fields(ds, id: id, [
            ("kube_deployment_spec_replicas", ["spec", "replicas"], "Number of desired pods for a deployment."),
            ("kube_deployment_status_replicas", ["status", "replicas"], "The number of replicas per deployment."),
            ("kube_deployment_status_replicas_ready", ["status", "readyReplicas"], "The number of ready replicas per deployment."),
            ("kube_deployment_status_replicas_available", ["status", "availableReplicas"], "The number of available replicas per deployment."),
            ("kube_deployment_status_replicas_unavailable", ["status", "unavailableReplicas"], "The number of unavailable replicas per deployment."),
            ("kube_deployment_status_replicas_updated", ["status", "updatedReplicas"], "The number of updated replicas per deployment."),
            ("kube_deployment_status_observed_generation", ["status", "observedGeneration"], "The generation observed by the deployment controller."),
            ("kube_deployment_metadata_generation", ["metadata", "generation"], "Sequence number representing a specific generation of the desired state."),
        ])
        each(ds, "kube_deployment_spec_paused", "Whether the deployment is paused and will not be processed by the deployment controller.") { d in
            [(id(d), d[path: ["spec", "paused"]]?.boolValue == true ? 1 : 0)]
        }
        each(ds, "kube_deployment_created", "Unix creation timestamp") { d in Self.time(d, "metadata", "creationTimestamp").map { [(id(d), $0)] } ?? [] }
        conditions(ds, "deployment", id: id)
    }

    private mutating func replicaSets(_ rs: [JSONValue]) {
        func id(_ r: JSONValue) -> Labels { [("namespace", Self.string(r, "metadata", "namespace")), ("replicaset", Self.string(r, "metadata", "name"))] }
        fields(rs, id: id, [
            ("kube_replicaset_spec_replicas", ["spec", "replicas"], "Number of desired pods for a ReplicaSet."),
            ("kube_replicaset_status_replicas", ["status", "replicas"], "The number of replicas per ReplicaSet."),
            ("kube_replicaset_status_ready_replicas", ["status", "readyReplicas"], "The number of ready replicas per ReplicaSet."),
            ("kube_replicaset_status_fully_labeled_replicas", ["status", "fullyLabeledReplicas"], "The number of fully labeled replicas per ReplicaSet."),
            ("kube_replicaset_status_observed_generation", ["status", "observedGeneration"], "The generation observed by the ReplicaSet controller."),
        ])
        each(rs, "kube_replicaset_owner", "Information about the ReplicaSet's owner.") { Self.owners($0, id: id($0)) }
    }

    private mutating func statefulSets(_ ss: [JSONValue]) {
        func id(_ s: JSONValue) -> Labels { [("namespace", Self.string(s, "metadata", "namespace")), ("statefulset", Self.string(s, "metadata", "name"))] }
        fields(ss, id: id, [
            ("kube_statefulset_replicas", ["spec", "replicas"], "Number of desired pods for a StatefulSet."),
            ("kube_statefulset_status_replicas", ["status", "replicas"], "The number of replicas per StatefulSet."),
            ("kube_statefulset_status_replicas_ready", ["status", "readyReplicas"], "The number of ready replicas per StatefulSet."),
            ("kube_statefulset_status_replicas_available", ["status", "availableReplicas"], "The number of available replicas per StatefulSet."),
            ("kube_statefulset_status_replicas_current", ["status", "currentReplicas"], "The number of current replicas per StatefulSet."),
            ("kube_statefulset_status_replicas_updated", ["status", "updatedReplicas"], "The number of updated replicas per StatefulSet."),
            ("kube_statefulset_status_observed_generation", ["status", "observedGeneration"], "The generation observed by the StatefulSet controller."),
            ("kube_statefulset_metadata_generation", ["metadata", "generation"], "Sequence number representing a specific generation of the desired state for the StatefulSet."),
        ])
    }

    private mutating func daemonSets(_ ds: [JSONValue]) {
        func id(_ d: JSONValue) -> Labels { [("namespace", Self.string(d, "metadata", "namespace")), ("daemonset", Self.string(d, "metadata", "name"))] }
        fields(ds, id: id, [
            ("kube_daemonset_status_desired_number_scheduled", ["status", "desiredNumberScheduled"], "The number of nodes that should be running the daemon pod."),
            ("kube_daemonset_status_current_number_scheduled", ["status", "currentNumberScheduled"], "The number of nodes running at least one daemon pod and are supposed to."),
            ("kube_daemonset_status_number_ready", ["status", "numberReady"], "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
            ("kube_daemonset_status_number_available", ["status", "numberAvailable"], "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available"),
            ("kube_daemonset_status_number_unavailable", ["status", "numberUnavailable"], "The number of nodes that should be running the daemon pod and have none of the daemon pod running and available"),
            ("kube_daemonset_status_number_misscheduled", ["status", "numberMisscheduled"], "The number of nodes running a daemon pod but are not supposed to."),
            ("kube_daemonset_status_updated_number_scheduled", ["status", "updatedNumberScheduled"], "The total number of nodes that are running updated daemon pod"),
            ("kube_daemonset_status_observed_generation", ["status", "observedGeneration"], "The most recent generation observed by the daemon set controller."),
        ])
    }

    private mutating func jobs(_ jobs: [JSONValue]) {
        func id(_ j: JSONValue) -> Labels { [("namespace", Self.string(j, "metadata", "namespace")), ("job_name", Self.string(j, "metadata", "name"))] }
        fields(jobs, id: id, [
            ("kube_job_status_active", ["status", "active"], "The number of actively running pods."),
            ("kube_job_status_succeeded", ["status", "succeeded"], "The number of pods which reached Phase Succeeded."),
            ("kube_job_status_failed", ["status", "failed"], "The number of pods which reached Phase Failed and the reason for failure."),
        ])
        each(jobs, "kube_job_spec_completions", "The desired number of successfully finished pods the job should be run with.") { j in
            Self.number(j, "spec", "completions").map { [(id(j), $0)] } ?? []
        }
        each(jobs, "kube_job_spec_parallelism", "The maximum desired number of pods the job should run at any given time.") { j in
            Self.number(j, "spec", "parallelism").map { [(id(j), $0)] } ?? []
        }
        for (name, type) in [("kube_job_complete", "Complete"), ("kube_job_failed", "Failed")] {
            each(jobs, name, "The job has \(type == "Complete" ? "completed its execution" : "failed its execution").") { j in
                guard let c = (j[path: ["status", "conditions"]]?.arrayValue ?? []).first(where: { $0["type"]?.stringValue == type }) else { return [] }
                return Self.conditionStatus(Self.string(c, "status")).map { (id(j) + [("condition", $0.0)], $0.1) }
            }
        }
        each(jobs, "kube_job_status_start_time", "StartTime represents time when the job was acknowledged by the Job Manager.") { j in
            Self.time(j, "status", "startTime").map { [(id(j), $0)] } ?? []
        }
        each(jobs, "kube_job_status_completion_time", "CompletionTime represents time when the job was completed.") { j in
            Self.time(j, "status", "completionTime").map { [(id(j), $0)] } ?? []
        }
        each(jobs, "kube_job_owner", "Information about the Job's owner.") { Self.owners($0, id: id($0)) }
    }

    private mutating func cronJobs(_ cjs: [JSONValue]) {
        func id(_ c: JSONValue) -> Labels { [("namespace", Self.string(c, "metadata", "namespace")), ("cronjob", Self.string(c, "metadata", "name"))] }
        each(cjs, "kube_cronjob_info", "Info about cronjob.") { c in
            [(id(c) + [("schedule", Self.string(c, "spec", "schedule")), ("concurrency_policy", Self.string(c, "spec", "concurrencyPolicy"))], 1)]
        }
        each(cjs, "kube_cronjob_spec_suspend", "Suspend flag tells the controller to suspend subsequent executions.") { c in
            [(id(c), c[path: ["spec", "suspend"]]?.boolValue == true ? 1 : 0)]
        }
        each(cjs, "kube_cronjob_status_active", "Active holds pointers to currently running jobs.") { c in
            [(id(c), Double(c[path: ["status", "active"]]?.arrayValue?.count ?? 0))]
        }
        each(cjs, "kube_cronjob_status_last_schedule_time", "LastScheduleTime keeps information of when was the last time the job was successfully scheduled.") { c in
            Self.time(c, "status", "lastScheduleTime").map { [(id(c), $0)] } ?? []
        }
    }

    // MARK: storage

    private mutating func claims(_ pvcs: [JSONValue]) {
        func id(_ c: JSONValue) -> Labels {
            [("namespace", Self.string(c, "metadata", "namespace")), ("persistentvolumeclaim", Self.string(c, "metadata", "name"))]
        }
        each(pvcs, "kube_persistentvolumeclaim_info", "Information about persistent volume claim.") { c in
            [(id(c) + [("storageclass", Self.string(c, "spec", "storageClassName")), ("volumename", Self.string(c, "spec", "volumeName"))], 1)]
        }
        each(pvcs, "kube_persistentvolumeclaim_status_phase", "The phase the persistent volume claim is currently in.") { c in
            let phase = Self.string(c, "status", "phase")
            return ["Lost", "Bound", "Pending"].map { (id(c) + [("phase", $0)], phase == $0 ? 1 : 0) }
        }
        each(pvcs, "kube_persistentvolumeclaim_resource_requests_storage_bytes", "The capacity of storage requested by the persistent volume claim.") { c in
            guard let text = c[path: ["spec", "resources", "requests", "storage"]]?.stringValue else { return [] }
            return [(id(c), Quantity(text).doubleValue)]
        }
    }

    private mutating func volumes(_ pvs: [JSONValue]) {
        func id(_ v: JSONValue) -> Labels { [("persistentvolume", Self.string(v, "metadata", "name"))] }
        each(pvs, "kube_persistentvolume_status_phase", "The phase indicates if a volume is available, bound to a claim, or released by a claim.") { v in
            let phase = Self.string(v, "status", "phase")
            return ["Pending", "Available", "Bound", "Released", "Failed"].map { (id(v) + [("phase", $0)], phase == $0 ? 1 : 0) }
        }
        each(pvs, "kube_persistentvolume_capacity_bytes", "Persistentvolume capacity in bytes.") { v in
            guard let text = v[path: ["spec", "capacity", "storage"]]?.stringValue else { return [] }
            return [(id(v), Quantity(text).doubleValue)]
        }
        each(pvs, "kube_persistentvolume_info", "Information about persistentvolume.") { v in
            [(id(v) + [("storageclass", Self.string(v, "spec", "storageClassName"))], 1)]
        }
    }
}
