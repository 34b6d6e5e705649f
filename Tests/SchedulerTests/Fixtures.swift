import Foundation
import KubeAPI
@testable import Scheduler

/// Nodes and pods for scheduler tests.
enum Fixtures {
    static func node(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: String = "110", labels: [String: String] = [:],
                     taints: [Taint] = [], unschedulable: Bool = false) -> Node {
        var l = labels
        l["kubernetes.io/hostname"] = name
        var n = Node(metadata: ObjectMeta(name: name, labels: l))
        var spec = NodeSpec()
        spec.taints = taints.isEmpty ? nil : taints
        spec.unschedulable = unschedulable ? true : nil
        n.spec = spec
        var status = NodeStatus()
        status.allocatable = ["cpu": Quantity(cpu), "memory": Quantity(memory), "pods": Quantity(pods)]
        n.status = status
        return n
    }

    static func pod(_ name: String, namespace: String = "default", cpu: String? = nil, memory: String? = nil, labels: [String: String] = [:],
                    node: String? = nil, owner: String? = nil, configure: (inout PodSpec) -> Void = { _ in }) -> Pod {
        var c = Container(name: "c", image: "busybox:1.36")
        var requests: ResourceList = [:]
        if let cpu { requests["cpu"] = Quantity(cpu) }
        if let memory { requests["memory"] = Quantity(memory) }
        if !requests.isEmpty { c.resources = ResourceRequirements(requests: requests) }
        var spec = PodSpec(containers: [c])
        spec.nodeName = node
        configure(&spec)
        var meta = ObjectMeta(name: name, namespace: namespace, labels: labels.isEmpty ? nil : labels)
        meta.uid = "uid-\(name)"
        if let owner {
            meta.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: "uid-\(owner)", controller: true)]
        }
        return Pod(metadata: meta, spec: spec)
    }

    static func nodeInfo(_ n: Node, _ pods: [Pod] = []) -> NodeInfo { NodeInfo(node: n, pods: pods) }

    static func cache(_ nodes: [Node], _ pods: [Pod] = []) -> SchedulerCache {
        var c = SchedulerCache()
        for n in nodes { c.upsertNode(n) }
        for p in pods { c.addPod(PodInfo(p)) }
        return c
    }

    static func weighted(_ w: Int, _ t: PodAffinityTerm) -> WeightedPodAffinityTerm {
        try! KubeCodec.decode(WeightedPodAffinityTerm.self, from: ["weight": .int(Int64(w)), "podAffinityTerm": KubeCodec.encode(t)])
    }

    static func term(_ labels: [String: String], key: String = "kubernetes.io/hostname") -> PodAffinityTerm {
        try! KubeCodec.decode(PodAffinityTerm.self, from: ["labelSelector": ["matchLabels": .object(labels.mapValues { .string($0) })],
                                                          "topologyKey": .string(key)])
    }
}

/// A generator with a fixed sequence, so ties break the same way every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
}
