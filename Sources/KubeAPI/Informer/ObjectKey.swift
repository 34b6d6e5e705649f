/// The `namespace/name` key of an object (`name` for cluster-scoped ones):
/// how informers key their caches and controllers their work queues.
public func objectKey<T: KubeObject>(_ o: T) -> String {
    let ns = o.metadata.namespace ?? ""
    return ns.isEmpty ? (o.metadata.name ?? "") : "\(ns)/\(o.metadata.name ?? "")"
}

/// Splits a key made by ``objectKey(_:)``.
public func splitKey(_ key: String) -> (namespace: String?, name: String) {
    guard let slash = key.firstIndex(of: "/") else { return (nil, key) }
    return (String(key[..<slash]), String(key[key.index(after: slash)...]))
}
