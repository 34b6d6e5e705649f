#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
public import KubeAPI
public import Runtime
import Netlink
public import Logging
import LinuxSystem

/// Creates and removes pod sandboxes: the pod directory, the pod cgroup,
/// pinned network/IPC/UTS namespaces (no pause process), the pod's network
/// connection, a shared /dev/shm, and /etc/hosts, resolv.conf and hostname.
public struct SandboxManager: Sendable {
    public struct DNS: Sendable, Equatable {
        /// Cluster DNS servers (kubelet --cluster-dns); empty: pods get the node's resolv.conf.
        public var clusterDNS: [String]
        public var clusterDomain: String
        /// The node's resolv.conf (dnsPolicy Default).
        public var hostResolvConf: String

        public init(clusterDNS: [String] = [], clusterDomain: String = "cluster.local", hostResolvConf: String = "/etc/resolv.conf") {
            self.clusterDNS = clusterDNS
            self.clusterDomain = clusterDomain
            self.hostResolvConf = hostResolvConf
        }
    }

    public let rootDirectory: String
    public let network: PodNetwork?
    public let nodeIP: String
    public let dns: DNS
    /// The executable that hosts namespace pinning (this program).
    public let executable: String
    /// Forks the pinning helpers when set, instead of starting `executable`.
    public let forkServer: ForkServer?
    /// The cgroup pods' `kubepods/…` hierarchy lives under ("" for the root).
    public let cgroupRoot: String
    let logger: Logger

    public init(rootDirectory: String, network: PodNetwork?, nodeIP: String, dns: DNS, executable: String = "/proc/self/exe",
                forkServer: ForkServer? = nil, cgroupRoot: String = "", logger: Logger = Logger(label: "kubelet.sandbox")) {
        self.rootDirectory = rootDirectory
        self.cgroupRoot = cgroupRoot
        self.network = network
        self.nodeIP = nodeIP
        self.dns = dns
        self.executable = executable
        self.forkServer = forkServer
        self.logger = logger
    }

    func directory(_ uid: String) -> String { rootDirectory + "/pods/" + uid }

    /// The sandbox of a pod, if one was created (and recorded).
    public func load(uid: String) -> Sandbox? {
        guard let bytes = try? FileIO.readBytes(directory(uid) + "/sandbox.json") else { return nil }
        return try? JSONDecoder().decode(Sandbox.self, from: Data(bytes))
    }

    /// Every recorded sandbox (for adoption after a restart).
    public func all() -> [Sandbox] {
        ((try? FileIO.listDirectory(rootDirectory + "/pods")) ?? []).compactMap { load(uid: $0) }
    }

    /// Creates the sandbox (or returns the existing one). On failure nothing is left.
    public func create(_ pod: Pod) throws -> Sandbox {
        guard let uid = pod.metadata.uid, let spec = pod.spec else { throw RuntimeError.other("pod without uid or spec") }
        if let existing = load(uid: uid) { return existing }
        let dir = directory(uid)
        try FileIO.makeDirectories(dir, mode: 0o750)
        let qos = QoSClass(spec)
        let hostNetwork = spec.hostNetwork ?? false, hostIPC = spec.hostIPC ?? false, hostPID = spec.hostPID ?? false
        let hostname = String((spec.hostname ?? pod.metadata.name ?? "pod").prefix(63))
        var sandbox = Sandbox(podUID: uid, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace ?? "default",
                              directory: dir, pinned: [:], hostNetwork: hostNetwork, hostIPC: hostIPC, hostPID: hostPID, ip: nil,
                              cgroupParent: PodCgroups.podPath(uid: uid, qos: qos, root: cgroupRoot), hostname: hostname,
                              created: Date().formatted(Date.ISO8601FormatStyle()))
        sandbox.labels = pod.metadata.labels
        do {
            let host = try CgroupHost.current()
            let paths = try CgroupManager.paths(for: sandbox.cgroupParent, host: host, own: [:])
            try CgroupManager(host: host, paths: paths).create(resources: PodCgroups.podResources(spec, qos: qos), deviceRules: nil)

            var kinds: [NamespaceKind] = []
            if !hostNetwork { kinds += [.network, .uts] }
            if !hostIPC { kinds.append(.ipc) }
            if !kinds.isEmpty {
                sandbox.pinned = try PinnedNamespaces.create(kinds, in: dir + "/ns", hostname: hostNetwork ? nil : hostname,
                                                               executable: executable, forkServer: forkServer)
            }
            if hostNetwork {
                sandbox.ip = nodeIP
            } else if let network, let netns = sandbox.pinned[.network] {
                sandbox.ip = try network.connect(podUID: uid, netns: netns).description
            } else if let netns = sandbox.pinned[.network] {
                // No pod network configured: only loopback.
                let rt = try RouteNetlink.open(namespace: netns)
                if let lo = try rt.link(named: "lo") { try rt.setUp(lo.index) }
            }
            if !hostIPC {
                try FileIO.makeDirectories(sandbox.shm, mode: 0o1777)
                try Mounts.mount(source: "shm", target: sandbox.shm, type: "tmpfs", flags: [.noSUID, .noDev, .noExec], data: "mode=1777,size=65536k")
            }
            try writeEtcFiles(pod, sandbox)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            // Atomic, not durable (as the IPAM file): the record outlives a
            // kubelet, not a reboot, which ends the sandbox with it.
            try FileIO.writeAtomically(dir + "/sandbox.json", Array(try encoder.encode(sandbox)), mode: 0o600)
            return sandbox
        } catch {
            try? remove(sandbox)
            throw error
        }
    }

    /// Removes everything the sandbox holds. Safe to repeat.
    public func remove(_ sandbox: Sandbox) throws {
        if MountPoint.isMountPoint(sandbox.shm) { try? Mounts.unmount(sandbox.shm, detach: true) }
        try? network?.disconnect(podUID: sandbox.podUID)
        PinnedNamespaces.remove(Array(sandbox.pinned.values))
        if let host = try? CgroupHost.current(), let paths = try? CgroupManager.paths(for: sandbox.cgroupParent, host: host, own: [:]) {
            try CgroupManager(host: host, paths: paths).destroy()
        }
        try FileIO.removeTree(sandbox.directory)
    }

    func writeEtcFiles(_ pod: Pod, _ s: Sandbox) throws {
        let spec = pod.spec
        var hosts = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        if let ip = s.ip, !s.hostNetwork {
            var names = [s.hostname]
            if let sub = spec?.subdomain, !sub.isEmpty {
                names.insert("\(s.hostname).\(sub).\(s.namespace).svc.\(dns.clusterDomain)", at: 0)
            }
            hosts += "\(ip)\t\(names.joined(separator: "\t"))\n"
        }
        for alias in spec?.hostAliases ?? [] {
            if let ip = alias.ip { hosts += "\n# Entries added by HostAliases.\n\(ip)\t\((alias.hostnames ?? []).joined(separator: "\t"))\n" }
        }
        if s.hostNetwork, let host = try? FileIO.read("/etc/hosts") { hosts = host }
        try FileIO.writeAtomically(s.hostsFile, Array(hosts.utf8), mode: 0o644)
        try FileIO.writeAtomically(s.resolvConf, Array(resolvConf(pod, namespace: s.namespace).utf8), mode: 0o644)
        try FileIO.writeAtomically(s.hostnameFile, Array((s.hostNetwork ? currentHostName() : s.hostname).utf8) + [10], mode: 0o644)
    }

    /// resolv.conf by dnsPolicy: ClusterFirst (cluster DNS and search path),
    /// Default (the node's), None (dnsConfig only); dnsConfig is merged in.
    public func resolvConf(_ pod: Pod, namespace: String) -> String {
        let policy = pod.spec?.dnsPolicy ?? "ClusterFirst"
        let hostNetwork = pod.spec?.hostNetwork ?? false
        var nameservers: [String] = []
        var searches: [String] = []
        var options: [String] = []
        let host = (try? FileIO.read(dns.hostResolvConf)) ?? ""
        func fromHost() {
            for line in host.split(separator: "\n") {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count >= 2 else { continue }
                switch f[0] {
                case "nameserver": nameservers.append(String(f[1]))
                case "search": searches += f.dropFirst().map(String.init)
                case "options": options += f.dropFirst().map(String.init)
                default: break
                }
            }
        }
        switch policy {
        case "None": break
        case "Default": fromHost()
        case "ClusterFirstWithHostNet" where !hostNetwork, "ClusterFirst" where !hostNetwork, "ClusterFirstWithHostNet":
            if dns.clusterDNS.isEmpty {
                fromHost()
            } else {
                nameservers = dns.clusterDNS
                let d = dns.clusterDomain
                searches = ["\(namespace).svc.\(d)", "svc.\(d)", d]
                options = ["ndots:5"]
            }
        default: fromHost() // ClusterFirst on the host network behaves like Default
        }
        if let config = pod.spec?.dnsConfig {
            nameservers += config.nameservers ?? []
            searches += config.searches ?? []
            for o in config.options ?? [] {
                guard let name = o.name else { continue }
                options.removeAll { $0 == name || $0.hasPrefix(name + ":") }
                options.append(o.value.map { "\(name):\($0)" } ?? name)
            }
        }
        var out = ""
        if !searches.isEmpty { out += "search " + searches.prefix(32).joined(separator: " ") + "\n" }
        for ns in nameservers.prefix(3) { out += "nameserver \(ns)\n" }
        if !options.isEmpty { out += "options " + options.joined(separator: " ") + "\n" }
        return out
    }
}
