extension Spec {
    /// The process to run in the container (also the `--process` file of `exec`).
    public struct Process: Codable, Sendable, Equatable {
        public var terminal: Bool?
        public var consoleSize: ConsoleSize?
        public var user: User
        public var args: [String]?
        public var commandLine: String?
        public var env: [String]?
        public var cwd: String
        public var capabilities: Capabilities?
        public var rlimits: [Rlimit]?
        public var noNewPrivileges: Bool?
        public var apparmorProfile: String?
        public var oomScoreAdj: Int?
        public var selinuxLabel: String?
        public var ioPriority: IOPriority?
        public var scheduler: Scheduler?
        public var execCPUAffinity: ExecCPUAffinity?

        public init(
            terminal: Bool? = nil, user: User = User(), args: [String]? = nil, env: [String]? = nil,
            cwd: String = "/", capabilities: Capabilities? = nil, rlimits: [Rlimit]? = nil,
            noNewPrivileges: Bool? = nil, oomScoreAdj: Int? = nil
        ) {
            self.terminal = terminal
            self.user = user
            self.args = args
            self.env = env
            self.cwd = cwd
            self.capabilities = capabilities
            self.rlimits = rlimits
            self.noNewPrivileges = noNewPrivileges
            self.oomScoreAdj = oomScoreAdj
        }
    }

    public struct ConsoleSize: Codable, Sendable, Equatable {
        public var height: UInt16
        public var width: UInt16
        public init(height: UInt16, width: UInt16) {
            self.height = height
            self.width = width
        }
    }

    /// The user the process runs as, in the container's user namespace.
    public struct User: Codable, Sendable, Equatable {
        public var uid: UInt32
        public var gid: UInt32
        public var umask: UInt32?
        public var additionalGids: [UInt32]?
        public init(uid: UInt32 = 0, gid: UInt32 = 0, umask: UInt32? = nil, additionalGids: [UInt32]? = nil) {
            self.uid = uid
            self.gid = gid
            self.umask = umask
            self.additionalGids = additionalGids
        }
    }

    /// The five capability sets, by name (`CAP_NET_BIND_SERVICE`).
    public struct Capabilities: Codable, Sendable, Equatable {
        public var bounding: [String]?
        public var effective: [String]?
        public var inheritable: [String]?
        public var permitted: [String]?
        public var ambient: [String]?
        public init(
            bounding: [String]? = nil, effective: [String]? = nil, inheritable: [String]? = nil,
            permitted: [String]? = nil, ambient: [String]? = nil
        ) {
            self.bounding = bounding
            self.effective = effective
            self.inheritable = inheritable
            self.permitted = permitted
            self.ambient = ambient
        }
    }

    /// A resource limit (`RLIMIT_NOFILE`, …).
    public struct Rlimit: Codable, Sendable, Equatable {
        public var type: String
        public var hard: UInt64
        public var soft: UInt64
        public init(type: String, hard: UInt64, soft: UInt64) {
            self.type = type
            self.hard = hard
            self.soft = soft
        }
    }

    public struct IOPriority: Codable, Sendable, Equatable {
        public var `class`: String
        public var priority: Int?
    }

    public struct Scheduler: Codable, Sendable, Equatable {
        public var policy: String
        public var nice: Int32?
        public var priority: Int32?
        public var flags: [String]?
        public var runtime: UInt64?
        public var deadline: UInt64?
        public var period: UInt64?
    }

    public struct ExecCPUAffinity: Codable, Sendable, Equatable {
        public var initial: String?
        public var final: String?
    }
}
