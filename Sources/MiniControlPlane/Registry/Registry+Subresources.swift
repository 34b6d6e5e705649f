import Foundation
import KubeAPI

extension Registry {
    // MARK: scale

    /// The Scale object of a deployment or replica set.
    func scale(of obj: JSONValue, _ info: ResourceInfo) -> JSONValue {
        let meta = obj["metadata"] ?? .emptyObject
        var scaleMeta: JSONValue = .emptyObject
        for k in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { scaleMeta[k] = meta[k] }
        let selector = obj[path: ["spec", "selector"]].flatMap { try? KubeCodec.decode(LabelSelector.self, from: $0) }
        return [
            "apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": scaleMeta,
            "spec": ["replicas": .int(obj[path: ["spec", "replicas"]]?.intValue ?? 0)],
            "status": ["replicas": .int(obj[path: ["status", "replicas"]]?.intValue ?? 0),
                       "selector": .string(selector?.queryString ?? "")],
        ]
    }

    func getScale(_ info: ResourceInfo, _ ns: String?, _ name: String) async throws(Status) -> JSONValue {
        scale(of: try await get(info, ns, name), info)
    }

    /// Updates spec.replicas from a Scale body (PUT) or a patch of the Scale (PATCH).
    func updateScale(_ info: ResourceInfo, _ ns: String?, _ name: String, body: JSONValue?, patch: (PatchKind, [UInt8])?,
                     _ options: WriteOptions) async throws(Status) -> JSONValue {
        let scaleInfo = ResourceInfo(group: "autoscaling", version: "v1", kind: "Scale", plural: info.plural, singular: "scale",
                                     shortNames: [], namespaced: true, categories: [], subresources: [])
        for _ in 0..<8 {
            let current = try await getStored(info, ns, name)
            let obj = try decode(current, info)
            var newScale: JSONValue
            if let body {
                newScale = body
                if let rv = body[path: ["metadata", "resourceVersion"]]?.stringValue, !rv.isEmpty, rv != String(current.modRevision) {
                    throw APIErrors.conflict(scaleInfo, name)
                }
            } else if let (kind, bytes) = patch {
                let doc: JSONValue
                do { doc = try JSONParser.parse(bytes) } catch { throw APIErrors.badRequest("error decoding patch: \(error.description)") }
                let cur = scale(of: obj, info)
                do throws(PatchError) {
                    switch kind {
                    case .json: newScale = try JSONPatch.apply(doc, to: cur)
                    case .merge, .strategic: newScale = MergePatch.apply(doc, to: cur)
                    }
                } catch {
                    throw error.malformed ? APIErrors.badRequest(error.message) : Status(message: error.message, reason: "Invalid", code: 422)
                }
            } else {
                throw APIErrors.badRequest("no scale given")
            }
            guard let replicas = newScale[path: ["spec", "replicas"]]?.intValue else {
                throw invalidStatus(kind: "Scale", group: "autoscaling", name: name, errors: [.required("spec.replicas")])
            }
            if replicas < 0 {
                throw invalidStatus(kind: "Scale", group: "autoscaling", name: name,
                                    errors: [.invalid("spec.replicas", int: replicas, "must be greater than or equal to 0")])
            }
            var updated = obj
            updated.set(path: ["spec", "replicas"], to: .int(replicas))
            do {
                let r = try await write(info, ns, name, current: current, proposed: updated, subresource: nil, options)
                return scale(of: r.object, info)
            } catch let s where s.code == 409 && body == nil {
                continue
            }
        }
        throw APIErrors.conflict(scaleInfo, name)
    }

    // MARK: binding

    /// Binds a pod to a node, as the scheduler does through `pods/NAME/binding`.
    func bind(_ ns: String?, podName: String, binding: JSONValue, dryRun: Bool) async throws(Status) {
        let podInfo = ResourceCatalog.find(group: "", plural: "pods")!
        guard let node = binding[path: ["target", "name"]]?.stringValue, !node.isEmpty else {
            throw invalidStatus(kind: "Binding", group: "", name: podName, errors: [.required("target.name")])
        }
        if let kind = binding[path: ["target", "kind"]]?.stringValue, !kind.isEmpty, kind != "Node" {
            throw invalidStatus(kind: "Binding", group: "", name: podName, errors: [.notSupported("target.kind", kind, ["Node"])])
        }
        for _ in 0..<8 {
            let current = try await getStored(podInfo, ns, podName)
            var pod = try decode(current, podInfo)
            if let uid = binding[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty, uid != pod[path: ["metadata", "uid"]]?.stringValue {
                throw APIErrors.conflict(podInfo, podName, "the UID in the binding (\(uid)) does not match the pod")
            }
            if let existing = pod[path: ["spec", "nodeName"]]?.stringValue, !existing.isEmpty {
                throw APIErrors.conflict(podInfo, podName, "pod \(podName) is already assigned to node \"\(existing)\"")
            }
            if pod[path: ["metadata", "deletionTimestamp"]] != nil {
                throw APIErrors.conflict(podInfo, podName, "pod \(podName) is being deleted, cannot be assigned to a host")
            }
            pod.set(path: ["spec", "nodeName"], to: .string(node))
            var conditions = pod[path: ["status", "conditions"]]?.arrayValue ?? []
            conditions.removeAll { $0["type"] == "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                               "lastTransitionTime": .string(Timestamp().description)])
            pod.set(path: ["status", "conditions"], to: .array(conditions))
            pod.set(path: ["metadata", "resourceVersion"], to: nil)
            if dryRun { return }
            do {
                _ = try await store.update(key: current.key, value: StoredObject.encode(pod), expectedRevision: current.modRevision)
                return
            } catch .conflict {
                continue
            } catch {
                throw Self.status(error, podInfo, podName)
            }
        }
        throw APIErrors.conflict(podInfo, podName)
    }
}

/// Allocates Service cluster IPs from the service CIDR and node ports from
/// 30000-32767, never handing out one that another Service holds. Allocation
/// is serialised in this process; the in-use set is read from storage.
actor ServiceAllocator {
    let network: UInt32
    let size: UInt32

    init(serviceCIDR: String) {
        let parts = serviceCIDR.split(separator: "/")
        let base = parts.first.flatMap { Self.parseIPv4(String($0)) } ?? Self.parseIPv4("10.96.0.0")!
        let bits = parts.count > 1 ? UInt32(parts[1]) ?? 12 : 12
        let prefix = min(max(bits, 8), 30)
        self.size = UInt32(1) << (32 - prefix)
        self.network = base & ~(size - 1)
    }

    static func parseIPv4(_ s: String) -> UInt32? {
        guard IPAddress.isIPv4(s) else { return nil }
        return s.split(separator: ".").reduce(UInt32(0)) { ($0 << 8) | (UInt32($1) ?? 0) }
    }

    static func format(_ v: UInt32) -> String { "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)" }

    /// The first address, reserved for the `kubernetes` Service.
    nonisolated var kubernetesServiceIP: String { Self.format(network + 1) }

    func contains(_ ip: String) -> Bool {
        guard let v = Self.parseIPv4(ip) else { return false }
        return v & ~(size - 1) == network
    }

    /// Fills spec.clusterIP(s) and node ports of a Service that lacks them.
    func allocate(_ svc: inout JSONValue, registry: Registry, dryRun: Bool) async throws(Status) {
        var spec = svc["spec"] ?? .emptyObject
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        let needsIP = type != "ExternalName" && (spec["clusterIP"]?.stringValue ?? "").isEmpty
        let ports = spec["ports"]?.arrayValue ?? []
        let needsNodePorts = (type == "NodePort" || type == "LoadBalancer") && ports.contains { ($0["nodePort"]?.intValue ?? 0) == 0 }
        let myKey = svc[path: ["metadata", "name"]]?.stringValue.map { "\(svc[path: ["metadata", "namespace"]]?.stringValue ?? "")/\($0)" }
        var usedIPs = Set<String>()
        var usedPorts = Set<Int64>()
        let svcInfo = ResourceCatalog.find(group: "", plural: "services")!
        let all: StoreListResult
        do {
            all = try await registry.store.list(prefix: svcInfo.keyPrefix, startAfter: nil, limit: 0, revision: 0)
        } catch {
            throw Registry.status(error, svcInfo, "")
        }
        for item in all.items {
            if let myKey, item.key.hasSuffix("/" + myKey) { continue }
            guard let v = try? JSONParser.parse(item.value) else { continue }
            if let ip = v[path: ["spec", "clusterIP"]]?.stringValue { usedIPs.insert(ip) }
            for p in v[path: ["spec", "ports"]]?.arrayValue ?? [] { if let n = p["nodePort"]?.intValue { usedPorts.insert(n) } }
        }
        if let ip = spec["clusterIP"]?.stringValue, !ip.isEmpty, ip != "None", usedIPs.contains(ip) {
            throw invalidStatus(kind: "Service", group: "", name: svc[path: ["metadata", "name"]]?.stringValue ?? "",
                                errors: [.invalid("spec.clusterIPs", ip, "failed to allocate IP \(ip): provided IP is already allocated")])
        }
        if needsIP {
            var candidate: UInt32?
            for off in 2..<(size - 1) where !usedIPs.contains(Self.format(network + off)) {
                candidate = network + off
                break
            }
            guard let c = candidate else {
                throw APIErrors.internalError("failed to allocate a serviceIP: range is full")
            }
            spec["clusterIP"] = .string(Self.format(c))
            spec["clusterIPs"] = [.string(Self.format(c))]
        } else if let ip = spec["clusterIP"]?.stringValue, !ip.isEmpty, spec["clusterIPs"] == nil {
            spec["clusterIPs"] = [.string(ip)]
        }
        if needsNodePorts {
            var newPorts = ports
            for i in newPorts.indices where (newPorts[i]["nodePort"]?.intValue ?? 0) == 0 {
                guard let p = (Int64(30000)...32767).first(where: { !usedPorts.contains($0) }) else {
                    throw APIErrors.internalError("failed to allocate a nodePort: range is full")
                }
                usedPorts.insert(p)
                newPorts[i]["nodePort"] = .int(p)
            }
            spec["ports"] = .array(newPorts)
        } else {
            for p in ports {
                if let n = p["nodePort"]?.intValue, n != 0, usedPorts.contains(n) {
                    throw invalidStatus(kind: "Service", group: "", name: svc[path: ["metadata", "name"]]?.stringValue ?? "",
                                        errors: [.invalid("spec.ports[0].nodePort", int: n, "provided port is already allocated")])
                }
            }
        }
        svc["spec"] = spec
    }
}
