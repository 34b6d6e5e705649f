import Testing
@testable import Runtime
import LinuxSystem

enum Hosts {
    static let hybridMountinfo = """
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
    33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
    34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
    37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
    38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
    """
    static let unifiedMountinfo = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate"
    static let legacyMountinfo = """
    32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    """

    static let hybrid = CgroupHost.parse(mountinfo: hybridMountinfo) { $0.hasSuffix("cgroup.controllers") ? "hugetlb" : nil }
    static let unified = CgroupHost.parse(mountinfo: unifiedMountinfo) { _ in "cpuset cpu io memory hugetlb pids rdma misc" }
    static let legacy = CgroupHost.parse(mountinfo: legacyMountinfo) { _ in nil }
}

@Suite struct CgroupHostTests {
    @Test func detectsTheThreeLayouts() {
        #expect(Hosts.hybrid.layout == .hybrid)
        #expect(Hosts.hybrid.unifiedMountpoint == "/sys/fs/cgroup/unified")
        #expect(Hosts.hybrid.v1.map(\.key) == ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "name=systemd"])
        #expect(Hosts.hybrid.location(of: "memory") == .v1(Hosts.hybrid.v1[3]))
        #expect(Hosts.hybrid.location(of: "hugetlb") == .v2)
        #expect(Hosts.hybrid.location(of: "io") == nil)
        #expect(Hosts.unified.layout == .unified)
        #expect(Hosts.unified.v1.isEmpty)
        #expect(Hosts.unified.location(of: "memory") == .v2)
        #expect(Hosts.legacy.layout == .legacy)
        #expect(Hosts.legacy.v1.first?.key == "cpu,cpuacct")
        #expect(Hosts.legacy.location(of: "cpuacct") == .v1(Hosts.legacy.v1[0]))
    }

    @Test func pathsForAbsoluteAndRelativeCgroupsPath() throws {
        let own = CgroupManager.ownCgroups("9:name=systemd:/\n4:memory:/session/42\n3:cpuset:/\n0::/user.slice\n")
        #expect(own["memory"] == "/session/42")
        #expect(own[""] == "/user.slice")
        let abs = try CgroupManager.paths(for: "/pods/c1", host: Hosts.hybrid, own: own)
        #expect(abs["memory"] == "/sys/fs/cgroup/memory/pods/c1")
        #expect(abs[""] == "/sys/fs/cgroup/unified/pods/c1")
        #expect(abs["name=systemd"] == "/sys/fs/cgroup/systemd/pods/c1")
        let rel = try CgroupManager.paths(for: "c1", host: Hosts.hybrid, own: own)
        #expect(rel["memory"] == "/sys/fs/cgroup/memory/session/42/c1")
        #expect(rel["cpuset"] == "/sys/fs/cgroup/cpuset/c1")
        #expect(rel[""] == "/sys/fs/cgroup/unified/user.slice/c1")
        #expect(throws: RuntimeError.self) { try CgroupManager.paths(for: "system.slice:docker:x", host: Hosts.unified, own: own) }
        #expect(throws: RuntimeError.self) { try CgroupManager.paths(for: "/", host: Hosts.unified, own: own) }
    }
}

@Suite struct CgroupPlannerTests {
    let resources = Spec.Resources(
        memory: Spec.Memory(limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20),
        cpu: Spec.CPU(shares: 1024, quota: 50_000, period: 100_000, cpus: "0-1", mems: "0"),
        pids: Spec.Pids(limit: 100),
        blockIO: Spec.BlockIO(weight: 500, throttleReadBpsDevice: [Spec.ThrottleDevice(major: 8, minor: 0, rate: 1000)]),
        hugepageLimits: [Spec.HugepageLimit(pageSize: "2MB", limit: 4 << 20)])

    @Test func v1Values() throws {
        var r = resources
        r.hugepageLimits = nil
        let writes = try CgroupResourcePlanner(host: Hosts.legacy).writes(for: Spec.Resources(memory: r.memory, cpu: Spec.CPU(shares: 1024, quota: 50_000, period: 100_000), pids: r.pids))
        #expect(writes.map(\.description) == [
            "memory:memory.limit_in_bytes=67108864",
            "memory:memory.memsw.limit_in_bytes=134217728",
            "memory:memory.soft_limit_in_bytes=33554432",
            "cpu,cpuacct:cpu.shares=1024",
            "cpu,cpuacct:cpu.cfs_period_us=100000",
            "cpu,cpuacct:cpu.cfs_quota_us=50000",
            "pids:pids.max=100",
        ])
    }

    @Test func v2Values() throws {
        let writes = try CgroupResourcePlanner(host: Hosts.unified).writes(for: resources)
        #expect(writes.map(\.description) == [
            "v2:memory.max=67108864",
            "v2:memory.swap.max=67108864",
            "v2:memory.low=33554432",
            "v2:cpu.weight=39",
            "v2:cpu.max=50000 100000",
            "v2:cpuset.cpus=0-1",
            "v2:cpuset.mems=0",
            "v2:pids.max=100",
            "v2:io.weight=default 4950",
            "v2:io.max=8:0 rbps=1000",
            "v2:hugetlb.2MB.max=4194304",
        ])
    }

    @Test func hybridRoutesEachControllerToItsHierarchy() throws {
        let writes = try CgroupResourcePlanner(host: Hosts.hybrid).writes(for: resources)
        #expect(writes.map(\.description) == [
            "memory:memory.limit_in_bytes=67108864",
            "memory:memory.memsw.limit_in_bytes=134217728",
            "memory:memory.soft_limit_in_bytes=33554432",
            "cpu:cpu.shares=1024",
            "cpu:cpu.cfs_period_us=100000",
            "cpu:cpu.cfs_quota_us=50000",
            "cpuset:cpuset.cpus=0-1",
            "cpuset:cpuset.mems=0",
            "pids:pids.max=100",
            "blkio:blkio.weight=500",
            "blkio:blkio.throttle.read_bps_device=8:0 1000",
            "v2:hugetlb.2MB.max=4194304",
        ])
    }

    @Test func unenforceableLimitsNameControllerAndLayout() {
        #expect {
            try CgroupResourcePlanner(host: Hosts.legacy).writes(for: Spec.Resources(hugepageLimits: [Spec.HugepageLimit(pageSize: "2MB", limit: 1)]))
        } throws: { error in
            guard case RuntimeError.cgroupUnavailable(let c, let layout, _) = error else { return false }
            return c == "hugetlb" && layout == "legacy"
        }
        #expect(throws: RuntimeError.self) {
            try CgroupResourcePlanner(host: Hosts.hybrid).writes(for: Spec.Resources(unified: ["memory.high": "1000"]))
        }
        #expect(throws: RuntimeError.self) {
            try CgroupResourcePlanner(host: Hosts.unified).writes(for: Spec.Resources(memory: Spec.Memory(swappiness: 10)))
        }
        #expect(throws: RuntimeError.self) {
            try CgroupResourcePlanner(host: Hosts.unified).writes(for: Spec.Resources(memory: Spec.Memory(limit: 100, swap: 50)))
        }
    }

    @Test func unifiedKeysOnV2() throws {
        let writes = try CgroupResourcePlanner(host: Hosts.unified).writes(for: Spec.Resources(unified: ["memory.high": "1000", "cgroup.max.depth": "3"]))
        #expect(writes.map(\.description) == ["v2:cgroup.max.depth=3", "v2:memory.high=1000"])
    }

    @Test func shareAndWeightConversions() {
        #expect(CgroupResourcePlanner.weight(fromShares: 2) == 1)
        #expect(CgroupResourcePlanner.weight(fromShares: 262_144) == 10_000)
        #expect(CgroupResourcePlanner.weight(fromShares: 1024) == 39)
        #expect(CgroupResourcePlanner.ioWeight(fromBlkio: 10) == 1)
        #expect(CgroupResourcePlanner.ioWeight(fromBlkio: 1000) == 10_000)
    }
}

@Suite struct CgroupManagerTests {
    @Test func createsEnablesAndAppliesOnUnified() throws {
        let fs = FakeCgroupFS(directories: ["/sys/fs/cgroup"])
        fs.values["/sys/fs/cgroup/cgroup.subtree_control"] = ""
        let m = CgroupManager(host: Hosts.unified, paths: ["": "/sys/fs/cgroup/pods/c1"], fs: fs)
        try m.create(resources: Spec.Resources(pids: Spec.Pids(limit: 5)), deviceRules: nil)
        #expect(fs.writes.contains("mkdir /sys/fs/cgroup/pods"))
        #expect(fs.writes.contains("mkdir /sys/fs/cgroup/pods/c1"))
        #expect(fs.writes.contains("/sys/fs/cgroup/cgroup.subtree_control=+cpu +cpuset +hugetlb +io +memory +pids"))
        #expect(fs.writes.contains("/sys/fs/cgroup/pods/cgroup.subtree_control=+cpu +cpuset +hugetlb +io +memory +pids"))
        #expect(fs.writes.last == "/sys/fs/cgroup/pods/c1/pids.max=5")
    }

    @Test func v1CpusetInheritsParentAndDevicesAreWritten() throws {
        let fs = FakeCgroupFS(directories: Set(Hosts.hybrid.v1.map(\.mountpoint) + ["/sys/fs/cgroup/unified"]))
        fs.values["/sys/fs/cgroup/cpuset/cpuset.cpus"] = "0-1"
        fs.values["/sys/fs/cgroup/cpuset/cpuset.mems"] = "0"
        let paths = try CgroupManager.paths(for: "/c1", host: Hosts.hybrid, own: [:])
        let m = CgroupManager(host: Hosts.hybrid, paths: paths, fs: fs)
        let rules = try DeviceRules.effective(config: nil, devices: [])
        try m.create(resources: nil, deviceRules: rules)
        #expect(fs.values["/sys/fs/cgroup/cpuset/c1/cpuset.cpus"] == "0-1")
        #expect(fs.values["/sys/fs/cgroup/cpuset/c1/cpuset.mems"] == "0")
        #expect(fs.writes.contains("/sys/fs/cgroup/devices/c1/devices.deny=a"))
        #expect(fs.writes.contains("/sys/fs/cgroup/devices/c1/devices.allow=c 1:3 rwm"))
        #expect(fs.writes.contains("/sys/fs/cgroup/devices/c1/devices.allow=c 136:* rwm"))
        try m.addProcess(42)
        #expect(fs.values["/sys/fs/cgroup/unified/c1/cgroup.procs"] == "42")
        #expect(fs.values["/sys/fs/cgroup/systemd/c1/cgroup.procs"] == "42")
    }

    /// Another process made `kubepods` a moment ago and has not filled its
    /// cpuset yet: the container's create fills it rather than inheriting
    /// the emptiness (which would refuse every task below with ENOSPC).
    @Test func v1CpusetLeftEmptyByARacingCreatorIsFilled() throws {
        let fs = FakeCgroupFS(directories: Set(Hosts.hybrid.v1.map(\.mountpoint) + ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpuset/kubepods"]))
        fs.values["/sys/fs/cgroup/cpuset/cpuset.cpus"] = "0-1"
        fs.values["/sys/fs/cgroup/cpuset/cpuset.mems"] = "0"
        fs.values["/sys/fs/cgroup/cpuset/kubepods/cpuset.cpus"] = ""
        fs.values["/sys/fs/cgroup/cpuset/kubepods/cpuset.mems"] = ""
        let paths = try CgroupManager.paths(for: "/kubepods/c1", host: Hosts.hybrid, own: [:])
        let m = CgroupManager(host: Hosts.hybrid, paths: paths, fs: fs)
        try m.create(resources: nil, deviceRules: nil)
        #expect(fs.values["/sys/fs/cgroup/cpuset/kubepods/cpuset.cpus"] == "0-1")
        #expect(fs.values["/sys/fs/cgroup/cpuset/kubepods/c1/cpuset.cpus"] == "0-1")
        #expect(fs.values["/sys/fs/cgroup/cpuset/kubepods/c1/cpuset.mems"] == "0")
        #expect(!fs.writes.contains("mkdir /sys/fs/cgroup/cpuset/kubepods"))
    }

    @Test func failedCreateRemovesWhatItMade() throws {
        let fs = FakeCgroupFS(directories: ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"])
        let host = CgroupHost.parse(mountinfo: """
            35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
            39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
            """) { _ in nil }
        fs.failing["/sys/fs/cgroup/pids/c1/pids.max"] = 22
        let m = CgroupManager(host: host, paths: try CgroupManager.paths(for: "/c1", host: host, own: [:]), fs: fs)
        #expect(throws: SystemError.self) { try m.create(resources: Spec.Resources(pids: Spec.Pids(limit: 3)), deviceRules: nil) }
        #expect(fs.directories == ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"])
    }

    @Test func cgroupLinesArePickedOutOfABusyMountinfo() {
        let overlay = "812 30 0:50 / /var/lib/kubelet/containers/c1/rootfs rw,relatime - overlay overlay rw,lowerdir=/a:/b,upperdir=/u"
        let memory = "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory"
        let unified = "36 31 0:33 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw"
        let text = Array(repeating: overlay, count: 300).joined(separator: "\n") + "\n\(memory)\n\(overlay)\n\(unified)"
        #expect(CgroupHost.cgroupLines(text) == [Substring(memory), Substring(unified)])
        #expect(CgroupHost.cgroupLines(memory + "\n") == [Substring(memory)])
        #expect(CgroupHost.cgroupLines("").isEmpty && CgroupHost.cgroupLines(" - cgrou").isEmpty)
        let host = CgroupHost.parse(mountinfo: text) { _ in "" }
        #expect(host.layout == .hybrid && host.unifiedMountpoint == "/sys/fs/cgroup/unified" && host.v1.map(\.mountpoint) == ["/sys/fs/cgroup/memory"])
    }

    @Test func missingControllerFileIsAClearError() throws {
        let fs = FakeCgroupFS(directories: ["/sys/fs/cgroup/memory"])
        let host = CgroupHost.parse(mountinfo: "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory") { _ in nil }
        let m = CgroupManager(host: host, paths: ["memory": "/sys/fs/cgroup/memory/c1"], fs: fs)
        fs.failing["/sys/fs/cgroup/memory/c1/memory.memsw.limit_in_bytes"] = 2
        #expect {
            try m.create(resources: Spec.Resources(memory: Spec.Memory(limit: 100, swap: 200)), deviceRules: nil)
        } throws: { error in
            guard case RuntimeError.cgroupUnavailable(let c, _, let detail) = error else { return false }
            return c == "memory" && detail.contains("memsw")
        }
    }
}

@Suite struct DeviceRuleTests {
    @Test func effectiveRulesStartWithDenyAll() throws {
        let rules = try DeviceRules.effective(config: [Spec.DeviceRule(allow: true, type: "c", major: 10, minor: 229, access: "rw")],
                                              devices: [DeviceNode(path: "/dev/fuse", type: .char, major: 10, minor: 229)])
        #expect(DeviceRules.v1Line(rules[0]) == "a")
        #expect(DeviceRules.v1Line(rules[1]) == "c 10:229 rw")
        #expect(DeviceRules.v1Line(rules[2]) == "c 10:229 rwm")
        #expect(rules.count == 3 + DeviceRules.defaultAllowed.count)
    }

    @Test func bpfProgramEncoding() {
        let program = DeviceFilterProgram.compile([
            Spec.DeviceRule(allow: false, type: "a", access: "rwm"),
            Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
        ])
        // 6 prologue + (jne type, mov, and, jne access, jne major, jne minor, mov r0, exit) + deny-all (mov r0, exit);
        // nothing follows the unconditional rule.
        #expect(program.count == 6 + 8 + 2)
        #expect(program[0].bytes == [0x61, 0x12, 0, 0, 0, 0, 0, 0])
        // The c 1:3 rule comes first (last rule wins): type check jumps over its 7 remaining instructions.
        #expect(program[6] == BPFInstruction(0x55, dst: 2, offset: 7, imm: 2))
        #expect(program[9] == BPFInstruction(0x5d, dst: 1, src: 3, offset: 4))
        #expect(program[12] == BPFInstruction(0xb7, dst: 0, imm: 1))
        #expect(program[14] == BPFInstruction(0xb7, dst: 0, imm: 0))
        #expect(program.last == BPFInstruction(0x95))
        #expect(DeviceFilterProgram.compile([Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm")]).suffix(2)
                == [BPFInstruction(0xb7, dst: 0, imm: 0), BPFInstruction(0x95)])
    }
}
