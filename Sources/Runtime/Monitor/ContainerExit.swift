/// How a monitored container's process ended, written by its monitor to
/// `<root>/<id>/exit.json` the moment it is reaped.
public struct ContainerExit: Codable, Sendable, Equatable {
    /// The exit code, or 128 + signal when it was killed.
    public var exitCode: Int32
    /// The signal that killed it, if any.
    public var signal: Int32?
    /// RFC 3339 (nanoseconds) time of the exit.
    public var finishedAt: String
    /// The kernel's OOM killer killed a process of the container.
    public var oomKilled: Bool

    public init(exitCode: Int32, signal: Int32?, finishedAt: String, oomKilled: Bool) {
        self.exitCode = exitCode
        self.signal = signal
        self.finishedAt = finishedAt
        self.oomKilled = oomKilled
    }
}
