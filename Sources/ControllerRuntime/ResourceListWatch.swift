public import KubeAPI

/// The ``ListWatchClient`` of one resource known at run time: an ``Informer``
/// of ``PartialObjectMetadata`` over it lists and watches `resource` through
/// `base`, whatever the informer's type says of its own resource.
public struct ResourceListWatch: ListWatchClient {
    public let resource: ResourceInfo
    let base: any ClusterClient

    public init(resource: ResourceInfo, base: any ClusterClient) {
        self.resource = resource
        self.base = base
    }

    public func listObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                                           keepUnknownFields: Bool) async throws(KubeClientError) -> ObjectList<T> {
        try await base.listObjects(resource, as: type, namespace: namespace, options: options)
    }

    public func watchObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions, from resourceVersion: String,
                                            keepUnknownFields: Bool) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        base.watchObjects(resource, as: type, namespace: namespace, options: options, from: resourceVersion)
    }
}
