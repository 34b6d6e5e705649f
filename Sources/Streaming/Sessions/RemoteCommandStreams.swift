/// What an exec or attach handler sees of the client, whichever protocol
/// carries it: stdin to read, terminal resizes, and stdout/stderr to write.
public final class RemoteCommandStreams: Sendable {
    public let options: RemoteCommandOptions
    /// The client's stdin (nil unless asked for); ends at its EOF.
    public let stdin: BytePipe?
    /// Terminal sizes, in order (only with a tty).
    public let resizes: AsyncStream<TerminalSize>
    /// Fires when the client disconnects before the command ends.
    public let clientGone = Signal()
    let sendStdout: @Sendable ([UInt8]) async throws -> Void
    let sendStderr: @Sendable ([UInt8]) async throws -> Void

    init(options: RemoteCommandOptions, stdin: BytePipe?, resizes: AsyncStream<TerminalSize>,
         stdout: @escaping @Sendable ([UInt8]) async throws -> Void, stderr: @escaping @Sendable ([UInt8]) async throws -> Void) {
        self.options = options
        self.stdin = stdin
        self.resizes = resizes
        sendStdout = stdout
        sendStderr = stderr
    }

    /// Sends process output to the client's stdout (dropped if it asked for none).
    public func stdout(_ bytes: [UInt8]) async throws {
        guard options.stdout, !bytes.isEmpty else { return }
        try await sendStdout(bytes)
    }

    /// Sends to the client's stderr (with a tty, its stdout).
    public func stderr(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        if options.tty { return try await stdout(bytes) }
        guard options.stderr else { return }
        try await sendStderr(bytes)
    }
}
