/// One value written to one cgroup file.
public struct CgroupWrite: Sendable, Equatable, CustomStringConvertible {
    /// The hierarchy: a v1 hierarchy key (`memory`, `cpu,cpuacct`) or ``unified``.
    public var hierarchy: String
    public var file: String
    public var value: String

    /// The key of the v2 tree.
    public static let unified = ""

    public init(_ hierarchy: String, _ file: String, _ value: String) {
        self.hierarchy = hierarchy
        self.file = file
        self.value = value
    }

    public var description: String {
        "\(hierarchy.isEmpty ? "v2" : hierarchy):\(file)=\(value)"
    }
}

/// Turns OCI resources into the cgroup file writes that enforce them on a
/// given host, routing each controller to the hierarchy that has it.
///
/// Pure: it only reads `host`, so every layout is unit-tested.
public struct CgroupResourcePlanner: Sendable {
    public let host: CgroupHost

    public init(host: CgroupHost) { self.host = host }

    /// The writes for `resources`, in the order they must be applied.
    /// Device rules are not included (see ``DeviceRules``).
    public func writes(for resources: Spec.Resources) throws -> [CgroupWrite] {
        var out: [CgroupWrite] = []
        if let memory = resources.memory { out += try memoryWrites(memory) }
        if let cpu = resources.cpu { out += try cpuWrites(cpu) }
        if let pids = resources.pids {
            let key = try hierarchyKey("pids", for: "linux.resources.pids")
            out.append(CgroupWrite(key, "pids.max", pids.limit > 0 ? String(pids.limit) : "max"))
        }
        if let blockIO = resources.blockIO { out += try blockIOWrites(blockIO) }
        for (i, h) in (resources.hugepageLimits ?? []).enumerated() {
            let field = "linux.resources.hugepageLimits[\(i)]"
            guard !h.pageSize.isEmpty, h.pageSize.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                throw RuntimeError.invalidConfig(field: "\(field).pageSize", reason: "\"\(h.pageSize)\" must look like 2MB or 1GB")
            }
            let key = try hierarchyKey("hugetlb", for: field)
            out.append(CgroupWrite(key, key.isEmpty ? "hugetlb.\(h.pageSize).max" : "hugetlb.\(h.pageSize).limit_in_bytes", String(h.limit)))
        }
        if let network = resources.network {
            if let classID = network.classID {
                let key = try hierarchyKey("net_cls", for: "linux.resources.network.classID", v2Allowed: false)
                out.append(CgroupWrite(key, "net_cls.classid", String(classID)))
            }
            for p in network.priorities ?? [] {
                let key = try hierarchyKey("net_prio", for: "linux.resources.network.priorities", v2Allowed: false)
                out.append(CgroupWrite(key, "net_prio.ifpriomap", "\(p.name) \(p.priority)"))
            }
        }
        if let rdma = resources.rdma, !rdma.isEmpty {
            let key = try hierarchyKey("rdma", for: "linux.resources.rdma")
            for (device, limit) in rdma.sorted(by: { $0.key < $1.key }) {
                var parts = [device]
                if let h = limit.hcaHandles { parts.append("hca_handle=\(h)") }
                if let o = limit.hcaObjects { parts.append("hca_object=\(o)") }
                out.append(CgroupWrite(key, "rdma.max", parts.joined(separator: " ")))
            }
        }
        if let unified = resources.unified, !unified.isEmpty {
            guard host.unifiedMountpoint != nil else {
                throw RuntimeError.cgroupUnavailable(controller: "unified", layout: host.layout.rawValue, detail: "linux.resources.unified needs a cgroup v2 tree and this host has none")
            }
            for (file, value) in unified.sorted(by: { $0.key < $1.key }) {
                guard !file.contains("/"), file.contains(".") else {
                    throw RuntimeError.invalidConfig(field: "linux.resources.unified[\"\(file)\"]", reason: "not a cgroup v2 file name")
                }
                let controller = String(file.split(separator: ".")[0])
                if controller != "cgroup", !host.unifiedControllers.contains(controller) {
                    throw RuntimeError.cgroupUnavailable(
                        controller: controller, layout: host.layout.rawValue,
                        detail: "linux.resources.unified[\"\(file)\"] needs the \(controller) controller in the v2 tree, which offers only [\(host.unifiedControllers.sorted().joined(separator: " "))]")
                }
                out.append(CgroupWrite(CgroupWrite.unified, file, value))
            }
        }
        return out
    }

    /// The hierarchy key for `controller`, or an error naming the field and layout.
    func hierarchyKey(_ controller: String, for field: String, v2Allowed: Bool = true) throws -> String {
        switch host.location(of: controller) {
        case .v1(let h)?:
            return h.key
        case .v2? where v2Allowed:
            return CgroupWrite.unified
        default:
            let detail: String
            switch host.layout {
            case .unified:
                detail = v2Allowed
                    ? "\(field) needs the \(controller) controller, which this kernel's cgroup v2 tree does not offer"
                    : "\(field) has no cgroup v2 equivalent"
            case .hybrid, .legacy:
                detail = "\(field) needs the \(controller) controller, which is mounted neither as a v1 hierarchy nor in the v2 tree"
            }
            throw RuntimeError.cgroupUnavailable(controller: controller, layout: host.layout.rawValue, detail: detail)
        }
    }

    func memoryWrites(_ m: Spec.Memory) throws -> [CgroupWrite] {
        let key = try hierarchyKey("memory", for: "linux.resources.memory")
        var out: [CgroupWrite] = []
        if let limit = m.limit, let swap = m.swap, limit > 0, swap > 0, swap < limit {
            throw RuntimeError.invalidConfig(field: "linux.resources.memory.swap", reason: "\(swap) is memory plus swap and must not be below the memory limit \(limit)")
        }
        if key.isEmpty {
            if let limit = m.limit { out.append(CgroupWrite(key, "memory.max", limit > 0 ? String(limit) : "max")) }
            if let swap = m.swap {
                if swap == -1 {
                    out.append(CgroupWrite(key, "memory.swap.max", "max"))
                } else if let limit = m.limit, limit > 0 {
                    out.append(CgroupWrite(key, "memory.swap.max", String(swap - limit)))
                } else if swap != 0 {
                    throw RuntimeError.invalidConfig(field: "linux.resources.memory.swap", reason: "on cgroup v2 a swap limit needs a memory limit")
                }
            }
            if let r = m.reservation { out.append(CgroupWrite(key, "memory.low", r > 0 ? String(r) : "0")) }
            if m.swappiness != nil {
                throw RuntimeError.cgroupUnavailable(controller: "memory", layout: host.layout.rawValue, detail: "linux.resources.memory.swappiness has no cgroup v2 equivalent")
            }
            if m.disableOOMKiller == true {
                throw RuntimeError.cgroupUnavailable(controller: "memory", layout: host.layout.rawValue, detail: "linux.resources.memory.disableOOMKiller has no cgroup v2 equivalent")
            }
        } else {
            if let limit = m.limit { out.append(CgroupWrite(key, "memory.limit_in_bytes", limit > 0 ? String(limit) : "-1")) }
            if let swap = m.swap { out.append(CgroupWrite(key, "memory.memsw.limit_in_bytes", swap > 0 ? String(swap) : "-1")) }
            if let r = m.reservation { out.append(CgroupWrite(key, "memory.soft_limit_in_bytes", r > 0 ? String(r) : "-1")) }
            if let k = m.kernel, k != 0 { out.append(CgroupWrite(key, "memory.kmem.limit_in_bytes", String(k))) }
            if let k = m.kernelTCP, k != 0 { out.append(CgroupWrite(key, "memory.kmem.tcp.limit_in_bytes", String(k))) }
            if let s = m.swappiness {
                guard s <= 100 else {
                    throw RuntimeError.invalidConfig(field: "linux.resources.memory.swappiness", reason: "\(s) must be between 0 and 100")
                }
                out.append(CgroupWrite(key, "memory.swappiness", String(s)))
            }
            if m.disableOOMKiller == true { out.append(CgroupWrite(key, "memory.oom_control", "1")) }
        }
        return out
    }

    func cpuWrites(_ c: Spec.CPU) throws -> [CgroupWrite] {
        var out: [CgroupWrite] = []
        let wantsCPU = c.shares != nil || c.quota != nil || c.period != nil || c.burst != nil
            || c.realtimeRuntime != nil || c.realtimePeriod != nil || c.idle != nil
        if wantsCPU {
            let key = try hierarchyKey("cpu", for: "linux.resources.cpu")
            if key.isEmpty {
                if let shares = c.shares, shares != 0 {
                    out.append(CgroupWrite(key, "cpu.weight", String(CgroupResourcePlanner.weight(fromShares: shares))))
                }
                if c.quota != nil || c.period != nil {
                    let quota = c.quota.map { $0 > 0 ? String($0) : "max" } ?? "max"
                    out.append(CgroupWrite(key, "cpu.max", "\(quota) \(c.period ?? 100_000)"))
                }
                if let burst = c.burst { out.append(CgroupWrite(key, "cpu.max.burst", String(burst))) }
                if let idle = c.idle { out.append(CgroupWrite(key, "cpu.idle", String(idle))) }
                if c.realtimeRuntime != nil || c.realtimePeriod != nil {
                    throw RuntimeError.cgroupUnavailable(controller: "cpu", layout: host.layout.rawValue, detail: "realtime cpu limits have no cgroup v2 equivalent")
                }
            } else {
                if let shares = c.shares, shares != 0 { out.append(CgroupWrite(key, "cpu.shares", String(shares))) }
                if let period = c.period, period != 0 { out.append(CgroupWrite(key, "cpu.cfs_period_us", String(period))) }
                if let quota = c.quota, quota != 0 { out.append(CgroupWrite(key, "cpu.cfs_quota_us", quota > 0 ? String(quota) : "-1")) }
                if let burst = c.burst { out.append(CgroupWrite(key, "cpu.cfs_burst_us", String(burst))) }
                if let p = c.realtimePeriod, p != 0 { out.append(CgroupWrite(key, "cpu.rt_period_us", String(p))) }
                if let r = c.realtimeRuntime, r != 0 { out.append(CgroupWrite(key, "cpu.rt_runtime_us", String(r))) }
                if let idle = c.idle { out.append(CgroupWrite(key, "cpu.idle", String(idle))) }
            }
        }
        if let cpus = c.cpus, !cpus.isEmpty {
            let key = try hierarchyKey("cpuset", for: "linux.resources.cpu.cpus")
            out.append(CgroupWrite(key, "cpuset.cpus", cpus))
        }
        if let mems = c.mems, !mems.isEmpty {
            let key = try hierarchyKey("cpuset", for: "linux.resources.cpu.mems")
            out.append(CgroupWrite(key, "cpuset.mems", mems))
        }
        return out
    }

    func blockIOWrites(_ b: Spec.BlockIO) throws -> [CgroupWrite] {
        var out: [CgroupWrite] = []
        if case .v1(let h)? = host.location(of: "blkio") {
            let key = h.key
            if let w = b.weight { out.append(CgroupWrite(key, "blkio.weight", String(w))) }
            if let w = b.leafWeight { out.append(CgroupWrite(key, "blkio.leaf_weight", String(w))) }
            for d in b.weightDevice ?? [] {
                if let w = d.weight { out.append(CgroupWrite(key, "blkio.weight_device", "\(d.major):\(d.minor) \(w)")) }
                if let w = d.leafWeight { out.append(CgroupWrite(key, "blkio.leaf_weight_device", "\(d.major):\(d.minor) \(w)")) }
            }
            for (file, list) in [("blkio.throttle.read_bps_device", b.throttleReadBpsDevice), ("blkio.throttle.write_bps_device", b.throttleWriteBpsDevice),
                                 ("blkio.throttle.read_iops_device", b.throttleReadIOPSDevice), ("blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice)] {
                for d in list ?? [] { out.append(CgroupWrite(key, file, "\(d.major):\(d.minor) \(d.rate)")) }
            }
            return out
        }
        let key = try hierarchyKey("io", for: "linux.resources.blockIO")
        if let w = b.weight { out.append(CgroupWrite(key, "io.weight", "default \(CgroupResourcePlanner.ioWeight(fromBlkio: w))")) }
        for d in b.weightDevice ?? [] {
            if let w = d.weight { out.append(CgroupWrite(key, "io.weight", "\(d.major):\(d.minor) \(CgroupResourcePlanner.ioWeight(fromBlkio: w))")) }
        }
        for (name, list) in [("rbps", b.throttleReadBpsDevice), ("wbps", b.throttleWriteBpsDevice), ("riops", b.throttleReadIOPSDevice), ("wiops", b.throttleWriteIOPSDevice)] {
            for d in list ?? [] {
                out.append(CgroupWrite(key, "io.max", "\(d.major):\(d.minor) \(name)=\(d.rate == 0 ? "max" : String(d.rate))"))
            }
        }
        return out
    }

    /// cpu.shares (2…262144) → cpu.weight (1…10000), the conversion runc and crun use.
    public static func weight(fromShares shares: UInt64) -> UInt64 {
        let s = min(max(shares, 2), 262_144)
        return 1 + ((s - 2) * 9999) / 262_142
    }

    /// blkio.weight (10…1000) → io.weight (1…10000).
    public static func ioWeight(fromBlkio weight: UInt16) -> UInt64 {
        let w = UInt64(min(max(weight, 10), 1000))
        return 1 + (w - 10) * 9999 / 990
    }
}
