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
    /// The first terminal size the client sent (kubectl sends one at once).
    let firstSize = FirstValue<TerminalSize>()
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

    /// The client's initial terminal size, if it arrives within `timeout`
    /// (so a terminal can start with the right size instead of racing the
    /// first resize).
    public func initialTerminalSize(within timeout: Duration) async -> TerminalSize? {
        await firstSize.value(within: timeout)
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

/// The first value something produces, for those who wait a bounded time.
actor FirstValue<Value: Sendable> {
    private var value: Value?
    private var waiters: [CheckedContinuation<Value?, Never>] = []

    func offer(_ v: Value) {
        guard value == nil else { return }
        value = v
        for w in waiters { w.resume(returning: v) }
        waiters = []
    }

    func value(within timeout: Duration) async -> Value? {
        if let value { return value }
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.expire()
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func expire() {
        for w in waiters { w.resume(returning: value) }
        waiters = []
    }
}
