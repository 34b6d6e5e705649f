#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
public import Images
public import Logging
public import Runtime
import LinuxSystem

/// Image garbage collection as the kubelet does it: when the filesystem
/// holding the image store is more than `highPercent` full, unused images
/// (oldest first, none younger than `minimumAge`) are removed until usage
/// falls below `lowPercent`. Images any container uses are never removed.
public struct ImageGCPolicy: Sendable, Equatable {
    public var highPercent: Int
    public var lowPercent: Int
    public var minimumAge: Double

    public init(highPercent: Int = 85, lowPercent: Int = 80, minimumAge: Double = 120) {
        self.highPercent = highPercent
        self.lowPercent = lowPercent
        self.minimumAge = minimumAge
    }

    /// The images to remove, in order, given disk `used` of `capacity`
    /// bytes, the images in use and the time now (seconds since 1970).
    public func victims(images: [ImageRecord], inUse: Set<Digest>, used: Int64, capacity: Int64, now: Double) -> [ImageRecord] {
        guard capacity > 0, used * 100 >= capacity * Int64(highPercent) else { return [] }
        let target = used - capacity * Int64(lowPercent) / 100
        var freed: Int64 = 0
        var chosen: [ImageRecord] = []
        let candidates = images
            .filter { !inUse.contains($0.id) }
            .filter { now - Self.time($0.stored) >= minimumAge }
            .sorted { Self.time($0.stored) < Self.time($1.stored) }
        for image in candidates where freed < target {
            chosen.append(image)
            freed += image.size
        }
        return chosen
    }

    static func time(_ stamp: String) -> Double {
        (try? Date(stamp, strategy: Date.ISO8601FormatStyle()))?.timeIntervalSince1970 ?? 0
    }
}

/// Runs ``ImageGCPolicy`` every `interval` against the real disk.
public struct ImageGarbageCollector: Sendable {
    public let store: ImageStore
    public let runtime: ContainerRuntime
    public let policy: ImageGCPolicy
    let logger: Logger

    public init(store: ImageStore, runtime: ContainerRuntime, policy: ImageGCPolicy, logger: Logger) {
        self.store = store
        self.runtime = runtime
        self.policy = policy
        self.logger = logger
    }

    /// One pass; returns the names of removed images.
    @discardableResult
    public func collect() -> [String] {
        var fs = statvfs()
        guard statvfs(store.root.isEmpty ? "/" : parentExisting(store.root), &fs) == 0 else { return [] }
        let capacity = Int64(fs.f_blocks) * Int64(fs.f_frsize)
        let used = capacity - Int64(fs.f_bavail) * Int64(fs.f_frsize)
        let images = (try? store.list()) ?? []
        let victims = policy.victims(images: images, inUse: ImagesInUse.ids(runtime), used: used, capacity: capacity,
                                     now: Date().timeIntervalSince1970)
        var removed: [String] = []
        for image in victims {
            do {
                try store.remove(image.id.description, inUse: ImagesInUse.ids(runtime))
                removed.append(image.names.first ?? image.id.description)
                logger.info("image GC: removed \(image.names.first ?? image.id.description) (\(image.size) bytes); disk was \(used * 100 / max(capacity, 1))% full")
            } catch {
                logger.warning("image GC: \(image.names.first ?? image.id.description): \(error)")
            }
        }
        return removed
    }

    func parentExisting(_ path: String) -> String {
        var p = path
        while !FileIO.exists(p), let slash = p.lastIndex(of: "/"), slash > p.startIndex { p = String(p[..<slash]) }
        return FileIO.exists(p) ? p : "/"
    }

    public func run(interval: Duration = .seconds(300)) async {
        while !Task.isCancelled {
            collect()
            try? await Task.sleep(for: interval)
        }
    }
}
