#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Runtime
import Streaming

/// `kubectl attach`: the container's output from now on, read from its CRI
/// log (the container monitor owns its stdout and stderr pipes, so the log is
/// where they go), and, when the container was started with `stdin: true`,
/// the client's stdin written to the FIFO the monitor made its stdin (see
/// ``ContainerManager/stdinFIFO(bundle:)``). Ends when the container stops or
/// the client leaves. A container with `tty: true` is attached without a
/// terminal (our containers' output always goes through the log).
struct ContainerAttach: Sendable {
    let runtime: ContainerRuntime

    /// How often the log is checked for new records.
    static let pollInterval: Duration = .milliseconds(100)

    func run(containerID: String, logPath: String, streams: RemoteCommandStreams) async -> RemoteCommandResult {
        let bundle = (try? runtime.record(id: containerID))?.bundle
        let fifo = bundle.map { ContainerManager.stdinFIFO(bundle: $0) }
        let stopped = Signal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await follow(logPath: logPath, containerID: containerID, streams: streams)
                await stopped.fire()
            }
            group.addTask {
                await Signal.first(streams.clientGone, stopped)
                await stopped.fire()
            }
            if let stdin = streams.stdin {
                group.addTask {
                    await Self.forward(stdin, toFIFO: fifo, until: stopped)
                }
            }
            await stopped.wait()
            group.cancelAll()
        }
        return .success
    }

    /// Sends log records appended after now, by stream, until the container
    /// stops (and its last records are read) or the task is cancelled.
    func follow(logPath: String, containerID: String, streams: RemoteCommandStreams) async {
        let fd = open(logPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var offset = lseek(fd, 0, SEEK_END)
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var finalPass = false
        while !Task.isCancelled {
            let got = pread(fd, &buffer, buffer.count, offset)
            if got > 0 {
                offset += off_t(got)
                pending += buffer[0..<got]
                guard let last = pending.lastIndex(of: 10) else { continue }
                for record in CRIRecord.parse(pending[...last]) {
                    if record.stream == "stderr" { try? await streams.stderr(record.bytes) } else { try? await streams.stdout(record.bytes) }
                }
                pending.removeSubrange(...last)
                continue
            }
            if (try? runtime.state(id: containerID).status) != .running {
                if finalPass { return }
                // The monitor may still be writing the last output; it records
                // the exit only after the log is flushed. Then read once more.
                for _ in 0..<20 where runtime.exitStatus(id: containerID) == nil {
                    try? await Task.sleep(for: Self.pollInterval)
                }
                finalPass = true
                continue
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
    }

    /// The client's stdin into the container's stdin FIFO (drained and
    /// dropped when the container has none).
    static func forward(_ stdin: BytePipe, toFIFO fifo: String?, until stopped: Signal) async {
        // The monitor holds the FIFO open for reading, so this open does not block.
        let fd = fifo.map { open($0, O_WRONLY | O_CLOEXEC | O_NONBLOCK) } ?? -1
        guard fd >= 0, let channel = try? await DescriptorChannel.writing(fd) else {
            if fd >= 0 { close(fd) }
            // Nothing reads it: drop what the client sends.
            await stdin.cancel()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while let chunk = await stdin.read() {
                    do { try await DescriptorChannel.write(chunk, to: channel) } catch { break }
                }
            }
            group.addTask { await stopped.wait() }
            await group.next()
            // Whatever was written is in the pipe; a write still waiting for a
            // reader that is gone fails now instead of hanging.
            channel.close(promise: nil)
            group.cancelAll()
            await stdin.cancel()
        }
    }
}

/// One record of a CRI log line (`TIMESTAMP STREAM F|P TEXT`): the text, with
/// the newline a full record ends in.
struct CRIRecord: Equatable {
    var stream: String
    var bytes: [UInt8]

    static func parse(_ text: ArraySlice<UInt8>) -> [CRIRecord] {
        text.split(separator: 10, omittingEmptySubsequences: true).compactMap { line in
            let fields = line.split(separator: 32, maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3 else { return nil }
            let stream = String(decoding: fields[1], as: UTF8.self)
            let full = fields[2].first == UInt8(ascii: "F")
            let body = fields.count > 3 ? Array(fields[3]) : []
            return CRIRecord(stream: stream, bytes: full ? body + [10] : body)
        }
    }
}
