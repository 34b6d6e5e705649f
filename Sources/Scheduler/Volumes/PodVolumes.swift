public import KubeAPI

/// A claim to be bound to a chosen static volume.
public struct StaticBinding: Sendable, Hashable {
    public var claim: PersistentVolumeClaim
    public var volume: PersistentVolume
    public init(claim: PersistentVolumeClaim, volume: PersistentVolume) {
        self.claim = claim
        self.volume = volume
    }
}

/// What binding a pod's unbound WaitForFirstConsumer claims on one node
/// takes (upstream's PodVolumes): static volumes to bind, claims to provision.
public struct PodVolumes: Sendable, Hashable {
    public var staticBindings: [StaticBinding] = []
    public var provisions: [PersistentVolumeClaim] = []
    public init() {}
    public var isEmpty: Bool { staticBindings.isEmpty && provisions.isEmpty }
}
