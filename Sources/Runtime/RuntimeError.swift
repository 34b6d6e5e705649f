public import LinuxSystem
/// Everything the runtime can refuse or fail at, each case carrying what a
/// user needs to fix it.
public enum RuntimeError: Error, CustomStringConvertible, Sendable, Equatable, Codable {
    /// A config.json (or `--process`, or `update`) field is malformed or unsupported.
    case invalidConfig(field: String, reason: String)
    /// A container id is not usable as a directory name.
    case invalidContainerID(String)
    /// `create` of an id that already exists.
    case containerExists(String)
    /// An operation on an id that does not exist under the state root.
    case containerNotFound(String)
    /// The container is in the wrong state for the operation.
    case invalidState(id: String, status: OCIStatus, operation: String)
    /// A signal name or number this system does not know.
    case unknownSignal(String)
    /// A feature this runtime or this host cannot provide.
    case unsupported(String)
    /// A cgroup limit the host cannot enforce.
    case cgroupUnavailable(controller: String, layout: String, detail: String)
    /// The container's init process failed at `stage`.
    case initFailed(stage: String, message: String)
    /// A hook failed or timed out.
    case hookFailed(kind: String, path: String, reason: String)
    /// A system call failed.
    case system(SystemError)
    /// Anything else, already phrased for a user.
    case other(String)

    public var description: String {
        switch self {
        case .invalidConfig(let field, let reason):
            return "invalid config: \(field): \(reason)"
        case .invalidContainerID(let id):
            return "invalid container id \"\(id)\": use letters, digits, '_', '+', '-' and '.', not starting with '.', at most 1024 characters"
        case .containerExists(let id):
            return "container \"\(id)\" already exists; pick another id or `delete` it first"
        case .containerNotFound(let id):
            return "container \"\(id)\" does not exist"
        case .invalidState(let id, let status, let operation):
            switch (operation, status) {
            case ("delete", .running), ("delete", .paused):
                return "cannot delete container \"\(id)\": it is \(status.rawValue); stop it first or use --force"
            default:
                return "cannot \(operation) container \"\(id)\": it is \(status.rawValue)"
            }
        case .unknownSignal(let s):
            return "unknown signal \"\(s)\"; use a name such as TERM, SIGKILL or RTMIN+3, or a number"
        case .unsupported(let what):
            return "unsupported: \(what)"
        case .cgroupUnavailable(let controller, let layout, let detail):
            return "cannot enforce \(controller) limit: \(detail) (this host's cgroup layout is \(layout))"
        case .initFailed(let stage, let message):
            return "container init failed at \(stage): \(message)"
        case .hookFailed(let kind, let path, let reason):
            return "\(kind) hook \(path) failed: \(reason)"
        case .system(let error):
            return error.description
        case .other(let message):
            return message
        }
    }
}

extension RuntimeError {
    /// Wraps any error as a ``RuntimeError``.
    static func wrap(_ error: any Error) -> RuntimeError {
        if let e = error as? RuntimeError { return e }
        if let e = error as? SystemError { return .system(e) }
        return .other("\(error)")
    }
}

extension RuntimeError {
    /// The status a shell gives a command it could not start, for errors
    /// from looking up or executing a process's `args[0]`: 127 when it does
    /// not exist, 126 when it exists but cannot run; nil for other errors.
    /// `kubectl exec` and `nodectl exec` exit with it, as users expect.
    public var commandExitCode: Int32? {
        let text = description
        guard text.contains("exec: \"") else { return nil }
        let rest = text
        if rest.contains("executable file not found") || rest.contains("No such file or directory") { return 127 }
        if rest.contains("permission denied") || rest.contains("Permission denied") || rest.contains("is a directory") { return 126 }
        return nil
    }
}
