import FoundationEssentials

/// Runs, once, the Codable work a monitor and an init do, so that the
/// children a ``ForkServer`` forks inherit the Swift runtime's caches (generic
/// metadata, protocol conformances, the encoders' own types) instead of
/// building them again in every container. Nothing here touches the host.
enum RuntimeWarmUp {
    static func run() {
        var spec = Spec.defaultConfig(terminal: false, args: ["true"])
        spec.root = Spec.Root(path: "/", readonly: true)
        roundTrip(spec)
        // The parts of a spec the default one leaves out and a kubelet's has.
        if let sample = try? JSONDecoder().decode(Spec.self, from: Data(kubeletLikeSpec.utf8)) { roundTrip(sample) }
        // First uses of the logger, the clock's formatting and process info.
        _ = ContainerRuntime(root: "/nonexistent")
        _ = ContainerRuntime.timestamp()
        _ = ProcessInfo.processInfo.processIdentifier
        var messages: [InitMessage] = [.requestIDMaps, .idMapsWritten, .forked(pid: 1), .proceed, .mountsReady,
                                       .hooksDone(state: "{}"), .ready, .execFailed(message: ""), .failed(stage: "", message: "")]
        if let plan = try? ContainerPlan(id: "warm-up", bundle: "/", spec: spec, noPivot: false, noNewKeyring: false) {
            messages.append(.bootstrap(plan.initConfig))
        }
        for message in messages {
            _ = (try? message.bytes).flatMap { try? InitMessage(bytes: $0) }
        }
        let state = OCIState(id: "warm-up", pid: 1, status: .created, bundle: "/", rootfs: "/", created: "")
        roundTrip(ContainerMonitor.Reply.created(state))
        roundTrip(ContainerMonitor.Reply.failed(.other("warm-up")))
        roundTrip(ContainerExit(exitCode: 0, signal: nil, finishedAt: "", oomKilled: false))
        guard let host = try? CgroupHost.current() else { return }
        roundTrip(ContainerRecord(id: "warm-up", bundle: "/", rootfs: "/", created: "", phase: .creating, pid: 1, pidStartTime: 1,
                                  cgroupHost: host, cgroupPaths: ["": ""], spec: spec, createdNamespaces: [.pid],
                                  monitor: MonitorRecord(logPath: "/", pid: 1)), sortedKeys: true)
        roundTrip(ContainerMonitor.Request(root: "/", id: "warm-up", bundle: "/", logPath: "/", pidFile: nil, noPivot: false,
                                           noNewKeyring: false, stdinFIFO: nil, cgroupHost: host))
    }

    static let kubeletLikeSpec = #"""
        {"ociVersion":"1.0.2","hostname":"h","annotations":{"a":"b"},"root":{"path":"rootfs"},
         "process":{"user":{"uid":1,"gid":1,"additionalGids":[1]},"args":["sh"],"env":["A=b"],"cwd":"/",
          "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]},
          "rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1}],"noNewPrivileges":true,"oomScoreAdj":1},
         "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid"]}],
         "linux":{"cgroupsPath":"/a","sysctl":{"a.b":"1"},"maskedPaths":["/x"],"readonlyPaths":["/y"],
          "namespaces":[{"type":"pid"},{"type":"network","path":"/p"}],
          "resources":{"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":1},"cpu":{"shares":2,"quota":1,"period":1},"pids":{"limit":1}},
          "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
           "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}}}
        """#

    private static func roundTrip<T: Codable>(_ value: T, sortedKeys: Bool = false) {
        let encoder = JSONEncoder()
        if sortedKeys { encoder.outputFormatting = [.sortedKeys] }
        guard let data = try? encoder.encode(value) else { return }
        _ = try? JSONDecoder().decode(T.self, from: data)
    }
}
