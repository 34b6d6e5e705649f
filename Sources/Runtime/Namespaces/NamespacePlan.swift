/// Which namespaces a container creates and which it joins, in the order the
/// init process applies them.
public struct NamespacePlan: Codable, Sendable, Equatable {
    /// Namespaces joined by path, in ``NamespaceKind/joinOrder``.
    public var join: [Join]
    /// Namespaces created new.
    public var create: Set<NamespaceKind>

    public struct Join: Codable, Sendable, Equatable {
        public var kind: NamespaceKind
        public var path: String
    }

    public init(join: [Join] = [], create: Set<NamespaceKind> = []) {
        self.join = join.sorted { $0.kind < $1.kind }
        self.create = create
    }

    /// Builds the plan from `linux.namespaces`, rejecting unknown and repeated types.
    public init(spec namespaces: [Spec.Namespace]) throws {
        var join: [Join] = []
        var create: Set<NamespaceKind> = []
        var seen: Set<NamespaceKind> = []
        for (i, ns) in namespaces.enumerated() {
            guard let kind = NamespaceKind(rawValue: ns.type) else {
                throw RuntimeError.invalidConfig(
                    field: "linux.namespaces[\(i)].type",
                    reason: "unknown namespace type \"\(ns.type)\"; expected one of \(NamespaceKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard seen.insert(kind).inserted else {
                throw RuntimeError.invalidConfig(field: "linux.namespaces[\(i)].type", reason: "namespace \"\(ns.type)\" is listed twice")
            }
            if let path = ns.path, !path.isEmpty {
                guard path.hasPrefix("/") else {
                    throw RuntimeError.invalidConfig(field: "linux.namespaces[\(i)].path", reason: "\"\(path)\" must be an absolute path")
                }
                join.append(Join(kind: kind, path: path))
            } else {
                create.insert(kind)
            }
        }
        self.init(join: join, create: create)
    }

    /// The plan for `exec`: join every namespace of a running process `pid`
    /// that differs from the runtime's own.
    public static func joiningProcess(_ pid: Int32, kinds: [NamespaceKind]) -> NamespacePlan {
        NamespacePlan(join: kinds.map { Join(kind: $0, path: "/proc/\(pid)/ns/\($0.procName)") })
    }

    /// Whether the container gets its own namespace of `kind` (new or joined).
    public func has(_ kind: NamespaceKind) -> Bool {
        create.contains(kind) || join.contains { $0.kind == kind }
    }

    /// The combined CLONE_NEW* flags of the namespaces to create, user excluded
    /// (the user namespace is unshared first, on its own, so its id maps can be
    /// written before anything else happens).
    public var unshareFlagsAfterUser: Int32 {
        create.filter { $0 != .user }.reduce(0) { $0 | $1.cloneFlag }
    }
}
