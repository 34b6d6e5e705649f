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
        if let plan = try? ContainerPlan(id: "warm-up", bundle: "/", spec: spec, noPivot: false, noNewKeyring: false) {
            roundTrip(InitMessage.bootstrap(plan.initConfig))
        }
        let messages: [InitMessage] = [.requestIDMaps, .idMapsWritten, .forked(pid: 1), .proceed, .mountsReady,
                                       .hooksDone(state: "{}"), .ready, .execFailed(message: ""), .failed(stage: "", message: "")]
        messages.forEach { roundTrip($0) }
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

    private static func roundTrip<T: Codable>(_ value: T, sortedKeys: Bool = false) {
        let encoder = JSONEncoder()
        if sortedKeys { encoder.outputFormatting = [.sortedKeys] }
        guard let data = try? encoder.encode(value) else { return }
        _ = try? JSONDecoder().decode(T.self, from: data)
    }
}
