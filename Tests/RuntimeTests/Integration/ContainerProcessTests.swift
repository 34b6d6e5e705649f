import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import LinuxSystem

/// Real containers from the busybox rootfs, checked from inside.
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs))
struct ContainerProcessTests {
    @Test func identityNamespacesAndExitCode() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.hostname = "box-\(b.id.suffix(4))"
        b.spec.domainname = "example.test"
        b.spec.process?.user = Spec.User(uid: 1000, gid: 1000, additionalGids: [5, 65534])
        b.shell("echo host=$(hostname) dom=$(cat /proc/sys/kernel/domainname) pid=$$; id -u; id -g; id -G; pwd; exit 42")
        let r = try b.run()
        #expect(r.code == 42, "\(r)")
        #expect(r.stdout.contains("host=\(b.spec.hostname!) dom=example.test pid=1"))
        #expect(r.stdout.contains("\n1000\n1000\n1000 5 65534\n/\n"))
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    @Test func sysctlUmaskOomScoreAndTimeNamespace() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.linux?.sysctl = ["net.ipv4.ip_forward": "1", "kernel.shmmni": "1000"]
        b.spec.process?.user.umask = 0o027
        b.spec.process?.oomScoreAdj = 123
        let timeNamespace = NamespaceKind.time.isSupportedByKernel
        if timeNamespace {
            b.spec.linux?.namespaces?.append(Spec.Namespace(type: "time"))
            b.spec.linux?.timeOffsets = ["boottime": Spec.TimeOffset(secs: 864_000, nanosecs: 0)]
        }
        b.shell("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni /proc/self/oom_score_adj; umask; cut -d. -f1 /proc/uptime")
        let r = try b.run()
        #expect(r.code == 0, "\(r)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.prefix(4) == ["1", "1000", "123", "0027"], "\(r)")
        if timeNamespace {
            #expect((lines.last.flatMap { Int($0) } ?? 0) >= 864_000, "\(r)")
        }
        // The host's own value is untouched.
        #expect(try FileIO.readTrimmed("/proc/sys/kernel/shmmni") != "1000")
    }

    @Test func capabilitiesAndNoNewPrivileges() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.process?.capabilities = Spec.Capabilities(
            bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_ADMIN"], effective: ["CAP_KILL"], inheritable: ["CAP_KILL"],
            permitted: ["CAP_KILL", "CAP_CHOWN"], ambient: ["CAP_KILL"])
        b.shell("grep -E '^(Cap|NoNewPrivs)' /proc/self/status")
        let r = try b.run()
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("CapBnd:\t0000000000001021"))
        #expect(r.stdout.contains("CapAmb:\t0000000000000020"))
        #expect(r.stdout.contains("CapInh:\t0000000000000020"))
        #expect(r.stdout.contains("NoNewPrivs:\t1"))
    }

    @Test func seccompBlocksWithErrnoAndRlimitsApply() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.linux?.seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], syscalls: [
            Spec.Syscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(EXDEV)),
            Spec.Syscall(names: ["uname"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(EPERM), args: [Spec.SyscallArg(index: 0, value: 0, op: "SCMP_CMP_EQ")]),
        ])
        b.spec.process?.rlimits = [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 300, soft: 200), Spec.Rlimit(type: "RLIMIT_CORE", hard: 0, soft: 0)]
        b.shell("grep Seccomp: /proc/self/status; mkdir /tmp/x; echo mkdir=$?; ulimit -n; ulimit -Hn; ulimit -c; uname -s")
        let r = try b.run()
        #expect(r.stdout.contains("Seccomp:\t2"), "\(r)")
        #expect(r.stdout.contains("mkdir=1\n200\n300\n0\nLinux"), "\(r)")
        #expect(r.stderr.contains("Invalid cross-device link"), "\(r)")
    }

    @Test func maskedReadonlyPathsAndMounts() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        let data = b.dir + "/data"
        try FileIO.makeDirectories(data)
        try FileIO.writeAtomically(data + "/hello", Array("from host".utf8), mode: 0o644)
        b.spec.mounts?.append(Spec.Mount(destination: "/data", type: "bind", source: "data", options: ["rbind", "ro", "nosuid"]))
        b.spec.mounts?.append(Spec.Mount(destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m", "noexec"]))
        let masked = (b.spec.linux?.maskedPaths ?? []) + ["/etc/passwd", "/home"]
        b.spec.linux?.maskedPaths = masked
        b.shell("""
            echo passwd=$(wc -c < /etc/passwd); ls /home | wc -l; touch /home/x 2>/dev/null || echo home-ro
            echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo sys-ro
            touch /etc/new 2>/dev/null || echo root-ro
            cat /data/hello; echo; touch /data/x 2>/dev/null || echo data-ro
            grep -E ' /(data|scratch) ' /proc/self/mountinfo
            ls -l /dev/null /dev/zero /dev/ptmx /dev/fd | cut -c1,40-
            """)
        let r = try b.run()
        #expect(r.code == 0, "\(r)")
        for expected in ["passwd=0", "\n0\nhome-ro", "sys-ro", "root-ro", "from host\ndata-ro"] {
            #expect(r.stdout.contains(expected), "missing \(expected): \(r)")
        }
        #expect(r.stdout.contains(" /data ") && r.stdout.contains("ro,nosuid"), "\(r)")
        #expect(r.stdout.contains(" /scratch ") && r.stdout.contains("noexec"), "\(r)")
        #expect(r.stdout.contains("c") && r.stdout.contains("ptmx -> pts/ptmx"), "\(r)")
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    @Test func cgroupLimitsAreVisibleAndAForkBombStops() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.linux?.resources = Spec.Resources(
            devices: [Spec.DeviceRule(allow: false, access: "rwm")],
            memory: Spec.Memory(limit: 48 << 20), cpu: Spec.CPU(shares: 512, quota: 20_000, period: 100_000), pids: Spec.Pids(limit: 12))
        let host = try CgroupHost.detect()
        let v2 = { (controller: String) in host.location(of: controller) == .v2 }
        let memFile = v2("memory") ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes"
        let pidsDir = v2("pids") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/pids"
        // After the fork bomb, nothing but builtins: every fork would fail.
        b.shell("""
            cat \(memFile) \(pidsDir)/pids.max
            (for i in $(seq 1 40); do sleep 5 & done) 2>/tmp/err
            read current < \(pidsDir)/pids.current; echo current=$current
            while read line; do case "$line" in *fork*) echo fork-refused; break;; esac; done < /tmp/err
            exit 0
            """)
        let r = try b.run()
        #expect(r.stdout.hasPrefix("\(48 << 20)\n12\n"), "\(r)")
        let current = r.stdout.split(separator: "\n").first { $0.hasPrefix("current=") }.flatMap { Int($0.dropFirst(8)) } ?? 99
        #expect(current <= 12, "\(r)")
        #expect(r.stdout.contains("fork-refused"), "\(r)")
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    @Test(.requires(.path("/sys/kernel/mm/hugepages/hugepages-2048kB", "2 MiB huge pages")))
    func hugetlbLimitGoesWhereTheControllerIs() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.linux?.resources = Spec.Resources(hugepageLimits: [Spec.HugepageLimit(pageSize: "2MB", limit: 4 << 20)])
        b.spec.process?.args = ["sleep", "60"]
        let host = try CgroupHost.detect()
        let created = try b.create()
        switch host.location(of: "hugetlb") {
        case .v1(let h)?:
            #expect(created.code == 0, "\(created)")
            #expect(try FileIO.readTrimmed(h.mountpoint + "/swiftrun-test-\(b.id)/hugetlb.2MB.limit_in_bytes") == String(4 << 20))
        case .v2?:
            #expect(created.code == 0, "\(created)")
            #expect(try FileIO.readTrimmed(host.unifiedMountpoint! + "/swiftrun-test-\(b.id)/hugetlb.2MB.max") == String(4 << 20))
        case nil:
            #expect(created.code != 0 && created.stderr.contains("cannot enforce hugetlb limit"), "\(created)")
        }
        _ = try b.swiftrun(["delete", "--force", b.id])
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    @Test func userNamespaceWithMappings() throws {
        let b = try TestBundle(copyRootfs: true)
        defer { b.cleanUp() }
        b.spec.linux?.namespaces?.append(Spec.Namespace(type: "user"))
        b.spec.linux?.uidMappings = [Spec.IDMapping(containerID: 0, hostID: 200_000, size: 65536)]
        b.spec.linux?.gidMappings = [Spec.IDMapping(containerID: 0, hostID: 200_000, size: 65536)]
        b.shell("cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -ln /dev/null | cut -c1-30")
        let r = try b.run()
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("         0     200000      65536\n         0     200000      65536\n0\n"), "\(r)")
    }

    @Test func joinsAnotherContainersNamespacesByPath() throws {
        let a = try TestBundle()
        defer { a.cleanUp() }
        a.spec.hostname = "first"
        a.spec.process?.args = ["sleep", "60"]
        #expect(try a.create().code == 0)
        try a.swiftrun(["start", a.id])
        let pid = try #require(try a.state()).pid
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.hostname = nil
        let joined = (b.spec.linux?.namespaces ?? []).map { ns in
            ["network", "uts", "ipc"].contains(ns.type) ? Spec.Namespace(type: ns.type, path: "/proc/\(pid)/ns/\(NamespaceKind(rawValue: ns.type)?.procName ?? "")") : ns
        }
        b.spec.linux?.namespaces = joined
        b.shell("hostname; readlink /proc/self/ns/net")
        let r = try b.run()
        let theirs = try LinuxMountSyscalls().readLink("/proc/\(pid)/ns/net")
        #expect(r.stdout == "first\n\(theirs)\n", "\(r)")
        #expect(try a.swiftrun(["delete", "--force", a.id]).code == 0)
        #expect(a.leftovers.isEmpty && b.leftovers.isEmpty)
    }

    @Test func preservedDescriptorsReachTheContainer() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.shell("echo through-fd-3 >&3; ls /proc/self/fd | wc -l")
        var pipe2: [Int32] = [0, 0]
        #expect(pipe(&pipe2) == 0)
        try b.writeConfig()
        let r2 = try b.swiftrun(["run", "--bundle", b.dir, "--preserve-fds", "1", b.id], extraFDs: [pipe2[1]])
        close(pipe2[1])
        let got = String(decoding: try FileIO.readAll(fd: pipe2[0]), as: UTF8.self)
        close(pipe2[0])
        #expect(r2.code == 0, "\(r2)")
        #expect(got == "through-fd-3\n")
        // 0, 1, 2, 3 and the directory descriptor of ls itself.
        #expect(r2.stdout == "5\n", "\(r2)")
    }
}
