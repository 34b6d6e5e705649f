import Foundation
import KubeAPI

/// The three patch formats; server-side apply is ``ResourceStorage/apply``.
enum PatchKind: String, Sendable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategic = "application/strategic-merge-patch+json"

    /// Server-side apply's media type.
    static let apply = "application/apply-patch+yaml"
    static let accepted = [json.rawValue, merge.rawValue, strategic.rawValue, apply]
}

extension ResourceStorage {
    /// Replaces an object (PUT), for the main resource or the status subresource.
    func update(_ info: ResourceInfo, _ ns: String?, _ name: String, _ body: JSONValue, subresource: String?,
                _ options: WriteOptions) async throws(Status) -> WriteResult {
        var obj = try checkTypeMeta(info, body)
        try checkNamespace(info, ns, &obj)
        if let bodyName = obj[path: ["metadata", "name"]]?.stringValue, !bodyName.isEmpty, bodyName != name {
            throw APIErrors.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        obj.set(path: ["metadata", "name"], to: .string(name))
        let current = try await getStored(info, ns, name)
        if let rv = obj[path: ["metadata", "resourceVersion"]]?.stringValue, !rv.isEmpty, rv != String(current.modRevision) {
            throw APIErrors.conflict(info, name)
        }
        return try await write(info, ns, name, current: current, proposed: obj, subresource: subresource, options)
    }

    /// Applies a patch with retries on concurrent changes (unless the patch pins a resourceVersion).
    func patch(_ info: ResourceInfo, _ ns: String?, _ name: String, kind: PatchKind, _ patchBody: [UInt8],
               subresource: String?, _ options: WriteOptions) async throws(Status) -> WriteResult {
        let patchDoc: JSONValue
        do {
            patchDoc = try JSONParser.parse(patchBody)
        } catch {
            throw APIErrors.badRequest("error decoding patch: \(error.description)")
        }
        // Strategic merge needs a Go struct's patch tags; custom resources have none (upstream answers 415 too).
        if kind == .strategic, !info.isBuiltin {
            throw Status(message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, "
                         + "application/merge-patch+json, application/apply-patch+yaml", reason: "UnsupportedMediaType", code: 415)
        }
        for attempt in 0..<8 {
            let current = try await getStored(info, ns, name)
            let currentObj = try await served(current, info)
            var patched: JSONValue
            do throws(PatchError) {
                switch kind {
                case .json: patched = try JSONPatch.apply(patchDoc, to: currentObj)
                case .merge:
                    guard case .object = patchDoc else { throw PatchError(malformed: true, message: "merge patch must be a JSON object") }
                    patched = MergePatch.apply(patchDoc, to: currentObj)
                case .strategic: patched = try StrategicMergePatch.apply(patchDoc, to: currentObj, kind: info.kind)
                }
            } catch {
                if error.malformed { throw APIErrors.badRequest(error.message) }
                throw Status(message: error.message, reason: "Invalid", code: 422)
            }
            let pinned = patched[path: ["metadata", "resourceVersion"]]?.stringValue
            if let pinned, !pinned.isEmpty, pinned != String(current.modRevision) {
                if currentObj[path: ["metadata", "resourceVersion"]]?.stringValue != pinned { throw APIErrors.conflict(info, name) }
            }
            if patched["apiVersion"] == nil { patched["apiVersion"] = .string(info.apiVersion) }
            if patched["kind"] == nil { patched["kind"] = .string(info.kind) }
            var obj = try checkTypeMeta(info, patched)
            try checkNamespace(info, ns, &obj)
            if obj[path: ["metadata", "name"]]?.stringValue != name {
                throw APIErrors.badRequest("the name of the object cannot be changed by a patch")
            }
            do {
                return try await write(info, ns, name, current: current, proposed: obj, subresource: subresource, options)
            } catch let s where s.code == 409 && s.reason == "Conflict" && (pinned == nil || pinned == String(current.modRevision)) && attempt < 7 {
                continue
            }
        }
        throw APIErrors.conflict(info, name)
    }

    /// The common update path: keeps server-owned fields, handles the status
    /// split, defaulting, validation, finalizer-driven deletion and CAS.
    func write(_ info: ResourceInfo, _ ns: String?, _ name: String, current: StoredValue, proposed: JSONValue,
               subresource: String?, _ options: WriteOptions) async throws(Status) -> WriteResult {
        let old = try await served(current, info)
        var obj = proposed
        var meta = obj["metadata"] ?? .emptyObject
        let oldMeta = old["metadata"] ?? .emptyObject
        for k in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace"] {
            meta[k] = oldMeta[k]
        }
        meta["resourceVersion"] = nil
        meta["selfLink"] = nil
        let decidedFields = options.managedFieldsDecided ? meta["managedFields"] : nil
        Self.omitEmptyMetadata(&meta)
        obj["metadata"] = meta
        if info.builtinKind == "CertificateSigningRequest" {
            obj = Self.certificateSigningRequestUpdate(obj, old: old, subresource: subresource)
        } else if subresource == "status" {
            var merged = old
            merged["status"] = obj["status"]
            merged["metadata"] = oldMeta
            obj = merged
        } else if subresource == Self.ephemeralContainersSubresource {
            obj = Self.ephemeralContainersUpdate(obj, old: old)
        } else if subresource == "finalize" {
            // namespaces/NAME/finalize changes spec.finalizers only.
            var merged = old
            merged.set(path: ["spec", "finalizers"], to: obj[path: ["spec", "finalizers"]])
            merged["metadata"] = oldMeta
            obj = merged
        } else if Self.hasStatusSubresource(info) {
            obj["status"] = old["status"]
            if info.builtinKind == "Namespace" { obj.set(path: ["spec", "finalizers"], to: old[path: ["spec", "finalizers"]]) }
        }
        if options.managedFieldsDecided { obj.set(path: ["metadata", "managedFields"], to: decidedFields) }
        if info.builtinKind == "Secret" { foldStringData(&obj) }
        let unknownFields = normalize(info, &obj)
        if Self.hasGeneration(info), Self.generationChanges(info, obj, old: old) {
            let g = (oldMeta["generation"]?.intValue ?? 0) + 1
            obj.set(path: ["metadata", "generation"], to: .int(g))
        }
        if info.builtinKind == "Service" {
            var spec = obj["spec"] ?? .emptyObject
            ServiceUpdateStrategy.prepare(&spec, old: old["spec"] ?? .emptyObject)
            obj["spec"] = spec
        }
        var attributes = AdmissionAttributes(operation: .update, info: info, subresource: subresource, namespace: ns, name: name,
                                             object: obj, oldObject: old, user: options.user, dryRun: options.dryRun)
        try await admission.admit(&attributes, self)
        obj = attributes.object ?? obj
        var oldForValidation = old
        oldForValidation.set(path: ["metadata", "resourceVersion"], to: nil)
        var warnings = try validate(info, name, obj, old: oldForValidation, options, subresource: subresource, unknownFields: unknownFields)
        attributes.object = obj
        try await admission.validate(&attributes, self)
        warnings = attributes.warnings + warnings
        try await checkEscalation(info, obj, old: old, user: options.user)
        try recordManagedFields(info, old: old, &obj, subresource: subresource, options)
        if info.builtinKind == "Service" {
            try await allocator.allocate(&obj, registry: self, dryRun: options.dryRun)
        }
        let bytes = StoredObject.encode(try await storable(obj, info))
        if bytes == current.value {
            return WriteResult(object: old, warnings: warnings)
        }
        let deleting = obj[path: ["metadata", "deletionTimestamp"]] != nil
        let finalizers = obj[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if options.dryRun {
            var out = obj
            out.set(path: ["metadata", "resourceVersion"], to: .string(String(current.modRevision)))
            return WriteResult(object: out, warnings: warnings)
        }
        if deleting && finalizers.isEmpty && !(info.builtinKind == "Pod" && Self.awaitsKubelet(obj)) && !Self.hasNamespaceFinalizers(obj) {
            // The last finalizer is gone: the object goes away now.
            do {
                let (rev, _) = try await store.delete(key: current.key, expectedRevision: current.modRevision)
                await didDelete(info, obj)
                admissionReads.forget(info, namespace: ns, name: name)
                obj.set(path: ["metadata", "resourceVersion"], to: .string(String(rev)))
                return WriteResult(object: obj, warnings: warnings)
            } catch {
                throw Self.status(error, info, name)
            }
        }
        do {
            let rev = try await store.update(key: current.key, value: bytes, expectedRevision: current.modRevision)
            if info.builtinKind == "Service" { await allocator.releaseDropped(old: old, new: obj, store: store) }
            admissionReads.forget(info, namespace: ns, name: name)
            obj.set(path: ["metadata", "resourceVersion"], to: .string(String(rev)))
            return WriteResult(object: obj, warnings: warnings)
        } catch {
            throw Self.status(error, info, name)
        }
    }

    /// Drops empty `labels`, `annotations`, `ownerReferences` and
    /// `finalizers`, as Kubernetes' omitempty encoding does: a patch that
    /// removes the last owner reference leaves no `ownerReferences: []` behind.
    static func omitEmptyMetadata(_ meta: inout JSONValue) {
        for k in ["ownerReferences", "finalizers"] where meta[k]?.arrayValue?.isEmpty == true || meta[k]?.isNull == true {
            meta[k] = nil
        }
        for k in ["labels", "annotations"] where meta[k]?.objectValue?.isEmpty == true || meta[k]?.isNull == true {
            meta[k] = nil
        }
    }

    /// A namespace stays until its spec.finalizers are removed (namespaces/NAME/finalize).
    static func hasNamespaceFinalizers(_ obj: JSONValue) -> Bool {
        !(obj[path: ["spec", "finalizers"]]?.arrayValue ?? []).isEmpty && obj["kind"]?.stringValue == "Namespace"
    }

    /// A pod in graceful deletion stays until its kubelet confirms with grace 0.
    static func awaitsKubelet(_ pod: JSONValue) -> Bool {
        guard let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty else { return false }
        let phase = pod[path: ["status", "phase"]]?.stringValue
        if phase == "Succeeded" || phase == "Failed" { return false }
        return (pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue ?? 0) > 0
    }

    /// Deletes an object, honouring grace periods, finalizers and propagation policy.
    /// Returns the object (still present when deletion is pending).
    func delete(_ info: ResourceInfo, _ ns: String?, _ name: String, options: DeleteOptions, dryRun: Bool,
                user: UserInfo? = nil) async throws(Status) -> JSONValue {
        for attempt in 0..<8 {
            let current = try await getStored(info, ns, name)
            var obj = try await served(current, info)
            if attempt == 0 {
                var attributes = AdmissionAttributes(operation: .delete, info: info, subresource: nil, namespace: ns, name: name,
                                                     object: nil, oldObject: obj, user: user, dryRun: dryRun)
                try await admission.admit(&attributes, self)
                try await admission.validate(&attributes, self)
            }
            let meta = obj["metadata"] ?? .emptyObject
            if let uid = options.preconditions?.uid, uid != meta["uid"]?.stringValue {
                throw APIErrors.conflict(info, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(meta["uid"]?.stringValue ?? "")")
            }
            if let rv = options.preconditions?.resourceVersion, rv != String(current.modRevision) {
                throw APIErrors.conflict(info, name, "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(current.modRevision)")
            }
            var finalizers = meta["finalizers"]?.arrayValue ?? []
            let policy = options.propagationPolicy ?? (options.orphanDependents == true ? "Orphan" : nil)
            if policy == "Foreground", !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
            if policy == "Orphan", !finalizers.contains("orphan") { finalizers.append("orphan") }
            // A definition's objects go before it does (upstream's CRD storage adds the finalizer on delete).
            if info.builtinKind == CustomResourceDefinition.kind, !finalizers.contains(.string(CustomResourceDefinition.cleanupFinalizer)) {
                finalizers.append(.string(CustomResourceDefinition.cleanupFinalizer))
            }
            var grace: Int64 = 0
            if info.builtinKind == "Pod" {
                grace = options.gracePeriodSeconds ?? meta["deletionGracePeriodSeconds"]?.intValue
                    ?? obj[path: ["spec", "terminationGracePeriodSeconds"]]?.intValue ?? 30
                let node = obj[path: ["spec", "nodeName"]]?.stringValue ?? ""
                let phase = obj[path: ["status", "phase"]]?.stringValue
                if node.isEmpty || phase == "Succeeded" || phase == "Failed" { grace = 0 }
                if grace < 0 { grace = 0 }
            }
            let namespaceFinalizers = info.builtinKind == "Namespace" && Self.hasNamespaceFinalizers(obj)
            if grace > 0 || !finalizers.isEmpty || namespaceFinalizers {
                // Graceful or blocked deletion: record it and keep the object.
                if info.builtinKind == "Namespace" {
                    obj.set(path: ["status", "phase"], to: "Terminating")
                    namespaceCache.set(name, .terminating)
                }
                var newMeta = meta
                let now = Date()
                let existing = meta["deletionTimestamp"]?.stringValue.flatMap(Timestamp.init(rfc3339:))
                let proposed = Timestamp(now.addingTimeInterval(Double(grace)))
                if existing == nil || proposed < existing! {
                    newMeta["deletionTimestamp"] = .string(proposed.description)
                    newMeta["deletionGracePeriodSeconds"] = .int(grace)
                }
                newMeta["finalizers"] = finalizers.isEmpty ? nil : .array(finalizers)
                if Self.hasGeneration(info), meta["deletionTimestamp"] == nil {
                    newMeta["generation"] = .int((meta["generation"]?.intValue ?? 0) + 1)
                }
                newMeta["resourceVersion"] = nil
                obj["metadata"] = newMeta
                if dryRun { return obj }
                let bytes = StoredObject.encode(try await storable(obj, info))
                if bytes == current.value { return try await served(current, info) }
                do {
                    let rev = try await store.update(key: current.key, value: bytes, expectedRevision: current.modRevision)
                    admissionReads.forget(info, namespace: ns, name: name)
                    obj.set(path: ["metadata", "resourceVersion"], to: .string(String(rev)))
                    return obj
                } catch .conflict where attempt < 7 {
                    continue
                } catch {
                    throw Self.status(error, info, name)
                }
            }
            if dryRun { return obj }
            do {
                let (rev, _) = try await store.delete(key: current.key, expectedRevision: current.modRevision)
                await didDelete(info, obj)
                admissionReads.forget(info, namespace: ns, name: name)
                obj.set(path: ["metadata", "resourceVersion"], to: .string(String(rev)))
                return obj
            } catch .conflict where attempt < 7 {
                continue
            } catch {
                throw Self.status(error, info, name)
            }
        }
        throw APIErrors.conflict(info, name)
    }

    /// Side effects of an object being gone from storage.
    func didDelete(_ info: ResourceInfo, _ obj: JSONValue) async {
        switch info.builtinKind ?? "" {
        case "Service": await allocator.release(obj, store: store)
        case "Namespace":
            let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
            namespaceCache.remove(name)
            await deleteNamespaceContents(name)
        default: break
        }
    }

    /// Removes whatever is left of a deleted namespace. The namespace
    /// controller empties namespaces before their finalizer goes; this catches
    /// namespaces deleted without it (created before it existed, or finalized by hand).
    func deleteNamespaceContents(_ ns: String) async {
        // Each stored object once: a version kept in another's storage holds the same objects.
        for info in resources.snapshot.resources.stored where info.namespaced && info.kind != "Binding" {
            guard let page = try? await store.list(prefix: info.prefix(namespace: ns), startAfter: nil, limit: 0, revision: 0) else { continue }
            for item in page.items {
                guard let (_, last) = try? await store.delete(key: item.key, expectedRevision: nil) else { continue }
                if info.builtinKind == "Service", let obj = try? JSONParser.parse(last.value) { await allocator.release(obj, store: store) }
            }
        }
    }
}
