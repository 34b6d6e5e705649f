#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// One container's (or pod's) cgroup on every hierarchy of the host: creates
/// it, moves processes in, applies limits, freezes, kills, reads stats and
/// removes it.
///
/// It joins every mounted v1 hierarchy and the v2 tree when there is one (as
/// runc does), so stats, freezing and killing work whichever layout the host
/// has; limits go where their controller lives (``CgroupResourcePlanner``).
public struct CgroupManager: Sendable {
    public let host: CgroupHost
    /// Hierarchy key (``CgroupWrite/unified`` for v2) → absolute directory.
    public let paths: [String: String]
    let fs: any CgroupFS

    public init(host: CgroupHost, paths: [String: String], fs: any CgroupFS = LinuxCgroupFS()) {
        self.host = host
        self.paths = paths
        self.fs = fs
    }

    /// The directories for `cgroupsPath` on each hierarchy. A relative path is
    /// placed under the caller's own cgroup (`own`, from /proc/self/cgroup), as
    /// runc does; an absolute one under each hierarchy's root.
    public static func paths(for cgroupsPath: String, host: CgroupHost, own: [String: String]) throws -> [String: String] {
        if cgroupsPath.contains(":") {
            throw RuntimeError.invalidConfig(field: "linux.cgroupsPath", reason: "\"\(cgroupsPath)\" looks like a systemd slice:prefix:name path; this runtime manages cgroupfs paths only (no --systemd-cgroup)")
        }
        let cleaned = FileIO.cleanPath(cgroupsPath)
        guard cleaned != "/" else {
            throw RuntimeError.invalidConfig(field: "linux.cgroupsPath", reason: "\"\(cgroupsPath)\" names the root cgroup; a container needs a cgroup of its own")
        }
        let relative = !cgroupsPath.hasPrefix("/")
        func place(_ mountpoint: String, _ key: String) -> String {
            let base = relative ? FileIO.cleanPath(own[key] ?? "/") : "/"
            return mountpoint + (base == "/" ? "" : base) + cleaned
        }
        var out: [String: String] = [:]
        for h in host.v1 { out[h.key] = place(h.mountpoint, h.key) }
        if let unified = host.unifiedMountpoint { out[CgroupWrite.unified] = place(unified, CgroupWrite.unified) }
        return out
    }

    /// Parses /proc/self/cgroup into hierarchy key → path.
    public static func ownCgroups(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let key = parts[1].split(separator: ",").map(String.init).sorted().joined(separator: ",")
            out[parts[0] == "0" ? CgroupWrite.unified : key] = String(parts[2])
        }
        return out
    }

    // MARK: - Lifecycle

    /// Creates every directory, enables the v2 controllers the limits need, and
    /// applies `resources` and `deviceRules`. On failure nothing is left behind.
    public func create(resources: Spec.Resources?, deviceRules: [Spec.DeviceRule]?) throws {
        let writes = try resources.map { try CgroupResourcePlanner(host: host).writes(for: $0) } ?? []
        var created: [String] = []
        do {
            for key in paths.keys.sorted() {
                guard let path = paths[key] else { continue }
                created += try makeDirectories(key: key, path: path)
            }
            try enableV2Controllers(for: writes)
            try apply(writes)
            if let deviceRules { try applyDevices(deviceRules) }
        } catch {
            for dir in created.reversed() { try? fs.removeDirectory(dir) }
            throw error
        }
    }

    /// Moves `pid` into the cgroup on every hierarchy.
    public func addProcess(_ pid: Int32) throws {
        for key in paths.keys.sorted() {
            guard let path = paths[key] else { continue }
            try fs.write(path + "/cgroup.procs", String(pid))
        }
    }

    /// Applies new limits to an existing cgroup (`update`).
    public func update(_ resources: Spec.Resources) throws {
        let writes = try CgroupResourcePlanner(host: host).writes(for: resources)
        try enableV2Controllers(for: writes)
        try apply(writes)
        if let rules = resources.devices {
            try applyDevices(try DeviceRules.effective(config: rules, devices: []))
        }
    }

    /// Removes the cgroup and any sub-cgroups the container made, killing
    /// stragglers. Missing directories are fine: removal is idempotent.
    public func destroy() throws {
        var lastError: (any Error)?
        for attempt in 0..<50 {
            lastError = nil
            for key in paths.keys.sorted() {
                guard let path = paths[key] else { continue }
                do { try removeTree(path) } catch { lastError = error }
            }
            guard lastError != nil else { return }
            if attempt == 0 || attempt % 10 == 9 { try? killAll(signal: SIGKILL) }
            usleep(useconds_t(min(1000 * (attempt + 1), 20_000)))
        }
        if let lastError { throw lastError }
    }

    func removeTree(_ path: String) throws {
        guard fs.exists(path) else { return }
        if let children = try? FileIO.listDirectory(path) {
            for child in children where FileIO.isDirectory(path + "/" + child) {
                try removeTree(path + "/" + child)
            }
        }
        try fs.removeDirectory(path)
    }

    // MARK: - Writes

    func apply(_ writes: [CgroupWrite]) throws {
        for w in writes {
            guard let dir = paths[w.hierarchy] else {
                throw RuntimeError.cgroupUnavailable(controller: w.file, layout: host.layout.rawValue, detail: "no cgroup directory for hierarchy \(w.hierarchy.isEmpty ? "v2" : w.hierarchy)")
            }
            let path = dir + "/" + w.file
            do {
                try fs.write(path, w.value)
            } catch let error as SystemError where error.errno == ENOENT {
                throw RuntimeError.cgroupUnavailable(
                    controller: w.file.split(separator: ".").first.map(String.init) ?? w.file,
                    layout: host.layout.rawValue, detail: "\(path) does not exist on this kernel")
            } catch let error as SystemError where error.errno == EINVAL && w.file == "memory.limit_in_bytes" {
                // Lowering below an existing memsw limit fails; the caller's
                // memsw write comes next, so set it first and retry.
                if let swap = writes.first(where: { $0.file == "memory.memsw.limit_in_bytes" }) {
                    try fs.write(dir + "/" + swap.file, swap.value)
                    try fs.write(path, w.value)
                } else {
                    throw error
                }
            }
        }
    }

    /// On v2, a controller is usable in a cgroup only when every ancestor has
    /// it in cgroup.subtree_control.
    func enableV2Controllers(for writes: [CgroupWrite]) throws {
        guard let mount = host.unifiedMountpoint, let path = paths[CgroupWrite.unified] else { return }
        var needed = Set(writes.filter { $0.hierarchy == CgroupWrite.unified }.compactMap { w -> String? in
            let c = String(w.file.split(separator: ".")[0])
            return c == "cgroup" ? nil : c
        })
        if host.layout == .unified {
            // Always enable what stats and limits use, so later updates work.
            needed.formUnion(host.unifiedControllers.intersection(["cpu", "memory", "pids", "io", "cpuset", "hugetlb"]))
        }
        guard !needed.isEmpty else { return }
        let relative = String(path.dropFirst(mount.count)).split(separator: "/")
        var current = mount
        for component in relative.dropLast() {
            try enable(needed, in: current)
            current += "/" + component
        }
        try enable(needed, in: current)
    }

    private func enable(_ controllers: Set<String>, in dir: String) throws {
        let enabled = Set(((try? fs.read(dir + "/cgroup.subtree_control")) ?? "").split(separator: " ").map(String.init))
        let missing = controllers.subtracting(enabled).sorted()
        guard !missing.isEmpty else { return }
        do {
            try fs.write(dir + "/cgroup.subtree_control", missing.map { "+" + $0 }.joined(separator: " "))
        } catch let error as SystemError {
            let detail = error.errno == EBUSY
                ? "\(dir) has processes of its own, so cgroup v2 forbids enabling controllers for its children; use an absolute cgroupsPath outside it"
                : "enabling \(missing.joined(separator: ", ")) in \(dir)/cgroup.subtree_control failed: \(error.reason)"
            throw RuntimeError.cgroupUnavailable(controller: missing.joined(separator: ","), layout: host.layout.rawValue, detail: detail)
        }
    }

    func makeDirectories(key: String, path: String) throws -> [String] {
        let mountpoint = key.isEmpty ? (host.unifiedMountpoint ?? "") : (host.v1.first { $0.key == key }?.mountpoint ?? "")
        var created: [String] = []
        var current = mountpoint
        let cpuset = key.split(separator: ",").contains("cpuset")
        // Usually only the leaf is new (a pod's cgroup under kubepods, a
        // container's under its pod): when its parent exists, skip the walk
        // from the mountpoint, a stat per level in each of up to ten hierarchies.
        if !cpuset, let slash = path.lastIndex(of: "/"), path.distance(from: path.startIndex, to: slash) > mountpoint.count,
           fs.exists(String(path[..<slash])) {
            if fs.exists(path) { return [] }
            try fs.makeDirectory(path)
            return [path]
        }
        for component in path.dropFirst(mountpoint.count).split(separator: "/") {
            let parent = current
            current += "/" + component
            if !fs.exists(current) {
                try fs.makeDirectory(current)
                created.append(current)
            }
            if cpuset {
                // A new v1 cpuset starts empty and refuses tasks; it inherits
                // the parent's. Directories that already exist are checked
                // too: another process may have made one a moment ago and not
                // filled it yet (two kubelets sharing kubepods), and a cpuset
                // made empty that way would refuse every pod below it.
                for file in ["cpuset.cpus", "cpuset.mems"] where ((try? fs.read(current + "/" + file)) ?? "").isEmpty {
                    try fs.write(current + "/" + file, (try? fs.read(parent + "/" + file)) ?? "")
                }
            }
        }
        return created
    }

    func applyDevices(_ rules: [Spec.DeviceRule]) throws {
        if case .v1(let h)? = host.location(of: "devices"), paths[h.key] != nil {
            try apply(DeviceRules.v1Writes(rules, hierarchy: h.key))
        } else if host.layout == .unified, let path = paths[CgroupWrite.unified] {
            try DeviceFilterLoader.attach(DeviceFilterProgram.compile(rules), to: path)
        } else {
            throw RuntimeError.cgroupUnavailable(controller: "devices", layout: host.layout.rawValue, detail: "no devices hierarchy and no cgroup v2 tree to attach a device program to")
        }
    }
}
