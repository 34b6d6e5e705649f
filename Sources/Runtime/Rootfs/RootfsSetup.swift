import LinuxSystem
/// Builds a container's root filesystem inside its new mount namespace:
/// propagation, the rootfs bind, every configured mount, /dev, then
/// pivot_root, then read-only root, masked and read-only paths.
///
/// All kernel work goes through ``MountSyscalls``, so the exact sequence is
/// unit-tested with a recording fake.
public struct RootfsSetup {
    public let plan: RootfsPlan
    public let ops: any MountSyscalls

    public init(plan: RootfsPlan, ops: any MountSyscalls) {
        self.plan = plan
        self.ops = ops
    }

    /// Everything before the root changes: mounts and devices.
    public func prepare() throws {
        let root = plan.rootfs
        // Nothing we mount may propagate back to the host.
        try ops.mount(source: nil, target: "/", type: nil, flags: plan.propagation, data: nil)
        // pivot_root needs the new root to be a mount point whose parent is not shared.
        try ops.mount(source: root, target: root, type: "bind", flags: [.bind, .recursive], data: nil)
        try ops.mount(source: nil, target: root, type: nil, flags: .private, data: nil)

        for entry in plan.mounts {
            try mount(entry)
        }
        if !plan.devIsBindMounted {
            try createDevices()
        }
    }

    /// Switches the root to the prepared rootfs.
    public func pivot() throws {
        if plan.noPivotRoot {
            try ops.moveRoot(plan.rootfs)
        } else {
            try ops.pivotRoot(plan.rootfs)
        }
    }

    /// After the pivot: read-only root, masked paths, read-only paths.
    public func finalize() throws {
        for path in plan.readonlyPaths {
            try makeReadonly(path)
        }
        for path in plan.maskedPaths {
            try mask(path)
        }
        if plan.readonly {
            try ops.mount(source: nil, target: "/", type: nil, flags: MountFlags([.bind, .remount, .readOnly]).union(ops.lockedFlags(of: "/")), data: nil)
        }
    }

    // MARK: - Mounts

    func mount(_ entry: MountEntry) throws {
        let target = try secureJoin(root: plan.rootfs, entry.destination, using: ops)
        switch entry.kind {
        case .bind:
            try createMountPoint(target, forSource: entry.source)
            try ops.mount(source: entry.source, target: target, type: "bind", flags: entry.options.flags.intersection([.bind, .recursive]), data: nil)
            let wanted = entry.options.flags.intersection(MountFlags.remountable)
            if !wanted.isEmpty {
                // A bind mount ignores flags on the first call; they take effect on a
                // remount, which must keep the flags the kernel locked on the source.
                let locked = ops.lockedFlags(of: target).subtracting(entry.options.cleared).subtracting(.readOnly)
                try ops.mount(source: nil, target: target, type: nil, flags: MountFlags([.bind, .remount]).union(wanted).union(locked), data: nil)
            }
        case .cgroup:
            try ops.makeDirectories(target, mode: 0o755)
            try mountCgroup(entry, at: target)
        case .filesystem:
            try ops.makeDirectories(target, mode: 0o755)
            let flags = entry.options.flags.subtracting([.bind, .recursive, .remount])
            let data = entry.options.dataString
            try ops.mount(source: entry.source, target: target, type: entry.type, flags: flags, data: data.isEmpty ? nil : data)
        }
        for propagation in entry.options.propagation {
            try ops.mount(source: nil, target: target, type: nil, flags: propagation, data: nil)
        }
    }

    func createMountPoint(_ target: String, forSource source: String) throws {
        if ops.kind(of: source) == .directory {
            try ops.makeDirectories(target, mode: 0o755)
        } else {
            try ops.createFile(target, mode: 0o644)
        }
    }

    func mountCgroup(_ entry: MountEntry, at target: String) throws {
        guard let cg = plan.cgroupMount else {
            throw RuntimeError.invalidConfig(field: "mounts", reason: "a cgroup mount at \(entry.destination) needs the container's cgroups")
        }
        let flags = entry.options.flags.subtracting([.bind, .recursive, .remount])
        if cg.unified {
            if cg.useNamespace {
                try ops.mount(source: "cgroup2", target: target, type: "cgroup2", flags: flags, data: nil)
            } else if let path = cg.unifiedPath {
                try bindReadonlyAware(path, target, flags)
            }
            return
        }
        // v1 and hybrid: a tmpfs holding one directory per hierarchy.
        try ops.mount(source: "tmpfs", target: target, type: "tmpfs", flags: flags.subtracting(.readOnly), data: "mode=755")
        for h in cg.hierarchies {
            let dir = target + "/" + h.name
            try ops.makeDirectories(dir, mode: 0o755)
            if cg.useNamespace {
                try ops.mount(source: "cgroup", target: dir, type: "cgroup", flags: flags, data: h.mountData)
            } else {
                try bindReadonlyAware(h.hostPath, dir, flags)
            }
        }
        if let path = cg.unifiedPath {
            let dir = target + "/unified"
            try ops.makeDirectories(dir, mode: 0o755)
            if cg.useNamespace {
                try ops.mount(source: "cgroup2", target: dir, type: "cgroup2", flags: flags, data: nil)
            } else {
                try bindReadonlyAware(path, dir, flags)
            }
        }
        if flags.contains(.readOnly) {
            try ops.mount(source: nil, target: target, type: nil, flags: MountFlags([.remount, .readOnly]).union(flags.intersection(.remountable)), data: "mode=755")
        }
    }

    private func bindReadonlyAware(_ source: String, _ target: String, _ flags: MountFlags) throws {
        try ops.mount(source: source, target: target, type: "bind", flags: [.bind], data: nil)
        let wanted = flags.intersection(.remountable)
        if !wanted.isEmpty {
            try ops.mount(source: nil, target: target, type: nil, flags: MountFlags([.bind, .remount]).union(wanted), data: nil)
        }
    }

    // MARK: - /dev

    func createDevices() throws {
        let root = plan.rootfs
        let old = ops.setUmask(0)
        defer { _ = ops.setUmask(old) }
        for device in plan.devices {
            let target = try secureJoin(root: root, device.path, using: ops)
            if let parent = target.lastIndex(of: "/").map({ String(target[..<$0]) }), !parent.isEmpty {
                try ops.makeDirectories(parent, mode: 0o755)
            }
            if plan.bindDevices {
                try ops.createFile(target, mode: 0o644)
                try ops.mount(source: device.path, target: target, type: "bind", flags: .bind, data: nil)
            } else {
                if let kind = ops.kind(of: target), kind != .directory { try ops.removeFile(target) }
                try ops.makeNode(target, type: device.type, major: device.major, minor: device.minor, mode: device.mode, uid: device.uid, gid: device.gid)
            }
        }
        for (link, target) in DeviceNode.defaultSymlinks {
            try ops.symlink(target, at: root + link)
        }
        if ops.kind(of: "/proc/kcore") != nil {
            try ops.symlink("/proc/kcore", at: root + "/dev/core")
        }
        // /dev/ptmx must be the container's own devpts instance.
        if ops.kind(of: root + "/dev/pts") == .directory {
            if let kind = ops.kind(of: root + "/dev/ptmx"), kind != .directory { try ops.removeFile(root + "/dev/ptmx") }
            try ops.symlink("pts/ptmx", at: root + "/dev/ptmx")
        }
    }

    // MARK: - After the pivot

    func mask(_ path: String) throws {
        switch ops.kind(of: path) {
        case nil:
            return
        case .directory?:
            try ops.mount(source: "tmpfs", target: path, type: "tmpfs", flags: .readOnly, data: nil)
        default:
            try ops.mount(source: "/dev/null", target: path, type: "bind", flags: .bind, data: nil)
        }
    }

    func makeReadonly(_ path: String) throws {
        guard ops.kind(of: path) != nil else { return }
        try ops.mount(source: path, target: path, type: "bind", flags: [.bind, .recursive], data: nil)
        try ops.mount(source: nil, target: path, type: nil, flags: MountFlags([.bind, .remount, .readOnly]).union(ops.lockedFlags(of: path)), data: nil)
    }
}
