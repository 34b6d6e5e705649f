/// The OCI "features" document (`swiftrun features`): what this runtime
/// implements, so higher layers can check before they ask.
public struct RuntimeFeatures: Codable, Sendable {
    public struct Linux: Codable, Sendable {
        public struct Cgroup: Codable, Sendable {
            public var v1 = true
            public var v2 = true
            public var systemd = false
            public var systemdUser = false
        }
        public struct Seccomp: Codable, Sendable {
            public var enabled = true
            public var actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"]
            public var operators = ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"]
            public var archs = ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"]
        }
        public var namespaces = NamespaceKind.allCases.map(\.rawValue)
        public var capabilities = CapabilitySets.names(CapabilitySets.allKnown)
        public var cgroup = Cgroup()
        public var seccomp = Seccomp()
    }

    public var ociVersionMin = "1.0.0"
    public var ociVersionMax = Spec.version
    public var hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
    public var mountOptions = [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud",
        "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
        "nostrictatime", "nosuid", "nosymfollow", "private", "rbind", "relatime", "remount", "ro", "rprivate",
        "rshared", "rslave", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow",
        "sync", "unbindable",
    ]
    public var linux = Linux()

    public static var current: RuntimeFeatures { RuntimeFeatures() }
}
