/// Field ownership for one resource type, as kube-apiserver's field manager
/// keeps it in `metadata.managedFields`: every write records what its
/// manager set (`Update`), and server-side apply merges a partial
/// configuration, removes what the manager stopped applying, and refuses
/// to change fields other managers own unless forced (`Apply`).
public struct FieldManager: Sendable {
    public let schema: PatchSchema
    public let apiVersion: String
    /// Whether `status` is written through its own subresource (then the
    /// main resource's managers do not own it, and status writes own only it).
    public let statusSubresource: Bool

    /// The manager that owns the fields of objects written before fields were tracked.
    public static let beforeFirstApply = "before-first-apply"
    /// The annotation client-side `kubectl apply` keeps.
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    public init(kind: String, apiVersion: String, statusSubresource: Bool) {
        self.init(schema: PatchSchema.forKind(kind), apiVersion: apiVersion, statusSubresource: statusSubresource)
    }

    /// The field manager of a resource merged by `schema` (a custom resource's, from its structural schema).
    public init(schema: PatchSchema, apiVersion: String, statusSubresource: Bool) {
        self.schema = schema
        self.apiVersion = apiVersion
        self.statusSubresource = statusSubresource
    }

    /// Metadata the server sets, never owned by a manager (upstream's stripped fields).
    static let serverMetadata = ["name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "managedFields",
                                 "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"]

    /// The part of an object whose fields a write through `subresource` may own.
    func tracked(_ object: JSONValue, subresource: String?) -> JSONValue {
        guard case .object(var o) = object else { return .emptyObject }
        o["apiVersion"] = nil
        o["kind"] = nil
        if var meta = o["metadata"]?.objectValue {
            for k in Self.serverMetadata { meta[k] = nil }
            o["metadata"] = meta.isEmpty ? nil : .object(meta)
        }
        if statusSubresource {
            if subresource == "status" { return .object(["status": o["status"]].compactMapValues { $0 }) }
            o["status"] = nil
        }
        return .object(o)
    }

    // MARK: updates

    /// Records a create, update or non-apply patch by `manager`: it owns what
    /// it changed, and other managers lose what it changed or removed.
    /// `new.metadata.managedFields` is replaced by the result; a request that
    /// itself changed `managedFields` (as kubectl does to migrate from
    /// client-side apply) has its entries taken as the starting point, and
    /// `[{}]` resets them.
    public func update(old: JSONValue?, new: inout JSONValue, manager: String, subresource: String?, now: String) throws(FieldSetError) {
        var entries = try baseEntries(old: old, new: new)
        let c = FieldSetWalker.compare(old.map { tracked($0, subresource: subresource) }, tracked(new, subresource: subresource), schema: schema)
        let me = ManagedFieldsEntry(manager: manager, operation: "Update", apiVersion: apiVersion, time: now, subresource: subresource, fields: FieldSet())
        var mine = me
        for (i, e) in entries.enumerated().reversed() {
            if e.sameManager(as: me) {
                mine = e
                entries.remove(at: i)
                continue
            }
            var e = e
            e.fields = e.fields.subtracting(c.changed).subtracting(c.removed)
            if e.fields.isEmpty { entries.remove(at: i) } else { entries[i] = e }
        }
        let fields = mine.fields.subtracting(c.removed).union(c.changed)
        if fields != mine.fields || mine.apiVersion != apiVersion {
            mine.time = now
            mine.apiVersion = apiVersion
        }
        mine.fields = fields
        if !fields.isEmpty { entries.append(mine) }
        Self.set(ManagerCap.capped(entries), on: &new)
    }

    /// The entries a write starts from: the old object's, or the request's
    /// own when it changed them.
    func baseEntries(old: JSONValue?, new: JSONValue) throws(FieldSetError) -> [ManagedFieldsEntry] {
        let requested = new[path: ["metadata", "managedFields"]]
        let previous = old?[path: ["metadata", "managedFields"]]
        if let requested, requested != previous, let items = requested.arrayValue, !items.isEmpty {
            if items.count == 1, items[0] == .emptyObject { return [] }
            return try ManagedFieldsEntry.entries(of: new)
        }
        return try old.map { o throws(FieldSetError) in try ManagedFieldsEntry.entries(of: o) } ?? []
    }

    static func set(_ entries: [ManagedFieldsEntry], on object: inout JSONValue) {
        object.set(path: ["metadata", "managedFields"], to: entries.isEmpty ? nil : .array(entries.map(\.json)))
    }

    // MARK: apply

    /// Server-side apply of `config` by `manager` to `live` (nil when the
    /// object does not exist yet). Returns the merged object with its new
    /// `managedFields`; throws the conflicts when other managers own fields
    /// the configuration would change and `force` is false. Conflicts on
    /// fields of the client-side apply annotation are allowed, so moving
    /// from `kubectl apply` to `kubectl apply --server-side` needs no force.
    public func apply(live: JSONValue?, config: JSONValue, manager: String, force: Bool, subresource: String?,
                      now: String) throws(ApplyError) -> JSONValue {
        var entries: [ManagedFieldsEntry]
        do {
            entries = try live.map { o throws(FieldSetError) in try ManagedFieldsEntry.entries(of: o) } ?? []
        } catch {
            throw .invalid(error.message)
        }
        let liveTracked = live.map { tracked($0, subresource: subresource) }
        if let liveTracked, entries.isEmpty {
            let all = FieldSetWalker.fieldSet(liveTracked, schema: schema)
            if !all.isEmpty {
                entries.append(ManagedFieldsEntry(manager: Self.beforeFirstApply, operation: "Update", apiVersion: apiVersion,
                                                  time: now, subresource: nil, fields: all))
            }
        }
        let configTracked = tracked(config, subresource: subresource)
        let applied = FieldSetWalker.fieldSet(configTracked, schema: schema)
        let me = ManagedFieldsEntry(manager: manager, operation: "Apply", apiVersion: apiVersion, time: now, subresource: subresource, fields: applied)
        let previous = entries.first { $0.sameManager(as: me) }?.fields ?? FieldSet()
        let others = entries.filter { !$0.sameManager(as: me) }

        // Merge the configuration, then drop what this manager no longer applies.
        var merged = ApplyMerge.merge(live, configTracked, schema: schema)
        let stale = previous.subtracting(applied)
        if !stale.isEmpty {
            let keep = others.reduce(applied) { $0.union($1.fields) }
            merged = ApplyMerge.removing(stale, from: merged, keep: keep, schema: schema)
        }
        for k in ["apiVersion", "kind"] { merged[k] = config[k] ?? live?[k] }
        if live == nil {
            for k in ["name", "namespace"] { merged.set(path: ["metadata", k], to: config[path: ["metadata", k]]) }
        }

        let change = FieldSetWalker.compare(liveTracked ?? .emptyObject, tracked(merged, subresource: subresource), schema: schema)
        var conflicts: [ApplyConflicts.Conflict] = []
        let allowed = lastAppliedFields(live)
        for e in others {
            for p in e.fields.intersection(change.changed).paths where !(allowed?.contains(p) ?? false) {
                conflicts.append(.init(manager: e, path: p))
            }
        }
        if !conflicts.isEmpty, !force { throw .conflicts(ApplyConflicts(conflicts: conflicts)) }

        var out: [ManagedFieldsEntry] = []
        for var e in entries {
            if e.sameManager(as: me) { continue }
            e.fields = e.fields.subtracting(change.changed).subtracting(change.removed)
            if !e.fields.isEmpty { out.append(e) }
        }
        var mine = me
        if let old = entries.first(where: { $0.sameManager(as: me) }), old.fields == applied, old.apiVersion == apiVersion {
            mine.time = old.time
        }
        // A manager that applies nothing owns nothing: its entry goes, as upstream drops empty managers.
        if !applied.isEmpty {
            let index = entries.firstIndex { $0.sameManager(as: me) }
            if let index, index <= out.count { out.insert(mine, at: index) } else { out.append(mine) }
        }
        if live?[path: ["metadata", "annotations", Self.lastAppliedAnnotation]] != nil {
            // Keep client-side apply's record in step, so going back to it works.
            var record = config
            record.set(path: ["metadata", "annotations", Self.lastAppliedAnnotation], to: nil)
            if record[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == true { record.set(path: ["metadata", "annotations"], to: nil) }
            merged.set(path: ["metadata", "annotations", Self.lastAppliedAnnotation], to: .string(JSONWriter.string(record) + "\n"))
        }
        Self.set(ManagerCap.capped(out), on: &merged)
        return merged
    }

    /// The fields of the client-side apply annotation, whose conflicts an
    /// apply may take over (upstream's last-applied manager).
    func lastAppliedFields(_ live: JSONValue?) -> FieldSet? {
        guard let s = live?[path: ["metadata", "annotations", Self.lastAppliedAnnotation]]?.stringValue,
              let v = try? JSONParser.parse(Array(s.utf8)) else { return nil }
        return FieldSetWalker.fieldSet(tracked(v, subresource: nil), schema: schema)
    }
}

/// Why an apply was refused.
public enum ApplyError: Error, Sendable {
    case conflicts(ApplyConflicts)
    /// The live object's managedFields could not be read.
    case invalid(String)
}
