import LinuxSystem
/// A validated container: config.json checked field by field and turned into
/// the init's configuration, the cgroup settings and the id maps. Building a
/// plan touches nothing on the host, so every refusal happens before
/// anything exists.
struct ContainerPlan {
    let spec: Spec
    let bundle: String
    let rootfs: String
    let namespaces: NamespacePlan
    let uidMappings: [Spec.IDMapping]
    let gidMappings: [Spec.IDMapping]
    let devices: [DeviceNode]
    let deviceRules: [Spec.DeviceRule]
    let resources: Spec.Resources?
    let cgroupsPath: String
    var initConfig: InitConfig

    init(id: String, bundle: String, spec: Spec, noPivot: Bool, noNewKeyring: Bool) throws {
        guard spec.ociVersion.hasPrefix("1.") else {
            throw RuntimeError.invalidConfig(field: "ociVersion", reason: "\"\(spec.ociVersion)\" is not a 1.x runtime-spec version")
        }
        guard let root = spec.root, !root.path.isEmpty else {
            throw RuntimeError.invalidConfig(field: "root.path", reason: "required field is missing")
        }
        let rootfs = root.path.hasPrefix("/") ? root.path : bundle + "/" + root.path
        guard FileIO.isDirectory(rootfs) else {
            throw RuntimeError.invalidConfig(field: "root.path", reason: "\(rootfs) does not exist or is not a directory")
        }
        guard let process = spec.process else {
            throw RuntimeError.invalidConfig(field: "process", reason: "required to create a container")
        }
        guard let linux = spec.linux else {
            throw RuntimeError.invalidConfig(field: "linux", reason: "required: this runtime runs Linux containers")
        }
        try ContainerPlan.refuseUnsupported(spec)

        let namespaces = try NamespacePlan(spec: linux.namespaces ?? [])
        for kind in namespaces.create where !kind.isSupportedByKernel {
            throw RuntimeError.invalidConfig(field: "linux.namespaces", reason: "this kernel has no \(kind.rawValue) namespace")
        }
        let uidMappings = linux.uidMappings ?? []
        let gidMappings = linux.gidMappings ?? []
        if namespaces.create.contains(.user) {
            if uidMappings.isEmpty || gidMappings.isEmpty {
                throw RuntimeError.invalidConfig(field: "linux.uidMappings", reason: "a new user namespace needs both uidMappings and gidMappings")
            }
        } else if !uidMappings.isEmpty || !gidMappings.isEmpty {
            throw RuntimeError.invalidConfig(field: "linux.uidMappings", reason: "id mappings need a new user namespace in linux.namespaces")
        }
        if let h = spec.hostname, !h.isEmpty, !namespaces.has(.uts) {
            throw RuntimeError.invalidConfig(field: "hostname", reason: "setting a hostname needs its own uts namespace")
        }
        if let d = spec.domainname, !d.isEmpty, !namespaces.has(.uts) {
            throw RuntimeError.invalidConfig(field: "domainname", reason: "setting a domainname needs its own uts namespace")
        }
        if let offsets = linux.timeOffsets, !offsets.isEmpty {
            guard namespaces.create.contains(.time) else {
                throw RuntimeError.invalidConfig(field: "linux.timeOffsets", reason: "time offsets need a new time namespace")
            }
            for key in offsets.keys where key != "monotonic" && key != "boottime" {
                throw RuntimeError.invalidConfig(field: "linux.timeOffsets.\(key)", reason: "only monotonic and boottime clocks can be offset")
            }
        }
        try ContainerPlan.validateSysctl(linux.sysctl ?? [:], namespaces: namespaces)

        let mounts = try (spec.mounts ?? []).enumerated().map { try MountEntry($1, index: $0, bundle: bundle) }
        if !namespaces.has(.mount) {
            throw RuntimeError.invalidConfig(field: "linux.namespaces", reason: "a container needs its own mount namespace")
        }
        let devices = try DeviceNode.defaults + (linux.devices ?? []).enumerated().map { try DeviceNode($1, index: $0) }
        let rules = try DeviceRules.effective(config: linux.resources?.devices, devices: devices.filter { d in !DeviceNode.defaults.contains(d) })
        let propagation = try MountOptions.rootPropagation(linux.rootfsPropagation)

        let initProcess = try ContainerPlan.resolveProcess(process, field: "process", seccomp: linux.seccomp)

        self.spec = spec
        self.bundle = bundle
        self.rootfs = rootfs
        self.namespaces = namespaces
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.devices = devices
        self.deviceRules = rules
        self.resources = linux.resources
        self.cgroupsPath = linux.cgroupsPath.flatMap { $0.isEmpty ? nil : $0 } ?? "/\(id)"
        self.initConfig = InitConfig(
            mode: .create, containerID: id, namespaces: namespaces, timeOffsets: linux.timeOffsets,
            rootfs: RootfsPlan(
                rootfs: rootfs, readonly: root.readonly ?? false, propagation: propagation, mounts: mounts,
                devices: devices, maskedPaths: linux.maskedPaths ?? [], readonlyPaths: linux.readonlyPaths ?? [],
                noPivotRoot: noPivot, bindDevices: namespaces.create.contains(.user) || namespaces.join.contains { $0.kind == .user },
                cgroupMount: nil),
            hostname: spec.hostname.flatMap { $0.isEmpty ? nil : $0 },
            domainname: spec.domainname.flatMap { $0.isEmpty ? nil : $0 },
            sysctl: linux.sysctl ?? [:], process: initProcess,
            createContainerHooks: spec.hooks?.createContainer ?? [], startContainerHooks: spec.hooks?.startContainer ?? [],
            execFifoFD: nil, consoleSocketFD: nil, preserveFDs: 0, noNewKeyring: noNewKeyring)
    }

    /// Resolves a process (the container's or an exec's) into what the init applies.
    static func resolveProcess(_ process: Spec.Process, field: String, seccomp: Spec.Seccomp?) throws -> InitProcess {
        guard let args = process.args, !args.isEmpty, !args[0].isEmpty else {
            throw RuntimeError.invalidConfig(field: "\(field).args", reason: "must name the program to run")
        }
        if process.commandLine != nil {
            throw RuntimeError.invalidConfig(field: "\(field).commandLine", reason: "is for Windows containers")
        }
        guard process.cwd.hasPrefix("/") else {
            throw RuntimeError.invalidConfig(field: "\(field).cwd", reason: "\"\(process.cwd)\" must be an absolute path")
        }
        for (i, entry) in (process.env ?? []).enumerated() where !entry.contains("=") {
            throw RuntimeError.invalidConfig(field: "\(field).env[\(i)]", reason: "\"\(entry)\" is not NAME=VALUE")
        }
        if let adj = process.oomScoreAdj, adj < -1000 || adj > 1000 {
            throw RuntimeError.invalidConfig(field: "\(field).oomScoreAdj", reason: "\(adj) must be between -1000 and 1000")
        }
        if let profile = process.apparmorProfile, !profile.isEmpty, HostSecurity.appArmorEnabled {
            throw RuntimeError.invalidConfig(field: "\(field).apparmorProfile", reason: "AppArmor is enabled on this host but this runtime cannot apply profiles; remove the field")
        }
        if let label = process.selinuxLabel, !label.isEmpty, HostSecurity.seLinuxEnabled {
            throw RuntimeError.invalidConfig(field: "\(field).selinuxLabel", reason: "SELinux is enabled on this host but this runtime cannot apply labels; remove the field")
        }
        if process.scheduler != nil {
            throw RuntimeError.invalidConfig(field: "\(field).scheduler", reason: "not supported by this runtime")
        }
        if process.ioPriority != nil {
            throw RuntimeError.invalidConfig(field: "\(field).ioPriority", reason: "not supported by this runtime")
        }
        if process.execCPUAffinity != nil {
            throw RuntimeError.invalidConfig(field: "\(field).execCPUAffinity", reason: "not supported by this runtime")
        }
        return InitProcess(
            args: args, env: process.env ?? [], cwd: process.cwd,
            uid: process.user.uid, gid: process.user.gid, additionalGids: process.user.additionalGids ?? [],
            umask: process.user.umask,
            capabilities: try CapabilitySets(process.capabilities, field: "\(field).capabilities"),
            rlimits: try ResolvedRlimit.resolve(process.rlimits, field: "\(field).rlimits"),
            noNewPrivileges: process.noNewPrivileges ?? false, oomScoreAdj: process.oomScoreAdj,
            seccomp: try seccomp.map { try SeccompCompiler.compile($0) },
            terminal: process.terminal ?? false, consoleSize: process.consoleSize)
    }

    static func refuseUnsupported(_ spec: Spec) throws {
        if spec.linux?.intelRdt != nil {
            throw RuntimeError.invalidConfig(field: "linux.intelRdt", reason: "Intel RDT is not supported by this runtime")
        }
        if spec.linux?.memoryPolicy != nil {
            throw RuntimeError.invalidConfig(field: "linux.memoryPolicy", reason: "not supported by this runtime")
        }
        if spec.linux?.personality != nil {
            throw RuntimeError.invalidConfig(field: "linux.personality", reason: "not supported by this runtime")
        }
        if let label = spec.linux?.mountLabel, !label.isEmpty, HostSecurity.seLinuxEnabled {
            throw RuntimeError.invalidConfig(field: "linux.mountLabel", reason: "SELinux is enabled on this host but this runtime cannot apply labels")
        }
    }

    /// Only namespaced sysctls may be set, and only in a namespace the
    /// container owns (the rules runc applies).
    static func validateSysctl(_ sysctl: [String: String], namespaces: NamespacePlan) throws {
        let ipcKeys: Set<String> = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]
        for key in sysctl.keys.sorted() {
            let field = "linux.sysctl[\"\(key)\"]"
            guard !key.contains("/"), !key.contains("..") else {
                throw RuntimeError.invalidConfig(field: field, reason: "not a sysctl name")
            }
            if ipcKeys.contains(key) || key.hasPrefix("fs.mqueue.") {
                guard namespaces.has(.ipc) else { throw RuntimeError.invalidConfig(field: field, reason: "needs the container's own ipc namespace") }
            } else if key.hasPrefix("net.") {
                guard namespaces.has(.network) else { throw RuntimeError.invalidConfig(field: field, reason: "would change the host's network namespace; give the container its own") }
            } else if key == "kernel.hostname" || key == "kernel.domainname" {
                guard namespaces.has(.uts) else { throw RuntimeError.invalidConfig(field: field, reason: "needs the container's own uts namespace") }
                throw RuntimeError.invalidConfig(field: field, reason: "set the top-level hostname/domainname fields instead")
            } else {
                throw RuntimeError.invalidConfig(field: field, reason: "is not namespaced and would change the host")
            }
        }
    }
}

/// Linux security modules present on this host.
enum HostSecurity {
    static var appArmorEnabled: Bool {
        ((try? FileIO.readTrimmed("/sys/module/apparmor/parameters/enabled")) ?? "N") == "Y"
    }

    static var seLinuxEnabled: Bool {
        FileIO.exists("/sys/fs/selinux/enforce")
    }
}
