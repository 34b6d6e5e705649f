/// A page-free list result: every object and the list's resourceVersion.
public struct ObjectList<T: KubeObject>: Sendable {
    public var items: [T]
    public var resourceVersion: String

    public init(items: [T], resourceVersion: String) {
        self.items = items
        self.resourceVersion = resourceVersion
    }
}

/// The two calls an ``Informer`` makes: list everything, then watch from the
/// list's resourceVersion.
///
/// ``KubeClient`` conforms over HTTPS; ControllerRuntime's `ClusterClient`
/// refines it, so the control plane's in-process client (no TLS, no JSON)
/// and test fakes drive the same informer. A `namespace` of nil or "" means
/// every namespace; cluster-scoped kinds ignore it.
public protocol ListWatchClient: Sendable {
    /// Every object matching the selectors in `options`, all pages, and the
    /// list's resourceVersion. `keepUnknownFields: false` lets a client skip
    /// remembering fields the model does not know, for callers that never
    /// write the objects back whole (clients may keep them anyway).
    func listObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                                    keepUnknownFields: Bool) async throws(KubeClientError) -> ObjectList<T>

    /// Changes after `resourceVersion`, with bookmarks, resuming across server
    /// timeouts and dropped connections. Fails with a ``KubeClientError``
    /// whose `isGone` is true when that history is compacted (410 Gone: list again).
    func watchObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions, from resourceVersion: String,
                                     keepUnknownFields: Bool) -> AsyncThrowingStream<WatchEvent<T>, any Error>
}

extension KubeClient: ListWatchClient {
    public func listObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                                           keepUnknownFields: Bool) async throws(KubeClientError) -> ObjectList<T> {
        let (items, rv) = try await listAll(type, namespace: namespace ?? "", options: options, keepUnknownFields: keepUnknownFields)
        return ObjectList(items: items, resourceVersion: rv)
    }

    public func watchObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions, from resourceVersion: String,
                                            keepUnknownFields: Bool) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        watchResuming(type, namespace: namespace ?? "", from: resourceVersion, options: options, keepUnknownFields: keepUnknownFields)
    }
}
