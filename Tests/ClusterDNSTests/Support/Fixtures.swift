import KubeAPI
@testable import ClusterDNS

/// Services, EndpointSlices and queries for the tests.
enum Fixtures {
    static func zone() throws -> DNSName { try DNSName("cluster.local") }

    static func service(_ name: String, namespace: String = "default", clusterIP: String? = "10.96.0.10", clusterIPs: [String]? = nil,
                        ports: [(name: String?, port: Int, proto: String)] = [("http", 80, "TCP")], type: String = "ClusterIP",
                        externalName: String? = nil, publishNotReady: Bool? = nil) -> Service {
        var spec = ServiceSpec()
        spec.type = type
        spec.clusterIP = clusterIP
        spec.clusterIPs = clusterIPs ?? clusterIP.map { [$0] }
        spec.externalName = externalName
        spec.publishNotReadyAddresses = publishNotReady
        spec.ports = ports.map { p in
            var sp = ServicePort(name: p.name, port: p.port)
            sp.protocol = p.proto
            return sp
        }
        return Service(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec)
    }

    static func headless(_ name: String, namespace: String = "default", ports: [(name: String?, port: Int, proto: String)] = [("http", 80, "TCP")],
                         publishNotReady: Bool? = nil) -> Service {
        service(name, namespace: namespace, clusterIP: "None", clusterIPs: ["None"], ports: ports, publishNotReady: publishNotReady)
    }

    struct EP {
        var ip: String
        var hostname: String? = nil
        var ready: Bool? = true
    }

    static func slice(_ name: String, service: String?, namespace: String = "default", addressType: String = "IPv4",
                      endpoints: [EP], ports: [(name: String?, port: Int, proto: String)] = [("http", 8080, "TCP")]) -> EndpointSlice {
        EndpointSlice(
            metadata: ObjectMeta(name: name, namespace: namespace, labels: service.map { ["kubernetes.io/service-name": $0] }),
            addressType: addressType,
            endpoints: endpoints.map { ep in
                var e = Endpoint(addresses: [ep.ip], conditions: EndpointConditions(ready: ep.ready))
                e.hostname = ep.hostname
                return e
            },
            ports: ports.map { EndpointSlicePort(name: $0.name, port: $0.port, protocol: $0.proto) })
    }

    static func ip(_ text: String) -> [UInt8] { IPAddressText.parse(text) ?? [] }

    static func query(_ name: String, _ type: RecordType, id: UInt16 = 0x1234, edns: UInt16? = nil) throws -> DNSMessage {
        DNSMessage(id: id, question: DNSQuestion(name: try DNSName(name), type: type), edns: edns.map { EDNS(udpPayloadSize: $0) })
    }
}

extension TableAnswer {
    /// The answer records' data, for short expectations.
    var data: [RecordData] {
        if case .records(let answers, _) = self { return answers.map(\.data) }
        return []
    }

    var additionalData: [RecordData] {
        if case .records(_, let additional) = self { return additional.map(\.data) }
        return []
    }
}
