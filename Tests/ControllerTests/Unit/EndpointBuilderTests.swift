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

    @Test func statefulSetPodsGetTheirHostnameUnderTheGoverningService() throws {
        // A StatefulSet whose serviceName is this Service: its pods' endpoints
        // carry their hostnames (cluster-dns answers web-0.web.default.svc…).
        var set = StatefulSet(metadata: ObjectMeta(name: "web", namespace: "default"))
        var spec = StatefulSetSpec()
        spec.serviceName = "web"
        spec.template = PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]), spec: PodSpec(containers: [Container(name: "c", image: "x")]))
        set.spec = spec
        let template = PodTemplate.json(of: set)
        var pods: [Pod] = []
        for i in 0..<2 {
            var p = try StatefulSetIdentity.pod(set, template: template, ordinal: i, revision: "r")
            p.status = Make.pod("x", ip: "10.0.0.\(i + 1)").status
            pods.append(p)
        }
        var other = pods[1]
        other.metadata.name = "other-0"
        other.spec?.subdomain = "elsewhere"
        other.status?.podIP = "10.0.0.9"
        let slices = EndpointBuilder.slices(service: service([]), pods: pods + [other], nodeZones: [:])
        let hostnames = slices.flatMap(\.endpoints).map { "\($0.addresses[0])=\($0.hostname ?? "-")" }.sorted()
        #expect(hostnames == ["10.0.0.1=web-0", "10.0.0.2=web-1", "10.0.0.9=-"])
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
