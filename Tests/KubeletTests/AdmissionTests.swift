import Testing
import KubeAPI
@testable import Kubelet

/// The kubelet's own admission: pods that do not fit the node's allocatable
/// resources or want a host port already taken fail with upstream's reasons.
@Suite struct AdmissionTests {
    func admitted(_ name: String, cpu: String? = nil, memory: String? = nil, hostPort: Int? = nil, phase: String? = nil) -> Pod {
        var p = pod([container("c", cpu: (cpu, nil), memory: (memory, nil))], name: name)
        p.metadata.uid = "uid-" + name
        if let hostPort { var port = ContainerPort(containerPort: 80); port.hostPort = hostPort; p.spec?.containers[0].ports = [port] }
        if let phase { p.status = PodStatus(); p.status?.phase = phase }
        return p
    }

    func reason(_ p: Pod, _ others: [Pod], _ allocatable: ResourceList) -> String? {
        PodManager.admit(p, among: Dictionary(uniqueKeysWithValues: others.map { ($0.metadata.uid ?? "", $0) }), allocatable: allocatable)?.reason
    }

    @Test func resourcesAndPodCount() {
        let node: ResourceList = ["cpu": "2", "memory": "1Gi", "pods": "3"]
        let running = [admitted("a", cpu: "1500m", memory: "512Mi"), admitted("b")]
        #expect(reason(admitted("new", cpu: "500m"), running, node) == nil)
        #expect(reason(admitted("new", cpu: "600m"), running, node) == "OutOfcpu")
        #expect(reason(admitted("new", memory: "600Mi"), running, node) == "OutOfmemory")
        #expect(reason(admitted("new"), running + [admitted("c")], node) == "OutOfpods")
        // Finished and deleted pods free what they held; the pod itself is not counted twice.
        var deleted = admitted("c", cpu: "2")
        deleted.metadata.deletionTimestamp = Timestamp()
        let gone = [admitted("a", cpu: "1500m", phase: "Succeeded"), deleted, admitted("new", cpu: "2")]
        #expect(reason(admitted("new", cpu: "2"), gone, node) == nil)
    }

    @Test func hostPortConflicts() {
        let running = [admitted("a", hostPort: 8080)]
        #expect(reason(admitted("new", hostPort: 8080), running, [:]) == "NodePorts")
        #expect(reason(admitted("new", hostPort: 8081), running, [:]) == nil)
        #expect(reason(admitted("new", hostPort: 8080), [admitted("a", hostPort: 8080, phase: "Failed")], [:]) == nil)
    }
}
