public import KubeAPI

/// The built-in local-path provisioner (k3s's `rancher.io/local-path`, in
/// the external-provisioner's role): a claim with a selected node gets a
/// hostPath volume `ROOT/pvc-UID_NAMESPACE_NAME` on that node. The kubelet
/// there makes the directory on first mount and removes it when the volume
/// is deleted (docs/storage.md).
public struct LocalPathProvisioner: Sendable {
    /// Where the volumes' directories live on every node (`--local-path-root`).
    public var root: String

    public init(root: String) { self.root = root }

    /// Why provisioning failed, as the `ProvisioningFailed` event says.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The volume for `claim` of `storageClass` on `node`.
    public func volume(for claim: PersistentVolumeClaim, storageClass: StorageClass, node: String?) throws(Failure) -> PersistentVolume {
        guard let node, !node.isEmpty else {
            throw Failure(description: "configuration error, no node was specified")
        }
        let modes = claim.spec?.accessModes ?? []
        if modes.contains(where: { $0 != "ReadWriteOnce" && $0 != "ReadWriteOncePod" }) {
            throw Failure(description: "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes")
        }
        if claim.spec?.volumeMode == "Block" {
            throw Failure(description: "\(StorageNames.localPathProvisioner) does not support volumeMode Block: it makes directories")
        }
        if claim.spec?.dataSource != nil || claim.spec?.dataSourceRef != nil {
            throw Failure(description: "\(StorageNames.localPathProvisioner) does not support dataSource: it cannot clone or restore a volume")
        }
        let uid = claim.metadata.uid ?? ""
        var meta = ObjectMeta()
        meta.name = "pvc-\(uid)"
        meta.annotations = [StorageNames.provisionedBy: StorageNames.localPathProvisioner]
        let policy = storageClass.reclaimPolicy ?? "Delete"
        if policy == "Delete" { meta.finalizers = [StorageNames.provisionerFinalizer] }
        var spec = PersistentVolumeSpec()
        spec.accessModes = modes
        spec.capacity = ["storage": claim.spec?.resources?.requests?["storage"] ?? "0"]
        spec.claimRef = VolumeBindingPlan.claimRef(to: claim)
        spec.persistentVolumeReclaimPolicy = policy
        spec.storageClassName = storageClass.name
        spec.mountOptions = storageClass.mountOptions
        spec.volumeMode = "Filesystem"
        spec.hostPath = HostPathVolumeSource(path: "\(root)/pvc-\(uid)_\(claim.namespace)_\(claim.name)", type: "DirectoryOrCreate")
        spec.nodeAffinity = VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: [
            { var t = NodeSelectorTerm(); t.matchExpressions = [NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: [node])]; return t }(),
        ]))
        return PersistentVolume(metadata: meta, spec: spec)
    }
}
