public import KubeAPI

/// A Service's namespace and name.
public struct ServiceKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace.lowercased()
        self.name = name.lowercased()
    }

    public static func < (a: ServiceKey, b: ServiceKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }

    public var description: String { "\(namespace)/\(name)" }
}

/// What DNS needs of a Service.
public struct ServiceEntry: Sendable, Hashable {
    /// How the Service's name resolves.
    public enum Kind: Sendable, Hashable {
        /// To its ClusterIPs (4 or 16 bytes each).
        case clusterIP([[UInt8]])
        /// `clusterIP: None`: to its ready endpoints' addresses.
        case headless
        /// `type: ExternalName`: a CNAME to this name.
        case externalName(DNSName)
    }

    /// A port with a name, published as an SRV record.
    public struct Port: Sendable, Hashable {
        public var name: String
        /// `tcp`, `udp` or `sctp`.
        public var proto: String
        public var port: UInt16
    }

    public var key: ServiceKey
    public var kind: Kind
    public var ports: [Port]
    /// `publishNotReadyAddresses`: endpoints count whether ready or not.
    public var publishNotReady: Bool

    /// The entry of a Service, nil when DNS has nothing to say about it
    /// (no name, no ClusterIP allocated yet, an invalid ExternalName).
    public init?(_ service: Service) {
        guard let name = service.metadata.name, let spec = service.spec else { return nil }
        key = ServiceKey(namespace: service.metadata.namespace ?? "default", name: name)
        publishNotReady = spec.publishNotReadyAddresses ?? false
        ports = (spec.ports ?? []).compactMap { p in
            guard let n = p.name, !n.isEmpty, (1...65535).contains(p.port) else { return nil }
            return Port(name: n.lowercased(), proto: (p.protocol ?? "TCP").lowercased(), port: UInt16(p.port))
        }
        if spec.type == "ExternalName" {
            guard let external = spec.externalName, let target = try? DNSName(external), !target.labels.isEmpty else { return nil }
            kind = .externalName(target)
        } else if spec.clusterIP == "None" {
            kind = .headless
        } else {
            let ips = (spec.clusterIPs ?? spec.clusterIP.map { [$0] } ?? []).compactMap(IPAddressText.parse)
            guard !ips.isEmpty else { return nil }
            kind = .clusterIP(ips)
        }
    }

    public var isHeadless: Bool { kind == .headless }
}

/// What DNS needs of an EndpointSlice: its endpoints and its named ports.
public struct SliceEntry: Sendable, Hashable {
    /// One endpoint: its addresses, hostname and readiness.
    public struct EndpointEntry: Sendable, Hashable {
        public var addresses: [[UInt8]]
        /// The pod's hostname (`spec.hostname` with `spec.subdomain` matching the Service), lower case.
        public var hostname: String?
        public var ready: Bool

        /// The label of its per-pod records: the hostname, or the dashed first address.
        public var label: String? { hostname ?? addresses.first.map(IPAddressText.dashed) }
    }

    public var endpoints: [EndpointEntry]
    /// Port name → (protocol, port).
    public var ports: [String: (proto: String, port: UInt16)]

    public init(_ slice: EndpointSlice) {
        endpoints = (slice.endpoints ?? []).map { e in
            EndpointEntry(addresses: e.addresses.compactMap(IPAddressText.parse),
                          hostname: e.hostname.flatMap { $0.isEmpty ? nil : $0.lowercased() },
                          // A nil `ready` means unknown: consumers treat it as ready.
                          ready: e.conditions?.ready ?? true)
        }.filter { !$0.addresses.isEmpty }
        var ports: [String: (proto: String, port: UInt16)] = [:]
        for p in slice.ports ?? [] {
            guard let name = p.name, !name.isEmpty, let port = p.port, (1...65535).contains(port) else { continue }
            ports[name.lowercased()] = ((p.protocol ?? "TCP").lowercased(), UInt16(port))
        }
        self.ports = ports
    }

    public static func == (a: SliceEntry, b: SliceEntry) -> Bool {
        a.endpoints == b.endpoints && a.ports.mapValues { "\($0.proto)/\($0.port)" } == b.ports.mapValues { "\($0.proto)/\($0.port)" }
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(endpoints) }
}
