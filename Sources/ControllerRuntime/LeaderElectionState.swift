public import Foundation
public import KubeAPI

/// The decisions of Lease-based leader election, as client-go makes them,
/// as a value type with the time passed in (monotonic seconds), so they are
/// unit-tested without waiting.
///
/// A lease held by someone else is taken over only after its record has not
/// changed for `leaseDurationSeconds` of *our* clock: the holder's renewTime
/// is never compared with our wall clock, so clock skew between machines does
/// not matter.
public struct LeaderElectionState: Sendable, Equatable {
    /// Our identity (`holderIdentity` when we lead).
    public let identity: String
    /// Lease duration used when the record has none.
    public let leaseDurationSeconds: Int
    /// The last record seen.
    public private(set) var observed: LeaseSpec?
    /// When (our monotonic seconds) the record last changed.
    public private(set) var observedAt: Double = 0

    public init(identity: String, leaseDurationSeconds: Int) {
        self.identity = identity
        self.leaseDurationSeconds = leaseDurationSeconds
    }

    /// Records what the lease says now.
    public mutating func observe(_ spec: LeaseSpec?, at now: Double) {
        let key = spec.map { ($0.holderIdentity, $0.renewTime, $0.leaseTransitions, $0.acquireTime) }
        let old = observed.map { ($0.holderIdentity, $0.renewTime, $0.leaseTransitions, $0.acquireTime) }
        if observed == nil || key == nil || key! != old! {
            observed = spec
            observedAt = now
        }
    }

    /// The holder of the last record seen ("" when free).
    public var holder: String { observed?.holderIdentity ?? "" }

    /// Whether we hold the lease according to the last record seen.
    public var isLeader: Bool { holder == identity }

    /// Whether we may write ourselves into the lease now.
    public func canAcquire(at now: Double) -> Bool {
        guard let o = observed else { return true }
        let h = o.holderIdentity ?? ""
        if h.isEmpty || h == identity { return true }
        let duration = Double(o.leaseDurationSeconds ?? leaseDurationSeconds)
        return now >= observedAt + duration
    }

    /// The record to write when acquiring or renewing at wall time `date`.
    public func nextRecord(at date: Date) -> LeaseSpec {
        var spec = LeaseSpec(holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds)
        let stamp = Timestamp(date, precision: .micro)
        spec.renewTime = stamp
        if let o = observed, (o.holderIdentity ?? "") == identity {
            spec.acquireTime = o.acquireTime ?? stamp
            spec.leaseTransitions = o.leaseTransitions ?? 0
        } else {
            spec.acquireTime = stamp
            spec.leaseTransitions = (observed?.leaseTransitions ?? -1) + 1
        }
        return spec
    }

    /// The record that gives the lease up (client-go's ReleaseOnCancel).
    public func releaseRecord(at date: Date) -> LeaseSpec {
        var spec = LeaseSpec(holderIdentity: "", leaseDurationSeconds: 1)
        let stamp = Timestamp(date, precision: .micro)
        spec.renewTime = stamp
        spec.acquireTime = stamp
        spec.leaseTransitions = observed?.leaseTransitions ?? 0
        return spec
    }
}
