import KubeAPI

/// The NamespaceLifecycle admission plugin: nothing is created in a
/// namespace that does not exist or is being deleted, nothing is written in
/// a missing one, and the namespaces every cluster relies on (`default`,
/// `kube-system`, `kube-public`, upstream's immortal namespaces) may not be
/// deleted. Messages as upstream's.
struct NamespaceLifecycle: AdmissionPlugin {
    var name: String { "NamespaceLifecycle" }
    static let immortal: Set<String> = ["default", "kube-system", "kube-public"]

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        if a.info.builtinKind == "Namespace" && a.info.group.isEmpty {
            if a.operation == .delete && Self.immortal.contains(a.name) {
                throw a.forbidden("this namespace may not be deleted")
            }
            return
        }
        guard a.info.namespaced, let ns = a.namespace, a.operation != .delete else { return }
        switch try await registry.namespaceState(ns) {
        case .missing: throw APIErrors.notFound(ResourceCatalog.info(for: Namespace.self), ns)
        case .terminating where a.operation == .create:
            var s = a.forbidden("unable to create new content in namespace \(ns) because it is being terminated")
            s.details?.causes = [StatusCause(reason: "NamespaceTerminating", message: "namespace \(ns) is being terminated",
                                             field: "metadata.namespace")]
            throw s
        default: return
        }
    }
}
