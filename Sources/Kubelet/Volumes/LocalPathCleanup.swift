public import KubeAPI

/// The node half of the built-in local-path provisioner (docs/storage.md):
/// which deleted PersistentVolumes are this node's to clean up. A pure
/// decision, tested on its own; ``LocalPathCleaner`` acts on it.
public enum LocalPathCleanup {
    static let finalizer = StorageNames.provisionerFinalizer
    static let hostnameLabel = "kubernetes.io/hostname"

    /// What to do about a PersistentVolume.
    public enum Decision: Equatable, Sendable {
        /// Remove this directory tree, then the finalizer.
        case removeDirectory(String)
        /// Not a deleted local-path volume of this node: nothing to do.
        case notOurs
        /// A deleted local-path volume of this node whose path this kubelet
        /// will not remove (the finalizer stays; a warning says why).
        case refuse(String)
    }

    /// Decides about `pv` for node `nodeName`: ours when it is being deleted,
    /// was provisioned by local-path, still has the provisioner's finalizer,
    /// has reclaim policy Delete and node affinity naming this node; its
    /// hostPath is removed only when it is an absolute path without `..`
    /// whose last element starts with `pvc-`.
    public static func decide(_ pv: PersistentVolume, nodeName: String) -> Decision {
        guard pv.metadata.deletionTimestamp != nil,
              pv.metadata.annotations?[StorageNames.provisionedBy] == StorageNames.localPathProvisioner,
              pv.metadata.finalizers?.contains(finalizer) == true,
              pv.spec?.persistentVolumeReclaimPolicy == "Delete",
              affinityNames(pv, node: nodeName)
        else { return .notOurs }
        guard let path = pv.spec?.hostPath?.path else {
            return .refuse("persistentvolume \"\(pv.metadata.name ?? "")\" has no hostPath to remove")
        }
        let elements = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasPrefix("/"), !elements.contains(".."), !elements.contains("."),
              let last = elements.last(where: { !$0.isEmpty }), last.hasPrefix("pvc-"), elements.count > 2 else {
            return .refuse("refusing to remove \(path): a local-path volume's directory is an absolute path whose last element starts with \"pvc-\"")
        }
        return .removeDirectory(path)
    }

    /// Whether the PV's required node affinity has a term `kubernetes.io/hostname In [… node …]`.
    public static func affinityNames(_ pv: PersistentVolume, node: String) -> Bool {
        (pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []).contains { term in
            (term.matchExpressions ?? []).contains { $0.key == hostnameLabel && $0.operator == "In" && ($0.values ?? []).contains(node) }
        }
    }

    /// A JSON patch that removes the finalizer at its index, after testing
    /// that it is still there (a concurrent change fails the patch; the
    /// cleaner then tries again on the newer object). Nil when it is gone.
    public static func finalizerRemoval(_ pv: PersistentVolume) -> JSONValue? {
        guard let index = pv.metadata.finalizers?.firstIndex(of: finalizer) else { return nil }
        let path = JSONValue.string("/metadata/finalizers/\(index)")
        return .array([
            .object(["op": "test", "path": path, "value": .string(finalizer)]),
            .object(["op": "remove", "path": path]),
        ])
    }
}
