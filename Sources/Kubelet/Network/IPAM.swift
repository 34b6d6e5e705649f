#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization
public import Netlink
import Runtime
import LinuxSystem

/// Hands out pod addresses from the node's podCIDR, persisted on disk (and
/// fsynced) before an address is returned, so a kubelet restart never hands
/// out an address twice. The first address is the bridge's gateway; the
/// network and broadcast addresses are never used.
public final class IPAM: Sendable {
    public let cidr: CIDR
    let file: String
    let state: Mutex<[String: String]>   // address → owner (pod uid)

    struct Persisted: Codable {
        var cidr: String
        var allocations: [String: String]
    }

    /// Opens (or creates) the allocation file under `directory`.
    public init(cidr: CIDR, directory: String) throws {
        self.cidr = cidr
        try FileIO.makeDirectories(directory, mode: 0o700)
        file = directory + "/" + cidr.description.replacingSlashes() + ".json"
        var allocations: [String: String] = [:]
        if let bytes = try? FileIO.readBytes(file) {
            do {
                allocations = try JSONDecoder().decode(Persisted.self, from: Data(bytes)).allocations
            } catch {
                throw RuntimeError.other("IPAM state \(file) is unreadable (\(error)); move it away to start fresh")
            }
        }
        state = Mutex(allocations)
    }

    /// The gateway (bridge) address.
    public var gateway: IPAddress { cidr.address(at: 1) }

    /// The address of `owner`, allocating one if it has none.
    public func allocate(for owner: String) throws -> IPAddress {
        try state.withLock { allocations in
            if let existing = allocations.first(where: { $0.value == owner }), let ip = IPAddress(existing.key) {
                return ip
            }
            let last = min(cidr.size - 2, 1 << 20)
            guard last >= 2 else { throw RuntimeError.other("pod CIDR \(cidr) is too small for pods") }
            for n in 2...last {
                let ip = cidr.address(at: n)
                if allocations[ip.description] == nil {
                    allocations[ip.description] = owner
                    do {
                        try persist(allocations)
                    } catch {
                        allocations[ip.description] = nil
                        throw error
                    }
                    return ip
                }
            }
            throw RuntimeError.other("pod CIDR \(cidr) has no free addresses (\(allocations.count) in use)")
        }
    }

    /// Frees whatever `owner` holds. Unknown owners are fine.
    public func release(owner: String) throws {
        try state.withLock { allocations in
            let before = allocations.count
            allocations = allocations.filter { $0.value != owner }
            if allocations.count != before { try persist(allocations) }
        }
    }

    /// Address → owner, for adoption after a restart and for diagnostics.
    public var allocations: [IPAddress: String] {
        state.withLock { a in Dictionary(uniqueKeysWithValues: a.compactMap { k, v in IPAddress(k).map { ($0, v) } }) }
    }

    /// Frees every address whose owner is not in `owners` (pods that vanished while the kubelet was down).
    public func releaseAll(except owners: Set<String>) throws {
        try state.withLock { allocations in
            let kept = allocations.filter { owners.contains($0.value) }
            if kept.count != allocations.count {
                allocations = kept
                try persist(allocations)
            }
        }
    }

    /// Replaces the file by rename, so a kubelet killed at any point leaves
    /// the old or the new allocations, and its restart reads them from the
    /// page cache. There is no fsync: it would make every allocation (under
    /// the lock) wait for the disk, and what it protects against, a power
    /// loss, also ends every pod that held an address, so none can be handed
    /// out twice.
    func persist(_ allocations: [String: String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeAtomically(file, Array(try encoder.encode(Persisted(cidr: cidr.description, allocations: allocations))), mode: 0o600)
    }
}

extension String {
    func replacingSlashes() -> String { String(map { $0 == "/" ? "_" : $0 }) }
}
