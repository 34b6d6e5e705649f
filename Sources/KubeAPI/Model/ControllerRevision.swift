/// A controller revision (apps/v1): an immutable snapshot of the state a
/// StatefulSet or DaemonSet rolls out (`data`, the patch of its pod
/// template) with its place in the history (`revision`).
public struct ControllerRevision: KubeObject, Hashable {
    public static let apiVersion = "apps/v1"
    public static let kind = "ControllerRevision"
    public static let resource = "controllerrevisions"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// The snapshot, kept as JSON.
    public var data: JSONValue?
    public var revision: Int64
    public init(metadata: ObjectMeta = ObjectMeta(), data: JSONValue? = nil, revision: Int64 = 0) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.data = data
        self.revision = revision
    }
}
