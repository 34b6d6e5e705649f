import LinuxSystem
/// One mount as the container init performs it: the config.json entry with
/// its source resolved against the bundle and its options parsed.
public struct MountEntry: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A bind mount (`bind`/`rbind` option or type `bind`).
        case bind
        /// The cgroup filesystem, set up from the container's own cgroups.
        case cgroup
        /// Any other filesystem (proc, sysfs, tmpfs, devpts, mqueue, overlay, …).
        case filesystem
    }

    public var kind: Kind
    public var source: String
    /// Absolute path inside the container.
    public var destination: String
    public var type: String
    public var options: MountOptions

    public init(kind: Kind, source: String, destination: String, type: String, options: MountOptions) {
        self.kind = kind
        self.source = source
        self.destination = destination
        self.type = type
        self.options = options
    }

    /// Builds the entry for `mounts[index]`, resolving a relative bind source
    /// against `bundle`.
    public init(_ mount: Spec.Mount, index: Int, bundle: String) throws {
        let field = "mounts[\(index)]"
        guard mount.destination.hasPrefix("/") else {
            throw RuntimeError.invalidConfig(field: "\(field).destination", reason: "\"\(mount.destination)\" must be an absolute path inside the container")
        }
        guard mount.uidMappings == nil, mount.gidMappings == nil else {
            throw RuntimeError.invalidConfig(field: "\(field).uidMappings", reason: "id-mapped mounts are not supported by this runtime")
        }
        var options = try MountOptions(mount.options ?? [], field: "\(field).options")
        let type = mount.type ?? ""
        if type == "bind" { options.flags.insert(.bind) }
        var source = mount.source ?? ""
        let kind: Kind
        if options.isBind {
            kind = .bind
            guard !source.isEmpty else {
                throw RuntimeError.invalidConfig(field: "\(field).source", reason: "a bind mount needs a source")
            }
            if !source.hasPrefix("/") { source = bundle + "/" + source }
            guard FileIO.exists(source) else {
                throw RuntimeError.invalidConfig(field: "\(field).source", reason: "bind source \(source) does not exist")
            }
        } else if type == "cgroup" || type == "cgroup2" {
            kind = .cgroup
        } else {
            kind = .filesystem
            guard !type.isEmpty else {
                throw RuntimeError.invalidConfig(field: "\(field).type", reason: "a mount that is not a bind mount needs a filesystem type")
            }
            if source.isEmpty { source = type }
        }
        self.init(kind: kind, source: source, destination: FileIO.cleanPath(mount.destination), type: type, options: options)
    }
}
