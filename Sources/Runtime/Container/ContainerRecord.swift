/// What the runtime persists about a container in `<root>/<id>/state.json`.
///
/// It is written atomically at every step of `create` (first with phase
/// `creating` and the planned cgroup paths, before anything exists), so a
/// runtime killed at any point leaves a record that `list` shows and `delete`
/// can clean up.
public struct ContainerRecord: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        case creating, created
    }

    public var id: String
    public var bundle: String
    public var rootfs: String
    /// RFC 3339.
    public var created: String
    public var phase: Phase
    /// The container's init (pid 1 inside), in the runtime's pid namespace; 0 until known.
    public var pid: Int32
    /// The init's start time in clock ticks since boot (/proc/PID/stat field 22),
    /// so a recycled pid is never mistaken for the container.
    public var pidStartTime: UInt64
    public var cgroupHost: CgroupHost
    public var cgroupPaths: [String: String]
    public var spec: Spec
    /// Namespaces the container created, to find them for `exec`.
    public var createdNamespaces: [NamespaceKind]
    /// Set when a monitor process owns the container's stdio and exit status.
    public var monitor: MonitorRecord?

    public init(id: String, bundle: String, rootfs: String, created: String, phase: Phase, pid: Int32, pidStartTime: UInt64,
                cgroupHost: CgroupHost, cgroupPaths: [String: String], spec: Spec, createdNamespaces: [NamespaceKind], monitor: MonitorRecord? = nil) {
        self.id = id
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.phase = phase
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.cgroupHost = cgroupHost
        self.cgroupPaths = cgroupPaths
        self.spec = spec
        self.createdNamespaces = createdNamespaces
        self.monitor = monitor
    }
}

/// Where a monitored container's output and exit status go.
public struct MonitorRecord: Codable, Sendable, Equatable {
    /// CRI-format log file.
    public var logPath: String
    /// The monitor's pid (it reaps the container).
    public var pid: Int32
}
