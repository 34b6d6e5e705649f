import Runtime

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

    public var isRunning: Bool { state == .running }
    public var exitCode: Int32? {
        if case .exited(let code, _, _, _) = state { return code }
        return nil
    }
}
