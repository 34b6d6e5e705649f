import Synchronization
import LinuxSystem

/// The cgroup layout of this host: which hierarchies are mounted where, and
/// which controllers each offers.
///
/// Three layouts exist in the wild: pure v2 (`unified`), v1 controllers plus a
/// v2 tree without them (`hybrid`, this project's development machines), and
/// pure v1 (`legacy`). Every limit is routed to the hierarchy that actually
/// has its controller, and a limit no hierarchy can enforce is an error.
public struct CgroupHost: Codable, Sendable, Equatable {
    public enum Layout: String, Codable, Sendable {
        case unified, hybrid, legacy
    }

    /// One mounted v1 hierarchy.
    public struct V1Hierarchy: Codable, Sendable, Equatable {
        /// Where it is mounted, e.g. /sys/fs/cgroup/memory.
        public var mountpoint: String
        /// Controllers bound to it (`cpu`, `cpuacct`), or empty for a named hierarchy.
        public var controllers: [String]
        /// The `name=` of a named hierarchy (`systemd`), if any.
        public var name: String?

        /// The key used for this hierarchy in container state: its controllers
        /// joined by commas, or `name=NAME`.
        public var key: String { name.map { "name=\($0)" } ?? controllers.joined(separator: ",") }
        /// The mount data that mounts this hierarchy again.
        public var mountData: String { name.map { "name=\($0)" } ?? controllers.joined(separator: ",") }
        /// The directory name used inside a container's /sys/fs/cgroup.
        public var directoryName: String {
            name ?? String(mountpoint.split(separator: "/").last ?? Substring(controllers.joined(separator: ",")))
        }
    }

    public var layout: Layout
    /// Mountpoint of the v2 tree, if any.
    public var unifiedMountpoint: String?
    /// Controllers available at the root of the v2 tree.
    public var unifiedControllers: Set<String>
    public var v1: [V1Hierarchy]

    /// The v1 controllers this runtime knows.
    public static let knownV1Controllers: Set<String> = [
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
        "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc",
    ]

    public init(layout: Layout, unifiedMountpoint: String?, unifiedControllers: Set<String>, v1: [V1Hierarchy]) {
        self.layout = layout
        self.unifiedMountpoint = unifiedMountpoint
        self.unifiedControllers = unifiedControllers
        self.v1 = v1
    }

    /// The running host's layout, read from mountinfo once per process (or
    /// given by the parent, see ``remember(_:)``): cgroup mounts do not change
    /// while a node runs, and mountinfo grows with every container, so
    /// reading it for each pod costs more with each pod.
    public static func current() throws -> CgroupHost {
        if let known = remembered.withLock({ $0 }) { return known }
        let host = try detect()
        remember(host)
        return host
    }

    /// Makes ``current()`` return `host` (a monitor takes the layout its kubelet found).
    public static func remember(_ host: CgroupHost) {
        remembered.withLock { $0 = host }
    }

    static let remembered = Mutex<CgroupHost?>(nil)

    /// Reads the running host's layout from /proc/self/mountinfo.
    public static func detect() throws -> CgroupHost {
        let mountinfo = try FileIO.read("/proc/self/mountinfo")
        let host = parse(mountinfo: mountinfo) { path in try? FileIO.readTrimmed(path) }
        guard host.unifiedMountpoint != nil || !host.v1.isEmpty else {
            throw RuntimeError.cgroupUnavailable(controller: "any", layout: "none",
                                                 detail: "no cgroup filesystem is mounted in this mount namespace (mount cgroup2 at /sys/fs/cgroup; note that `ip netns exec` remounts /sys and hides it, `nsenter --net=` does not)")
        }
        return host
    }

    /// The lines of mountinfo whose filesystem type starts with `cgroup`,
    /// picked out by their bytes (the generic `contains` of a collection took
    /// 8% of the kubelet's CPU when 100 pods started at once).
    static func cgroupLines(_ mountinfo: String) -> [Substring] {
        let marker = Array(" - cgroup".utf8)
        return mountinfo.utf8.split(separator: UInt8(ascii: "\n")).filter { line in
            let bytes = Array(line)
            guard bytes.count >= marker.count else { return false }
            return (0...(bytes.count - marker.count)).contains { start in
                bytes[start] == marker[0] && bytes[start..<(start + marker.count)].elementsEqual(marker)
            }
        }.map { Substring($0) }
    }

    /// Builds the layout from mountinfo text; `readFile` reads the v2 root's
    /// cgroup.controllers.
    public static func parse(mountinfo: String, readFile: (String) -> String?) -> CgroupHost {
        var unified: String?
        var v1: [V1Hierarchy] = []
        var seenKeys: Set<String> = []
        // Only cgroup mounts matter; a busy node has hundreds of others
        // (container roots, pinned namespaces), so lines are picked out by
        // their bytes before any of them is split.
        for line in cgroupLines(mountinfo) {
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let left = halves[0].split(separator: " ")
            let right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 3 else { continue }
            let root = String(left[3])
            let mountpoint = unescapeMountinfo(String(left[4]))
            let fstype = right[0]
            guard root == "/" else { continue }
            if fstype == "cgroup2" {
                if unified == nil { unified = mountpoint }
            } else if fstype == "cgroup" {
                let options = right[2].split(separator: ",").map(String.init)
                let controllers = options.filter { knownV1Controllers.contains($0) }.sorted()
                let name = options.first { $0.hasPrefix("name=") }.map { String($0.dropFirst(5)) }
                let h = V1Hierarchy(mountpoint: mountpoint, controllers: controllers, name: controllers.isEmpty ? name : nil)
                if controllers.isEmpty && name == nil { continue }
                if seenKeys.insert(h.key).inserted { v1.append(h) }
            }
        }
        let layout: Layout
        if v1.contains(where: { !$0.controllers.isEmpty }) {
            layout = unified == nil ? .legacy : .hybrid
        } else {
            layout = .unified
        }
        var controllers: Set<String> = []
        if let unified, let text = readFile(unified + "/cgroup.controllers") {
            controllers = Set(text.split(separator: " ").map(String.init))
        }
        if layout == .unified { v1 = [] }
        return CgroupHost(layout: layout, unifiedMountpoint: unified, unifiedControllers: controllers, v1: v1)
    }

    /// Where `controller` can be used on this host.
    public enum Location: Equatable, Sendable {
        case v1(V1Hierarchy)
        case v2
    }

    /// Where `controller` lives: its v1 hierarchy if mounted there, else the
    /// v2 tree if it offers it, else nil.
    public func location(of controller: String) -> Location? {
        if let h = v1.first(where: { $0.controllers.contains(controller) }) { return .v1(h) }
        if unifiedMountpoint != nil, unifiedControllers.contains(controller) { return .v2 }
        return nil
    }

    /// A one-line description for logs and `nodectl doctor`.
    public var summary: String {
        switch layout {
        case .unified:
            return "cgroup v2 (unified) at \(unifiedMountpoint ?? "?"), controllers: \(unifiedControllers.sorted().joined(separator: " "))"
        case .hybrid:
            return "hybrid: v1 controllers \(v1.flatMap(\.controllers).sorted().joined(separator: " ")); v2 tree at \(unifiedMountpoint ?? "?") with \(unifiedControllers.isEmpty ? "no controllers" : "controllers " + unifiedControllers.sorted().joined(separator: " "))"
        case .legacy:
            return "cgroup v1 (legacy): \(v1.flatMap(\.controllers).sorted().joined(separator: " "))"
        }
    }
}

