/// Fields an apply would change that other managers own: the apply is
/// refused (409) unless forced.
public struct ApplyConflicts: Error, Sendable {
    /// One conflicting field and its owner.
    public struct Conflict: Sendable, Hashable {
        public let manager: ManagedFieldsEntry
        public let path: FieldPath
    }

    public let conflicts: [Conflict]

    /// kube-apiserver's message: `Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas`.
    public var message: String {
        if conflicts.count == 1, let c = conflicts.first {
            return "Apply failed with 1 conflict: conflict with \(c.manager.conflictName): \(c.path.pathDescription)"
        }
        var byManager: [String: [FieldPath]] = [:]
        for c in conflicts { byManager[c.manager.conflictName, default: []].append(c.path) }
        var lines: [String] = []
        for m in byManager.keys.sorted() {
            lines.append("conflicts with \(m):")
            for p in byManager[m] ?? [] { lines.append("- \(p.pathDescription)") }
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }

    /// The `details.causes` of the 409 Status, one per field (type `FieldManagerConflict`).
    public var causes: [StatusCause] {
        conflicts.map { StatusCause(reason: "FieldManagerConflict", message: "conflict with \($0.manager.conflictName)", field: $0.path.pathDescription) }
    }
}
