import Crypto
import Foundation

/// Upstream's annotation and finalizer names the storage controllers,
/// the scheduler and the kubelet agree on (see docs/storage.md).
public enum StorageNames {
    public static let bindCompleted = "pv.kubernetes.io/bind-completed"
    public static let boundByController = "pv.kubernetes.io/bound-by-controller"
    public static let provisionedBy = "pv.kubernetes.io/provisioned-by"
    public static let selectedNode = "volume.kubernetes.io/selected-node"
    public static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"
    public static let betaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
    public static let provisionerFinalizer = "external-provisioner.volume.kubernetes.io/finalizer"
    public static let claimProtection = "kubernetes.io/pvc-protection"
    public static let volumeProtection = "kubernetes.io/pv-protection"
    /// The provisioner name of the built-in local-path provisioner (k3s's).
    public static let localPathProvisioner = "rancher.io/local-path"
    /// The provisioner name of classes whose volumes are only ever made by hand.
    public static let noProvisioner = "kubernetes.io/no-provisioner"
    /// The class annotation of claims and volumes older than `storageClassName` (it wins when set).
    public static let betaStorageClass = "volume.beta.kubernetes.io/storage-class"
    /// The default class the control plane creates.
    public static let localPathClass = "local-path"

    /// Upstream's VolumeAttachment name for a CSI volume on a node:
    /// `csi-<sha256(handle + driver + node)>`.
    public static func attachmentName(volumeHandle: String, driver: String, node: String) -> String {
        let digest = SHA256.hash(data: Data((volumeHandle + driver + node).utf8))
        return "csi-" + digest.map { String(format: "%02x", $0) }.joined()
    }
}

extension Pod {
    /// The claims this pod's volumes use (`persistentVolumeClaim` and, named
    /// `POD-VOLUME`, generic `ephemeral` volumes).
    public var claimNames: [String] {
        (spec?.volumes ?? []).compactMap { v in
            if let name = v.persistentVolumeClaim?.claimName { return name }
            if v.ephemeral != nil, let volume = v.name { return "\(metadata.name ?? "")-\(volume)" }
            return nil
        }
    }
}
