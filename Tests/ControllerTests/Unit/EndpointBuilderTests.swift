import Foundation
import KubeAPI
import Testing
@testable import Controllers

@Suite struct EndpointBuilderTests {
    func service(_ ports: [ServicePort], publishNotReady: Bool = false) -> Service {
        var s = Service(metadata: ObjectMeta(name: "web", namespace: "default"))
        var spec = ServiceSpec()
        spec.selector = ["app": "web"]
        spec.ports = ports
        spec.publishNotReadyAddresses = publishNotReady ? true : nil
        s.spec = spec
        return s
    }

    func namedPod(_ name: String, ip: String, port: Int, ready: Bool = true, deleting: Bool = false) -> Pod {
        var p = Make.pod(name, labels: ["app": "web"], node: "n1", ready: ready, ip: ip, deleting: deleting)
        var cp = ContainerPort(containerPort: port, name: "http")
        cp.protocol = "TCP"
        p.spec?.containers[0].ports = [cp]
        return p
    }

    @Test func namedTargetPortsResolvePerPodAndGroupSlices() {
        var sp = ServicePort(name: "http", port: 80, targetPort: .string("http"))
        sp.protocol = "TCP"
        let svc = service([sp])
        let pods = [namedPod("a", ip: "10.0.0.2", port: 8080), namedPod("b", ip: "10.0.0.1", port: 8080), namedPod("c", ip: "10.0.0.3", port: 9090),
                    Make.pod("noport", labels: ["app": "web"], ip: "10.0.0.9")]
        let slices = EndpointBuilder.slices(service: svc, pods: pods, nodeZones: ["n1": "z1"])
        #expect(slices.count == 3)
        let by8080 = slices.first { $0.ports.first?.port == 8080 }
        #expect(by8080?.endpoints.map { $0.addresses[0] } == ["10.0.0.1", "10.0.0.2"])
        #expect(by8080?.endpoints.first?.zone == "z1")
        #expect(by8080?.endpoints.first?.targetRef?.name == "b")
        #expect(slices.contains { $0.ports.isEmpty && $0.endpoints.map(\.addresses) == [["10.0.0.9"]] })
    }

    @Test func readinessAndTerminatingConditions() {
        let svc = service([ServicePort(name: "", port: 80, targetPort: .int(8080))])
        let pods = [Make.pod("ready", labels: ["app": "web"], ip: "10.0.0.1"), Make.pod("unready", labels: ["app": "web"], ready: false, ip: "10.0.0.2"),
                    Make.pod("leaving", labels: ["app": "web"], ip: "10.0.0.3", deleting: true), Make.pod("noip", labels: ["app": "web"], ip: nil),
                    Make.pod("done", labels: ["app": "web"], ip: "10.0.0.4", phase: "Succeeded")]
        let eps = EndpointBuilder.slices(service: svc, pods: pods, nodeZones: [:]).flatMap(\.endpoints)
        #expect(eps.count == 3)
        let c = Dictionary(uniqueKeysWithValues: eps.map { ($0.addresses[0], $0.conditions) })
        #expect(c["10.0.0.1"] == EndpointConditions(ready: true, serving: true, terminating: false))
        #expect(c["10.0.0.2"] == EndpointConditions(ready: false, serving: false, terminating: false))
        #expect(c["10.0.0.3"] == EndpointConditions(ready: false, serving: true, terminating: true))
        let published = EndpointBuilder.slices(service: service([ServicePort(port: 80)], publishNotReady: true), pods: pods, nodeZones: [:])
        #expect(published.flatMap(\.endpoints).allSatisfy { $0.conditions?.ready == true })
    }

    @Test func emptyServiceGetsOneEmptySlice() {
        let slices = EndpointBuilder.slices(service: service([ServicePort(port: 80)]), pods: [], nodeZones: [:])
        #expect(slices.count == 1 && slices[0].endpoints.isEmpty)
    }

    @Test func legacyEndpointsSplitReadyAndNotReady() {
        var sp = ServicePort(name: "http", port: 80, targetPort: .int(8080))
        sp.protocol = "TCP"
        let pods = [Make.pod("a", labels: ["app": "web"], node: "n1", ip: "10.0.0.2"), Make.pod("b", labels: ["app": "web"], ready: false, ip: "10.0.0.1"),
                    Make.pod("c", labels: ["app": "web"], ip: "10.0.0.3", deleting: true)]
        let subsets = EndpointBuilder.subsets(service: service([sp]), pods: pods)
        #expect(subsets.count == 1)
        #expect(subsets[0].addresses?.map(\.ip) == ["10.0.0.2"])
        #expect(subsets[0].addresses?.first?.nodeName == "n1")
        #expect(subsets[0].notReadyAddresses?.map(\.ip) == ["10.0.0.1"])
        #expect(subsets[0].ports == [EndpointPort(name: "http", port: 8080, protocol: "TCP")])
    }
}
