public import KubeAPI
public import Runtime
public import Images
import Foundation
import LinuxSystem

/// A volume mounted into a container.
/// A block volume's device node for a container (`volumeDevices`): the
/// device's numbers on the host and the path in the container.
public struct ResolvedDevice: Sendable, Equatable {
    public var containerPath: String
    public var major: Int64
    public var minor: Int64

    public init(containerPath: String, major: Int64, minor: Int64) {
        self.containerPath = containerPath
        self.major = major
        self.minor = minor
    }

    /// From a `st_rdev` (glibc's encoding of major and minor).
    public init(containerPath: String, rdev: UInt64) {
        self.init(containerPath: containerPath, major: Int64(((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff)),
                  minor: Int64((rdev & 0xff) | ((rdev >> 12) & ~0xff)))
    }
}

public struct ResolvedMount: Sendable, Equatable {
    public var hostPath: String
    public var containerPath: String
    public var readOnly: Bool
    public var propagation: String?

    public init(hostPath: String, containerPath: String, readOnly: Bool, propagation: String? = nil) {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.readOnly = readOnly
        self.propagation = propagation
    }
}

/// Turns a pod's container into an OCI runtime spec: process (command
/// merged with the image's entrypoint, environment, identity, capabilities,
/// seccomp), mounts (defaults, volumes, /etc files of the sandbox, the
/// termination log), namespaces (the sandbox's pinned ones, or the host's),
/// cgroup and resources. Pure: everything it needs is passed in.
public struct ContainerSpecBuilder: Sendable {
    public struct Input: Sendable {
        public var pod: Pod
        public var container: Container
        public var containerID: String
        public var attempt: Int
        public var isInit: Bool
        public var image: ImageRecord
        /// The container's root filesystem (an overlay mount).
        public var rootfs: String
        public var environment: [String]
        public var mounts: [ResolvedMount]
        /// Block devices of the pod's block volumes.
        public var devices: [ResolvedDevice] = []
        public var sandbox: Sandbox
        /// Host file bind-mounted at the termination message path.
        public var terminationLog: String
        /// `/proc/PID/ns/pid` of the pod's first container when it shares its process namespace.
        public var sharedPIDNamespace: String?
        /// The image's /etc/passwd and /etc/group contents, to resolve user names.
        public var passwd: String
        public var group: String
        /// Node memory capacity, for the Burstable oom_score_adj.
        public var memoryCapacity: Int64
        /// Loaded `Localhost` seccomp profiles (relative path → profile).
        public var localhostProfiles: [String: Spec.Seccomp]
        public var pidsLimit: Int64?

        public init(pod: Pod, container: Container, containerID: String, attempt: Int, isInit: Bool, image: ImageRecord, rootfs: String,
                    environment: [String], mounts: [ResolvedMount], sandbox: Sandbox, terminationLog: String,
                    sharedPIDNamespace: String? = nil, passwd: String = "", group: String = "", memoryCapacity: Int64 = 1 << 34,
                    localhostProfiles: [String: Spec.Seccomp] = [:], pidsLimit: Int64? = nil) {
            self.pod = pod
            self.container = container
            self.containerID = containerID
            self.attempt = attempt
            self.isInit = isInit
            self.image = image
            self.rootfs = rootfs
            self.environment = environment
            self.mounts = mounts
            self.sandbox = sandbox
            self.terminationLog = terminationLog
            self.sharedPIDNamespace = sharedPIDNamespace
            self.passwd = passwd
            self.group = group
            self.memoryCapacity = memoryCapacity
            self.localhostProfiles = localhostProfiles
            self.pidsLimit = pidsLimit
        }
    }

    /// Why a container cannot be created; shown as CreateContainerConfigError.
    public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
        public init(_ message: String) { description = message }
    }

    /// The capabilities containerd grants by default.
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    public static let maskedPaths = [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]
    public static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    public init() {}

    public func build(_ input: Input) throws(ConfigError) -> Spec {
        let c = input.container
        let podSC = input.pod.spec?.securityContext
        let sc = c.securityContext
        let privileged = sc?.privileged ?? false
        let values = Dictionary(input.environment.map { e -> (String, String) in
            let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { _, b in b })

        // Command: Kubernetes' rules for command/args versus the image's Entrypoint/Cmd.
        let imageConfig = input.image.config.config
        var argv: [String]
        if let command = c.command, !command.isEmpty {
            argv = command + (c.args ?? [])
        } else if let args = c.args {
            argv = (imageConfig?.Entrypoint ?? []) + args
        } else {
            argv = (imageConfig?.Entrypoint ?? []) + (imageConfig?.Cmd ?? [])
        }
        argv = argv.map { EnvResolver.expand($0, values) }
        guard !argv.isEmpty else {
            throw ConfigError("no command specified: the container sets no command and the image has no entrypoint or cmd")
        }
        // Image environment first, the pod's definitions override.
        var env: [String] = []
        var seen: Set<String> = []
        for e in (imageConfig?.Env ?? []) + input.environment {
            let name = String(e.split(separator: "=", maxSplits: 1).first ?? "")
            if seen.contains(name) { env.removeAll { $0.hasPrefix(name + "=") } }
            seen.insert(name)
            env.append(e)
        }
        if !seen.contains("HOSTNAME") { env.append("HOSTNAME=\(input.sandbox.hostname)") }

        let (uid, gid) = try identity(input, podSC: podSC, sc: sc)
        var groups = (podSC?.supplementalGroups ?? []).map { UInt32(truncatingIfNeeded: $0) }
        if let fsGroup = podSC?.fsGroup { groups.append(UInt32(truncatingIfNeeded: fsGroup)) }

        var caps: Set<String> = privileged ? Set(CapabilitySets.names(CapabilitySets.allKnown)) : Set(Self.defaultCapabilities)
        if !privileged {
            for add in sc?.capabilities?.add ?? [] {
                if add.uppercased() == "ALL" { caps = Set(CapabilitySets.names(CapabilitySets.allKnown)) } else { caps.insert(Self.capName(add)) }
            }
            for drop in sc?.capabilities?.drop ?? [] {
                if drop.uppercased() == "ALL" { caps = [] } else { caps.remove(Self.capName(drop)) }
            }
        }
        for name in caps where CapabilitySets.number(of: name) == nil {
            throw ConfigError("unknown capability \"\(name)\" in securityContext.capabilities")
        }
        let capList = caps.sorted()

        var process = Spec.Process(
            terminal: c.tty ?? false, user: Spec.User(uid: uid, gid: gid, additionalGids: groups.isEmpty ? nil : groups),
            args: argv, env: env, cwd: c.workingDir ?? imageConfig?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/",
            capabilities: Spec.Capabilities(bounding: capList, effective: capList, permitted: capList),
            noNewPrivileges: sc?.allowPrivilegeEscalation == false && !privileged,
            oomScoreAdj: oomScoreAdjust(input))
        process.terminal = false

        var spec = Spec.defaultConfig(terminal: false)
        spec.process = process
        spec.hostname = nil
        spec.root = Spec.Root(path: input.rootfs, readonly: sc?.readOnlyRootFilesystem ?? false)
        spec.annotations = [
            ContainerAnnotations.podName: input.pod.metadata.name ?? "",
            ContainerAnnotations.podNamespace: input.pod.metadata.namespace ?? "",
            ContainerAnnotations.podUID: input.sandbox.podUID,
            ContainerAnnotations.containerName: c.name ?? "",
            ContainerAnnotations.attempt: String(input.attempt),
            ContainerAnnotations.containerType: input.isInit ? "init" : "regular",
            ContainerAnnotations.image: c.image ?? "",
            ContainerAnnotations.imageID: input.image.id.description,
        ]
        spec.mounts = mounts(input, privileged: privileged)

        var linux = spec.linux ?? Spec.Linux()
        var namespaces: [Spec.Namespace] = [Spec.Namespace(type: "mount"), Spec.Namespace(type: "cgroup")]
        let s = input.sandbox
        for (kind, shared) in [(NamespaceKind.network, s.hostNetwork), (.ipc, s.hostIPC), (.uts, s.hostNetwork)] where !shared {
            if let path = s.pinned[kind] { namespaces.append(Spec.Namespace(type: kind.rawValue, path: path)) }
        }
        if !s.hostPID {
            namespaces.append(Spec.Namespace(type: "pid", path: input.sharedPIDNamespace))
        }
        linux.namespaces = namespaces
        // Block volumes: a node each (the runtime allows it in the device cgroup).
        if !input.devices.isEmpty {
            linux.devices = (linux.devices ?? []) + input.devices.map {
                Spec.Device(type: "b", path: $0.containerPath, major: $0.major, minor: $0.minor, fileMode: 0o660)
            }
        }
        linux.cgroupsPath = s.cgroupParent + "/" + input.containerID
        var resources = PodCgroups.containerResources(c, pidsLimit: input.pidsLimit)
        resources.devices = privileged ? [Spec.DeviceRule(allow: true, access: "rwm")] : [Spec.DeviceRule(allow: false, access: "rwm")]
        linux.resources = resources
        let unmasked = sc?.procMount == "Unmasked" || privileged
        linux.maskedPaths = unmasked ? [] : Self.maskedPaths
        linux.readonlyPaths = unmasked ? [] : Self.readonlyPaths
        var sysctl: [String: String] = [:]
        for item in podSC?.sysctls ?? [] { sysctl[item.name] = item.value }
        linux.sysctl = sysctl.isEmpty ? nil : sysctl
        linux.seccomp = privileged ? nil : try seccomp(input, podSC: podSC, sc: sc)
        spec.linux = linux
        return spec
    }

    static func capName(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }

    /// The user and group: securityContext, else the image's `User`.
    func identity(_ input: Input, podSC: PodSecurityContext?, sc: SecurityContext?) throws(ConfigError) -> (UInt32, UInt32) {
        var uid: UInt32?
        var gid: UInt32?
        var userName: String?
        if let u = sc?.runAsUser ?? podSC?.runAsUser { uid = UInt32(truncatingIfNeeded: u) }
        if let g = sc?.runAsGroup ?? podSC?.runAsGroup { gid = UInt32(truncatingIfNeeded: g) }
        if uid == nil, let user = input.image.config.config?.User, !user.isEmpty {
            let parts = user.split(separator: ":", maxSplits: 1).map(String.init)
            if let n = UInt32(parts[0]) {
                uid = n
            } else if let entry = Self.lookup(parts[0], in: input.passwd) {
                uid = entry.id
                if gid == nil { gid = entry.group }
                userName = parts[0]
            } else {
                throw ConfigError("unable to find user \(parts[0]) in the image's /etc/passwd")
            }
            if parts.count == 2, gid == nil {
                if let n = UInt32(parts[1]) { gid = n } else if let g = Self.lookup(parts[1], in: input.group) { gid = g.id } else {
                    throw ConfigError("unable to find group \(parts[1]) in the image's /etc/group")
                }
            }
        }
        let effectiveUID = uid ?? 0
        if (sc?.runAsNonRoot ?? podSC?.runAsNonRoot) == true {
            if let userName, uid == nil {
                throw ConfigError("container has runAsNonRoot and image has non-numeric user (\(userName)), cannot verify user is non-root")
            }
            if effectiveUID == 0 {
                throw ConfigError(sc?.runAsUser == 0 || podSC?.runAsUser == 0
                    ? "container's runAsUser breaks non-root policy"
                    : "container has runAsNonRoot and image will run as root")
            }
        }
        return (effectiveUID, gid ?? (uid == nil ? 0 : Self.primaryGroup(effectiveUID, in: input.passwd) ?? 0))
    }

    static func lookup(_ name: String, in file: String) -> (id: UInt32, group: UInt32?)? {
        for line in file.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 3, f[0] == name, let id = UInt32(f[2]) {
                return (id, f.count >= 4 ? UInt32(f[3]) : nil)
            }
        }
        return nil
    }

    static func primaryGroup(_ uid: UInt32, in passwd: String) -> UInt32? {
        for line in passwd.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 4, UInt32(f[2]) == uid { return UInt32(f[3]) }
        }
        return nil
    }

    /// The lowest oom_score_adj a container can be given: lowering it needs
    /// CAP_SYS_RESOURCE, which some hosts withhold even from root (sandboxed
    /// VMs, rootless setups); there nothing goes below the kubelet's own value
    /// (Kubernetes clamps the same way in user namespaces).
    static let oomScoreFloor = lowestOOMScore(capabilities: ProcFS.effectiveCapabilities(), ownScore: ProcFS.oomScoreAdj())

    /// -1000 for a process holding CAP_SYS_RESOURCE, else its own score (0 if unknown).
    static func lowestOOMScore(capabilities: UInt64?, ownScore: Int?) -> Int {
        if let capabilities, CapabilitySets.names(capabilities).contains("CAP_SYS_RESOURCE") { return -1000 }
        return ownScore ?? 0
    }

    func oomScoreAdjust(_ input: Input) -> Int {
        max(Self.oomScoreAdjustForQoS(input), Self.oomScoreFloor)
    }

    static func oomScoreAdjustForQoS(_ input: Input) -> Int {
        guard let spec = input.pod.spec else { return 0 }
        switch QoSClass(spec) {
        case .guaranteed: return -997
        case .bestEffort: return 1000
        case .burstable:
            let request = input.container.resources?.requests?["memory"]?.value ?? 0
            let adj = 1000 - Int((1000 * request) / max(input.memoryCapacity, 1))
            return min(max(adj, 2), 999)
        }
    }

    func mounts(_ input: Input, privileged: Bool) -> [Spec.Mount] {
        var mounts = Spec.defaultMounts.filter { $0.destination != "/dev/shm" }
        if privileged {
            mounts = mounts.map { m in
                var m = m
                if m.destination == "/sys" || m.destination == "/sys/fs/cgroup" { m.options = m.options?.filter { $0 != "ro" } }
                return m
            }
            mounts.removeAll { $0.destination == "/dev" || $0.destination == "/dev/pts" }
            mounts.insert(Spec.Mount(destination: "/dev", type: "bind", source: "/dev", options: ["rbind", "nosuid"]), at: 1)
        }
        let s = input.sandbox
        mounts.append(Spec.Mount(destination: "/dev/shm", type: "bind", source: s.hostIPC ? "/dev/shm" : s.shm, options: ["rbind", "nosuid", "nodev", "noexec"]))
        let userMounted = Set(input.mounts.map(\.containerPath))
        for (file, path) in [(s.hostsFile, "/etc/hosts"), (s.resolvConf, "/etc/resolv.conf"), (s.hostnameFile, "/etc/hostname")] where !userMounted.contains(path) {
            mounts.append(Spec.Mount(destination: path, type: "bind", source: file, options: ["rbind", "rprivate"]))
        }
        let terminationPath = input.container.terminationMessagePath ?? "/dev/termination-log"
        mounts.append(Spec.Mount(destination: terminationPath, type: "bind", source: input.terminationLog, options: ["rbind", "rprivate"]))
        for m in input.mounts {
            var options = ["rbind"]
            options.append(m.readOnly ? "ro" : "rw")
            switch m.propagation {
            case "Bidirectional": options.append("rshared")
            case "HostToContainer": options.append("rslave")
            default: options.append("rprivate")
            }
            mounts.append(Spec.Mount(destination: m.containerPath, type: "bind", source: m.hostPath, options: options))
        }
        return mounts
    }

    func seccomp(_ input: Input, podSC: PodSecurityContext?, sc: SecurityContext?) throws(ConfigError) -> Spec.Seccomp? {
        guard let profile = sc?.seccompProfile ?? podSC?.seccompProfile else { return nil }
        switch profile.type {
        case "RuntimeDefault": return DefaultSeccompProfile.spec
        case "Unconfined": return nil
        case "Localhost":
            guard let path = profile.localhostProfile, let loaded = input.localhostProfiles[path] else {
                throw ConfigError("seccomp profile \"\(profile.localhostProfile ?? "")\" not found under the kubelet's seccomp directory")
            }
            return loaded
        default:
            throw ConfigError("unknown seccomp profile type \"\(profile.type)\"")
        }
    }
}
