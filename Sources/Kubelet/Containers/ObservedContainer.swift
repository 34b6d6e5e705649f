public import Runtime

/// What the runtime says about one of a pod's containers right now.
public struct ObservedContainer: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case created
        case running
        case exited(code: Int32, signal: Int32?, finishedAt: String, oomKilled: Bool)
        /// Gone from the runtime (or died without a monitor record).
        case unknown
    }

    public var id: String
    public var podUID: String
    public var name: String
    public var attempt: Int
    public var isInit: Bool
    public var state: State
    public var createdAt: String
    public var startedAt: String?
    public var imageID: String
    public var image: String
    public var pid: Int32
    /// The container's termination message (after it exited).
    public var terminationMessage: String?
    /// The pod's name and namespace as the container was made for it (nodectl shows them).
    public var podName = ""
    public var podNamespace = ""
    /// The container's CRI log file.
    public var logPath: String?

    public var isRunning: Bool { state == .running }
    public var exitCode: Int32? {
        if case .exited(let code, _, _, _) = state { return code }
        return nil
    }
}

/// The annotations the kubelet writes into each container's OCI spec
/// (``ContainerSpecBuilder``) and reads back to find a container's pod after
/// a restart, and nodectl to list them (``ObservedContainer/parse(_:exitStatus:readFile:)``).
public enum ContainerAnnotations {
    public static let podName = "io.kubernetes.pod.name"
    public static let podNamespace = "io.kubernetes.pod.namespace"
    public static let podUID = "io.kubernetes.pod.uid"
    public static let containerName = "io.kubernetes.container.name"
    /// The attempt number, 0 for the first run of the container.
    public static let attempt = "io.kubernetes.container.attempt"
    /// `init` or `regular`.
    public static let containerType = "io.kubernetes.container.type"
    public static let image = "io.kubernetes.container.image"
    public static let imageID = "io.kubernetes.container.imageID"
    /// The container's CRI log file (for nodectl logs).
    public static let logPath = "io.kubernetes.container.logpath"
}

extension ObservedContainer {
    /// A kubelet-made container as its runtime state shows it, nil for one
    /// without the kubelet's annotations. `exitStatus` gives the monitor's
    /// exit record of a stopped container (none: ``State/unknown``);
    /// `readFile` reads the bundle's `started` and `termination-log` files.
    public static func parse(_ state: OCIState, exitStatus: (String) -> ContainerExit?, readFile: (String) -> String?) -> ObservedContainer? {
        typealias Key = ContainerAnnotations
        guard let a = state.annotations, let uid = a[Key.podUID], let name = a[Key.containerName] else { return nil }
        let startedAt = readFile(state.bundle + "/started").flatMap { $0.isEmpty ? nil : $0 }
        var result: State
        switch state.status {
        case .creating, .created: result = .created
        case .running, .paused: result = .running
        case .stopped:
            if let exit = exitStatus(state.id) {
                result = .exited(code: exit.exitCode, signal: exit.signal, finishedAt: exit.finishedAt, oomKilled: exit.oomKilled)
            } else {
                result = .unknown
            }
        }
        var message: String?
        if case .exited = result {
            message = readFile(state.bundle + "/termination-log").map { String($0.prefix(4096)) }
        }
        return ObservedContainer(id: state.id, podUID: uid, name: name, attempt: Int(a[Key.attempt] ?? "0") ?? 0,
                                 isInit: a[Key.containerType] == "init", state: result, createdAt: state.created,
                                 startedAt: startedAt, imageID: a[Key.imageID] ?? "", image: a[Key.image] ?? "", pid: state.pid,
                                 terminationMessage: message, podName: a[Key.podName] ?? "", podNamespace: a[Key.podNamespace] ?? "",
                                 logPath: a[Key.logPath])
    }
}
