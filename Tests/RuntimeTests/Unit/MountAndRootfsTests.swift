import Testing
@testable import Runtime
import LinuxSystem

@Suite struct MountOptionsTests {
    @Test func parsesFlagsPropagationAndData() throws {
        let o = try MountOptions(["nosuid", "noexec", "ro", "rw", "rshared", "mode=755", "size=64k", "rbind"], field: "m")
        #expect(o.flags == [.noSUID, .noExec, .bind, .recursive])
        #expect(o.cleared.contains(.readOnly))
        #expect(o.propagation == [[.shared, .recursive]])
        #expect(o.dataString == "mode=755,size=64k")
    }

    @Test func refusesUnsupportedOptions() {
        #expect(throws: RuntimeError.self) { try MountOptions(["tmpcopyup"], field: "m") }
        #expect(throws: RuntimeError.self) { try MountOptions(["rnosuid"], field: "m") }
    }

    @Test func rootPropagationDefaultsToRecursiveSlave() throws {
        #expect(try MountOptions.rootPropagation(nil) == [.slave, .recursive])
        #expect(try MountOptions.rootPropagation("private") == [.private, .recursive])
    }

    @Test func cleansDestinations() {
        #expect(FileIO.cleanPath("/a/./b//../c/") == "/a/c")
        #expect(FileIO.cleanPath("/../../x") == "/x")
    }
}

@Suite struct RootfsSetupTests {
    func plan(_ mounts: [Spec.Mount], readonly: Bool = false) throws -> RootfsPlan {
        RootfsPlan(
            rootfs: "/r", readonly: readonly,
            mounts: try mounts.enumerated().map { try MountEntry($1, index: $0, bundle: "/b") },
            devices: [DeviceNode(path: "/dev/null", type: .char, major: 1, minor: 3)],
            maskedPaths: ["/proc/kcore", "/proc/acpi", "/missing"], readonlyPaths: ["/proc/sys"])
    }

    @Test func mountsInOrderThenDevicesThenPivot() throws {
        let fs = RecordingMountSyscalls(files: ["/r/dev/pts": .directory, "/proc/kcore": .regular, "/proc/acpi": .directory, "/proc/sys": .directory])
        let setup = RootfsSetup(plan: try plan([
            Spec.Mount(destination: "/proc", type: "proc", source: "proc"),
            Spec.Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755"]),
            Spec.Mount(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["rprivate"]),
        ], readonly: true), ops: fs)
        try setup.prepare()
        try setup.pivot()
        try setup.finalize()
        #expect(fs.calls == [
            "mount - / - rec,slave",
            "mount /r /r bind bind,rec",
            "mount - /r - private",
            "mkdir /r/proc",
            "mount proc /r/proc proc 0",
            "mkdir /r/dev",
            "mount tmpfs /r/dev tmpfs nosuid mode=755",
            "mkdir /r/tmp",
            "mount tmpfs /r/tmp tmpfs 0",
            "mount - /r/tmp - rec,private",
            "mkdir /r/dev",
            "mknod /r/dev/null c 1:3 666",
            "symlink /r/dev/fd -> /proc/self/fd",
            "symlink /r/dev/stdin -> /proc/self/fd/0",
            "symlink /r/dev/stdout -> /proc/self/fd/1",
            "symlink /r/dev/stderr -> /proc/self/fd/2",
            "symlink /r/dev/core -> /proc/kcore",
            "symlink /r/dev/ptmx -> pts/ptmx",
            "pivot_root /r",
            "mount /proc/sys /proc/sys bind bind,rec",
            "mount - /proc/sys - ro,remount,bind",
            "mount /dev/null /proc/kcore bind bind",
            "mount tmpfs /proc/acpi tmpfs ro",
            "mount - / - ro,remount,bind",
        ])
    }

    @Test func bindMountRemountsWithFlagsAndKeepsLockedOnes() throws {
        let fs = RecordingMountSyscalls(files: ["/b/data": .directory])
        fs.locked = [.noDev, .noSUID]
        let entry = MountEntry(kind: .bind, source: "/b/data", destination: "/data", type: "bind",
                               options: try MountOptions(["rbind", "ro", "noexec"], field: "m"))
        try RootfsSetup(plan: RootfsPlan(rootfs: "/r"), ops: fs).mount(entry)
        #expect(fs.calls == [
            "mkdir /r/data",
            "mount /b/data /r/data bind bind,rec",
            "mount - /r/data - ro,nosuid,nodev,noexec,remount,bind",
        ])
    }

    @Test func fileBindGetsAFileMountPoint() throws {
        let fs = RecordingMountSyscalls(files: ["/etc/resolv.conf": .regular])
        let entry = MountEntry(kind: .bind, source: "/etc/resolv.conf", destination: "/etc/resolv.conf", type: "bind",
                               options: try MountOptions(["bind"], field: "m"))
        try RootfsSetup(plan: RootfsPlan(rootfs: "/r"), ops: fs).mount(entry)
        #expect(fs.calls.first == "touch /r/etc/resolv.conf")
    }

    @Test func devicesAreBindMountedInUserNamespaces() throws {
        let fs = RecordingMountSyscalls()
        var p = RootfsPlan(rootfs: "/r", devices: [DeviceNode(path: "/dev/zero", type: .char, major: 1, minor: 5)])
        p.bindDevices = true
        try RootfsSetup(plan: p, ops: fs).createDevices()
        #expect(fs.calls.prefix(3) == ["mkdir /r/dev", "touch /r/dev/zero", "mount /dev/zero /r/dev/zero bind bind"])
    }

    @Test func cgroupMountOnHybridHostWithNamespace() throws {
        let fs = RecordingMountSyscalls()
        var p = RootfsPlan(rootfs: "/r")
        p.cgroupMount = CgroupMountPlan(unified: false, useNamespace: true, hierarchies: [
            .init(name: "memory", mountData: "memory", hostPath: "/sys/fs/cgroup/memory/c"),
            .init(name: "systemd", mountData: "name=systemd", hostPath: "/sys/fs/cgroup/systemd/c"),
        ], unifiedPath: "/sys/fs/cgroup/unified/c")
        let entry = try MountEntry(Spec.Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "ro"]), index: 0, bundle: "/b")
        try RootfsSetup(plan: p, ops: fs).mount(entry)
        #expect(fs.calls == [
            "mkdir /r/sys/fs/cgroup",
            "mount tmpfs /r/sys/fs/cgroup tmpfs nosuid mode=755",
            "mkdir /r/sys/fs/cgroup/memory",
            "mount cgroup /r/sys/fs/cgroup/memory cgroup ro,nosuid memory",
            "mkdir /r/sys/fs/cgroup/systemd",
            "mount cgroup /r/sys/fs/cgroup/systemd cgroup ro,nosuid name=systemd",
            "mkdir /r/sys/fs/cgroup/unified",
            "mount cgroup2 /r/sys/fs/cgroup/unified cgroup2 ro,nosuid",
            "mount - /r/sys/fs/cgroup - ro,nosuid,remount mode=755",
        ])
    }

    @Test func noPivotMovesTheRoot() throws {
        let fs = RecordingMountSyscalls()
        try RootfsSetup(plan: RootfsPlan(rootfs: "/r", noPivotRoot: true), ops: fs).pivot()
        #expect(fs.calls == ["move_root /r"])
    }
}
