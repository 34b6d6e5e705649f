/// What the table says about a name and type.
public enum TableAnswer: Sendable, Equatable {
    /// The name has records of the type.
    case records(answers: [DNSRecord], additional: [DNSRecord])
    /// The name exists but has no records of the type (NOERROR, empty answer).
    case noData
    /// The name does not exist in the cluster domain.
    case nxDomain
    /// The name is not the table's to answer (outside the zone, or a reverse name it does not know).
    case notOurs
}

extension DNSRecordTable {
    /// Answers `type` for `name`:
    /// - `SVC.NS.svc.ZONE`: A/AAAA of the ClusterIPs, of the ready endpoints
    ///   for a headless Service, a CNAME for an ExternalName Service;
    /// - `_PORT._PROTO.SVC.NS.svc.ZONE`: SRV of a named port;
    /// - `HOST.SVC.NS.svc.ZONE`: A/AAAA of a headless Service's endpoint, by
    ///   hostname or dashed address;
    /// - `A-B-C-D.NS.pod.ZONE`: A (AAAA for a dashed IPv6) of that address;
    /// - `D.C.B.A.in-addr.arpa` and `ip6.arpa`: PTR of ClusterIPs and headless endpoints.
    ///
    /// Records are owned by `name` as asked (same case) and carry `ttl`.
    public func lookup(_ name: DNSName, type: RecordType, ttl: UInt32) -> TableAnswer {
        guard let relative = name.relative(to: zone) else {
            return reverseLookup(name, type: type, ttl: ttl)
        }
        guard let kind = relative.last else { return .noData }
        switch kind {
        case "svc": return serviceLookup(name, Array(relative.dropLast()), type: type, ttl: ttl)
        case "pod": return podLookup(name, Array(relative.dropLast()), type: type, ttl: ttl)
        default: return .nxDomain
        }
    }

    func serviceLookup(_ name: DNSName, _ labels: [String], type: RecordType, ttl: UInt32) -> TableAnswer {
        switch labels.count {
        case 0:
            return .noData
        case 1:
            return namespaces[labels[0]] != nil ? .noData : .nxDomain
        case 2:
            guard let service = services[ServiceKey(namespace: labels[1], name: labels[0])] else { return .nxDomain }
            return records(name, of: service, type: type, ttl: ttl)
        case 3:
            let key = ServiceKey(namespace: labels[2], name: labels[1])
            guard let service = services[key] else { return .nxDomain }
            if labels[0].hasPrefix("_") { return .noData }   // `_proto.svc…`: the parent of SRV names
            guard service.isHeadless, let endpoint = endpoints(of: key).first(where: { $0.label == labels[0] }) else {
                return .nxDomain
            }
            return addresses(name, endpoint.addresses, type: type, ttl: ttl)
        case 4:
            guard labels[0].hasPrefix("_"), labels[1].hasPrefix("_"),
                  let service = services[ServiceKey(namespace: labels[3], name: labels[2])] else { return .nxDomain }
            return srv(name, of: service, port: String(labels[0].dropFirst()), proto: String(labels[1].dropFirst()), type: type, ttl: ttl)
        default:
            return .nxDomain
        }
    }

    /// A, AAAA or CNAME of a Service's own name.
    func records(_ name: DNSName, of service: ServiceEntry, type: RecordType, ttl: UInt32) -> TableAnswer {
        switch service.kind {
        case .clusterIP(let ips):
            return addresses(name, ips, type: type, ttl: ttl)
        case .headless:
            return addresses(name, endpoints(of: service.key).flatMap(\.addresses), type: type, ttl: ttl)
        case .externalName(let target):
            return .records(answers: [DNSRecord(name: name, ttl: ttl, data: .cname(target))], additional: [])
        }
    }

    /// The A and/or AAAA records among `ips` that `type` asks for.
    func addresses(_ name: DNSName, _ ips: [[UInt8]], type: RecordType, ttl: UInt32) -> TableAnswer {
        let records = Self.addressRecords(name, ips, type: type, ttl: ttl)
        return records.isEmpty ? .noData : .records(answers: records, additional: [])
    }

    static func addressRecords(_ name: DNSName, _ ips: [[UInt8]], type: RecordType, ttl: UInt32) -> [DNSRecord] {
        var seen = Set<[UInt8]>()
        return ips.compactMap { ip in
            guard seen.insert(ip).inserted else { return nil }
            if ip.count == 4, type == .a || type == .any { return DNSRecord(name: name, ttl: ttl, data: .a(ip)) }
            if ip.count == 16, type == .aaaa || type == .any { return DNSRecord(name: name, ttl: ttl, data: .aaaa(ip)) }
            return nil
        }
    }

    /// SRV of `_port._proto.SERVICE…`: the Service's name for a ClusterIP
    /// Service, one record per ready endpoint for a headless one, with the
    /// targets' addresses in the additional section.
    func srv(_ name: DNSName, of service: ServiceEntry, port: String, proto: String, type: RecordType, ttl: UInt32) -> TableAnswer {
        guard let servicePort = service.ports.first(where: { $0.name == port && $0.proto == proto }),
              let serviceName = serviceName(service.key) else { return .nxDomain }
        guard type == .srv || type == .any else { return .noData }
        switch service.kind {
        case .clusterIP(let ips):
            let answer = DNSRecord(name: name, ttl: ttl, data: .srv(priority: 0, weight: 100, port: servicePort.port, target: serviceName))
            return .records(answers: [answer], additional: Self.addressRecords(serviceName, ips, type: .any, ttl: ttl))
        case .headless:
            var targets: [(DNSName, UInt16, [[UInt8]])] = []
            for sliceName in (slices[service.key] ?? [:]).keys.sorted() {
                guard let slice = slices[service.key]?[sliceName], let p = slice.ports[port], p.proto == proto else { continue }
                for e in slice.endpoints where e.ready || service.publishNotReady {
                    guard let label = e.label, let target = try? serviceName.prepending([label]),
                          !targets.contains(where: { $0.0 == target && $0.1 == p.port }) else { continue }
                    targets.append((target, p.port, e.addresses))
                }
            }
            guard !targets.isEmpty else { return .noData }
            let weight = UInt16(max(1, 100 / targets.count))
            let answers = targets.map { DNSRecord(name: name, ttl: ttl, data: .srv(priority: 0, weight: weight, port: $0.1, target: $0.0)) }
            let additional = targets.flatMap { Self.addressRecords($0.0, $0.2, type: .any, ttl: ttl) }
            return .records(answers: answers, additional: additional)
        case .externalName:
            return .noData
        }
    }

    /// `A-B-C-D.NAMESPACE.pod.ZONE`: any well-formed dashed address answers
    /// (the "pods insecure" mode of kube-dns and CoreDNS).
    func podLookup(_ name: DNSName, _ labels: [String], type: RecordType, ttl: UInt32) -> TableAnswer {
        switch labels.count {
        case 0, 1: return .noData
        case 2:
            guard let ip = IPAddressText.parseDashed(labels[0]) else { return .nxDomain }
            return addresses(name, [ip], type: type, ttl: ttl)
        default: return .nxDomain
        }
    }

    /// PTR of a ClusterIP or a headless endpoint's address.
    func reverseLookup(_ name: DNSName, type: RecordType, ttl: UInt32) -> TableAnswer {
        guard let ip = IPAddressText.parseReverse(name.labels), let targets = reverse[ip], !targets.isEmpty else { return .notOurs }
        guard type == .ptr || type == .any else { return .noData }
        let sorted = targets.sorted { $0.key < $1.key }
        return .records(answers: sorted.map { DNSRecord(name: name, ttl: ttl, data: .ptr($0)) }, additional: [])
    }
}
