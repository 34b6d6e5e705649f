import Synchronization

/// A set of served resources and the lookups over it: the built-in catalog
/// (``ResourceCatalog/builtins``), or a registry's snapshot with custom resources added.
public struct ResourceSet: Sendable {
    /// Every entry, in discovery order: the built-ins, then custom resources by group.
    public let all: [ResourceInfo]
    /// API groups other than core, in discovery order.
    public let groups: [String]

    public init(_ all: [ResourceInfo], groups: [String]) {
        self.all = all
        self.groups = groups
    }

    /// A resource by group and plural name, in the group's preferred version.
    public func find(group: String, plural: String) -> ResourceInfo? {
        all.first { $0.group == group && $0.plural == plural }
    }

    /// A resource by group, version and plural name.
    public func find(group: String, version: String, plural: String) -> ResourceInfo? {
        all.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// A resource by apiVersion and kind.
    public func find(apiVersion: String, kind: String) -> ResourceInfo? {
        all.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// The versions a group is served in, the preferred (storage) one first.
    public func versions(group: String) -> [String] {
        var out: [String] = []
        for r in all where r.group == group && !out.contains(r.version) { out.append(r.version) }
        return out
    }

    /// Resources of one group-version.
    public func resources(group: String, version: String) -> [ResourceInfo] {
        all.filter { $0.group == group && $0.version == version }
    }

    /// The served resource of `kind` with a `scale` subresource, in `apiVersion` when that is served, else in any
    /// version of its group (or of any group when `apiVersion` is nil): what an autoscaler's target or a pod's owner names.
    public func scalable(kind: String, apiVersion: String?) -> ResourceInfo? {
        let group = apiVersion.map { $0.contains("/") ? String($0.split(separator: "/")[0]) : "" }
        let candidates = all.filter { $0.kind == kind && $0.subresources.contains("scale") }
        return candidates.first { $0.apiVersion == apiVersion } ?? candidates.first { r in group.map { r.group == $0 } ?? true }
    }

    /// One entry per stored resource (its storage version): what namespace deletion and garbage collection walk.
    public var stored: [ResourceInfo] { all.filter(\.isStorageVersion) }
}

/// The resources one API server serves: the built-in catalog, and the custom
/// resources of its established CustomResourceDefinitions, which come and go
/// at run time. Each control plane has its own (tests run several in one
/// process). Readers take a ``snapshot`` per request: replacing the custom
/// resources is one swap, and a request resolved on the old set finishes on it.
public final class ResourceRegistry: Sendable {
    /// The served set at one moment, and how many times it changed before.
    public struct Snapshot: Sendable {
        public let generation: UInt64
        public let resources: ResourceSet
    }

    private let state: Mutex<Snapshot>

    public init() {
        state = Mutex(Snapshot(generation: 0, resources: ResourceCatalog.builtins))
    }

    /// The served resources now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Serves exactly `custom` besides the built-ins (entries whose group-version-resource a built-in serves are left out).
    public func replaceCustomResources(_ custom: [ResourceInfo]) {
        let builtins = ResourceCatalog.builtins
        // By group, then the group's versions in upstream's order of preference (v2, v1, v1beta2, v1beta1, v1alpha1, then others by name).
        let added = custom.filter { builtins.find(group: $0.group, version: $0.version, plural: $0.plural) == nil }
            .sorted { a, b in a.group != b.group ? a.group < b.group : KubeVersion.precedes(a.version, b.version) }
        var groups = builtins.groups
        for g in added.map(\.group).sorted() where !groups.contains(g) { groups.append(g) }
        let set = ResourceSet(builtins.all + added, groups: groups)
        state.withLock { $0 = Snapshot(generation: $0.generation + 1, resources: set) }
    }
}

/// Upstream's order of Kubernetes-like version strings (`version.CompareKubeAwareVersionStrings`).
public enum KubeVersion {
    /// `v1` → (1, 2, 0); `v1beta2` → (1, 1, 2); `v2alpha1` → (2, 0, 1); nil when not Kubernetes-like.
    static func parse(_ v: String) -> (major: Int, stability: Int, minor: Int)? {
        guard v.hasPrefix("v") else { return nil }
        let rest = v.dropFirst()
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.first != "0", let major = Int(digits) else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.isEmpty { return (major, 2, 0) }
        for (word, stability) in [("alpha", 0), ("beta", 1)] where tail.hasPrefix(word) {
            let n = tail.dropFirst(word.count)
            guard !n.isEmpty, n.first != "0", n.allSatisfy({ $0.isASCII && $0.isNumber }), let minor = Int(n) else { return nil }
            return (major, stability, minor)
        }
        return nil
    }

    /// Whether `a` is preferred to `b`: Kubernetes-like versions first (GA, then beta, then alpha; higher numbers first), the others by name.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        switch (parse(a), parse(b)) {
        case let (x?, y?):
            if x.stability != y.stability { return x.stability > y.stability }
            if x.major != y.major { return x.major > y.major }
            return x.minor > y.minor
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }
}
