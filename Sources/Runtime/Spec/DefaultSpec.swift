import LinuxSystem
extension Spec {
    /// The configuration `swiftrun spec` writes: runc's default, a shell in
    /// `rootfs/` with its own pid, network, ipc, uts, mount and cgroup
    /// namespaces, a read-only root and the usual masked paths.
    public static func defaultConfig(terminal: Bool = true, args: [String] = ["sh"]) -> Spec {
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        return Spec(
            ociVersion: Spec.version,
            process: Process(
                terminal: terminal, user: User(uid: 0, gid: 0), args: args,
                env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                cwd: "/",
                capabilities: Capabilities(bounding: caps, effective: caps, permitted: caps, ambient: caps),
                rlimits: [Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
                noNewPrivileges: true),
            root: Root(path: "rootfs", readonly: true),
            hostname: "swiftrun",
            mounts: defaultMounts,
            linux: Linux(
                namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map { Namespace(type: $0) },
                resources: Resources(devices: [DeviceRule(allow: false, access: "rwm")]),
                maskedPaths: defaultMaskedPaths,
                readonlyPaths: defaultReadonlyPaths))
    }

    /// The mounts every container usually gets.
    public static let defaultMounts: [Mount] = [
        Mount(destination: "/proc", type: "proc", source: "proc"),
        Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        Mount(destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]

    public static let defaultMaskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    ]

    public static let defaultReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
}
