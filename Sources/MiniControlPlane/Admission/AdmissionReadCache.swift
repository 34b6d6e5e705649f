import KubeAPI
import Synchronization

/// What admission plugins read on every write (a namespace's LimitRanges,
/// whether it has ResourceQuotas, its labels), trusted for a second as
/// upstream's plugins trust their informers; a write of such an object
/// through this server forgets it at once, so a quota or range takes effect
/// for the next request. Quota charging itself always reads the quotas fresh.
final class AdmissionReadCache: Sendable {
    private let entries = Mutex<[String: ([JSONValue], ContinuousClock.Instant)]>([:])
    static let ttl: Duration = .seconds(1)
    /// The resources cached, by group and resource (writes of others forget nothing).
    static let cachedResources: Set<String> = Set(["limitranges", "resourcequotas", "namespaces"]).union(wholeLists)
    /// Cluster-scoped resources cached as one list (the webhook configurations, the policies and their bindings; the APIServices, for routing).
    static let wholeLists: Set<String> = ["validatingwebhookconfigurations.admissionregistration.k8s.io",
                                          "mutatingwebhookconfigurations.admissionregistration.k8s.io",
                                          "validatingadmissionpolicies.admissionregistration.k8s.io",
                                          "validatingadmissionpolicybindings.admissionregistration.k8s.io",
                                          "apiservices.apiregistration.k8s.io"]

    /// `limitranges/NS` for a namespace's objects, `namespaces/NAME` for a namespace, `RESOURCE/` for a whole list.
    static func key(_ info: ResourceInfo, namespace: String?, name: String) -> String {
        if wholeLists.contains(info.groupResource) { return "\(info.groupResource)/" }
        return "\(info.plural)/\(info.namespaced ? namespace ?? "" : name)"
    }

    func get(_ key: String) -> [JSONValue]? {
        entries.withLock { e in
            guard let (objects, at) = e[key], ContinuousClock.now - at < Self.ttl else { return nil }
            return objects
        }
    }

    func set(_ key: String, _ objects: [JSONValue]) { entries.withLock { $0[key] = (objects, ContinuousClock.now) } }

    /// Forgets what a write of this object may have changed.
    func forget(_ info: ResourceInfo, namespace: String?, name: String) {
        guard info.isBuiltin, Self.cachedResources.contains(info.groupResource) else { return }
        _ = entries.withLock { $0.removeValue(forKey: Self.key(info, namespace: namespace, name: name)) }
    }
}

extension ResourceStorage {
    /// The objects of a namespaced resource in a namespace, or of a cluster-scoped one
    /// (`ns` nil), for admission (cached briefly).
    func admissionList(_ info: ResourceInfo, _ ns: String?) async throws(Status) -> [JSONValue] {
        let key = AdmissionReadCache.key(info, namespace: ns, name: "")
        if let cached = admissionReads.get(key) { return cached }
        var out: [JSONValue] = []
        for item in try await list(info, ns, ListQuery()).items { out.append(try decode(item, info)) }
        admissionReads.set(key, out)
        return out
    }

    /// A namespace, for admission (cached briefly); nil when missing.
    func admissionNamespace(_ name: String) async throws(Status) -> JSONValue? {
        let info = ResourceCatalog.info(for: Namespace.self)
        let key = AdmissionReadCache.key(info, namespace: nil, name: name)
        if let cached = admissionReads.get(key) { return cached.first }
        let found: [JSONValue]
        do {
            found = [try await get(info, nil, name)]
        } catch where error.code == 404 {
            found = []
        }
        admissionReads.set(key, found)
        return found.first
    }
}
