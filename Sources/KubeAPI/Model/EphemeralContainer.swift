/// A container added to a running pod for debugging (core/v1
/// `EphemeralContainer`), through the pod's `ephemeralcontainers`
/// subresource. It has a container's fields (upstream's
/// `EphemeralContainerCommon`; ports, probes, lifecycle and resources are
/// refused by validation) and may name a regular or init container whose
/// process namespace it joins. Ephemeral containers are never restarted,
/// changed or removed.
///
/// In JSON the container's fields and `targetContainerName` sit side by side:
///
/// ```swift
/// let ec = EphemeralContainer(Container(name: "debugger", image: "busybox:1.35"), targetContainerName: "app")
/// KubeCodec.encode(ec) // {"name":"debugger","image":"busybox:1.35","targetContainerName":"app"}
/// ```
public struct EphemeralContainer: Sendable, Hashable, Codable {
    /// The container's fields.
    public var container: Container
    /// The container (regular or init) whose namespaces, the process
    /// namespace above all, this one joins. Nil: the pod's namespaces.
    public var targetContainerName: String?

    public init(_ container: Container, targetContainerName: String? = nil) {
        self.container = container
        self.targetContainerName = targetContainerName
    }

    /// The container's name, unique among all containers of the pod.
    public var name: String? {
        get { container.name }
        set { container.name = newValue }
    }

    /// The container's image.
    public var image: String? {
        get { container.image }
        set { container.image = newValue }
    }

    private enum CodingKeys: String, CodingKey {
        case targetContainerName
    }

    public init(from decoder: any Decoder) throws {
        container = try Container(from: decoder)
        targetContainerName = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .targetContainerName)
    }

    public func encode(to encoder: any Encoder) throws {
        try container.encode(to: encoder)
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encodeIfPresent(targetContainerName, forKey: .targetContainerName)
    }
}

extension PodSpec {
    /// Every container of the pod: init, regular and ephemeral, in that order.
    public var allContainers: [Container] {
        (initContainers ?? []) + containers + (ephemeralContainers ?? []).map(\.container)
    }

    /// The field path of the list that holds container `name`
    /// (`spec.initContainers`, `spec.containers` or `spec.ephemeralContainers`),
    /// as events' `involvedObject.fieldPath` names it; nil for an unknown name.
    public func listName(ofContainer name: String) -> String? {
        if (initContainers ?? []).contains(where: { $0.name == name }) { return "spec.initContainers" }
        if containers.contains(where: { $0.name == name }) { return "spec.containers" }
        if (ephemeralContainers ?? []).contains(where: { $0.name == name }) { return "spec.ephemeralContainers" }
        return nil
    }
}
