public import KubeAPI

/// The API operations the scheduler and the controllers need.
///
/// Two implementations exist: ``KubeClusterClient`` talks HTTPS to any API
/// server (tests, out-of-process use), and the control plane's in-process
/// client calls its registry directly, so the leader does not pay for TLS and
/// JSON on loopback. Errors are ``KubeClientError`` in both, with the API
/// server's `Status` (404, 409, 410, 422, ...).
///
/// It refines ``ListWatchClient``, so an ``Informer`` runs over either; its
/// `list` and `watch` are the informer's `listObjects` and `watchObjects`.
public protocol ClusterClient: ListWatchClient {
    /// Reads one object.
    func get<T: KubeObject>(_ type: T.Type, namespace: String?, name: String) async throws(KubeClientError) -> T
    /// Lists every object (`namespace` nil or "" for all namespaces) matching the selectors in `options`.
    func list<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions) async throws(KubeClientError) -> ObjectList<T>
    /// Changes after `resourceVersion`, resuming across server timeouts. Fails with a
    /// `KubeClientError` whose `isGone` is true when that history is compacted (list again).
    func watch<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                              from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error>
    /// Creates an object in its namespace.
    func create<T: KubeObject>(_ object: T) async throws(KubeClientError) -> T
    /// Replaces an object (compare-and-swap on its resourceVersion) or one of its subresources (`status`, `finalize`).
    func update<T: KubeObject>(_ object: T, subresource: String?) async throws(KubeClientError) -> T
    /// Patches an object or a subresource.
    func patch<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, patchType: PatchType, body: JSONValue,
                              subresource: String?) async throws(KubeClientError) -> T
    /// Deletes an object.
    func delete<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError)
    /// Binds a pod to a node (`pods/NAME/binding`).
    func bind(pod: String, namespace: String, uid: String?, node: String) async throws(KubeClientError)
    /// Lists objects of any served resource as JSON (for the namespace controller).
    func listRaw(_ resource: ResourceInfo, namespace: String?) async throws(KubeClientError) -> [JSONValue]
    /// Deletes an object of any served resource.
    func deleteRaw(_ resource: ResourceInfo, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError)
    /// Reads the `scale` subresource of an object of any resource that has one.
    func getScale(_ resource: ResourceInfo, namespace: String, name: String) async throws(KubeClientError) -> Scale
    /// Replaces the `scale` subresource (its `spec.replicas`; compare-and-swap on its resourceVersion).
    func updateScale(_ resource: ResourceInfo, _ scale: Scale) async throws(KubeClientError) -> Scale
    /// Every resource served now, custom resources included (walk those with
    /// `isStorageVersion` to visit each stored object once).
    func servedResources() async throws(KubeClientError) -> [ResourceInfo]
    /// Every object of a resource known at run time (a custom resource), decoded as `T`
    /// (``PartialObjectMetadata`` for a metadata-only view), and the list's resourceVersion.
    func listObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?,
                                    options: ListOptions) async throws(KubeClientError) -> ObjectList<T>
    /// Patches an object of a resource known at run time (merge or JSON patch: custom resources take no strategic merge).
    func patchRaw(_ resource: ResourceInfo, namespace: String?, name: String, patchType: PatchType, body: JSONValue) async throws(KubeClientError)
    /// Changes to a resource known at run time after `resourceVersion`, decoded as `T`, resuming as ``watch(_:namespace:options:from:)`` does.
    func watchObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?, options: ListOptions,
                                     from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error>
}

extension ClusterClient {
    /// The built-ins, for clients that cannot discover more.
    public func servedResources() async throws(KubeClientError) -> [ResourceInfo] { ResourceCatalog.all }

    /// Clients that serve only typed kinds (test fakes) refuse resources known at run time.
    public func listObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?,
                                           options: ListOptions) async throws(KubeClientError) -> ObjectList<T> {
        throw .transport("this client does not serve \(resource.plural).\(resource.group)")
    }

    public func patchRaw(_ resource: ResourceInfo, namespace: String?, name: String, patchType: PatchType,
                         body: JSONValue) async throws(KubeClientError) {
        throw .transport("this client does not serve \(resource.plural).\(resource.group)")
    }

    public func watchObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?, options: ListOptions,
                                            from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        AsyncThrowingStream { $0.finish(throwing: KubeClientError.transport("this client does not serve \(resource.plural).\(resource.group)")) }
    }

    /// ``list(_:namespace:options:)`` for an ``Informer``.
    public func listObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                                           keepUnknownFields: Bool) async throws(KubeClientError) -> ObjectList<T> {
        try await list(type, namespace: namespace, options: options)
    }

    /// ``watch(_:namespace:options:from:)`` for an ``Informer``.
    public func watchObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions, from resourceVersion: String,
                                            keepUnknownFields: Bool) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        watch(type, namespace: namespace, options: options, from: resourceVersion)
    }

    /// Lists everything of a kind.
    public func list<T: KubeObject>(_ type: T.Type, namespace: String? = nil) async throws(KubeClientError) -> ObjectList<T> {
        try await list(type, namespace: namespace, options: ListOptions())
    }

    /// Patches the main resource.
    public func patch<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, patchType: PatchType,
                                     body: JSONValue) async throws(KubeClientError) -> T {
        try await patch(type, namespace: namespace, name: name, patchType: patchType, body: body, subresource: nil)
    }

    /// Replaces the main resource.
    public func update<T: KubeObject>(_ object: T) async throws(KubeClientError) -> T {
        try await update(object, subresource: nil)
    }

    /// Replaces the status subresource.
    public func updateStatus<T: KubeObject>(_ object: T) async throws(KubeClientError) -> T {
        try await update(object, subresource: "status")
    }

    /// Deletes with default options.
    public func delete<T: KubeObject>(_ type: T.Type, namespace: String?, name: String) async throws(KubeClientError) {
        try await delete(type, namespace: namespace, name: name, options: DeleteOptions())
    }
}

extension KubeClientError {
    /// 409 AlreadyExists (as opposed to a resourceVersion conflict).
    public var isAlreadyExists: Bool {
        if case .status(let s) = self { return s.code == 409 && s.reason == "AlreadyExists" }
        return false
    }

    /// A Status with this HTTP code.
    public static func status(code: Int, reason: String, message: String) -> KubeClientError {
        .status(Status(message: message, reason: reason, code: code))
    }
}
