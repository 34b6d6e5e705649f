/// The status of a container, as the OCI state reports it.
public enum OCIStatus: String, Codable, Sendable {
    /// `create` is in progress.
    case creating
    /// The init waits for `start`.
    case created
    /// The user process runs.
    case running
    /// Frozen by `pause`.
    case paused
    /// The process has exited (or `create` failed half-way).
    case stopped
}

/// The OCI state of a container, as `swiftrun state` prints it (runc's fields,
/// which containerd parses).
public struct OCIState: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    public var pid: Int32
    public var status: OCIStatus
    public var bundle: String
    public var rootfs: String
    /// RFC 3339 creation time.
    public var created: String
    public var owner: String
    public var annotations: [String: String]?

    public init(ociVersion: String = Spec.version, id: String, pid: Int32, status: OCIStatus, bundle: String, rootfs: String, created: String, owner: String = "", annotations: [String: String]? = nil) {
        self.ociVersion = ociVersion
        self.id = id
        self.pid = pid
        self.status = status
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.owner = owner
        self.annotations = annotations
    }
}
