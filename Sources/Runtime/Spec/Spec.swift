/// The OCI runtime configuration (`config.json`), runtime-spec v1.2.
///
/// Field names and JSON shapes follow the specification exactly so that
/// bundles written by runc, containerd or Kubernetes tooling decode unchanged.
/// Unknown fields are ignored, as the specification asks.
public struct Spec: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var process: Process?
    public var root: Root?
    public var hostname: String?
    public var domainname: String?
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?

    public init(
        ociVersion: String = Spec.version, process: Process? = nil, root: Root? = nil,
        hostname: String? = nil, domainname: String? = nil, mounts: [Mount]? = nil,
        hooks: Hooks? = nil, annotations: [String: String]? = nil, linux: Linux? = nil
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
    }

    /// The runtime-spec version this runtime implements.
    public static let version = "1.2.0"

    /// The root filesystem of the container.
    public struct Root: Codable, Sendable, Equatable {
        public var path: String
        public var readonly: Bool?
        public init(path: String, readonly: Bool? = nil) {
            self.path = path
            self.readonly = readonly
        }
    }

    /// One entry of `mounts`.
    public struct Mount: Codable, Sendable, Equatable {
        public var destination: String
        public var type: String?
        public var source: String?
        public var options: [String]?
        public var uidMappings: [IDMapping]?
        public var gidMappings: [IDMapping]?
        public init(destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
        }
    }

    /// A user namespace id mapping (`containerID` → `hostID`, `size` ids).
    public struct IDMapping: Codable, Sendable, Equatable {
        public var containerID: UInt32
        public var hostID: UInt32
        public var size: UInt32
        public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
            self.containerID = containerID
            self.hostID = hostID
            self.size = size
        }
    }
}
