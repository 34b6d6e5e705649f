import LinuxSystem
/// Everything the container init needs, resolved and validated by the
/// runtime: the init never parses config.json and never decides anything a
/// unit test could not see.
struct InitConfig: Codable, Sendable, Equatable {
    enum Mode: String, Codable, Sendable {
        /// A new container: namespaces, rootfs, then wait for `start`.
        case create
        /// A process joining a running container.
        case exec
    }

    var mode: Mode
    var containerID: String
    var namespaces: NamespacePlan
    var timeOffsets: [String: Spec.TimeOffset]?
    /// create only.
    var rootfs: RootfsPlan?
    var hostname: String?
    var domainname: String?
    var sysctl: [String: String]
    var process: InitProcess
    /// Run by the init in the container's namespaces before pivot_root.
    var createContainerHooks: [Spec.Hook]
    /// Run by the init after `start`, before the user process.
    var startContainerHooks: [Spec.Hook]
    /// Descriptor numbers in the init.
    var execFifoFD: Int32?
    var consoleSocketFD: Int32?
    /// Descriptors 3..<3+preserveFDs stay open in the container process.
    var preserveFDs: Int32
    /// Skip creating a new session keyring (`--no-new-keyring`).
    var noNewKeyring: Bool
}

/// The process to execute, fully resolved.
struct InitProcess: Codable, Sendable, Equatable {
    var args: [String]
    var env: [String]
    var cwd: String
    var uid: UInt32
    var gid: UInt32
    var additionalGids: [UInt32]
    var umask: UInt32?
    var capabilities: CapabilitySets
    var rlimits: [ResolvedRlimit]
    var noNewPrivileges: Bool
    var oomScoreAdj: Int?
    var seccomp: SeccompProgram?
    var terminal: Bool
    var consoleSize: Spec.ConsoleSize?
}
