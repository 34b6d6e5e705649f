public import KubeAPI

/// The cluster's DNS data as a value: Services and their EndpointSlices,
/// reduced to what the records need, plus a reverse index for PTR lookups.
/// Watches feed it with ``update(_:)-(Service)`` and ``remove(_:)-(Service)``;
/// ``lookup(_:type:ttl:)`` answers from it (see `DNSRecordTable+Lookup.swift`).
///
/// ```swift
/// var table = DNSRecordTable(zone: try DNSName("cluster.local"))
/// table.update(service)
/// table.update(slice)
/// table.lookup(try DNSName("web.default.svc.cluster.local"), type: .a, ttl: 5)
/// ```
public struct DNSRecordTable: Sendable {
    /// The cluster domain, `cluster.local` by default.
    public let zone: DNSName
    public private(set) var services: [ServiceKey: ServiceEntry] = [:]
    /// Slices by the Service they name (label kubernetes.io/service-name), then by slice name.
    public private(set) var slices: [ServiceKey: [String: SliceEntry]] = [:]
    /// `namespace/slice` → the Service it was filed under.
    var sliceOwners: [String: ServiceKey] = [:]
    /// Namespace → how many Services it has (a namespace name exists while it has one).
    var namespaces: [String: Int] = [:]
    /// Address bytes → the names pointing at it.
    var reverse: [[UInt8]: [DNSName]] = [:]
    /// The addresses each Service put in `reverse`.
    var reverseOf: [ServiceKey: [[UInt8]: DNSName]] = [:]
    /// Counts changes; the SOA serial can follow it.
    public private(set) var generation: UInt32 = 1

    /// The label EndpointSlices name their Service with.
    public static let serviceNameLabel = "kubernetes.io/service-name"

    public init(zone: DNSName) { self.zone = zone }

    /// A Service was added or changed.
    public mutating func update(_ service: Service) {
        guard let entry = ServiceEntry(service) else {
            removeEntry(ServiceKey(namespace: service.metadata.namespace ?? "default", name: service.metadata.name ?? ""))
            return
        }
        if services[entry.key] == nil { namespaces[entry.key.namespace, default: 0] += 1 }
        guard services[entry.key] != entry else { return }
        services[entry.key] = entry
        reindex(entry.key)
    }

    /// A Service was deleted.
    public mutating func remove(_ service: Service) {
        removeEntry(ServiceKey(namespace: service.metadata.namespace ?? "default", name: service.metadata.name ?? ""))
    }

    mutating func removeEntry(_ key: ServiceKey) {
        guard services.removeValue(forKey: key) != nil else { return }
        namespaces[key.namespace, default: 1] -= 1
        if namespaces[key.namespace] == 0 { namespaces[key.namespace] = nil }
        reindex(key)
    }

    /// The Service a slice belongs to, from its label.
    static func owner(_ slice: EndpointSlice) -> ServiceKey? {
        guard let service = slice.metadata.labels?[serviceNameLabel], !service.isEmpty else { return nil }
        return ServiceKey(namespace: slice.metadata.namespace ?? "default", name: service)
    }

    /// An EndpointSlice was added or changed; slices without the service-name label are ignored.
    public mutating func update(_ slice: EndpointSlice) {
        guard let sliceName = slice.metadata.name else { return }
        let id = "\(slice.metadata.namespace ?? "default")/\(sliceName)"
        let owner = Self.owner(slice)
        if let previous = sliceOwners[id], previous != owner {
            dropSlice(sliceName, of: previous)
        }
        guard let owner else {
            sliceOwners[id] = nil
            return
        }
        sliceOwners[id] = owner
        let entry = SliceEntry(slice)
        guard slices[owner]?[sliceName] != entry else { return }
        slices[owner, default: [:]][sliceName] = entry
        reindex(owner)
    }

    /// An EndpointSlice was deleted.
    public mutating func remove(_ slice: EndpointSlice) {
        guard let sliceName = slice.metadata.name else { return }
        let id = "\(slice.metadata.namespace ?? "default")/\(sliceName)"
        guard let owner = sliceOwners.removeValue(forKey: id) ?? Self.owner(slice) else { return }
        dropSlice(sliceName, of: owner)
    }

    mutating func dropSlice(_ sliceName: String, of owner: ServiceKey) {
        guard slices[owner]?.removeValue(forKey: sliceName) != nil else { return }
        if slices[owner]?.isEmpty == true { slices[owner] = nil }
        reindex(owner)
    }

    /// The endpoints a Service's records list: ready ones (all with
    /// publishNotReadyAddresses), one per label, in a stable order.
    public func endpoints(of key: ServiceKey) -> [SliceEntry.EndpointEntry] {
        guard let service = services[key] else { return [] }
        var seen = Set<String>()
        var out: [SliceEntry.EndpointEntry] = []
        for sliceName in (slices[key] ?? [:]).keys.sorted() {
            for e in slices[key]?[sliceName]?.endpoints ?? [] where e.ready || service.publishNotReady {
                guard let label = e.label, seen.insert(label).inserted else { continue }
                out.append(e)
            }
        }
        return out
    }

    /// `SERVICE.NAMESPACE.svc.ZONE`.
    func serviceName(_ key: ServiceKey) -> DNSName? {
        try? zone.prepending([key.name, key.namespace, "svc"])
    }

    /// Recomputes the reverse entries of one Service after a change.
    mutating func reindex(_ key: ServiceKey) {
        generation &+= 1
        for (address, name) in reverseOf.removeValue(forKey: key) ?? [:] {
            reverse[address]?.removeAll { $0 == name }
            if reverse[address]?.isEmpty == true { reverse[address] = nil }
        }
        guard let service = services[key], let name = serviceName(key) else { return }
        var mine: [[UInt8]: DNSName] = [:]
        switch service.kind {
        case .clusterIP(let ips):
            for ip in ips { mine[ip] = name }
        case .headless:
            for e in endpoints(of: key) {
                guard let label = e.label, let host = try? name.prepending([label]) else { continue }
                for address in e.addresses where mine[address] == nil { mine[address] = host }
            }
        case .externalName:
            break
        }
        for (address, target) in mine { reverse[address, default: []].append(target) }
        reverseOf[key] = mine
    }
}
