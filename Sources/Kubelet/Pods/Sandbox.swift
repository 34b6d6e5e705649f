public import Runtime

/// A pod's sandbox: what the pod's containers share, recorded in
/// `<root-dir>/pods/<uid>/sandbox.json` so a restarted kubelet adopts it.
public struct Sandbox: Codable, Sendable, Equatable {
    public var podUID: String
    public var name: String
    public var namespace: String
    /// `<root-dir>/pods/<uid>`.
    public var directory: String
    /// Pinned namespaces (`net`, `ipc`, `uts` → file), absent when the pod uses the host's.
    public var pinned: [NamespaceKind: String]
    public var hostNetwork: Bool
    public var hostIPC: Bool
    public var hostPID: Bool
    public var ip: String?
    /// The pod's cgroup (`/kubepods/burstable/pod<uid>`).
    public var cgroupParent: String
    public var hostname: String
    /// RFC 3339 creation time (the pod's startTime).
    public var created: String
    /// The pod's labels when the sandbox was made (for nodectl's filters).
    public var labels: [String: String]?

    public init(podUID: String, name: String, namespace: String, directory: String, pinned: [NamespaceKind: String],
                hostNetwork: Bool, hostIPC: Bool, hostPID: Bool, ip: String?, cgroupParent: String, hostname: String, created: String) {
        self.podUID = podUID
        self.name = name
        self.namespace = namespace
        self.directory = directory
        self.pinned = pinned
        self.hostNetwork = hostNetwork
        self.hostIPC = hostIPC
        self.hostPID = hostPID
        self.ip = ip
        self.cgroupParent = cgroupParent
        self.hostname = hostname
        self.created = created
    }

    public var hostsFile: String { directory + "/etc-hosts" }
    public var resolvConf: String { directory + "/resolv.conf" }
    public var hostnameFile: String { directory + "/hostname" }
    public var shm: String { directory + "/shm" }
    public var volumesDirectory: String { directory + "/volumes" }
    public func containerDirectory(_ name: String, attempt: Int) -> String { directory + "/containers/\(name)-\(attempt)" }
}
