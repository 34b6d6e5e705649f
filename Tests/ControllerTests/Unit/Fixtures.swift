import Foundation
import KubeAPI

/// Objects for controller unit tests.
enum Make {
    static func node(_ name: String, labels: [String: String] = [:], taints: [Taint] = []) -> Node {
        var n = Node(metadata: ObjectMeta(name: name, labels: labels.isEmpty ? nil : labels))
        var spec = NodeSpec()
        spec.taints = taints.isEmpty ? nil : taints
        n.spec = spec
        return n
    }

    static func pod(_ name: String, labels: [String: String] = [:], node: String? = nil, ready: Bool = true, readySince: Date? = nil,
                    ip: String? = "10.244.0.1", phase: String = "Running", deleting: Bool = false, created: Date? = nil) -> Pod {
        var meta = ObjectMeta(name: name, namespace: "default", labels: labels.isEmpty ? nil : labels)
        meta.uid = "uid-\(name)"
        if deleting { meta.deletionTimestamp = Timestamp(Date()) }
        if let created { meta.creationTimestamp = Timestamp(created) }
        var spec = PodSpec(containers: [Container(name: "c", image: "x:1")])
        spec.nodeName = node
        var status = PodStatus()
        status.phase = phase
        status.podIP = ip
        var c = Condition(type: "Ready", status: ready ? "True" : "False")
        c.lastTransitionTime = Timestamp(readySince ?? Date(timeIntervalSince1970: 0))
        status.conditions = [c]
        return Pod(metadata: meta, spec: spec, status: status)
    }

    static func daemonSet(nodeSelector: [String: String]? = nil, maxUnavailable: IntOrString? = .int(1), maxSurge: IntOrString? = nil) -> DaemonSet {
        var ds = DaemonSet(metadata: ObjectMeta(name: "agent", namespace: "default"))
        ds.metadata.generation = 1
        var spec = DaemonSetSpec()
        spec.selector = LabelSelector(matchLabels: ["app": "agent"])
        var podSpec = PodSpec(containers: [Container(name: "c", image: "agent:1")])
        podSpec.nodeSelector = nodeSelector
        spec.template = PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "agent"]), spec: podSpec)
        var strategy = DaemonSetUpdateStrategy()
        strategy.type = "RollingUpdate"
        var ru = RollingUpdateDaemonSet()
        ru.maxUnavailable = maxUnavailable
        ru.maxSurge = maxSurge
        strategy.rollingUpdate = ru
        spec.updateStrategy = strategy
        ds.spec = spec
        return ds
    }
}
