import KubeAPI

/// Allocates Service cluster IPs from the service CIDR and node ports from
/// 30000-32767. Each allocation is a reservation key created in the store
/// (`/registry/ipallocations/IP`, `/registry/nodeportallocations/PORT`, value
/// `namespace/name`), so several API servers sharing one etcd never hand out
/// the same one; deleting the Service releases them.
actor ServiceAllocator {
    let network: UInt32
    let size: UInt32
    static let ipPrefix = "/registry/ipallocations/"
    static let portPrefix = "/registry/nodeportallocations/"
    static let nodePorts: ClosedRange<Int64> = 30000...32767

    init(serviceCIDR: String) {
        let parts = serviceCIDR.split(separator: "/")
        let base = parts.first.flatMap { Self.parseIPv4(String($0)) } ?? 0x0A60_0000
        let bits = parts.count > 1 ? UInt32(parts[1]) ?? 12 : 12
        let prefix = min(max(bits, 8), 30)
        self.size = UInt32(1) << (32 - prefix)
        self.network = base & ~(size - 1)
    }

    static func parseIPv4(_ s: String) -> UInt32? {
        guard IPAddressSyntax.isIPv4(s) else { return nil }
        return s.split(separator: ".").reduce(UInt32(0)) { ($0 << 8) | (UInt32($1) ?? 0) }
    }

    static func format(_ v: UInt32) -> String { "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)" }

    /// The first address, reserved for the `kubernetes` Service.
    nonisolated var kubernetesServiceIP: String { Self.format(network + 1) }

    static func owner(_ svc: JSONValue) -> String {
        "\(svc[path: ["metadata", "namespace"]]?.stringValue ?? "")/\(svc[path: ["metadata", "name"]]?.stringValue ?? "")"
    }

    /// Creates a reservation key; true when it is now (or already was) ours.
    /// Keys this call created are added to `created`.
    func reserve(_ key: String, owner: String, store: any Store, created: inout [String]) async throws(Status) -> Bool {
        do {
            _ = try await store.create(key: key, value: Array(owner.utf8))
            created.append(key)
            return true
        } catch .alreadyExists {
            do {
                return try await store.get(key: key).map { String(decoding: $0.value, as: UTF8.self) == owner } ?? false
            } catch {
                throw APIErrors.internalError("allocation lookup failed: \(error)")
            }
        } catch {
            throw APIErrors.internalError("allocation failed: \(error)")
        }
    }

    /// Fills spec.clusterIP(s) and node ports, reserving every address and
    /// port the Service holds. `dryRun` checks without reserving. When one
    /// allocation fails, what this call reserved before it is released again
    /// (a refused Service must not keep an address).
    func allocate(_ svc: inout JSONValue, registry: ResourceStorage, dryRun: Bool) async throws(Status) {
        var created: [String] = []
        do {
            try await allocate(&svc, registry: registry, dryRun: dryRun, created: &created)
        } catch {
            for key in created { _ = try? await registry.store.delete(key: key, expectedRevision: nil) }
            throw error
        }
    }

    func allocate(_ svc: inout JSONValue, registry: ResourceStorage, dryRun: Bool, created: inout [String]) async throws(Status) {
        let store = registry.store
        var spec = svc["spec"] ?? .emptyObject
        let owner = Self.owner(svc)
        let name = svc[path: ["metadata", "name"]]?.stringValue ?? ""
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        if type != "ExternalName" {
            if let ip = spec["clusterIP"]?.stringValue, !ip.isEmpty {
                let ok = ip == "None" || dryRun ? true : try await reserve(Self.ipPrefix + ip, owner: owner, store: store, created: &created)
                if !ok {
                    throw invalidStatus(kind: "Service", group: "", name: name,
                                        errors: [.invalid("spec.clusterIPs", ip, "failed to allocate IP \(ip): provided IP is already allocated")])
                }
                if spec["clusterIPs"] == nil { spec["clusterIPs"] = [.string(ip)] }
            } else {
                let span = size - 3
                let start = UInt32.random(in: 0..<max(span, 1))
                var chosen: String?
                for i in 0..<span {
                    let ip = Self.format(network + 2 + (start + i) % span)
                    if dryRun {
                        chosen = ip
                        break
                    }
                    if try await reserve(Self.ipPrefix + ip, owner: owner, store: store, created: &created) {
                        chosen = ip
                        break
                    }
                }
                guard let chosen else { throw APIErrors.internalError("failed to allocate a serviceIP: range is full") }
                spec["clusterIP"] = .string(chosen)
                spec["clusterIPs"] = [.string(chosen)]
            }
        }
        if type == "NodePort" || type == "LoadBalancer" {
            // A LoadBalancer with allocateLoadBalancerNodePorts: false gets
            // only the node ports it asks for, as upstream.
            let autoAllocate = type == "NodePort" || spec["allocateLoadBalancerNodePorts"]?.boolValue != false
            var ports = spec["ports"]?.arrayValue ?? []
            for i in ports.indices {
                if let n = ports[i]["nodePort"]?.intValue, n != 0 {
                    try await reservePort(n, field: "spec.ports[\(i)].nodePort", owner: owner, name: name, store: store, dryRun: dryRun, created: &created)
                } else if autoAllocate {
                    ports[i]["nodePort"] = .int(try await allocatePort(owner: owner, store: store, dryRun: dryRun, created: &created))
                }
            }
            spec["ports"] = .array(ports)
        }
        if Self.needsHealthCheckNodePort(spec) {
            if let n = spec["healthCheckNodePort"]?.intValue, n != 0 {
                try await reservePort(n, field: "spec.healthCheckNodePort", owner: owner, name: name, store: store, dryRun: dryRun, created: &created)
            } else {
                spec["healthCheckNodePort"] = .int(try await allocatePort(owner: owner, store: store, dryRun: dryRun, created: &created))
            }
        }
        svc["spec"] = spec
    }

    /// Whether a Service spec gets a health-check node port: a LoadBalancer
    /// whose externalTrafficPolicy is Local (upstream's `NeedsHealthCheck`).
    static func needsHealthCheckNodePort(_ spec: JSONValue) -> Bool {
        spec["type"]?.stringValue == "LoadBalancer" && spec["externalTrafficPolicy"]?.stringValue == "Local"
    }

    /// Reserves a node port the Service asked for, or says it is taken.
    func reservePort(_ n: Int64, field: String, owner: String, name: String, store: any Store, dryRun: Bool,
                     created: inout [String]) async throws(Status) {
        let ok = dryRun ? true : try await reserve(Self.portPrefix + String(n), owner: owner, store: store, created: &created)
        if !ok {
            throw invalidStatus(kind: "Service", group: "", name: name, errors: [.invalid(field, int: n, "provided port is already allocated")])
        }
    }

    /// Picks and reserves a free node port.
    func allocatePort(owner: String, store: any Store, dryRun: Bool, created: inout [String]) async throws(Status) -> Int64 {
        let count = Self.nodePorts.count
        let start = Int.random(in: 0..<count)
        for off in 0..<count {
            let p = Self.nodePorts.lowerBound + Int64((start + off) % count)
            if dryRun { return p }
            if try await reserve(Self.portPrefix + String(p), owner: owner, store: store, created: &created) { return p }
        }
        throw APIErrors.internalError("failed to allocate a nodePort: range is full")
    }

    /// The node ports a Service holds: its ports' and its health-check port.
    static func heldPorts(_ svc: JSONValue) -> Set<Int64> {
        var out = Set((svc[path: ["spec", "ports"]]?.arrayValue ?? []).compactMap { $0["nodePort"]?.intValue }.filter { $0 != 0 })
        if let n = svc[path: ["spec", "healthCheckNodePort"]]?.intValue, n != 0 { out.insert(n) }
        return out
    }

    /// Releases what a deleted (or failed) Service held.
    func release(_ svc: JSONValue, store: any Store) async {
        var keys: [String] = []
        if let ip = svc[path: ["spec", "clusterIP"]]?.stringValue, !ip.isEmpty, ip != "None" { keys.append(Self.ipPrefix + ip) }
        keys += Self.heldPorts(svc).sorted().map { Self.portPrefix + String($0) }
        await release(keys: keys, owner: Self.owner(svc), store: store)
    }

    func release(keys: [String], owner: String, store: any Store) async {
        for key in keys {
            guard let cur = try? await store.get(key: key), String(decoding: cur.value, as: UTF8.self) == owner else { continue }
            _ = try? await store.delete(key: key, expectedRevision: cur.modRevision)
        }
    }

    /// Releases ports and addresses an updated Service no longer holds.
    func releaseDropped(old: JSONValue, new: JSONValue, store: any Store) async {
        var keys: [String] = []
        if let ip = old[path: ["spec", "clusterIP"]]?.stringValue, !ip.isEmpty, ip != "None", ip != new[path: ["spec", "clusterIP"]]?.stringValue {
            keys.append(Self.ipPrefix + ip)
        }
        keys += Self.heldPorts(old).subtracting(Self.heldPorts(new)).sorted().map { Self.portPrefix + String($0) }
        await release(keys: keys, owner: Self.owner(old), store: store)
    }
}
