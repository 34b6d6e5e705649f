/// Hands out load-balancer addresses from pools, as a value: which Service
/// holds each address, and the rules for a new request (upstream's
/// `loadBalancerIP` honoured when it lies in a pool and is free; otherwise
/// the lowest free address of each family the Service uses).
public struct LoadBalancerAllocator: Sendable, Equatable {
    public let pools: [AddressPool]
    /// Address → the Service (`namespace/name`) holding it.
    public private(set) var holders: [PoolAddress: String] = [:]

    /// Why a Service got no address.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case notInPool(String, pools: [AddressPool])
        case taken(String, by: String)
        case exhausted(family: String)
        case noPool(families: [String])

        public var description: String {
            switch self {
            case .notInPool(let ip, let pools): return "requested IP \(ip) is not in any address pool (\(pools.map(\.description).joined(separator: ", ")))"
            case .taken(let ip, let owner): return "requested IP \(ip) is already allocated to service \(owner)"
            case .exhausted(let family): return "no available \(family) address in the load-balancer pools; add a range with --lb-address-pool or delete a LoadBalancer Service"
            case .noPool(let families): return "no load-balancer address pool serves \(families.joined(separator: " or ")); add one with --lb-address-pool"
            }
        }
    }

    public init(pools: [AddressPool]) { self.pools = pools }

    /// Records that `service` holds `addresses` (those in a pool and not held by another).
    public mutating func restore(_ service: String, _ addresses: [PoolAddress]) {
        for a in addresses where pools.contains(where: { $0.contains(a) }) && holders[a] == nil { holders[a] = service }
    }

    /// Frees everything `service` holds.
    public mutating func release(_ service: String) {
        holders = holders.filter { $0.value != service }
    }

    /// The addresses `service` holds, sorted.
    public func addresses(of service: String) -> [PoolAddress] { holders.filter { $0.value == service }.map(\.key).sorted() }

    /// Gives `service` one address per family in `families` (`IPv4`, `IPv6`)
    /// that some pool serves, keeping what it holds; `requested` is the
    /// Service's `loadBalancerIP`. Families without a pool are skipped unless
    /// none has one. On failure nothing changes.
    public mutating func assign(_ service: String, families: [String], requested: String?) throws(Failure) -> [PoolAddress] {
        var next = self
        var out: [PoolAddress] = []
        let served = families.filter { f in pools.contains { $0.family == f } }
        guard !served.isEmpty else { throw .noPool(families: families) }
        let held = addresses(of: service)
        if let text = requested, !text.isEmpty {
            guard let want = PoolAddress(text), pools.contains(where: { $0.contains(want) }) else { throw .notInPool(text, pools: pools) }
            if let owner = holders[want], owner != service { throw .taken(text, by: owner) }
            // The requested address replaces what the Service held in its family.
            for a in held where a.isV6 == want.isV6 && a != want { next.holders[a] = nil }
            next.holders[want] = service
            out.append(want)
        }
        for family in served where !out.contains(where: { $0.family == family }) {
            if let kept = held.first(where: { $0.family == family }) {
                out.append(kept)
                continue
            }
            guard let free = next.firstFree(family: family) else { throw .exhausted(family: family) }
            next.holders[free] = service
            out.append(free)
        }
        // Addresses of families the Service no longer uses go back.
        for a in held where !out.contains(a) { next.holders[a] = nil }
        self = next
        return out
    }

    func firstFree(family: String) -> PoolAddress? {
        for pool in pools where pool.family == family {
            var v = pool.first.value
            while true {
                let a = PoolAddress(isV6: pool.isV6, value: v)
                if holders[a] == nil { return a }
                if v == pool.last.value { break }
                v += 1
            }
        }
        return nil
    }
}
