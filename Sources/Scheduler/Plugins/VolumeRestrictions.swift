/// A claim with the `ReadWriteOncePod` access mode serves one pod in the
/// whole cluster: while another (non-terminated) pod uses it, the pod fits
/// no node. The count is made once per attempt (``CycleState/readWriteOncePodConflict``).
/// Upstream's in-tree disk conflicts (GCE PD, EBS, RBD, iSCSI inline volumes) are not checked.
public struct VolumeRestrictionsPlugin: FilterPlugin {
    public let name = "VolumeRestrictions"
    public static let readWriteOncePodReason = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
    public init() {}

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        state.readWriteOncePodConflict ? FilterFailure(Self.readWriteOncePodReason) : nil
    }

    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool { !state.readWriteOncePodConflict }
}
