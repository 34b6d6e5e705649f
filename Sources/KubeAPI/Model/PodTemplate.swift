/// A stored pod template (core/v1 `PodTemplate`), for tools that keep
/// templates apart from the workloads that use them.
public struct PodTemplate: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "PodTemplate"
    public static let resource = "podtemplates"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var template: PodTemplateSpec?
    public init(metadata: ObjectMeta = ObjectMeta(), template: PodTemplateSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.template = template
    }
}
