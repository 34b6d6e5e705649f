public import LinuxSystem
/// Everything the container init needs to build the container's root
/// filesystem, resolved and validated by the runtime before the init starts.
public struct RootfsPlan: Codable, Sendable, Equatable {
    /// Absolute host path of the root filesystem.
    public var rootfs: String
    public var readonly: Bool
    /// Propagation applied to `/` of the new mount namespace first.
    public var propagation: MountFlags
    public var mounts: [MountEntry]
    /// Device nodes to create (the defaults plus `linux.devices`), unless /dev is bind-mounted.
    public var devices: [DeviceNode]
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    /// Use MS_MOVE + chroot instead of pivot_root (`--no-pivot`, roots on ramfs).
    public var noPivotRoot: Bool
    /// Device nodes cannot be created in a user namespace; bind-mount them from the host.
    public var bindDevices: Bool
    /// How `cgroup` mounts are satisfied.
    public var cgroupMount: CgroupMountPlan?

    public init(
        rootfs: String, readonly: Bool = false, propagation: MountFlags = [.slave, .recursive],
        mounts: [MountEntry] = [], devices: [DeviceNode] = DeviceNode.defaults,
        maskedPaths: [String] = [], readonlyPaths: [String] = [], noPivotRoot: Bool = false,
        bindDevices: Bool = false, cgroupMount: CgroupMountPlan? = nil
    ) {
        self.rootfs = rootfs
        self.readonly = readonly
        self.propagation = propagation
        self.mounts = mounts
        self.devices = devices
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.noPivotRoot = noPivotRoot
        self.bindDevices = bindDevices
        self.cgroupMount = cgroupMount
    }

    /// Whether /dev comes from a bind mount, in which case no nodes are created.
    public var devIsBindMounted: Bool {
        mounts.contains { $0.destination == "/dev" && $0.kind == .bind }
    }
}

/// How to mount the cgroup filesystem inside the container.
public struct CgroupMountPlan: Codable, Sendable, Equatable {
    /// The host has a pure v2 (unified) hierarchy.
    public var unified: Bool
    /// The container has its own cgroup namespace, so fresh cgroup filesystems
    /// show its cgroup as the root; otherwise the host directories are bind-mounted.
    public var useNamespace: Bool
    /// v1 hierarchies (empty on unified hosts).
    public var hierarchies: [Hierarchy]
    /// The container's directory in the v2 tree (unified hosts, and hybrid hosts'
    /// `unified` mount).
    public var unifiedPath: String?

    public struct Hierarchy: Codable, Sendable, Equatable {
        /// Directory name under the cgroup mount (`memory`, `cpu`, `systemd`).
        public var name: String
        /// mount(2) data for a fresh mount (`memory`, `name=systemd`).
        public var mountData: String
        /// The container's directory in the host hierarchy.
        public var hostPath: String
    }

    public init(unified: Bool, useNamespace: Bool, hierarchies: [Hierarchy], unifiedPath: String?) {
        self.unified = unified
        self.useNamespace = useNamespace
        self.hierarchies = hierarchies
        self.unifiedPath = unifiedPath
    }
}
