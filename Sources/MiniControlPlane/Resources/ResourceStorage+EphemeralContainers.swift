import KubeAPI

extension ResourceStorage {
    /// The subresource through which ephemeral containers are added to a
    /// running pod (`pods/NAME/ephemeralcontainers`): GET, PUT and PATCH of
    /// the whole Pod, of which only `spec.ephemeralContainers` is taken.
    static let ephemeralContainersSubresource = "ephemeralcontainers"

    /// What an update through `pods/NAME/ephemeralcontainers` stores: the
    /// stored pod `old` with the proposed pod's `spec.ephemeralContainers`;
    /// every other change of the request is dropped, as upstream's
    /// `dropNonEphemeralContainerUpdates` does. Validation then refuses
    /// removed or changed ephemeral containers.
    static func ephemeralContainersUpdate(_ proposed: JSONValue, old: JSONValue) -> JSONValue {
        var merged = old
        merged.set(path: ["spec", "ephemeralContainers"], to: proposed[path: ["spec", "ephemeralContainers"]])
        return merged
    }
}
