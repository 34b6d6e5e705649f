import Foundation
import KubeAPI

extension ResourceStorage {
    // MARK: scale

    /// Where a resource keeps what its Scale shows: `spec.replicas` and
    /// `status.replicas` for built-ins, the definition's `scale` paths for a custom resource.
    static func scalePaths(_ info: ResourceInfo) -> (spec: [String], status: [String], selector: [String]?) {
        guard let scale = info.custom?.scale else { return (["spec", "replicas"], ["status", "replicas"], nil) }
        func names(_ p: String?) -> [String]? { p.flatMap { try? JSONPathExpression($0) }?.fieldNames }
        return (names(scale.specReplicasPath) ?? ["spec", "replicas"], names(scale.statusReplicasPath) ?? ["status", "replicas"],
                names(scale.labelSelectorPath))
    }

    /// The Scale object of a deployment, replica set, stateful set,
    /// replication controller (whose selector is a plain label map) or custom
    /// resource (whose selector is the string at its `labelSelectorPath`).
    func scale(of obj: JSONValue, _ info: ResourceInfo) -> JSONValue {
        let meta = obj["metadata"] ?? .emptyObject
        var scaleMeta: JSONValue = .emptyObject
        for k in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { scaleMeta[k] = meta[k] }
        let paths = Self.scalePaths(info)
        if info.custom != nil {
            var status: JSONValue = ["replicas": .int(obj[path: paths.status]?.intValue ?? 0)]
            if let selector = paths.selector.flatMap({ obj[path: $0]?.stringValue }) { status["selector"] = .string(selector) }
            return ["apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": scaleMeta,
                    "spec": ["replicas": .int(obj[path: paths.spec]?.intValue ?? 0)], "status": status]
        }
        let selector: LabelSelector?
        if info.builtinKind == ReplicationController.kind {
            var s = LabelSelector()
            s.matchLabels = obj[path: ["spec", "selector"]].flatMap { try? KubeCodec.decode([String: String].self, from: $0) }
            selector = s
        } else {
            selector = obj[path: ["spec", "selector"]].flatMap { try? KubeCodec.decode(LabelSelector.self, from: $0) }
        }
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
            let obj = try await served(current, info)
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
            updated.set(path: Self.scalePaths(info).spec[...], to: .int(replicas))
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
        let podInfo = ResourceCatalog.info(for: Pod.self)
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
