/// An object of any resource known by its metadata only (`meta.k8s.io/v1`
/// PartialObjectMetadata): what watchers of resources discovered at run time
/// (the garbage collector over custom resources) decode objects into. Clients
/// are given the resource to read; this type's own statics name none.
public struct PartialObjectMetadata: KubeObject {
    public static let apiVersion = "meta.k8s.io/v1"
    public static let kind = "PartialObjectMetadata"
    public static let resource = "partialobjectmetadatas"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta = ObjectMeta()) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        self.metadata = metadata
    }
}
